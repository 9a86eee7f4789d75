"""`--profile`: each step under py-spy (sampling, out of process: the step's timing barely moves), and the
top of each profile as text: where the step's samples sit (self) and which functions they pass through
(total), both per function with its file and line of definition stripped to the function's name."""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)$")


def wrapper(folder: Path):
    """`wrapper_of(label, step)` for harness.run_night: py-spy recording raw stacks to `folder`."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy (requirements-dev.txt)")
    folder.mkdir(parents=True, exist_ok=True)

    def of(label: str, step: str) -> list[str]:
        return [spy, "record", "--rate", "100", "--format", "raw", "--output", str(folder / f"{label}-{step}.txt"),
                "--"]
    return of


def _function(frame: str) -> str:
    return _LINE.sub(")", frame.strip())


def top(path: Path, lines: int = 12) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(samples, [(function, self samples)], [(function, total samples)]) of a raw py-spy profile."""
    own: Counter = Counter()
    total: Counter = Counter()
    samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [_function(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for function in set(frames):
            if "importlib._bootstrap" not in function:
                total[function] += n
    return samples, own.most_common(lines), total.most_common(lines)


def print_top(folder: Path, lines: int = 12) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.glob("*.txt")):
        samples, own, total = top(path, lines)
        if not samples:
            continue
        print(f"\nprofile {path.stem}: {samples} samples (100/s)")
        print("  self%   function")
        for function, n in own:
            print(f"  {100 * n / samples:5.1f}  {function[:110]}")
        print("  total%  function")
        for function, n in total:
            print(f"  {100 * n / samples:5.1f}  {function[:110]}")
        out[path.stem] = {"samples": samples, "self": own, "total": total}
    return out
