"""The RT inbox into the warehouse for night D (`rt-ledger.md`).

A file counts for night D when its mtime is <= the end of D (WIB). Each file
content (path + sha256) is parsed once and kept in `raw.rt_file*` with every
version seen, so a replaced file's new content supersedes the old one, a
backfill of an earlier night sees the version current then, and an unchanged
file is not parsed again. Night D's `staging.rt_row`, `staging.invalid_record`
(source 'rt') and `quarantine.record` (source 'rt') are replaced in one
transaction.

The inbox is walked without following links (a link could bring in any file the hub can read), and
file names reach the log only through `logsafe.safe_name` (an upload's name may hold a NIK or a newline).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from jaring.linking.names import normalise
from jaring.logsafe import safe_name, safe_text
from jaring.nights import WIB, end_of_night
from jaring.warehouse import db

log = logging.getLogger(__name__)

NIGHT_SQL = Path(__file__).with_name("rt_inbox_night.sql")

LEDGER_SUFFIXES = (".xlsx", ".xls", ".csv")
_MONTH_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FILE_NAME = re.compile(r"^(\d{10})-RT(\d{3})-RW(\d{3})$", re.IGNORECASE)
FILE_NAME_INVALID = "file_name_invalid"

_ROW_COLUMNS = ("path", "sha256", "sheet", "kind", "row_no", "cells", "nik", "nik_raw", "nama", "pekerjaan",
                "kpj", "jumlah", "tgl_bayar", "sumber_dana", "kategori", "no_hp", "keterangan", "problems",
                "usable")
_FILE_COLUMNS = ("path", "sha256", "size", "bulan", "kode_kelurahan", "no_rt", "no_rw", "file_problem",
                 "file_detail", "rows_read")


@dataclass(frozen=True)
class InboxFile:
    path: Path
    relative_path: str
    mtime: datetime
    size: int


def scan(inbox: Path) -> tuple[list[InboxFile], dict[str, int]]:
    """The ledger files of `inbox/<YYYY-MM>/`, and how many other entries were ignored or links skipped."""
    found, skipped = [], {"entries_ignored": 0, "links_skipped": 0}
    if not inbox.is_dir():
        # an unmounted share must not look like a night without uploads
        raise FileNotFoundError(f"RT inbox {inbox} (JARING_RT_INBOX) is not a folder")
    for folder in _entries(inbox, skipped):
        if not folder.is_dir(follow_symlinks=False) or not _MONTH_FOLDER.fullmatch(folder.name):
            skipped["entries_ignored"] += 1
            continue
        for entry in _entries(Path(folder.path), skipped):
            if not entry.is_file(follow_symlinks=False) or Path(entry.name).suffix.lower() not in LEDGER_SUFFIXES:
                skipped["entries_ignored"] += 1
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # removed while the inbox was read
                continue
            seconds, nanos = divmod(stat.st_mtime_ns, 10**9)
            mtime = datetime.fromtimestamp(seconds, WIB).replace(microsecond=nanos // 1000)
            found.append(InboxFile(Path(entry.path), f"{folder.name}/{entry.name}", mtime, stat.st_size))
    if skipped["links_skipped"]:
        log.warning("rt inbox: %d symbolic link(s) skipped, not followed", skipped["links_skipped"])
    return found, skipped


def _entries(folder: Path, skipped: dict[str, int]) -> list[os.DirEntry]:
    """A folder's entries by name, without links; a name that is not UTF-8 cannot be a ledger's path."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.is_symlink():
                skipped["links_skipped"] += 1
            elif not _is_utf8(entry.name):
                skipped["entries_ignored"] += 1
            else:
                entries.append(entry)
    return sorted(entries, key=lambda e: e.name)


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.scandir decodes undecodable bytes to lone surrogates
        return False
    return True


def read_file(file: InboxFile) -> bytes:
    """The file's bytes, refusing a link put in place since the scan or a path resolving outside the inbox."""
    inbox = file.path.parents[1]
    if not file.path.resolve().is_relative_to(inbox.resolve()):
        raise PermissionError(f"resolves outside the RT inbox: {safe_name(file.relative_path)}")
    descriptor = os.open(file.path, os.O_RDONLY | os.O_NOFOLLOW)
    with open(descriptor, "rb") as handle:
        return handle.read()


