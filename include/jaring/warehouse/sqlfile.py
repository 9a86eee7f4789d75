"""Run the `.sql` files that sit next to a module (one statement at a time, with parameters)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def statements(path: Path) -> tuple[str, ...]:
    """The statements of a file, split at semicolons that end a line, without whole-line comments
    (a `%` or placeholder in a comment would otherwise reach the driver)."""
    parts = []
    for chunk in path.read_text(encoding="utf-8").split(";\n"):
        code = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--"))
        code = code.strip().rstrip(";").strip()
        if code:
            parts.append(code)
    return tuple(parts)


def execute(conn, path: Path, params: dict | None = None):
    """Execute every statement of `path`; returns the cursor of the last one."""
    cursor = None
    for statement in statements(path):
        cursor = conn.execute(statement, params or {})
    return cursor
