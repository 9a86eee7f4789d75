"""Night D's outbox folder while it is built: `<outbox>/.<D>.building/`, then swapped into place at once.

Publishing is three steps, so that the audiences can be written by several workers:

1. `start` makes the building folder and its plan (`.plan.json`): a build id and the audiences in parts
   of about equal rows;
2. each part writes its audiences' folders and then its marker (`.part-<n>.done`); a part written again
   (a retry) first removes what it wrote before;
3. `release` checks that every part of this build is done and swaps the folder into place in one rename
   (Linux `renameat2(RENAME_EXCHANGE)`, else two renames): a reader sees the previous complete folder
   or the new one, never a mix. Entries of the previous folder that publishing does not write
   (`datadocs/` from validation) are carried over.

A part or a release that meets another build (the night was prepared again meanwhile) fails, and says so.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jaring.errors import Permanent

PLAN = ".plan.json"
LEFTOVER_AGE_SECONDS = 3600  # a publish takes minutes: a building folder this old was left behind


class NotPrepared(RuntimeError, Permanent):
    """The building folder is missing, of another build, or incomplete: publishing must start again
    from `prepare_outbox` (clearing that task clears the parts and the release after it)."""


@dataclass(frozen=True)
class Plan:
    build: str  # this preparation's id: a part carries it, so a stale part never writes into a newer build
    parts: list[list[str]]  # the audiences of each part, part n = parts[n - 1]

    def part(self, number: int) -> dict:
        """What a part needs to know (an Airflow mapped task's argument: audience names, no personal data)."""
        return {"build": self.build, "part": number, "of": len(self.parts), "audiences": self.parts[number - 1]}


def folder(outbox: Path, night: date) -> Path:
    return Path(outbox) / f".{night.isoformat()}.building"


def start(outbox: Path, night: date, parts: list[list[str]]) -> tuple[Path, Plan]:
    """An empty building folder for night D with a new plan (a previous build of D is removed)."""
    remove_leftovers(outbox, night)
    place = folder(outbox, night)
    place.mkdir()
    plan = Plan(uuid.uuid4().hex, parts)
    (place / PLAN).write_text(json.dumps({"build": plan.build, "parts": plan.parts}), encoding="utf-8")
    return place, plan


def plan_of(place: Path, build: str | None = None) -> Plan:
    """The plan in the building folder; `build` (a part's) must be the one it was given."""
    try:
        stored = json.loads((place / PLAN).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotPrepared(f"{place.name}: no outbox is being built for this night (run prepare_outbox first)") \
            from None
    if build is not None and stored["build"] != build:
        raise NotPrepared(f"{place.name}: the outbox was prepared again after this part was planned "
                          "(clear prepare_outbox to publish the night again)")
    return Plan(stored["build"], stored["parts"])


def _marker(place: Path, number: int) -> Path:
    return place / f".part-{number}.done"


def begin_part(place: Path, plan: Plan, number: int) -> None:
    """Before part `number` is written: remove whatever an earlier attempt left of it, its marker first."""
    _marker(place, number).unlink(missing_ok=True)
    for audience in plan.parts[number - 1]:
        shutil.rmtree(place / audience, ignore_errors=True)


def finish_part(place: Path, plan: Plan, number: int) -> None:
    """Part `number`'s audiences are all written: its marker."""
    plan_of(place, plan.build)  # still this build: a part never marks a newer build done
    _marker(place, number).write_text(plan.build, encoding="utf-8")


def release(place: Path, target: Path, owned: frozenset[str]) -> None:
    """Swap the complete building folder into place as `target`; `owned`: the entries publishing writes
    (any other entry of the previous folder is carried over)."""
    plan = plan_of(place)
    missing = [n for n in range(1, len(plan.parts) + 1)
               if not _marker(place, n).exists() or _marker(place, n).read_text(encoding="utf-8") != plan.build]
    if missing:
        raise NotPrepared(f"{place.name}: part(s) {', '.join(map(str, missing))} of {len(plan.parts)} "
                          "not written (publish_audiences)")
    for bookkeeping in (place / PLAN, *(_marker(place, n) for n in range(1, len(plan.parts) + 1))):
        bookkeeping.unlink()
    _swap_into_place(place, target, owned)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _swap_into_place(built: Path, target: Path, owned: frozenset[str]) -> None:
    if not target.exists():
        os.rename(built, target)
        return
    for entry in target.iterdir():  # keep what other steps put there (datadocs/)
        if entry.name not in owned and not (built / entry.name).exists():
            if entry.is_dir():
                shutil.copytree(entry, built / entry.name, symlinks=True)
            else:
                shutil.copy2(entry, built / entry.name)
    if _exchange(built, target):
        shutil.rmtree(built)  # now the previous folder
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(built, target)
    shutil.rmtree(old)


def remove_leftovers(outbox: Path, night: date) -> None:
    """Building folders hold full NIKs: night D's go now (no other preparation of D runs: the step's
    lock), other nights' once they are older than any publish could be."""
    now = time.time()
    for stale in Path(outbox).glob(".????-??-??.*"):
        if stale.name.startswith(f".{night.isoformat()}.") or now - stale.lstat().st_mtime > LEFTOVER_AGE_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