def ingest(night: date, conn, inbox: Path, validate: bool = True) -> dict:
    """Bring the inbox as of the end of `night` into the warehouse; returns the night's counts.

    The writes happen in one transaction (`conn` must be idle: autocommit, or commit first).
    With `validate`, the staged rows go through the `rt` expectation suite in that same
    transaction (a blocking failure rolls the night back and raises `SourceRejected`).
    """
    import psycopg

    from jaring.sources import landing
    from jaring.validation import SourceRejected

    landing.require_idle(conn)
    inbox = Path(inbox)
    files, skipped = scan(inbox)
    cutoff = end_of_night(night)
    visible = [f for f in files if f.mtime <= cutoff]
    known = _known_contents(conn, [f.relative_path for f in visible])
    digests: dict[str, str] = {}
    parsed, not_readable = [], []
    for file in visible:  # one file's bytes in memory at a time
        try:
            data = read_file(file)
        except OSError as error:
            # e.g. no permission, or replaced by a link since the scan; the version seen before still counts
            log.warning("rt inbox: %s not readable (%s)", safe_name(file.relative_path), type(error).__name__)
            not_readable.append(file)
            continue
        digests[file.relative_path] = digest = hashlib.sha256(data).hexdigest()
        if (file.relative_path, digest) not in known:
            parsed.append(_parse(file, data, digest))
    visible = [f for f in visible if f not in not_readable]
    verdict = None
    try:
        with conn.transaction():
            _store_parsed(conn, parsed)
            _store_versions(conn, night, visible, digests)
            _replace_night(conn, night, cutoff)
            verdict = _validate(conn, night) if validate else None
            if verdict is not None:
                verdict.raise_if_blocking()  # rolls the whole night back
            counts = _night_counts(conn, night)
    except SourceRejected:
        landing.store_rejection(conn, night, verdict)
        raise
    except psycopg.DataError as error:
        # psycopg's message quotes the refused value and its row (a name, a NIK): keep the first line, masked
        raise RuntimeError(f"rt inbox night {night}: the warehouse refused a ledger value "
                           f"({type(error).__name__}: {safe_text(error.diag.message_primary or '')})") from None
    if counts["files_rows_mismatch"]:
        raise RuntimeError(f"rt inbox night {night}: {counts['files_rows_mismatch']} file(s) whose rows read "
                           "differ from rows staged + quarantined")
    if verdict is not None:
        counts.update(validation_quarantined=len(verdict.row_failures), validation_flagged=len(verdict.row_flags))
    counts.update(files_seen=len(files), files_visible=len(visible), files_after_night=len(files) - len(visible),
                  files_parsed=len(parsed), files_unchanged=len(visible) - len(parsed),
                  files_not_readable=len(not_readable), **skipped)
    log.info("rt inbox night %s: %s", night, json.dumps(counts, sort_keys=True))
    return counts


def _known_contents(conn, paths: list[str]) -> set[tuple[str, str]]:
    rows = conn.execute("SELECT path, sha256 FROM raw.rt_file WHERE path = ANY(%s)", (paths,)).fetchall()
    return {(path, sha.strip()) for path, sha in rows}


def _parse(file: InboxFile, data: bytes, sha256: str) -> tuple[tuple, list[tuple]]:
    """(raw.rt_file row, raw.rt_file_row rows) for one new file content."""
    from jaring.sources.rt_ledger import read_ledger

    folder, name = file.relative_path.split("/", 1)
    match = _FILE_NAME.match(Path(name).stem)
    if match is None:
        log.warning("rt inbox: file name not in the <KEL>-RTrrr-RWwww form: %s", safe_name(file.relative_path))
        record = (file.relative_path, sha256, len(data), folder, None, None, None, FILE_NAME_INVALID, None, "{}")
        return record, []
    ledger = read_ledger(file.path, file.relative_path, data=data)
    if ledger.file_problem:
        log.warning("rt inbox: rt:%s#file unreadable (%s)", safe_name(file.relative_path), ledger.file_detail)
    record = (file.relative_path, sha256, len(data), folder, match[1], match[2], match[3], ledger.file_problem,
              ledger.file_detail, json.dumps(ledger.rows_read, ensure_ascii=False))
    rows = [
        (file.relative_path, sha256, row.sheet, row.kind, row.row_no, json.dumps(row.cells, ensure_ascii=False),
         row.nik, row.nik_raw, row.nama, row.pekerjaan, row.kpj, row.jumlah, row.tgl_bayar, row.sumber_dana,
         row.kategori, row.no_hp, row.keterangan, row.problems, row.usable)
        for row in ledger.rows
    ]
    return record, rows


