"""The truth: every finding of findings.md that holds at night D, from the simulator's own knowledge.

This is the yardstick for the reconciliation, so it is written rule by rule, independently of
the hub's code. Who is who comes from the world's hidden columns, not from fuzzy matching:

- A record's name *agrees* with a registry person when it was written from a person with the
  same canonical name (`canon`: case, spacing and punctuation removed, the contract's MUHAMMAD
  variants spelt one way): BPJS/DTSEN/RT names are spelling variants of
  their `_person_nik` person's name; a BPJS name labelled wrong (`_cacat` contains `nama`) and the
  name of someone the registry does not know (`_person_nik` empty) agree only with registry persons
  of exactly that canonical name (in a city, someone else's name and birth date can coincide).
- Birth dates and sex are compared as written (record vs registry `TGL_LHR`, `JENIS_KLMIN`).

Decisions where the contracts leave room:
- A registry or BPJS row that fails a row-level check (registry NIK not 16 digits with a real
  province, regency, district, day, month and serial — wherever it was issued; BPJS KPJ not 11
  digits) is quarantined by the hub: it gives one `INVALID_SOURCE_RECORD` and nothing else; it is
  not linked, does not count as an active participant (nor for the quota), and its payments are
  not on any linked KPJ.
- "Due by D" means due date (the `premium_due_day` of M+1) ≤ D, for arrears and ledger rows.
- Ranking desil of a person = lowest non-null desil among their linked individuals of the current
  release; none ranks after every desil. `within_quota` is returned for ELIGIBLE_NOT_ENROLLED (not
  written: `truth/<D>.csv` has only the key columns).
- RT ledger rows come from `inbox_manifest.csv` when present: a row counts when its file was
  uploaded by D and `counts` = 1; a NIK defect (`nik_*`) makes its NIK untrusted; an amount defect
  keeps the row for PAYMENT_NOT_REMITTED but not for PAYMENT_AMOUNT_MISMATCH. Without a manifest
  every rt_rows row is clean and rt INVALID_SOURCE_RECORDs are skipped. Rows of an unreadable file
  give one finding for the file, none per row.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jaring import nik as niks
from jaring.nights import add_months, due_date, month_of
from jaring.policy import Policy

COLUMNS = ("finding_code", "nik", "kpj", "period", "source_ref")
KEY_COLUMNS = {
    "DECEASED_STILL_ACTIVE": ("kpj",), "DEATH_BENEFIT_UNCLAIMED": ("kpj",), "MOVED_OUT_OF_CITY": ("kpj",),
    "NIK_NOT_IN_REGISTRY": ("kpj",), "NIK_MISMATCH": ("kpj",), "IDENTITY_MISMATCH": ("kpj",),
    "DUPLICATE_PARTICIPANT": ("nik",), "NO_LONGER_ELIGIBLE": ("kpj",), "ELIGIBLE_NOT_ENROLLED": ("nik",),
    "PREMIUM_ARREARS": ("kpj",), "PAYMENT_NOT_REMITTED": ("nik", "period"),
    "PAYMENT_AMOUNT_MISMATCH": ("nik", "period"), "INVALID_SOURCE_RECORD": ("source_ref",),
}
NO_ONE = "#"  # prefix of a canonical name that agrees with nobody


# findings.md's own examples of one name written differently: these are one name for everybody
_MUHAMMAD = frozenset({"MUHAMMAD", "MUHAMAD", "MOHAMMAD", "M"})
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def canon(name: str) -> str:
    """A name as the truth compares it: case, spacing and punctuation removed, and the contract's own
    variants (`MUHAMMAD` / `MUHAMAD` / `MOHAMMAD` / `M.`, `NUR HALIZA` / `NURHALIZA`) spelt one way,
    so two residents named `M. SYAHPUTRA` and `MUHAMMAD SYAHPUTRA` agree with each other."""
    words = _NOT_LETTERS.sub(" ", name.upper()).split()
    return "".join("MUHAMMAD" if w in _MUHAMMAD else w for w in words)


def _read(path: Path, periode: str | None = None) -> list[dict]:
    """Rows of a world CSV as dicts; with `periode`, only that DTSEN release (first column)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        return [dict(zip(header, r, strict=True)) for r in rows if periode is None or r[0] == periode]


