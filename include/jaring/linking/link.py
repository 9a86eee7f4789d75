"""Who is who: link BPJS participants, DTSEN individuals and RT ledger rows to registry persons.

`findings.md` "Linking". The civil registry is the reference identity.

BPJS participants and DTSEN individuals (`recon.link.source` `bpjs` / `dtsen`,
`source_key` = KPJ / id_individu):
  1. `exact`    - the person holding the record's NIK has the same birth date and an agreeing name;
  2. `fuzzy`    - otherwise the single person with the same birth date and sex and an agreeing name
                  (blocking on birth date and sex). When several agree, the single one with the
                  identical canonical name is taken (a one-letter difference beside an exact
                  namesake is another person: SRI / TRI WAHYUNI); otherwise nobody;
  3. `nik-only` - otherwise the NIK holder, when exactly one of name / birth date disagrees;
  4. not linked.
RT ledger rows (`source` `rt`, `source_key` = source_ref):
  1. `exact`    - the person holding the row's NIK, when the names agree;
  2. `by-kpj`   - the person the row's NO KPJ is linked to (step 1-3 above), when the names agree;
  3. `by-rt`    - the single person living (registry as of D) in the ledger's kelurahan/RT/RW
                  whose name agrees (several: as in step 2);
  4. not linked.
Exact joins and candidate generation run in SQL (`.sql` files here); the name rule
(`names`) runs in Python on candidate pairs only (step 2 and `by-rt`: per block, the names close
enough to agree found by rapidfuzz first); links are written back with COPY.

Built on a previous night (`previous`, usually D-1), a record is linked again only when something
its link depends on changed since: the record itself, its NIK holder, a person of its birth block
(step 2) or of its RT (`by-rt`), or the link of its KPJ (`by-kpj`); every other record keeps that
night's link, or its absence. The result is the same as linking every record (tests/linking).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from jaring.linking import names
from jaring.warehouse import partitions, sqlfile
from jaring.warehouse.db import clear_night, copy_rows

LINK_COLUMNS = ("night", "source", "source_key", "nik", "method", "step", "score")

# a link decided in Python: (source, source_key, nik, method, step, score)
Link = tuple[str, str, str, str, int, float]


@dataclass(frozen=True)
class Linked:
    by_method: dict[str, int]  # night D's links per source:method
    carried: int  # of them, taken over from the previous night


def link_all(night: date, conn, previous: date | None = None, registry_changes: bool = False) -> Linked:
    """Replace night D's `recon.link` (inside the caller's transaction).

    `previous`: a night whose links were computed from its staged rows as they are now (the caller
    knows); the records nothing changed for since then keep its links. None: every record is linked.
    `registry_changes`: night D's registry is `previous`'s with only the persons of `staging.person_change`
    replaced (the caller knows): only those persons of the two nights are compared.
    """
    params = {"night": night, "previous": previous}
    clear_night(conn, "recon.link", night)
    if previous:
        sqlfile.execute(conn, __name__, "link_changed_persons_known" if registry_changes else "link_changed_persons",
                        params)
        sqlfile.execute(conn, __name__, "link_changes", params)
    conn.execute("DROP TABLE IF EXISTS link_unchanged, link_unchanged_rt")  # what this run carries, or nothing
    carried = _carry(conn, "link_carry_records", params)
    sqlfile.execute(conn, __name__, "link_records", params)
    _write(conn, night, link_identities(night, conn))
    # compares night D's BPJS links, so after them
    carried += _carry(conn, "link_carry_rt", params)
    sqlfile.execute(conn, __name__, "link_rt_rows", params)
    _write(conn, night, link_ledger_rows(night, conn))
    partitions.key(conn, "recon.link", night)
    conn.execute("DROP TABLE IF EXISTS link_record, link_rt_row, link_changed_person, link_touched_block, "
                 "link_touched_area, link_moved_kpj, link_same_record, link_same_rt_row, link_unchanged, "
                 "link_unchanged_rt")
    rows = conn.execute(
        "SELECT source || ':' || method, count(*) FROM recon.link WHERE night = %(night)s GROUP BY 1", params
    )
    return Linked(dict(rows.fetchall()), carried)


def _carry(conn, name: str, params: dict) -> int:
    """Carry the previous night's links of the records `name`.sql finds unchanged (the records left to link
    are the others); how many."""
    if not params["previous"]:
        return 0
    carried = sqlfile.execute(conn, __name__, name, params).rowcount
    # the statements after this join the few records left with night D's links: planned with statistics
    # that have not seen those hundreds of thousands, a join of them took minutes
    partitions.analyze(conn, "recon.link", params["night"])
    return carried


def _write(conn, night: date, links: list[Link]) -> None:
    copy_rows(conn, "recon.link", LINK_COLUMNS, ((night, *link) for link in links))


def _canonical_pairs(rows: list[tuple], a: int, b: int) -> list[tuple[str, str]]:
    """Canonical forms of columns `a` and `b` of every row, computed in two batches."""
    left = names.canonical_many([row[a] for row in rows])
    right = names.canonical_many([row[b] for row in rows])
    return list(zip(left, right, strict=True))


def link_identities(night: date, conn) -> list[Link]:
    """Steps 1-3 for the BPJS participants and DTSEN individuals in `link_record`.

    Step 1 with identical normalised names is written by SQL; the links returned are the rest.
    """
    params = {"night": night}
    sqlfile.execute(conn, __name__, "link_exact_records", params)
    links: dict[tuple[str, str], Link] = {}
    nik_holder: dict[tuple[str, str], tuple[str, bool, bool, float]] = {}
    rows = sqlfile.execute(conn, __name__, "link_pairs_nik", params).fetchall()
    for (source, key, nik, same_birth, same_name, _, _), (a, b) in zip(rows, _canonical_pairs(rows, 5, 6), strict=True):
        name_ok = same_name or names.agree_canonical(a, b)
        score = 100.0 if same_name else names.score_canonical(a, b)
        if name_ok and same_birth:
            links[source, key] = (source, key, nik, "exact", 1, score)
        else:
            nik_holder[source, key] = (nik, name_ok, bool(same_birth), score)

    links.update(_link_by_birth(conn, params, links))

    for (source, key), (nik, name_ok, same_birth, score) in nik_holder.items():
        if (source, key) not in links and name_ok != same_birth:
            links[source, key] = (source, key, nik, "nik-only", 3, score)
    return list(links.values())


def _single(agreeing: list[tuple[str, float]]) -> tuple[str, float] | None:
    """The one person among those whose names agree: the only one, or else the only one with the
    identical (canonical) name - `SRI WAHYUNI` beside a `TRI WAHYUNI` is not a typo of her."""
    if len(agreeing) == 1:
        return agreeing[0]
    identical = [found for found in agreeing if found[1] == 100.0]
    return identical[0] if len(identical) == 1 else None


def _link_by_birth(conn, params: dict, settled: dict) -> dict[tuple[str, str], Link]:
    """Step 2 for the records not settled by steps 1: per block (birth date, sex), every record's name
    against every person's, each name made canonical once (the pairs grow with the square of a block,
    so they are compared in rapidfuzz, and only the close ones by the rule)."""
    records = [r for r in sqlfile.execute(conn, __name__, "link_birth_records", params).fetchall()
               if (r[0], r[1]) not in settled]
    persons = sqlfile.execute(conn, __name__, "link_birth_persons", params).fetchall()
    blocks: dict[tuple, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for (nik, _, birth, sex), canon in zip(persons, names.canonical_many([p[1] for p in persons]), strict=True):
        blocks[birth, sex][0].append(nik)
        blocks[birth, sex][1].append(canon)
    del persons
    waiting: dict[tuple, list[tuple[str, str, str]]] = defaultdict(list)
    for (source, key, _, birth, sex), canon in zip(records, names.canonical_many([r[2] for r in records]),
                                                   strict=True):
        if canon and (birth, sex) in blocks:
            waiting[birth, sex].append((source, key, canon))
    links: dict[tuple[str, str], Link] = {}
    for block, block_records in waiting.items():
        niks, people_canon = blocks[block]
        for (source, key, canon), close in zip(block_records, names.close_candidates(
                [canon for _, _, canon in block_records], people_canon), strict=True):
            single = _single([(niks[j], names.score_canonical(canon, people_canon[j]))
                              for j in close if names.agree_canonical(canon, people_canon[j])])
            if single:
                links[source, key] = (source, key, single[0], "fuzzy", 2, single[1])
    return links


def link_ledger_rows(night: date, conn) -> list[Link]:
    """The RT ledger rows in `link_rt_row`: by NIK, else by KPJ, else by name within the ledger's RT.

    Step 1 with identical normalised names is written by SQL; the links returned are the rest.
    """
    rows = sqlfile.execute(conn, __name__, "link_rt_candidates", {"night": night}).fetchall()
    own = names.canonical_many([row[1] for row in rows])
    by_nik = names.canonical_many([row[6] for row in rows])
    by_kpj = names.canonical_many([row[8] for row in rows])
    links: list[Link] = []
    unresolved: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    for (ref, _, kel, rt, rw, nik_person, _, kpj_person, _), canon, c_nik, c_kpj in zip(
        rows, own, by_nik, by_kpj, strict=True
    ):
        if nik_person and names.agree_canonical(canon, c_nik):
            links.append(("rt", ref, nik_person, "exact", 1, names.score_canonical(canon, c_nik)))
        elif kpj_person and names.agree_canonical(canon, c_kpj):
            links.append(("rt", ref, kpj_person, "by-kpj", 2, names.score_canonical(canon, c_kpj)))
        elif canon:
            unresolved[kel, rt, rw].append((ref, canon))
    if unresolved:
        links.extend(_link_by_area(conn, night, unresolved))
    return links


def _link_by_area(conn, night: date, unresolved) -> list[Link]:
    conn.execute("DROP TABLE IF EXISTS link_rt_area")
    conn.execute("CREATE TEMP TABLE link_rt_area (kode_wilayah char(10), no_rt char(3), no_rw char(3))")
    copy_rows(conn, "link_rt_area", ("kode_wilayah", "no_rt", "no_rw"), unresolved.keys())
    conn.execute("ANALYZE link_rt_area")
    found = sqlfile.execute(conn, __name__, "link_rt_area", {"night": night}).fetchall()
    conn.execute("DROP TABLE link_rt_area")
    residents: dict[tuple[str, str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for (kel, rt, rw, nik, _), canon in zip(found, names.canonical_many([r[4] for r in found]), strict=True):
        residents[kel, rt, rw][0].append(nik)
        residents[kel, rt, rw][1].append(canon)

    links = []
    for area, rows in unresolved.items():
        if area not in residents:
            continue
        people, people_canon = residents[area]
        row_canon = sorted({canon for _, canon in rows})
        match: dict[str, tuple[str, float] | None] = {}
        for canon, close in zip(row_canon, names.close_candidates(row_canon, people_canon), strict=True):
            match[canon] = _single([(people[j], names.score_canonical(canon, people_canon[j]))
                                    for j in close if names.agree_canonical(canon, people_canon[j])])
        for ref, canon in rows:
            if match[canon]:
                links.append(("rt", ref, match[canon][0], "by-rt", 3, match[canon][1]))
    return links
