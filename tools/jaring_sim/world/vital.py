"""Vital events beyond births, deaths and moves: families arriving from outside the city (`DATANG`) and
biodata corrections (`UBAH_BIODATA`), as extra columns of `registry.csv`.

- `TGL_DATANG`: the person lives in the city, and the registry knows them, from that day (born elsewhere,
  earlier). Only families no other source knows arrive, so every finding stays what it was.
- `TGL_UBAH`, `JENIS_PKRJN_UBAH`, `STATUS_KAWIN_UBAH`: from that day the registry shows the new occupation
  and marital status (fields no finding reads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jaring_sim.world.calendar import FIRST_DAY, LAST_DAY, text
from jaring_sim.world.io import as_text

ARRIVING_FAMILY_SHARE = 0.01
CHANGED_PERSON_SHARE = 0.01
NEW_OCCUPATIONS = np.array(["WIRASWASTA", "KARYAWAN SWASTA", "BURUH HARIAN LEPAS", "PEDAGANG", "SOPIR"], dtype=object)


def add(rng: np.random.Generator, registry: pd.DataFrame, known_elsewhere: set[str]) -> pd.DataFrame:
    """`registry` (the CSV's columns) with the arrival and biodata-change columns filled."""
    registry = registry.copy()
    span = int((LAST_DAY - FIRST_DAY).astype(int))
    nik, born, families = (column(registry, name) for name in ("NIK", "TGL_LHR", "NO_KK"))
    settled = (column(registry, "TGL_MATI") == "") & (column(registry, "TGL_PINDAH") == "")

    elsewhere = pd.Series(np.isin(nik, list(known_elsewhere)) | ~settled | (families == "")).groupby(families).transform("any")
    candidates = np.unique(families[~elsewhere.to_numpy()])
    arriving = rng.choice(candidates, size=int(len(candidates) * ARRIVING_FAMILY_SHARE), replace=False)
    day = dict(zip(arriving, text(FIRST_DAY + rng.integers(1, span, size=len(arriving)).astype("timedelta64[D]")),
                   strict=True))
    arrival = np.array([day.get(f, "") for f in families], dtype=object)
    registry["TGL_DATANG"] = np.where((arrival != "") & (born < arrival), arrival, "")

    n = len(registry)
    change = text(FIRST_DAY + rng.integers(1, span, size=n).astype("timedelta64[D]"))
    changes = (rng.random(n) < CHANGED_PERSON_SHARE) & settled & (born < change) & (registry["TGL_DATANG"] == "")
    registry["TGL_UBAH"] = np.where(changes, change, "")
    registry["JENIS_PKRJN_UBAH"] = np.where(changes, NEW_OCCUPATIONS[rng.integers(len(NEW_OCCUPATIONS), size=n)], "")
    status = column(registry, "STATUS_KAWIN")
    married = np.where(status == "BELUM KAWIN", "KAWIN", status)
    registry["STATUS_KAWIN_UBAH"] = np.where(changes, married, "")
    return registry


def column(registry: pd.DataFrame, name: str) -> np.ndarray:
    """A column as the CSV will hold it (dates as ISO text, empty for null)."""
    return np.asarray(as_text(registry[name]), dtype=str)
