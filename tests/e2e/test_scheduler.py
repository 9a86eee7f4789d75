"""Nights under the real Airflow scheduler (scheduler_stack.py), read from its metadata database.

`jaring backfill` of three nights creates exactly those nights, delivers nothing, writes the same
findings.csv as `jaring night` of the same nights, notes each run with its night and report links,
and a run that overruns its deadline mails the engineers.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import psycopg
from scheduler_stack import alerts, is_alert, mails, night_outputs, nights_owed, run_notes, wait

from jaring import pipeline, stale_history
from jaring.nights import WIB
from jaring.publishing.formatting import tanggal


def test_nights_missed_while_down_are_caught_up_in_order_each_compared_with_the_one_before(scheduler, hub):
    env, meta, run_dir, _ = scheduler
    owed = nights_owed(datetime.now(WIB))
    assert owed, "the stack starts two nights after its first night: at least one night is owed"

    def scheduled() -> list[tuple]:
        with psycopg.connect(meta) as conn:
            return conn.execute("SELECT run_id, state, start_date, end_date FROM dag_run WHERE dag_id = %s "
                                "AND run_type = 'scheduled' ORDER BY logical_date", (pipeline.DAG_ID,)).fetchall()

    wait(lambda: len(scheduled()) >= len(owed) and all(r[1] in ("success", "failed") for r in scheduled()),
         1800, "the nights owed", run_dir)
    runs = scheduled()
    with psycopg.connect(meta) as conn:
        computed = dict(conn.execute("SELECT run_id, value FROM xcom WHERE dag_id = %s AND task_id = 'night' "
                                     "AND run_id LIKE 'scheduled%%'", (pipeline.DAG_ID,)).fetchall())
    assert [date.fromisoformat(computed[run_id]) for run_id, *_ in runs] == owed  # every night, none skipped
    assert {state for _, state, *_ in runs} == {"success"}
    for (_, _, _, ended), (_, _, started, _) in zip(runs, runs[1:], strict=False):
        assert started >= ended  # one night at a time, in order
    notes = run_notes(meta)
    for (run_id, *_), before in zip(runs[1:], owed, strict=False):
        assert f"Dibandingkan dengan malam {tanggal(before)}" in notes[run_id], notes[run_id]


def test_backfill_runs_the_nights_it_names_without_delivering_and_matches_jaring_night(scheduler, hub, outbox_url):
    env, meta, run_dir, _ = scheduler
    nights = hub.nights[:3]
    reports_before = [m for m in mails(hub.maildir) if not is_alert(m)]

    created = subprocess.run([sys.executable, "-m", "jaring.cli", "backfill", "--from", nights[0].isoformat(),
                              "--to", nights[-1].isoformat()], env=env, capture_output=True, text=True, timeout=300)
    assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-2000:]

    def finished():
        with psycopg.connect(meta) as conn:
            states = conn.execute("SELECT state FROM dag_run WHERE dag_id = %s AND run_type = 'backfill'",
                                  (pipeline.DAG_ID,)).fetchall()
        return len(states) == len(nights) and all(s in ("success", "failed") for (s,) in states)

    wait(finished, 3600, "the backfill's nights", run_dir)
    with psycopg.connect(meta) as conn:
        computed = sorted(conn.execute("SELECT value FROM xcom WHERE dag_id = %s AND task_id = 'night' "
                                       "AND run_id LIKE 'backfill%%'", (pipeline.DAG_ID,)).fetchall())
        states = dict(conn.execute("SELECT task_id || ':' || run_id, state FROM task_instance WHERE dag_id = %s "
                                   "AND run_id LIKE 'backfill%%'", (pipeline.DAG_ID,)).fetchall())
    # exactly the nights named, inclusive of the last one
    assert [v for (v,) in computed] == [d.isoformat() for d in nights]  # jsonb, decoded by psycopg
    delivery = {k: v for k, v in states.items() if k.split(":")[0] in pipeline.DELIVERY_STEPS}
    assert delivery and set(delivery.values()) == {"skipped"}, states
    assert {v for k, v in states.items() if k not in delivery} == {"success"}, states
    reports = [m for m in mails(hub.maildir) if not is_alert(m)]
    assert len(reports) == len(reports_before)  # no report mailed

    backfilled = {d: night_outputs(hub.outbox / d.isoformat()) for d in nights}
    notes = sorted(note for run_id, note in run_notes(meta).items() if run_id.startswith("backfill"))
    for d, note in zip(nights, notes, strict=True):
        # the run's note: which night, how many findings (the rows of findings.csv), the report's link
        found = backfilled[d]["findings.csv"].count(b"\n") - 1
        assert note.startswith(f"**Malam {d.day} November {d.year}**: {found:,} temuan".replace(",", ".")), note
        assert f"({outbox_url}/{d.isoformat()}/laporan.html)" in note
    assert "Dibandingkan dengan malam" in notes[1]

    # each run overran the test's deadline of a quarter minute: the triggerer mailed the engineers
    wait(lambda: alerts(hub.maildir, "not published by its deadline"), 300, "the deadline alert", run_dir)
    for d in nights:
        pipeline.run_night(d, only=[s for s in pipeline.STEPS if s not in pipeline.DELIVERY_STEPS])
        again = night_outputs(hub.outbox / d.isoformat())
        assert again.keys() == backfilled[d].keys(), d
        assert [name for name in again if again[name] != backfilled[d][name]] == [], d


def test_nights_a_backfill_made_stale_are_recomputed_on_request(scheduler, hub):
    env, meta, run_dir, _ = scheduler
    with psycopg.connect(hub.warehouse_dsn) as conn:
        stale = stale_history.stale_nights(conn)
    # the backfill recomputed the world's nights after the nights caught up had been computed
    assert set(stale) == set(nights_owed(datetime.now(WIB))), stale
    status = subprocess.run([sys.executable, "-m", "jaring.cli", "status", "--date", max(stale).isoformat()],
                            env=env, capture_output=True, text=True, timeout=120)
    assert status.returncode == 1 and "history stale" in status.stdout, status.stdout

    def backfills() -> int:
        with psycopg.connect(meta) as conn:
            return conn.execute("SELECT count(*) FROM backfill").fetchone()[0]

    before = backfills()
    created = subprocess.run([sys.executable, "-m", "jaring.cli", "backfill", "--stale"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-2000:]
    assert f"nights {min(stale)} to {max(stale)}" in created.stdout and backfills() == before + 1

    def recomputed():
        with psycopg.connect(hub.warehouse_dsn) as conn:
            return not stale_history.stale_nights(conn)

    wait(recomputed, 1800, "the stale nights to be recomputed", run_dir)
