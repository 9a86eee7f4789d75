"""Each linking step on a hand-built night in a real warehouse."""

from datetime import date

import pytest
from staging_builder import Night

from jaring.linking.link import link_all
from jaring.warehouse import db

D = date(2026, 11, 20)
B1, B2 = date(1980, 3, 12), date(1975, 7, 1)


def links(dsn):
    with db.connect(dsn) as conn:
        return {
            (s, k): (nik, method, step)
            for s, k, nik, method, step in conn.execute(
                "SELECT source, source_key, nik, method, step FROM recon.link WHERE night = %s", (D,)
            )
        }


def run(dsn, night: Night):
    with db.connect(dsn) as conn:
        night.write(conn)
        with conn.transaction():
            return link_all(D, conn)


@pytest.fixture
def registry():
    n = Night(D)
    n.person("1571031203800001", "AHMAD FAUZI", B1)
    n.person("1571034107750002", "SITI AMINAH", B2, "P")
    n.person("1571034107750003", "SITI AMINAH", B2, "P", no_rt="009")  # namesake, same birth date, other RT
    n.person("1571031203800004", "MUHAMMAD RIDWAN", B1, no_rt="007")
    n.person("1571031203800005", "BUDI SANTOSO", B1, no_rt="007")
    return n


def test_bpjs_and_dtsen_steps(warehouse, registry):
    n = registry
    n.participant("22000000001", "1571031203800001", "H. Ahmad Fauzi", B1)  # step 1, title
    n.participant("22000000002", "1571031203800014", "M. RIDWAN", B1)  # wrong NIK digit -> step 2
    n.participant("22000000003", "1571031302800005", "BUDI SANTOSO", B1)  # swapped digits -> step 2
    n.participant("22000000004", "1571031203800001", "AHMAD FAUZI", date(1980, 3, 13))  # birth differs -> 3
    n.participant("22000000005", "1571031203800005", "JOKO WIDODO", B1)  # name differs, nobody else -> 3
    n.participant("22000000006", "1571031203800005", "JOKO WIDODO", date(1990, 1, 1))  # both differ -> none
    n.participant("22000000007", "9999999999999999", "SITI AMINAH", B2, "P")  # two namesakes -> none
    n.participant("22000000008", None, "RINA MARLINA", B2, "P")  # nobody -> none
    n.dtsen(1, "1571031203800001", "AHMAD FAUSI", B1)  # step 1 with a typo
    n.dtsen(2, None, "MUHAMAD RIDWAN", B1)  # no NIK -> step 2
    counts = run(warehouse, n)
    got = links(warehouse)
    assert got[("bpjs", "22000000001")] == ("1571031203800001", "exact", 1)
    assert got[("bpjs", "22000000002")] == ("1571031203800004", "fuzzy", 2)
    assert got[("bpjs", "22000000003")] == ("1571031203800005", "fuzzy", 2)
    assert got[("bpjs", "22000000004")] == ("1571031203800001", "nik-only", 3)
    assert got[("bpjs", "22000000005")] == ("1571031203800005", "nik-only", 3)
    for kpj in ("22000000006", "22000000007", "22000000008"):
        assert ("bpjs", kpj) not in got
    assert got[("dtsen", "1")] == ("1571031203800001", "exact", 1)
    assert got[("dtsen", "2")] == ("1571031203800004", "fuzzy", 2)
    assert counts.by_method["bpjs:fuzzy"] == 2


def test_step_two_needs_the_same_sex(warehouse, registry):
    registry.participant("22000000009", None, "AHMAD FAUZI", B1, "P")
    run(warehouse, registry)
    assert ("bpjs", "22000000009") not in links(warehouse)


