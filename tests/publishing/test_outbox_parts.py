"""Publishing in three steps (prepare, one task per part, release), as Airflow's mapped tasks run it: the
same bytes as `write_outbox`, each part idempotent, and a stale or missing part stops the release."""

from __future__ import annotations

import pytest
from publishing_sample import NIGHT, SIMPANG_IV, insert, sample_findings

from jaring.publishing import building, outbox
from jaring.publishing.night_data import load
from jaring.warehouse import db


def _files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _prepare(dsn, place, parts=3) -> list[dict]:
    with db.connect(dsn) as conn:
        return outbox.prepare(NIGHT, conn, place, parts=parts)["parts"]


def _publish(dsn, place, part) -> None:
    with db.connect(dsn) as conn:
        outbox.publish_part(NIGHT, conn, place, part)


def test_parts_published_separately_and_in_any_order_make_the_same_outbox(sample_night, tmp_path):
    with db.connect(sample_night) as conn:
        in_one_call = _files(outbox.write_outbox(NIGHT, conn, tmp_path / "one", parts=3))
    parts = _prepare(sample_night, tmp_path / "parts")
    assert len(parts) == 3
    every = [a for part in parts for a in part["audiences"]]
    assert len(every) == len(set(every))  # each audience in exactly one part
    for part in reversed(parts):
        _publish(sample_night, tmp_path / "parts", part)
    assert _files(outbox.release(NIGHT, tmp_path / "parts")) == in_one_call
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == sorted([NIGHT.isoformat(), "index.html",
                                                                             "penerima"])


def test_a_part_written_again_replaces_what_its_killed_attempt_left(sample_night, tmp_path):
    parts = _prepare(sample_night, tmp_path)
    place = building.folder(tmp_path, NIGHT)
    audience = parts[0]["audiences"][0]
    (place / audience).mkdir(parents=True)
    (place / audience / "temuan.xlsx").write_bytes(b"half a workbook")
    (place / audience / "stale.txt").write_text("from the killed attempt")
    (place / "findings.csv").write_text("finding_code,nik\nDECEASED_STI")  # part 1 writes the city-wide files
    for part in parts[1:]:
        _publish(sample_night, tmp_path, part)
    _publish(sample_night, tmp_path, parts[0])  # cleared and run again: the same result
    folder = outbox.release(NIGHT, tmp_path)
    assert not (folder / audience / "stale.txt").exists()
    assert (folder / audience / "temuan.xlsx").read_bytes()[:2] == b"PK"
    with db.connect(sample_night) as conn:
        assert (folder / "findings.csv").read_bytes() == outbox.findings_csv(load(conn, NIGHT).findings)


def test_a_part_of_an_older_preparation_writes_nothing(sample_night, tmp_path):
    older = _prepare(sample_night, tmp_path)
    newer = _prepare(sample_night, tmp_path)
    with pytest.raises(building.NotPrepared, match="prepared again"):
        _publish(sample_night, tmp_path, older[0])
    assert not any((building.folder(tmp_path, NIGHT) / a).exists() for a in newer[0]["audiences"])


def test_the_release_waits_for_every_part_and_keeps_the_previous_night_until_then(sample_night, tmp_path):
    with db.connect(sample_night) as conn:
        previous = _files(outbox.write_outbox(NIGHT, conn, tmp_path))
    insert(sample_night, NIGHT, sample_findings()[:3])
    parts = _prepare(sample_night, tmp_path)
    for part in parts[:-1]:
        _publish(sample_night, tmp_path, part)
    with pytest.raises(building.NotPrepared, match=f"part\\(s\\) {len(parts)} of {len(parts)} not written"):
        outbox.release(NIGHT, tmp_path)
    assert _files(tmp_path / NIGHT.isoformat()) == previous
    _publish(sample_night, tmp_path, parts[-1])
    assert _files(outbox.release(NIGHT, tmp_path)) != previous


def test_nothing_prepared_is_a_clear_error(sample_night, tmp_path):
    with pytest.raises(building.NotPrepared, match="run prepare_outbox first"):
        outbox.release(NIGHT, tmp_path)


def test_the_plan_routes_each_finding_as_its_whole_row_would(sample_night, tmp_path):
    """prepare_outbox reads only what routes a finding (`night_data.routing`), not the night's whole rows:
    the audiences' sizes, and so the parts, are those of the whole rows."""
    from jaring.policy import load as load_policy
    from jaring.publishing.night_data import routing

    policy = load_policy()
    with db.connect(sample_night) as conn:
        whole, routed = load(conn, NIGHT).findings, routing(conn, NIGHT)
    assert all("nama" not in row and "nik" not in row for row in routed)
    sizes = outbox.audience_sizes(whole, policy)
    assert outbox.audience_sizes(routed, policy) == sizes
    assert sizes["bpkad"] and sizes[f"kelurahan/{SIMPANG_IV}"]  # routed by a payer, by a ledger
