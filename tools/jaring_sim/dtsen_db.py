"""The simulated Dinas Sosial database: the world's DTSEN releases in PostgreSQL (contract: poverty-db.md).

`load` drops and recreates the `dtsen` schema from the contract's DDL
(`dtsen_schema.sql`, verbatim), streams the world's CSV files in with COPY,
and grants a read-only role USAGE + SELECT, nothing more. Hidden `_` columns
of the world files go through a temporary table and are never stored.
"""

from __future__ import annotations

import csv
import re
from contextlib import contextmanager
from pathlib import Path

SCHEMA_SQL = Path(__file__).with_name("dtsen_schema.sql")
SCHEMA = "dtsen"
# in dependency order (foreign keys)
TABLE_FILES = (
    ("periode", "dtsen_periode.csv"),
    ("keluarga", "dtsen_keluarga.csv"),
    ("individu", "dtsen_individu.csv"),
)
_CHUNK = 1 << 20


class DtsenLoadError(RuntimeError):
    pass


def load(world_dir: Path, admin_dsn: str, readonly_role: str = "dinsos_ro") -> dict[str, int]:
    """(Re)create the `dtsen` schema in `admin_dsn`'s database from the world; returns rows per table."""
    import psycopg

    world_dir = Path(world_dir)
    counts: dict[str, int] = {}
    with psycopg.connect(admin_dsn) as conn:
        with conn.transaction():
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            conn.execute(SCHEMA_SQL.read_text())
            with _keys_checked_after_load(conn):
                for table, file_name in TABLE_FILES:
                    counts[table] = _copy_file(conn, table, world_dir / file_name)
            grant_read_only(conn, readonly_role)
            for table, _ in TABLE_FILES:
                conn.execute(f"ANALYZE {SCHEMA}.{table}")
    return counts


def readonly_dsn(admin_dsn: str, readonly_role: str = "dinsos_ro") -> str:
    """The same database, connected as the read-only role (libpq key=value form)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(admin_dsn, user=readonly_role, password="")


def grant_read_only(conn, role: str) -> None:
    """Create `role` (LOGIN) if missing and let it read `dtsen`, nothing else."""
    import psycopg
    from psycopg import sql

    name = sql.Identifier(role)
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if not exists:
        try:
            with conn.transaction():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(name))
        except psycopg.errors.DuplicateObject:
            pass  # created meanwhile by a loader of another database
    conn.execute(sql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(name))
    database = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA), name))
    conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(sql.Identifier(SCHEMA), name))


@contextmanager
def _keys_checked_after_load(conn):
    """Drop the DDL's keys for the bulk load and put them back identical (same names and
    definitions), so PostgreSQL builds each index and checks each foreign key once."""
    import psycopg

    keys = conn.execute(
        """SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid), contype
           FROM pg_constraint WHERE connamespace = %s::regnamespace AND contype IN ('p', 'f')""",
        (SCHEMA,),
    ).fetchall()
    foreign_first = sorted(keys, key=lambda k: k[3] != "f")
    for table, name, _, _ in foreign_first:
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    for table, name, definition, _ in reversed(foreign_first):
        try:
            with conn.transaction():
                conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        except psycopg.Error as exc:
            # the detail names the offending key values: keep them out of the message
            raise DtsenLoadError(f"the world's DTSEN files break {table} {name} (SQLSTATE {exc.sqlstate})") \
                from None


def _copy_file(conn, table: str, path: Path) -> int:
    """COPY a world CSV into dtsen.<table>; through a temporary table when it has hidden columns."""
    import psycopg
    from psycopg import sql

    if not path.exists():
        raise DtsenLoadError(f"world file {path} is missing")
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    target_types = dict(conn.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""",
        (f"{SCHEMA}.{table}",),
    ).fetchall())
    unknown = [c for c in header if c not in target_types and not c.startswith("_")]
    if unknown:
        raise DtsenLoadError(f"{path.name}: columns not in dtsen.{table}: {', '.join(unknown)}")
    stored = [c for c in header if c in target_types]
    target = sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(table))
    columns = sql.SQL(", ").join(map(sql.Identifier, stored))
    hidden = len(stored) < len(header)
    staging = sql.Identifier(f"_load_{table}")
    if hidden:
        conn.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
            staging,
            sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(target_types.get(c, "text")))
                               for c in header),
        ))
    copy_into = staging if hidden else sql.SQL("{} ({})").format(target, columns)
    try:
        with conn.transaction():
            with conn.cursor().copy(
                sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true)").format(copy_into)
            ) as copy, open(path, "rb") as f:
                while chunk := f.read(_CHUNK):
                    copy.write(chunk)
            if hidden:
                conn.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                    target, columns, columns, staging))
            inserted = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(target)).fetchone()[0]
    except psycopg.Error as exc:
        # the server's message and context may quote a row (a NIK, a name): report only where it broke
        where = re.search(r"line (\d+)(, column (\w+))?", exc.diag.context or "")
        place = f" at line {where.group(1)}" + (f", column {where.group(3)}" if where.group(3) else "") \
            if where else ""
        raise DtsenLoadError(
            f"loading {path.name} into dtsen.{table} failed{place} (SQLSTATE {exc.sqlstate})"
        ) from None
    return inserted
