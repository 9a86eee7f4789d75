"""The audiences are written by forked processes: every part is written once, a free process takes the next
part, and a failure in any fails the publish."""

from __future__ import annotations

import os
import time

import pytest

from jaring.publishing.outbox import balanced, in_processes


def test_every_item_is_written_once(tmp_path):
    def work(name):
        with open(tmp_path / name, "x") as f:  # "x": an item written twice would fail
            f.write(name)

    in_processes(["a", "b", "c", "d", "e"], work, processes=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c", "d", "e"]


def test_a_free_process_takes_the_next_item_while_a_slow_one_works(tmp_path):
    def work(name):
        if name == "slow":
            time.sleep(2)
        (tmp_path / name).write_text(str(os.getpid()))

    in_processes(["slow", "a", "b", "c"], work, processes=2)
    writers = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert {writers["a"], writers["b"], writers["c"]} != {writers["slow"]}
    assert [name for name, pid in writers.items() if pid == writers["slow"]] == ["slow"]


@pytest.mark.parametrize("failing", ["here", "child"])
def test_a_failed_item_fails_the_publish_and_the_others_are_written(tmp_path, failing):
    publishing = os.getpid()

    def work(name):
        time.sleep(0.3)  # so that both processes take an item
        if (os.getpid() == publishing) == (failing == "here") and not list(tmp_path.glob("failed-*")):
            (tmp_path / f"failed-{name}").touch()
            raise OSError("disk full")
        (tmp_path / name).write_text("ok")

    with pytest.raises((RuntimeError, OSError)):
        in_processes(["1", "2", "3", "4"], work, processes=2)
    failed = [p.name for p in tmp_path.glob("failed-*")]
    written = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("failed-"))
    assert len(failed) == 1 and written == sorted({"1", "2", "3", "4"} - {failed[0][len("failed-"):]})


def test_groups_share_the_rows_about_equally():
    groups = balanced({"dinsos": 40_000, "bpjs-tk": 30_000, "bpkad": 9_000, "kelurahan/1": 500,
                       "kelurahan/2": 400}, 2)
    assert sorted(map(sorted, groups)) == [["bpjs-tk", "bpkad", "kelurahan/1", "kelurahan/2"], ["dinsos"]]
    assert balanced({"dinsos": 1}, 2) == [["dinsos"]]


def test_a_killed_publish_takes_its_forked_processes_with_it(tmp_path):
    import signal

    def work(name):
        (tmp_path / f"{name}.pid").write_text(str(os.getpid()))
        time.sleep(60)

    parent = os.fork()
    if parent == 0:  # the publishing process, killed below as a SIGKILL'd task would be
        try:
            in_processes(["one", "other"], work, processes=2)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 20
    while len(list(tmp_path.glob("*.pid"))) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child = next(pid for pid in (int(p.read_text()) for p in tmp_path.glob("*.pid")) if pid != parent)
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
