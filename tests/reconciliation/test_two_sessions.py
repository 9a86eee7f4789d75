"""The findings of a night are computed in two sessions at once, and a failure in either leaves the night's
findings as they were and nothing of the two sessions' shared working tables (schema `work`: NIKs, names)."""

import threading
from datetime import date

import psycopg
import pytest
from staging_builder import Night, default_policy, findings, reconcile

from jaring import reconciliation
from jaring.reconciliation import eligibility
from jaring.reconciliation import findings as findings_module
from jaring.warehouse import db

D = date(2026, 11, 20)
B = date(1980, 3, 12)


def night(dead: bool) -> Night:
    n = Night(D)
    n.person("1571031203800001", "AHMAD FAUZI", B, status="MATI" if dead else "HIDUP",
             tgl_mati=date(2026, 11, 19) if dead else None)
    n.dtsen(1, "1571031203800001", "AHMAD FAUZI", B)
    n.participant("22000000001", "1571031203800001", "AHMAD FAUZI", B)
    n.paid("22000000001", "2025-05", "2026-09")
    n.person("1571034107750002", "SITI AMINAH", date(1975, 7, 1), "P")
    n.dtsen(2, "1571034107750002", "SITI AMINAH", date(1975, 7, 1), "P")
    return n


def work_tables(dsn) -> list[str]:
    with db.connect(dsn) as conn:
        return [name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'work'")]


def divide_by_zero(conn, *args) -> None:
    conn.execute("SELECT 1 / 0")


@pytest.mark.parametrize("broken", ["the second session (DTSEN and RT evidence)", "the first (participants)"])
def test_a_failure_in_either_session_keeps_the_nights_findings_and_leaves_no_working_table(warehouse, monkeypatch,
                                                                                         broken):
    before = reconcile(warehouse, night(dead=False))
    assert ("ELIGIBLE_NOT_ENROLLED", "1571034107750002") in before
    if broken.startswith("the second"):
        monkeypatch.setattr(eligibility, "evidence", divide_by_zero)
    else:
        monkeypatch.setattr(findings_module, "prepare", divide_by_zero)

    with pytest.raises(psycopg.errors.DivisionByZero):
        reconcile(warehouse, night(dead=True))
    assert findings(warehouse, D) == before
    assert work_tables(warehouse) == []

    monkeypatch.undo()
    after = reconcile(warehouse, D)
    assert ("DECEASED_STILL_ACTIVE", "22000000001") in after
    assert work_tables(warehouse) == []


def test_the_evidence_is_computed_in_a_second_session_while_the_first_computes_the_participants(warehouse,
                                                                                              monkeypatch):
    both_running = threading.Barrier(2, timeout=20)  # broken (a failure) unless both sessions reach it at once
    backends = {}
    evidence, compute = eligibility.evidence, findings_module.compute

    def evidence_meeting(conn, params):
        backends["evidence"] = conn.info.backend_pid
        both_running.wait()
        evidence(conn, params)

    def compute_meeting(conn, params, files):
        if files == findings_module.HERE:
            backends["participants"] = conn.info.backend_pid
            both_running.wait()
        compute(conn, params, files)

    monkeypatch.setattr(eligibility, "evidence", evidence_meeting)
    monkeypatch.setattr(findings_module, "compute", compute_meeting)
    found = reconcile(warehouse, night(dead=True))

    assert backends["evidence"] != backends["participants"]
    assert {"DECEASED_STILL_ACTIVE", "ELIGIBLE_NOT_ENROLLED"} <= {code for code, _ in found}


def test_a_reconciliation_refuses_a_connection_inside_a_transaction(warehouse):
    with db.connect(warehouse) as conn:
        conn.execute("SELECT 1")  # a transaction begins (psycopg's default)
        with pytest.raises(RuntimeError, match="idle connection"):
            reconciliation.run(D, conn, default_policy())
