"""The eligibility and quota rules (policy.md), loaded from a file and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jaring import config
from jaring.errors import Permanent


class PolicyError(ValueError, Permanent):
    """The policy file is unusable; the message names the bad key."""


@dataclass(frozen=True)
class Policy:
    city_prefix: str
    age_min: int
    age_max: int
    max_desil: int
    informal_status_pekerjaan: frozenset[int]
    rt_categories_by_year: dict[int, frozenset[str]]
    apbd_payer: str
    apbd_quota_by_year: dict[int, int]
    monthly_premium: int
    premium_due_day: int
    arrears_window_months: int
    jkm_death_benefit: int
    # suite -> the fewest rows a night must bring (a BLOCKING rule even on a source's first night)
    volume_floor: dict[str, int] = field(default_factory=dict)

    def rt_categories(self, night: date) -> frozenset[str]:
        return self.rt_categories_by_year.get(night.year, frozenset())

    def apbd_quota(self, night: date) -> int:
        if night.year not in self.apbd_quota_by_year:
            raise PolicyError(f"apbd_quota_by_year: no quota set for {night.year}")
        return self.apbd_quota_by_year[night.year]


def _get(doc: dict, dotted: str):
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PolicyError(f"policy key '{dotted}' is missing")
        node = node[part]
    return node


def _int(doc: dict, dotted: str, low: int = 0, high: int | None = None) -> int:
    value = _get(doc, dotted)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"policy key '{dotted}' must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        raise PolicyError(f"policy key '{dotted}' = {value} is out of range")
    return value


def _by_year(doc: dict, dotted: str, convert) -> dict:
    value = _get(doc, dotted)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"policy key '{dotted}' must map years to values")
    out = {}
    for year, item in value.items():
        try:
            out[int(year)] = convert(item)
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"policy key '{dotted}.{year}' is invalid: {exc}") from exc
    return out


def _categories(items) -> frozenset[str]:
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("must be a list of category names")
    return frozenset(i.strip().upper() for i in items)


def _quota(item) -> int:
    if isinstance(item, bool) or not isinstance(item, int) or item < 0:
        raise ValueError("must be a non-negative whole number")
    return item


# the validation suites a floor may be set for (jaring.validation.suites.SUITES; not imported: the policy is a leaf)
VOLUME_FLOOR_SUITES = ("dukcapil", "bpjs_peserta", "bpjs_iuran", "bpjs_klaim", "dtsen", "rt")


def _volume_floor(doc: dict) -> dict[str, int]:
    """`volume_floor`: suite -> a whole number >= 0, or null (no floor); a suite not named has no floor."""
    value = _get(doc, "volume_floor")
    if not isinstance(value, dict):
        raise PolicyError("policy key 'volume_floor' must map source suites to row counts")
    floors = {}
    for suite, floor in value.items():
        if suite not in VOLUME_FLOOR_SUITES:
            raise PolicyError(f"policy key 'volume_floor.{suite}' names no source suite "
                              f"(known: {', '.join(VOLUME_FLOOR_SUITES)})")
        if floor is None:
            continue
        if isinstance(floor, bool) or not isinstance(floor, int) or floor < 0:
            raise PolicyError(f"policy key 'volume_floor.{suite}' must be a whole number >= 0 or null, got {floor!r}")
        if floor:
            floors[suite] = floor
    return floors


def parse(doc: dict) -> Policy:
    if not isinstance(doc, dict):
        raise PolicyError("the policy file must hold a mapping of keys")
    prefix = str(_get(doc, "city_prefix"))
    if not (prefix.isdigit() and len(prefix) == 4):
        raise PolicyError(f"policy key 'city_prefix' must be 4 digits, got {prefix!r}")
    statuses = _get(doc, "dtsen.informal_status_pekerjaan")
    if not isinstance(statuses, list) or not all(isinstance(s, int) and 1 <= s <= 7 for s in statuses):
        raise PolicyError("policy key 'dtsen.informal_status_pekerjaan' must list BPS codes 1..7")
    age_min, age_max = _int(doc, "age.min", 0, 120), _int(doc, "age.max", 0, 120)
    if age_min > age_max:
        raise PolicyError("policy key 'age.min' is greater than 'age.max'")
    return Policy(
        city_prefix=prefix,
        age_min=age_min,
        age_max=age_max,
        max_desil=_int(doc, "dtsen.max_desil", 1, 10),
        informal_status_pekerjaan=frozenset(statuses),
        rt_categories_by_year=_by_year(doc, "rt_categories_by_year", _categories),
        apbd_payer=str(_get(doc, "apbd_payer")),
        apbd_quota_by_year=_by_year(doc, "apbd_quota_by_year", _quota),
        monthly_premium=_int(doc, "monthly_premium", 1),
        premium_due_day=_int(doc, "premium_due_day", 1, 28),
        arrears_window_months=_int(doc, "arrears_window_months", 1, 120),
        jkm_death_benefit=_int(doc, "jkm_death_benefit", 0),
        volume_floor=_volume_floor(doc),
    )


def load(path: Path | None = None) -> Policy:
    import yaml

    path = path or config.policy_file()
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc
    return parse(doc)
