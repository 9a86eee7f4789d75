"""Night D built on night D-1's links decides every record as linking all of them would.

Each case changes one thing between the nights that changes some link; the links carried from D-1
plus those made again must equal night D linked from scratch."""

from datetime import UTC, date, datetime, timedelta

import pytest
from psycopg.types.json import Jsonb
from staging_builder import Night

from jaring import pipeline
from jaring.linking.link import link_all
from jaring.warehouse import db
from jaring.warehouse.db import copy_rows

D = date(2026, 11, 20)
PREVIOUS = D - timedelta(days=1)
B1, B2 = date(1980, 3, 12), date(1975, 7, 1)


def world(night: date, change=None) -> Night:
    """Persons, participants, DTSEN individuals and ledger rows that exercise every linking step;
    `change(rows)` edits the rows of night D (a dict per table of lists of row dicts)."""
    n = Night(night)
    n.person("1571031203800001", "AHMAD FAUZI", B1)
    n.person("1571034107750002", "SITI AMINAH", B2, "P")
    n.person("1571034107750003", "SITI AMINAH", B2, "P", no_rt="009")
    n.person("1571031203800004", "MUHAMMAD RIDWAN", B1, no_rt="007")
    n.person("1571031203800005", "BUDI SANTOSO", B1, no_rt="007")
    n.participant("22000000001", "1571031203800001", "H. Ahmad Fauzi", B1)  # exact
    n.participant("22000000002", "1571031203800014", "M. RIDWAN", B1)  # fuzzy
    n.participant("22000000003", "1571031302800005", "BUDI SANTOSO", B1)  # fuzzy
    n.participant("22000000004", "1571031203800001", "AHMAD FAUZI", date(1980, 3, 13))  # nik-only
    n.participant("22000000006", "1571031203800005", "JOKO WIDODO", date(1990, 1, 1))  # nobody
    n.dtsen(1, "1571031203800001", "AHMAD FAUSI", B1)  # exact
    n.dtsen(2, None, "MUHAMAD RIDWAN", B1)  # fuzzy
    n.rt_row(6, "1571034107750002", "Siti Aminah")  # exact
    n.rt_row(7, None, "MUHAMMAD RIDWAN", kpj="22000000002", no_rt="001")  # by-kpj
    n.rt_row(8, None, "BUDI SANTOSA", no_rt="007")  # by-rt
    n.rt_row(9, None, "SITI AMINAH", no_rt="001")  # nobody
    n.rt_row(11, None, "SITI AMINAH", no_rt="009")  # by-rt
    if change:
        change(n.rows)
    return n


def person(rows, nik) -> dict:
    return next(p for p in rows["staging.person"] if p["nik"] == nik)


def renamed(row: dict, nama: str) -> dict:
    from jaring.linking.names import normalise

    row.update(nama=nama, nama_key=normalise(nama))
    return row


CHANGES = {
    "a namesake is born into a fuzzy match's block": lambda rows: rows["staging.person"].append(
        renamed({**person(rows, "1571031203800004"), "nik": "1571031203800031"}, "MUHAMAD RIDWAN")),
    "the NIK holder is renamed": lambda rows: renamed(person(rows, "1571031203800001"), "BAMBANG SUTRISNO"),
    "a person moves to another RT": lambda rows: person(rows, "1571034107750003").update(no_rt="001"),
    "a person's birth date is corrected": lambda rows: person(rows, "1571031203800004").update(tgl_lahir=B2),
    "a person leaves the registry": lambda rows: rows["staging.person"].remove(
        person(rows, "1571031203800005")),
    "a participant's birth date is corrected": lambda rows: rows["staging.participant"][4].update(tgl_lahir=B1),
    "the KPJ of a ledger row is linked to someone else": lambda rows: renamed(
        rows["staging.participant"][1], "BUDI SANTOSO"),
    "a ledger row's name is corrected": lambda rows: renamed(rows["staging.rt_row"][2], "MUHAMMAD RIDWAN"),
}


def links(conn, night: date) -> dict:
    return {(s, k): (nik, method, step, score) for s, k, nik, method, step, score in conn.execute(
        "SELECT source, source_key, nik, method, step, score FROM recon.link WHERE night = %s", (night,))}


def link(conn, night: date, previous: date | None = None, registry_changes: bool = False):
    with conn.transaction():
        return link_all(night, conn, previous, registry_changes)


