"""NEW / PERSISTING / resolved across nights, rerun idempotence, and the programme figures."""

from datetime import date, timedelta

from staging_builder import Night, default_policy, findings, reconcile

from jaring.warehouse import db

D1 = date(2026, 11, 19)
D2 = D1 + timedelta(days=1)
B = date(1980, 3, 12)


def night(d: date, dead: bool, bad_file: bool) -> Night:
    n = Night(d)
    n.person("1571031203800001", "AHMAD FAUZI", B, status="MATI" if dead else "HIDUP",
             tgl_mati=date(2026, 11, 19) if dead else None)
    n.dtsen(1, "1571031203800001", "AHMAD FAUZI", B)
    n.participant("22000000001", "1571031203800001", "AHMAD FAUZI", B)
    n.paid("22000000001", "2025-05", "2026-09")  # October missing: arrears while alive
    n.person("1571034107750002", "SITI AMINAH", date(1975, 7, 1), "P")
    n.dtsen(2, "1571034107750002", "SITI AMINAH", date(1975, 7, 1), "P")  # eligible, not enrolled
    if bad_file:
        n.quarantined("rt", "rt:2026-10/1571031004-RT005-RW002.xlsx#file")
    return n


def counts(dsn, table, d):
    with db.connect(dsn) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE night = %s", (d,)).fetchone()[0]


def test_new_persisting_resolved_and_rerun(warehouse):
    first = reconcile(warehouse, night(D1, dead=False, bad_file=True))
    assert {code for code, _ in first} == {"PREMIUM_ARREARS", "ELIGIBLE_NOT_ENROLLED", "INVALID_SOURCE_RECORD"}
    assert all(f["status"] == "NEW" and f["first_seen"] == D1 for f in first.values())

    second = reconcile(warehouse, night(D2, dead=True, bad_file=False))
    assert {code for code, _ in second} == {"DECEASED_STILL_ACTIVE", "ELIGIBLE_NOT_ENROLLED"}
    assert second["DECEASED_STILL_ACTIVE", "22000000001"]["status"] == "NEW"
    persisting = second["ELIGIBLE_NOT_ENROLLED", "1571034107750002"]
    assert (persisting["status"], persisting["first_seen"]) == ("PERSISTING", D1)
    resolved = findings(warehouse, D2, "recon.resolved")
    assert set(resolved) == {("PREMIUM_ARREARS", "22000000001"),
                             ("INVALID_SOURCE_RECORD", "rt|rt:2026-10/1571031004-RT005-RW002.xlsx#file")}

    before = {t: counts(warehouse, t, D2) for t in ("recon.link", "recon.finding", "recon.resolved")}
    again = reconcile(warehouse, D2)
    assert again == second
    assert {t: counts(warehouse, t, D2) for t in before} == before
    assert findings(warehouse, D2, "recon.resolved") == resolved
    assert counts(warehouse, "recon.finding", D1) == 3  # the earlier night is untouched


def test_figures(warehouse):
    n = night(D2, dead=False, bad_file=False)
    n.person("1571034107750003", "RINA", date(1975, 7, 1), "P")
    n.participant("22000000003", "1571034107750003", "RINA", date(1975, 7, 1), "P", pembiayaan="BAZNAS")
    n.participant("22000000004", "1571034107750009", "SRI", date(1975, 7, 1), "P", status="NONAKTIF")
    reconcile(warehouse, n, default_policy(apbd_quota_by_year={2026: 10}))
    with db.connect(warehouse) as conn:
        figures = conn.execute("SELECT figures FROM recon.figures WHERE night = %s", (D2,)).fetchone()[0]
    assert figures["active_by_payer"] == {"APBD_KOTA_JAMBI": 1, "BAZNAS": 1}
    assert figures["apbd_quota"] == {"year": 2026, "quota": 10, "used": 1, "left": 9, "over": 0}
    kec = {k["kode_kecamatan"]: k for k in figures["coverage_by_kecamatan"]}
    assert len(kec) == 11
    assert (kec["157103"]["eligible"], kec["157103"]["enrolled"], kec["157103"]["percent"]) == (2, 1, 50.0)
    assert figures["apbd_projected_cost"]["amount"] == 1 * 16800 * 12


def test_a_night_that_was_not_computed_does_not_make_everything_new(warehouse):
    reconcile(warehouse, night(D1 - timedelta(days=2), dead=False, bad_file=False))  # the 17th; 18th never ran
    third = reconcile(warehouse, night(D1, dead=False, bad_file=False))
    persisting = third["ELIGIBLE_NOT_ENROLLED", "1571034107750002"]
    assert (persisting["status"], persisting["first_seen"]) == ("PERSISTING", D1 - timedelta(days=2))
    with db.connect(warehouse) as conn:
        compared = conn.execute("SELECT figures->>'compared_with' FROM recon.figures WHERE night = %s",
                                (D1,)).fetchone()[0]
    assert compared == (D1 - timedelta(days=2)).isoformat()  # the report names the night it compares with


def test_the_first_night_compares_with_nothing(warehouse):
    first = reconcile(warehouse, night(D1, dead=False, bad_file=False))
    assert all(f["status"] == "NEW" for f in first.values())
    with db.connect(warehouse) as conn:
        figures = conn.execute("SELECT figures FROM recon.figures WHERE night = %s", (D1,)).fetchone()[0]
    assert figures["compared_with"] is None


def test_figures_by_kelurahan(warehouse):
    n = night(D2, dead=False, bad_file=False)  # AHMAD enrolled (APBD), SITI eligible and not enrolled
    reconcile(warehouse, n, default_policy(apbd_quota_by_year={2026: 1}))
    with db.connect(warehouse) as conn:
        figures = conn.execute("SELECT figures FROM recon.figures WHERE night = %s", (D2,)).fetchone()[0]
    # quota 1 used by AHMAD: SITI waits
    assert figures["coverage_by_kelurahan"] == {"1571031004": {"eligible": 2, "enrolled": 1, "within_quota": 0,
                                                                "waiting": 1}}
