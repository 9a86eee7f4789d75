"""The one way to run SQL kept in files: `<package>/sql/<name>.sql`, beside the module that runs it.

    from jaring.warehouse import sqlfile
    sqlfile.execute(conn, __name__, "link_records", params)   # jaring/linking/sql/link_records.sql

A file may hold several statements (split at a `;` that ends a line); whole-line `--` comments are
dropped so that a `%` or a placeholder in a comment never reaches the driver.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


def path(module: str, name: str) -> Path:
    """`<folder of module>/sql/<name>.sql` (`module` is the caller's `__name__`)."""
    return Path(sys.modules[module].__file__).parent / "sql" / f"{name}.sql"


@cache
def statements(module: str, name: str) -> tuple[str, ...]:
    parts = []
    for chunk in path(module, name).read_text(encoding="utf-8").split(";\n"):
        code = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--"))
        code = code.strip().rstrip(";").strip()
        if code:
            parts.append(code)
    return tuple(parts)


def text(module: str, name: str) -> str:
    """The file's single statement (for `psycopg.sql.SQL(...)` composition or `COPY`)."""
    found = statements(module, name)
    if len(found) != 1:
        raise ValueError(f"{path(module, name)} holds {len(found)} statements, expected one")
    return found[0]


def execute(conn, module: str, name: str, params: dict | None = None):
    """Execute every statement of the file; returns the cursor of the last one."""
    cursor = None
    for statement in statements(module, name):
        cursor = conn.execute(statement, params or {})
    return cursor
