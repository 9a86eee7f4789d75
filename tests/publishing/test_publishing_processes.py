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


def test_a_killed_publish_takes_its_forked_processes_with_it(tmp_path):
    import os
    import signal
    import time

    def work(group):
        if group == ["child"]:
            (tmp_path / "child.pid").write_text(str(os.getpid()))
            time.sleep(60)
        else:
            time.sleep(60)

    parent = os.fork()
    if parent == 0:  # the publishing process, killed below as a SIGKILL'd task would be
        try:
            in_processes([["here"], ["child"]], work)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 20
    while not (tmp_path / "child.pid").exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child = int((tmp_path / "child.pid").read_text())
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the forked process outlived the killed publish"
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie is dead, only not yet reaped
    except FileNotFoundError:
        return False