def _store_parsed(conn, parsed: list[tuple[tuple, list[tuple]]]) -> None:
    db.copy_rows(conn, "raw.rt_file", _FILE_COLUMNS, (record for record, _ in parsed))
    db.copy_rows(conn, "raw.rt_file_row", _ROW_COLUMNS, (row for _, rows in parsed for row in rows))


def _store_versions(conn, night: date, visible: list[InboxFile], digests: dict[str, str]) -> None:
    conn.execute("DROP TABLE IF EXISTS pg_temp.rt_seen")
    conn.execute("CREATE TEMP TABLE rt_seen (LIKE raw.rt_file_version) ON COMMIT DROP")
    db.copy_rows(conn, "rt_seen", ("path", "mtime", "sha256", "size", "first_ingested_night"),
                 ((f.relative_path, f.mtime, digests[f.relative_path], f.size, night) for f in visible))
    # the same path and mtime with other bytes: the newer observation wins (the old bytes are gone)
    conn.execute(
        "INSERT INTO raw.rt_file_version SELECT * FROM rt_seen ON CONFLICT (path, mtime) DO UPDATE SET "
        "sha256 = EXCLUDED.sha256, size = EXCLUDED.size, first_ingested_night = CASE "
        "WHEN raw.rt_file_version.sha256 = EXCLUDED.sha256 THEN LEAST(raw.rt_file_version.first_ingested_night, "
        "EXCLUDED.first_ingested_night) ELSE EXCLUDED.first_ingested_night END"
    )


def _statements() -> dict[str, str]:
    named, current = {}, None
    for line in NIGHT_SQL.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- name:"):
            current = line.split(":", 1)[1].strip()
            named[current] = ""
        elif current:
            named[current] += line + "\n"
    return named


def _run(conn, sql: str, params: dict):
    cursor = None
    for statement in filter(str.strip, sql.split(";\n")):
        cursor = conn.execute(statement, params)
    return cursor


def _replace_night(conn, night: date, cutoff: datetime) -> None:
    sql = _statements()
    params = {"night": night, "end_of_night": cutoff}
    _run(conn, sql["current_versions"], params)
    names = [name for (name,) in _run(conn, sql["current_names"], params).fetchall()]
    _run(conn, sql["name_key_table"], params)
    db.copy_rows(conn, "rt_name_key", ("nama", "nama_key"), ((name, normalise(name)) for name in names))
    for step in ("clear_night", "stage_rows", "report_invalid", "quarantine_rows", "quarantine_files"):
        _run(conn, sql[step], params)


def _night_counts(conn, night: date) -> dict:
    cursor = _run(conn, _statements()["night_counts"], {"night": night})
    columns = [c.name for c in cursor.description]
    return {column: int(value) for column, value in zip(columns, cursor.fetchone(), strict=True)}


def _validate(conn, night: date):
    """The `rt` suite on tonight's staged rows: quarantined rows leave staging, flagged fields are emptied."""
    import pandas as pd

    from jaring.sources import landing
    from jaring.validation import quarantine, validate
    from jaring.validation.suites import RT_COLUMNS

    buffer = io.BytesIO()
    with conn.cursor().copy(_statements()["staged_frame"].strip().rstrip(";"), {"night": night}) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    df = pd.read_csv(buffer, dtype=str, keep_default_na=False, na_values=[""])
    result = validate("rt", df)
    if result.blocking:
        return result

    def source_ref(index: int, raw: dict) -> str:
        return raw["source_ref"]

    failed = sorted({df.at[i, "source_ref"] for i in result.row_failures})
    if failed:
        quarantine.record(conn, night, "rt", quarantine.failures(result, df, source_ref, RT_COLUMNS))
        _run(conn, _statements()["move_to_quarantine"], {"night": night, "refs": failed})
    cleared: dict[str, set[str]] = {}
    for index, names in result.row_flags.items():
        for name in names:
            for column in result.rules[name].clears:
                cleared.setdefault(column, set()).add(df.at[index, "source_ref"])
    for column, refs in sorted(cleared.items()):
        conn.execute(f"UPDATE staging.rt_row SET {column} = NULL WHERE night = %s AND source_ref = ANY(%s)",
                     (night, sorted(refs)))
    quarantine.flag(conn, night, "rt", quarantine.flags(result, df, source_ref, RT_COLUMNS))
    landing.store_verdict(conn, night, result)
    return result