@dataclass
class Person:
    nik: str
    canon: str
    birth: str
    female: bool
    dead: bool
    tgl_mati: str
    kode_wilayah: str
    rt: str
    rw: str


@dataclass
class Link:
    person: str | None  # registry NIK
    step: int  # 1, 2, 3; 0 = not linked
    nik_known: bool
    identity_problem: bool  # the NIK's holder disagrees on name and/or birth date


class Registry:
    """The registry as of the end of D (valid rows only), with the lookups linking needs."""

    def __init__(self, rows: list[dict], day: str):
        self.people: dict[str, Person] = {}
        self.invalid: list[str] = []
        self.by_identity: dict[tuple, list[str]] = defaultdict(list)
        self.by_place: dict[tuple, list[str]] = defaultdict(list)
        for r in rows:
            if r["TGL_LHR"] > day or r.get("TGL_DATANG", "") > day:  # not born, or not arrived, yet
                continue
            if not niks.is_plausible(r["NIK"]):
                self.invalid.append(r["NIK"])
                continue
            moved = r["TGL_PINDAH"] != "" and r["TGL_PINDAH"] <= day
            p = Person(
                nik=r["NIK"], canon=canon(r["NAMA_LGKP"]), birth=r["TGL_LHR"], female=r["JENIS_KLMIN"] == "PEREMPUAN",
                dead=r["TGL_MATI"] != "" and r["TGL_MATI"] <= day, tgl_mati=r["TGL_MATI"],
                kode_wilayah=r["KODE_WILAYAH_PINDAH"] if moved else r["KODE_WILAYAH"],
                rt=r["NO_RT_PINDAH"] if moved else r["NO_RT"], rw=r["NO_RW_PINDAH"] if moved else r["NO_RW"],
            )
            self.people[p.nik] = p
            self.by_identity[(p.canon, p.birth, p.female)].append(p.nik)
            self.by_place[(p.kode_wilayah, p.rt, p.rw, p.canon)].append(p.nik)

    def canon_of(self, person_nik: str) -> str:
        p = self.people.get(person_nik)
        return p.canon if p else NO_ONE

    def link(self, nik: str | None, name: str, birth: str, female: bool) -> Link:
        """findings.md's linking steps for a BPJS participant or a DTSEN individual."""
        holder = self.people.get(nik) if nik else None
        name_ok = holder is not None and holder.canon == name
        birth_ok = holder is not None and holder.birth == birth
        if holder and name_ok and birth_ok:
            return Link(holder.nik, 1, True, False)
        found = self.by_identity.get((name, birth, female), [])
        if len(found) == 1:
            return Link(found[0], 2, holder is not None, False)
        if holder and (name_ok != birth_ok):
            return Link(holder.nik, 3, True, True)
        return Link(None, 0, holder is not None, holder is not None)

    def link_rt_row(self, nik: str | None, name: str, kpj_person: str | None, place: tuple) -> str | None:
        """The RT-row linking of findings.md: NIK, then NO KPJ's person, then the RT's residents."""
        holder = self.people.get(nik) if nik else None
        if holder and holder.canon == name:
            return holder.nik
        if kpj_person and self.people[kpj_person].canon == name:
            return kpj_person
        found = self.by_place.get((*place, name), [])
        return found[0] if len(found) == 1 else None


def _age(birth: str, day: date) -> int:
    y, m, d = int(birth[:4]), int(birth[5:7]), int(birth[8:10])
    return day.year - y - ((day.month, day.day) < (m, d))


def _current_release(world: Path, day: str) -> str | None:
    released = [r["periode"] for r in _read(world / "dtsen_periode.csv") if r["tgl_rilis"] <= day]
    return max(released) if released else None


