"""A night recomputed after the nights that follow it leaves their NEW / PERSISTING / first_seen stale
until they are recomputed in order (`jaring backfill --stale`)."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from jaring import cli, pipeline, stale_history

NIGHTS = [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]


def _findings(night, conn):
    return {"findings": 1}


@pytest.fixture
def reconcile_only(monkeypatch):
    monkeypatch.setattr(pipeline, "STEPS", {"reconcile": pipeline.Step("reconcile", _findings)})


def _stale(dsn) -> dict:
    with psycopg.connect(dsn) as conn:
        return stale_history.stale_nights(conn)


def test_recomputing_a_night_marks_every_later_computed_night_stale_until_each_is_recomputed(warehouse,
                                                                                            reconcile_only):
    for night in NIGHTS:
        pipeline.run_step("reconcile", night, warehouse)
    assert _stale(warehouse) == {}

    pipeline.run_step("reconcile", NIGHTS[0], warehouse)  # a backfill of the first night
    assert _stale(warehouse) == {NIGHTS[1]: NIGHTS[0], NIGHTS[2]: NIGHTS[0]}

    pipeline.run_step("reconcile", NIGHTS[1], warehouse)
    assert _stale(warehouse) == {NIGHTS[2]: NIGHTS[1]}
    pipeline.run_step("reconcile", NIGHTS[2], warehouse)
    assert _stale(warehouse) == {}


def test_a_failed_recomputation_leaves_the_later_nights_as_they_were(warehouse, reconcile_only, monkeypatch):
    for night in NIGHTS[:2]:
        pipeline.run_step("reconcile", night, warehouse)

    def broken(night, conn):
        raise RuntimeError("reconcile broke")

    monkeypatch.setitem(pipeline.STEPS, "reconcile", pipeline.Step("reconcile", broken))
    with pytest.raises(pipeline.StepFailed):
        pipeline.run_step("reconcile", NIGHTS[0], warehouse)
    assert _stale(warehouse) == {}


def test_backfill_stale_reruns_the_stale_nights_in_one_backfill(warehouse, reconcile_only, capsys):
    for night in [*NIGHTS, NIGHTS[0]]:
        pipeline.run_step("reconcile", night, warehouse)
    with psycopg.connect(warehouse) as conn:
        first, last = stale_history.range_to_recompute(conn)
    assert (first, last) == (NIGHTS[1], NIGHTS[2])
    command = cli.backfill_command(first, last, deliver=False)
    assert command[command.index("--from-date") + 1] == "2026-11-19"
    assert command[command.index("--to-date") + 1] == "2026-11-21"  # inclusive of the last stale night


def test_status_of_a_stale_night_says_which_night_was_recomputed_and_what_to_run(warehouse, reconcile_only, capsys):
    for night in [*NIGHTS, NIGHTS[0]]:
        pipeline.run_step("reconcile", night, warehouse)
    cli.main(["status", "--date", NIGHTS[2].isoformat()])
    out = capsys.readouterr().out
    assert "history stale" in out and "2026-11-18" in out and "jaring backfill --stale" in out


def test_backfill_stale_with_nothing_stale_creates_no_backfill(warehouse, reconcile_only, capsys):
    pipeline.run_step("reconcile", NIGHTS[0], warehouse)
    assert cli.main(["backfill", "--stale"]) == 0
    assert "no stale night" in capsys.readouterr().out