def test_rt_rows_by_nik_kpj_and_rt(warehouse, registry):
    n = registry
    n.participant("22000000002", "1571031203800014", "M. RIDWAN", B1)  # linked by step 2
    n.rt_row(6, "1571034107750002", "Siti Aminah")  # by NIK
    # Excel-truncated NIK (untrusted, NULL in staging), KPJ known -> by KPJ
    n.rt_row(7, None, "MUHAMMAD RIDWAN", kpj="22000000002", nik_raw="1571031203800010", no_rt="001")
    n.rt_row(8, None, "BUDI SANTOSA", no_rt="007")  # no NIK, no KPJ -> by name in RT 007
    n.rt_row(9, None, "SITI AMINAH", no_rt="001")  # nobody of that name lives in RT 001
    n.rt_row(10, "1571031203800001", "SITI AMINAH")  # NIK of someone else, not in RT 005 by name
    n.rt_row(11, None, "SITI AMINAH", no_rt="009")  # the namesake of RT 009
    run(warehouse, n)
    got = links(warehouse)
    ref = "rt:2026-10/1571031004-RT{}-RW002.xlsx#IURAN!{}"
    assert got[("rt", ref.format("005", 6))] == ("1571034107750002", "exact", 1)
    assert got[("rt", ref.format("001", 7))] == ("1571031203800004", "by-kpj", 2)
    assert got[("rt", ref.format("007", 8))] == ("1571031203800005", "by-rt", 3)
    assert ("rt", ref.format("001", 9)) not in got
    assert got[("rt", ref.format("005", 10))] == ("1571034107750002", "by-rt", 3)
    assert got[("rt", ref.format("009", 11))] == ("1571034107750003", "by-rt", 3)


def test_rt_namesakes_in_one_rt_link_to_nobody(warehouse, registry):
    n = registry
    n.person("1571034107750012", "SITI AMINAH", date(1990, 1, 1), "P", no_rt="009")  # 2nd namesake in RT 009
    n.rt_row(6, None, "SITI AMINAH", no_rt="009")
    n.rt_row(7, None, "BUDI SANTOSO", no_rt="005")  # Budi lives in RT 007
    run(warehouse, n)
    assert not [k for k in links(warehouse) if k[0] == "rt"]


def test_dtsen_step_three_and_a_nik_on_two_individuals(warehouse, registry):
    n = registry
    n.dtsen(1, "1571031203800005", "BUDI SANTOSO", None)  # no birth date: name agrees -> step 3
    n.dtsen(2, "1571031203800005", "BUDI SANTOSO", B1)  # the same NIK again -> step 1
    n.dtsen(3, "1571031203800005", "WAWAN", None)  # both disagree -> none
    run(warehouse, n)
    got = links(warehouse)
    assert got[("dtsen", "1")] == ("1571031203800005", "nik-only", 3)
    assert got[("dtsen", "2")] == ("1571031203800005", "exact", 1)
    assert ("dtsen", "3") not in got


def test_an_identical_name_wins_over_a_one_letter_neighbour(warehouse, registry):
    n = registry
    n.person("1571035203800021", "SRI WAHYUNI", B1, "P")
    n.person("1571035203800022", "TRI WAHYUNI", B1, "P")
    n.person("1571035203800023", "DWI LESTARI", B1, "P")
    n.person("1571035203800024", "DWI LESTARY", B1, "P")
    n.participant("22000000011", None, "Sri Wahyuni", B1, "P")  # SRI exact, TRI one letter off
    n.participant("22000000012", None, "DWI LESTARU", B1, "P")  # one letter from both: nobody
    n.rt_row(6, None, "TRI WAHYUNI", no_rt="005")
    run(warehouse, n)
    got = links(warehouse)
    assert got[("bpjs", "22000000011")] == ("1571035203800021", "fuzzy", 2)
    assert ("bpjs", "22000000012") not in got
    assert got[("rt", "rt:2026-10/1571031004-RT005-RW002.xlsx#IURAN!6")][0] == "1571035203800022"


def test_relinking_replaces_the_night(warehouse, registry):
    registry.participant("22000000001", "1571031203800001", "AHMAD FAUZI", B1)
    run(warehouse, registry)
    with db.connect(warehouse) as conn, conn.transaction():
        link_all(D, conn)
    with db.connect(warehouse) as conn:
        assert conn.execute("SELECT count(*) FROM recon.link").fetchone()[0] == 1


def test_a_name_in_modern_spelling_finds_its_old_spelling_however_far_apart_as_written(warehouse, registry):
    # 5 edits apart as written, the same name once modernised (OE -> U, DJ -> J, TJ -> C)
    registry.person("1571031203800006", "SOEDJONO TJOKROHADI", B1, no_rt="008")
    registry.rt_row(12, None, "SUJONO COKROHADI", no_rt="008")
    registry.participant("22000000010", None, "Sujono Cokrohadi", B1)
    run(warehouse, registry)
    got = links(warehouse)
    assert got[("rt", "rt:2026-10/1571031004-RT008-RW002.xlsx#IURAN!12")] == ("1571031203800006", "by-rt", 3)
    assert got[("bpjs", "22000000010")] == ("1571031203800006", "fuzzy", 2)