def compute(world_dir: Path, night: date, policy: Policy) -> list[dict]:
    world = Path(world_dir)
    day = night.isoformat()
    out: list[dict] = []

    def emit(code, nik="", kpj="", period="", source_ref="", **extra):
        out.append({"finding_code": code, "nik": nik, "kpj": kpj, "period": period, "source_ref": source_ref,
                    **extra})

    # --- the registry as of D -------------------------------------------------------------
    reg = Registry(_read(world / "registry.csv"), day)
    for bad in reg.invalid:
        emit("INVALID_SOURCE_RECORD", source_ref=f"dukcapil:{bad}")

    # --- BPJS: roster, payments, claims as of D ---------------------------------------------
    roster = [r for r in _read(world / "bpjs_peserta.csv") if r["TGL_KEPESERTAAN"] <= day]
    participants = []
    for r in roster:
        if not (len(r["KPJ"]) == 11 and r["KPJ"].isdigit()):
            emit("INVALID_SOURCE_RECORD", source_ref=f"bpjs:{r['KPJ']}")
            continue
        wrong_name = "nama" in r["_cacat"] or r["_person_nik"] == ""
        # a wrong name (or that of someone the registry does not know) is still a name: in a city,
        # a common name with the same birth date and sex can be another resident's (step 2 finds them)
        name = canon(r["NAMA"]) if wrong_name else reg.canon_of(r["_person_nik"])
        r["link"] = reg.link(r["NIK"] if niks.is_valid(r["NIK"]) else None, name, r["TGL_LAHIR"],
                             r["JENIS_KELAMIN"] == "P")
        r["active"] = r["TGL_NONAKTIF"] == "" or r["TGL_NONAKTIF"] > day
        participants.append(r)
    paid: dict[tuple[str, str], int] = defaultdict(int)
    for r in _read(world / "bpjs_iuran.csv"):
        if r["TGL_BAYAR"] <= day:
            paid[(r["KPJ"], r["BULAN_IURAN"])] += int(r["JUMLAH"])
    live_jkm_claim = set()
    for r in _read(world / "bpjs_klaim.csv"):
        if r["TGL_PENGAJUAN"] <= day and r["JENIS_KLAIM"] == "JKM":
            status = r["STATUS"] if r["TGL_STATUS"] <= day else "DIAJUKAN"
            if status != "DITOLAK":
                live_jkm_claim.add(r["KPJ"])

    # --- DTSEN: the release current at D ----------------------------------------------------
    release = _current_release(world, day)
    desil_of_family = {}
    dtsen_poor: set[str] = set()
    rank_desil: dict[str, int] = {}
    if release:
        for r in _read(world / "dtsen_keluarga.csv", release):
            desil_of_family[r["id_keluarga"]] = int(r["desil"]) if r["desil"] else None
        for r in _read(world / "dtsen_individu.csv", release):
            cleaned = niks.clean(r["nik"])
            if cleaned is not None and not niks.is_valid(cleaned):
                emit("INVALID_SOURCE_RECORD", source_ref=f"dtsen:{r['id_individu']}")
                cleaned = None
            name = reg.canon_of(r["_person_nik"]) if r["_person_nik"] else canon(r["nama"])
            link = reg.link(cleaned, name, r["tgl_lahir"], r["jenis_kelamin"] == "2")
            if link.person is None:
                continue
            desil = desil_of_family.get(r["id_keluarga"])
            if desil is not None:
                rank_desil[link.person] = min(desil, rank_desil.get(link.person, 99))
                status = int(r["status_pekerjaan"]) if r["status_pekerjaan"] else None
                if desil <= policy.max_desil and status in policy.informal_status_pekerjaan:
                    dtsen_poor.add(link.person)

    # --- RT ledgers visible at D --------------------------------------------------------------
    by_kpj_person = {r["KPJ"]: r["link"].person for r in participants}
    ledger_rows, rt_invalid = _ledger_rows(world, day)
    for ref in rt_invalid:
        emit("INVALID_SOURCE_RECORD", source_ref=ref)
    proposed: set[str] = set()
    ledger_paid: dict[tuple[str, str], list[tuple[int, bool]]] = defaultdict(list)
    active_categories = policy.rt_categories(night)
    for r in ledger_rows:
        name = reg.canon_of(r["_person_nik"])
        person = reg.link_rt_row(r["nik"] if r["nik_trusted"] else None, name, by_kpj_person.get(r["no_kpj"]),
                                 (r["kode_kelurahan"], r["no_rt"], r["no_rw"]))
        if person is None:
            continue
        if r["sheet"] == "USULAN":
            if r["kategori"].strip().upper() in active_categories:
                proposed.add(person)
        elif due_date(r["bulan"], policy.premium_due_day) <= night:
            ledger_paid[(person, r["bulan"])].append((int(r["iuran"]), r["amount_readable"]))

    # --- who is eligible ------------------------------------------------------------------------
    def resident(p: Person) -> bool:
        return p.kode_wilayah.startswith(policy.city_prefix)

    def eligible(p: Person) -> bool:
        return (not p.dead and resident(p) and policy.age_min <= _age(p.birth, night) <= policy.age_max
                and (p.nik in dtsen_poor or p.nik in proposed))

    # --- per participant ----------------------------------------------------------------------------
    linked_active: dict[str, list[str]] = defaultdict(list)
    kpjs_of: dict[str, list[str]] = defaultdict(list)
    window = [add_months(month_of(night), -k) for k in range(policy.arrears_window_months, 0, -1)]
    for r in participants:
        link: Link = r["link"]
        kpj = r["KPJ"]
        if link.step == 2:
            emit("NIK_MISMATCH", kpj=kpj)
        elif link.identity_problem:
            emit("IDENTITY_MISMATCH", kpj=kpj)
        elif link.step == 0 and not link.nik_known:
            emit("NIK_NOT_IN_REGISTRY", kpj=kpj)
        if link.person is None:
            continue
        p = reg.people[link.person]
        kpjs_of[p.nik].append(kpj)
        if r["active"]:
            linked_active[p.nik].append(kpj)
        apbd = r["PEMBIAYAAN"] == policy.apbd_payer
        suppress_arrears = False
        if r["active"] and p.dead:
            emit("DECEASED_STILL_ACTIVE", kpj=kpj)
            suppress_arrears = True
        elif r["active"] and apbd and not resident(p):
            emit("MOVED_OUT_OF_CITY", kpj=kpj)
            suppress_arrears = True
        elif r["active"] and apbd and not eligible(p):
            emit("NO_LONGER_ELIGIBLE", kpj=kpj)
        if p.dead and r["TGL_KEPESERTAAN"] <= p.tgl_mati:
            death_month = p.tgl_mati[:7]
            covered = (kpj, death_month) in paid or (kpj, add_months(death_month, -1)) in paid
            if covered and kpj not in live_jkm_claim:
                emit("DEATH_BENEFIT_UNCLAIMED", kpj=kpj)
        if r["active"] and not suppress_arrears:
            first = r["TGL_KEPESERTAAN"][:7]
            due = [m for m in window if m >= first and due_date(m, policy.premium_due_day) <= night]
            if any((kpj, m) not in paid for m in due):
                emit("PREMIUM_ARREARS", kpj=kpj)

    # --- per person -------------------------------------------------------------------------------
    for person, active in linked_active.items():
        if len(active) >= 2:
            emit("DUPLICATE_PARTICIPANT", nik=person)
    active_apbd = sum(1 for r in participants if r["active"] and r["PEMBIAYAAN"] == policy.apbd_payer)
    waiting = [p for p in reg.people.values() if eligible(p) and p.nik not in linked_active]
    waiting.sort(key=lambda p: (rank_desil.get(p.nik, 99), p.nik not in proposed, p.birth, p.nik))
    room = max(0, policy.apbd_quota(night) - active_apbd)
    for rank, p in enumerate(waiting):
        emit("ELIGIBLE_NOT_ENROLLED", nik=p.nik, within_quota=rank < room)

    for (person, month), rows in sorted(ledger_paid.items()):
        bpjs = [paid[(k, month)] for k in kpjs_of.get(person, []) if (k, month) in paid]
        if not bpjs:
            emit("PAYMENT_NOT_REMITTED", nik=person, period=month)
            continue
        readable = [amount for amount, ok in rows if ok]
        if readable and sum(readable) != sum(bpjs):
            emit("PAYMENT_AMOUNT_MISMATCH", nik=person, period=month)
    return _sorted_unique(out)


