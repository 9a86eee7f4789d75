"""The audiences are written by forked processes: every group is written, and a failure in any fails the
publish."""

from __future__ import annotations

import pytest

from jaring.publishing.outbox import balanced, in_processes


def test_every_group_is_written_once(tmp_path):
    def work(group):
        for name in group:
            with open(tmp_path / name, "x") as f:  # "x": a group written twice would fail
                f.write(name)

    in_processes([["a", "b"], ["c"], ["d"]], work)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("failing", ["here", "child"])
def test_a_failed_group_fails_the_publish(tmp_path, failing):
    def work(group):
        if group == [failing]:
            raise OSError("disk full")
        (tmp_path / group[0]).write_text("ok")

    with pytest.raises((RuntimeError, OSError)):
        in_processes([["here"], ["child"]], work)
    assert (tmp_path / ("child" if failing == "here" else "here")).exists()  # the other group still ran


def test_groups_share_the_rows_about_equally():
    groups = balanced({"dinsos": 40_000, "bpjs-tk": 30_000, "bpkad": 9_000, "kelurahan/1": 500,
                       "kelurahan/2": 400}, 2)
    assert sorted(map(sorted, groups)) == [["bpjs-tk", "bpkad", "kelurahan/1", "kelurahan/2"], ["dinsos"]]
    assert balanced({"dinsos": 1}, 2) == [["dinsos"]]