def registry_changes(before: Night, after: Night) -> set[str]:
    """The NIKs whose persons differ between two nights (what the registry's events say of a night)."""
    was, now = ({p["nik"]: p for p in n.rows["staging.person"]} for n in (before, after))
    return {nik for nik in was.keys() | now.keys() if was.get(nik) != now.get(nik)}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_links_carried_from_the_previous_night_equal_linking_every_record(warehouse, change):
    with db.connect(warehouse) as conn:
        world(PREVIOUS).write(conn)
        world(D, change).write(conn)
        link(conn, PREVIOUS)
        link(conn, D)
        everyone = links(conn, D)
        linked = link(conn, D, PREVIOUS)
        assert links(conn, D) == everyone
        assert everyone != links(conn, PREVIOUS)  # the change changes some link
        assert 0 < linked.carried < len(everyone)


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_comparing_only_the_persons_the_registrys_events_changed_links_as_comparing_everyone(warehouse, change):
    before, after = world(PREVIOUS), world(D, change)
    with db.connect(warehouse) as conn:
        before.write(conn)
        after.write(conn)
        link(conn, PREVIOUS)
        link(conn, D)
        everyone = links(conn, D)
        compared_whole = link(conn, D, PREVIOUS)
        # what the events ingest records, plus a NIK an event named that neither night holds
        copy_rows(conn, "staging.person_change", ("night", "nik"),
                  [(D, nik) for nik in registry_changes(before, after) | {"1571039999999999"}])
        compared_changed = link(conn, D, PREVIOUS, registry_changes=True)
        assert links(conn, D) == everyone
        assert compared_changed == compared_whole


def test_an_unchanged_night_keeps_every_link(warehouse):
    with db.connect(warehouse) as conn:
        world(PREVIOUS).write(conn)
        world(D).write(conn)
        link(conn, PREVIOUS)
        linked = link(conn, D, PREVIOUS)
        assert links(conn, D) == links(conn, PREVIOUS)
        assert linked.carried == len(links(conn, D)) == sum(linked.by_method.values())


def step_run(conn, step: str, minute: int, status="success", finished: bool = True, *, night: date = PREVIOUS,
             attempt: int | None = None, counts: dict | None = None) -> None:
    """An attempt at a step of `night`, begun at 02:`minute` and (`finished`) ended 30 s later."""
    at = datetime(2026, 11, 20, 2, minute, tzinfo=UTC)
    conn.execute("INSERT INTO ops.step_run (night, step, status, started_at, finished_at, attempt, counts) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (night, step, status, at, at + timedelta(seconds=30) if finished else None, attempt or minute,
                  Jsonb(counts or {})))


@pytest.mark.parametrize("runs, carried", [
    ([], False),
    ([("ingest_bpjs", 1), ("ingest_rt", 2), ("reconcile", 3)], True),
    ([("ingest_bpjs", 1), ("reconcile", 3), ("ingest_bpjs", 5)], False),  # a source landed again after
    ([("ingest_bpjs", 1), ("reconcile", 3), ("parse_rt[2]", 5)], False),
    ([("ingest_bpjs", 1), ("reconcile", 3), ("reconcile", 5, "failed")], True),  # its links are the 3rd's
    ([("ingest_bpjs", 1), ("reconcile", 3, "failed")], False),
    ([("ingest_bpjs", 1, "running", False), ("reconcile", 3)], False),
], ids=["never run", "reconciled after its sources", "a source again after", "a ledger part again after",
        "a later reconcile failed", "its reconcile failed", "a source still running"])
def test_the_previous_nights_links_are_carried_only_when_computed_from_its_sources_as_they_are(
        warehouse, runs, carried):
    with db.connect(warehouse) as conn:
        for run in runs:
            step_run(conn, run[0], run[1], *run[2:])
        assert pipeline.links_to_carry(conn, D) == (PREVIOUS if carried else None)


EVENTS = {"mode": "events", "previous_night": PREVIOUS.isoformat()}
LANDED = (PREVIOUS, 1, 1, "success", {"mode": "full"})  # night, minute, attempt, status, counts (None: running)


@pytest.mark.parametrize("runs, known", [
    ([], False),
    ([LANDED, (D, 5, 1, "success", EVENTS)], True),
    ([LANDED, (D, 5, 1, "success", {"mode": "full"})], False),
    ([LANDED, (D, 5, 1, "success", {**EVENTS, "previous_night": "2026-11-18"})], False),
    ([LANDED, (D, 5, 1, "success", EVENTS), (D, 7, 2, "failed", {})], False),
    ([LANDED, (D, 5, 1, "success", EVENTS), (PREVIOUS, 9, 2, "success", {"mode": "full"})], False),
    ([(PREVIOUS, 1, 1, "running", None), (D, 5, 1, "success", EVENTS)], False),
], ids=["never run", "events applied to D-1", "a full pull", "events applied to another night",
        "a later attempt failed", "D-1's registry landed again after", "D-1's registry still landing"])
def test_the_registrys_changes_are_known_only_when_night_d_applied_its_events_to_d_minus_1_as_it_is(
        warehouse, runs, known):
    with db.connect(warehouse) as conn:
        for night, minute, attempt, status, counts in runs:
            step_run(conn, "ingest_dukcapil", minute, status, counts is not None, night=night, attempt=attempt,
                     counts=counts)
        assert pipeline.registry_changes_known(conn, D, PREVIOUS) is known