def _ledger_rows(world: Path, day: str) -> tuple[list[dict], list[str]]:
    """Ledger rows that count at D (with trust flags) and the rt source_refs that are invalid at D."""
    rows = {r["row_id"]: r for r in _read(world / "rt_rows.csv") if r["uploaded_on"] <= day}
    manifest_path = world / "inbox_manifest.csv"
    if not manifest_path.exists():
        for r in rows.values():
            r.update(nik_trusted=True, amount_readable=True)
        return list(rows.values()), []
    manifest = _read(manifest_path)
    upload_of_file = {}
    for r in rows.values():
        upload_of_file[(r["bulan"], r["kode_kelurahan"], r["no_rt"], r["no_rw"])] = r["uploaded_on"]
    unreadable = {m["source_ref"].rsplit("#", 1)[0] for m in manifest if m["source_ref"].endswith("#file")}
    counted, invalid = [], []
    for m in manifest:
        path = m["source_ref"].rsplit("#", 1)[0]
        if m["source_ref"].endswith("#file"):
            if _file_visible(path, upload_of_file, day):
                invalid.append(m["source_ref"])
            continue
        row = rows.get(m["row_id"])
        if row is None:  # its file is not uploaded yet at D
            continue
        defects = [d for d in m["defect"].replace(";", ",").replace("|", ",").split(",") if d.strip()]
        if defects and path not in unreadable:
            invalid.append(m["source_ref"])
        if m["counts"].strip() != "1":
            continue
        counted.append({**row, "nik_trusted": not any(d.strip().startswith("nik") for d in defects),
                        "amount_readable": not any(d.strip().startswith("amount") for d in defects)})
    return counted, invalid


def _file_visible(path: str, upload_of_file: dict, day: str) -> bool:
    """rt:<YYYY-MM>/<KEL>-RT<rrr>-RW<www>.<ext>: uploaded by D iff its rows are (same upload day)."""
    folder, name = path.removeprefix("rt:").split("/")[-2:]
    stem = name.rsplit(".", 1)[0]
    kel, rt, rw = stem.split("-")
    return (folder, kel, rt.removeprefix("RT"), rw.removeprefix("RW")) in upload_of_file


def _sorted_unique(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in sorted(rows, key=lambda r: tuple(r[c] for c in COLUMNS)):
        key = tuple(r[c] for c in COLUMNS)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def write(world_dir: Path, night: date, policy: Policy) -> Path:
    rows = compute(world_dir, night, policy)
    path = Path(world_dir) / "truth" / f"{night.isoformat()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows([r[c] for c in COLUMNS] for r in rows)
    return path


def finding_key(row: dict) -> tuple[str, tuple[str, ...]]:
    code = row["finding_code"]
    return code, tuple(_text(row.get(c)) for c in KEY_COLUMNS.get(code, COLUMNS[1:]))


def _text(value) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    return str(value)


def score(truth_rows, found_rows) -> dict[str, dict]:
    """Per finding code: true/false positives, misses, precision and recall (1.0 when undefined)."""
    truth = {finding_key(r) for r in truth_rows}
    found = {finding_key(r) for r in found_rows}
    result = {}
    for code in sorted({c for c, _ in truth | found}):
        t = {k for k in truth if k[0] == code}
        f = {k for k in found if k[0] == code}
        tp, fp, fn = len(t & f), len(f - t), len(t - f)
        result[code] = {"tp": tp, "fp": fp, "fn": fn, "precision": tp / (tp + fp) if tp + fp else 1.0,
                        "recall": tp / (tp + fn) if tp + fn else 1.0}
    return result
