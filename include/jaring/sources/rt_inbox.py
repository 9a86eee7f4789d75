"""The RT inbox into the warehouse for night D (`rt-ledger.md`).

A file counts for night D when its mtime is <= the end of D (WIB). Each file
content (path + sha256) is parsed once and kept in `raw.rt_file*` with every
version seen, so a replaced file's new content supersedes the old one, a
backfill of an earlier night sees the version current then, and an unchanged
file is not parsed again. A file whose path, mtime, size and inode change time
(ctime) are those of a version already seen is not even read: only the kernel
sets a ctime, and every write moves it (`full` reads every file all the same).
Night D's `staging.rt_row`, `staging.invalid_record` (source 'rt') and
`quarantine.record` (source 'rt') are replaced in one transaction, after the
inbox was read (`landing.ingest`).

The inbox is walked without following links (a link could bring in any file the hub can read), and
file names reach the log only through `logsafe.safe_name` (an upload's name may hold a NIK or a newline).

No upload is dropped without a word: a file outside a `YYYY-MM` folder, of a type that is not a ledger's
(.xlsm, .ods, .pdf, a photo …), whose name is not `<KODE_KELURAHAN>-RTrrr-RWwww`, or that cannot be read, is
kept as a version like any other and becomes one file-level INVALID_SOURCE_RECORD (`rt:<path>#file`) whose
reason is one of `findings_contract.RT_FILE_REASONS`. Only links, hidden files (`.name`) and Office's lock
files (`~$name`) are skipped, counted and logged: they are not uploads.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from jaring.linking.names import normalise
from jaring.logsafe import safe_name, safe_text
from jaring.nights import WIB, end_of_night
from jaring.sources import landing
from jaring.sources.xlsx_bounds import MAX_UNPACKED_BYTES as MAX_LEDGER_BYTES
from jaring.warehouse import db, sqlfile

log = logging.getLogger(__name__)

# a staged ledger row as the `rt` suite checks it (the columns of sql/rt_staged_frame.sql; rt-ledger.md)
RT_COLUMNS = ("source_ref", "sheet", "kode_kelurahan", "nik", "nama", "kpj", "jumlah", "tgl_bayar")
SOURCE = landing.Source("rt", ("staging.rt_row",), {"rt": RT_COLUMNS})

LEDGER_SUFFIXES = (".xlsx", ".xls", ".csv")
_MONTH_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FILE_NAME = re.compile(r"^(\d{10})-RT(\d{3})-RW(\d{3})$", re.IGNORECASE)
_CODE_10 = re.compile(r"(?<!\d)\d{10}(?!\d)")  # a kelurahan code, not a piece of a NIK or a phone number
_NOT_UPLOADS = (".", "~$")  # hidden files (.DS_Store), Office lock files (~$name.xlsx)
# the file-level reasons (findings_contract.RT_FILE_REASONS) decided from the path alone
FOLDER_NOT_A_MONTH, TYPE_NOT_SUPPORTED, NAME_NOT_A_LEDGER = (
    "folder_not_a_month", "file_type_not_supported", "file_name_not_a_ledger")
FILE_TOO_LARGE = "file_too_large"

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
    problem: str | None = None  # a reason decided from the path: the file is reported, not parsed
    ctime_ns: int | None = None  # when the inode last changed (content, name, mode): no program can set it back

    @property
    def stat_key(self) -> tuple:
        return self.relative_path, self.mtime, self.size, self.ctime_ns


def scan(inbox: Path) -> tuple[list[InboxFile], dict[str, int]]:
    """The uploads of the inbox (ledgers in `<YYYY-MM>/`, and every other file one folder deep, with the
    reason it is no ledger), and how many entries were ignored or links skipped."""
    found, skipped = [], {"entries_ignored": 0, "links_skipped": 0}
    if not inbox.is_dir():
        # an unmounted share must not look like a night without uploads
        raise FileNotFoundError(f"RT inbox {inbox} (JARING_RT_INBOX) is not a folder")
    for top in _entries(inbox, skipped):
        if top.is_file(follow_symlinks=False):
            _add(found, top, top.name, FOLDER_NOT_A_MONTH)  # dropped beside the month folders
            continue
        if not top.is_dir(follow_symlinks=False):
            skipped["entries_ignored"] += 1
            continue
        month = _MONTH_FOLDER.fullmatch(top.name) is not None
        for entry in _entries(Path(top.path), skipped):
            if not entry.is_file(follow_symlinks=False):
                skipped["entries_ignored"] += 1  # a folder inside a month folder: not the inbox's layout
                continue
            _add(found, entry, f"{top.name}/{entry.name}", None if month else FOLDER_NOT_A_MONTH)
    if skipped["links_skipped"]:
        log.warning("rt inbox: %d symbolic link(s) skipped, not followed", skipped["links_skipped"])
    if skipped["entries_ignored"]:
        log.info("rt inbox: %d entries ignored (hidden or lock files, folders below a month folder)",
                 skipped["entries_ignored"])
    return found, skipped


def _add(found: list[InboxFile], entry: os.DirEntry, relative_path: str, problem: str | None) -> None:
    """An upload with the first reason its path gives (folder, then type, then name), if any."""
    name = Path(entry.name)
    if problem is None and name.suffix.lower() not in LEDGER_SUFFIXES:
        problem = TYPE_NOT_SUPPORTED
    if problem is None and not _FILE_NAME.match(name.stem):
        problem = NAME_NOT_A_LEDGER
    try:
        stat = entry.stat(follow_symlinks=False)
    except FileNotFoundError:  # removed while the inbox was read
        return
    seconds, nanos = divmod(stat.st_mtime_ns, 10**9)
    mtime = datetime.fromtimestamp(seconds, WIB).replace(microsecond=nanos // 1000)
    found.append(InboxFile(Path(entry.path), relative_path, mtime, stat.st_size, problem, stat.st_ctime_ns))


def _entries(folder: Path, skipped: dict[str, int]) -> list[os.DirEntry]:
    """A folder's entries by name, without links; a name that is not UTF-8 cannot be a ledger's path."""
    entries = []
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.is_symlink():
                skipped["links_skipped"] += 1
            elif not _is_utf8(entry.name) or entry.name.startswith(_NOT_UPLOADS):
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
    with _open(file) as handle:
        return handle.read()


def digest_file(file: InboxFile) -> str:
    """The sha256 of a file that is not parsed (no ledger, or too large for one), read in chunks."""
    digest = hashlib.sha256()
    with _open(file) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _open(file: InboxFile):
    """The upload opened without following a link, then checked by what was opened (the kernel's own path of
    the descriptor): a folder swapped for a link between the check and the open cannot lead outside."""
    inbox = file.path.parents[file.relative_path.count("/")]
    handle = open(os.open(file.path, os.O_RDONLY | os.O_NOFOLLOW), "rb")
    try:
        opened = Path(os.readlink(f"/proc/self/fd/{handle.fileno()}"))
    except OSError:  # no /proc: the path as it resolves now
        opened = file.path.resolve()
    if not opened.is_relative_to(_real_folder(str(inbox))):
        handle.close()
        raise PermissionError(f"resolves outside the RT inbox: {safe_name(file.relative_path)}")
    return handle


@functools.lru_cache(maxsize=8)
def _real_folder(folder: str) -> Path:
    return Path(folder).resolve()


def ingest(night: date, conn, inbox: Path, full: bool = False) -> dict:
    """Bring the inbox as of the end of `night` into the warehouse; returns the night's counts. `full`: read
    every file, trusting no stat of an earlier night (the weekly full pull, a backfill).

    The inbox is read first; then the new file contents, the versions seen and night D's rows are written in
    one transaction (`conn` must be idle: autocommit, or commit first), the staged rows checked by the `rt`
    suite in that same transaction (a blocking failure rolls the night back and raises `SourceRejected`).
    """
    import psycopg

    cutoff = end_of_night(night)

    def land(conn, pulled) -> dict:
        _store_parsed(conn, pulled["parsed"])
        _store_versions(conn, night, pulled["visible"], pulled["digests"])
        return {"rt": _stage_night(conn, night, cutoff)}

    def stage(conn, pulled, frames, results) -> dict:
        result = results["rt"]
        _apply_verdict(conn, night, frames["rt"], result)
        counts = _night_counts(conn, night)
        return counts | pulled["counts"] | {"validation_quarantined": len(result.row_failures),
                                            "validation_flagged": len(result.row_flags)}

    try:
        counts = landing.ingest(SOURCE, night, conn, lambda: _pull(conn, Path(inbox), cutoff, full=full),
                                land, stage)
    except psycopg.DataError as error:
        # psycopg's message quotes the refused value and its row (a name, a NIK): keep the first line, masked
        raise RuntimeError(f"rt inbox night {night}: the warehouse refused a ledger value "
                           f"({type(error).__name__}: {safe_text(error.diag.message_primary or '')})") from None
    if counts["files_rows_mismatch"]:
        raise RuntimeError(f"rt inbox night {night}: {counts['files_rows_mismatch']} file(s) whose rows read "
                           "differ from rows staged + quarantined")
    return counts


def parse_new(night: date, conn, inbox: Path, part: dict | None = None) -> dict:
    """Parse the file contents visible at the end of `night` that the warehouse has not parsed yet into
    `raw.rt_file*` (content-addressed: path and sha256), so that `ingest` finds them parsed. `part`
    ({"part": n, "of": m}): only the files whose path falls in part n of m, so that m workers share the
    parsing; None: every file. Returns counts."""
    def in_part(file: InboxFile) -> bool:
        return part is None or zlib.crc32(file.relative_path.encode()) % part["of"] == part["part"] - 1

    pulled = _pull(conn, Path(inbox), end_of_night(night), in_part)
    with conn.transaction():
        stored = _store_parsed(conn, pulled["parsed"])
    return {"files": pulled["counts"]["files_visible"], "files_parsed": stored}


def _pull(conn, inbox: Path, cutoff: datetime, chosen=lambda file: True, full: bool = False) -> dict:
    """The inbox's files visible at `cutoff` (of those `chosen`), each file content not seen before parsed once;
    a file stat-identical to a version seen before is not read (unless `full`)."""
    files, skipped = scan(inbox)
    visible = [f for f in files if f.mtime <= cutoff and chosen(f)]
    paths = [f.relative_path for f in visible]
    known = _known_contents(conn, paths)
    seen = {} if full else _seen_versions(conn, paths)
    digests: dict[str, str] = {}
    parsed, not_readable, read = [], [], 0
    for file in visible:  # one file's bytes in memory at a time, and only a ledger's (bounded)
        if file.stat_key in seen:
            digests[file.relative_path] = seen[file.stat_key]
            continue
        read += 1
        try:
            if file.problem or file.size > MAX_LEDGER_BYTES:
                data, digest = None, digest_file(file)
            else:
                data = read_file(file)
                digest = hashlib.sha256(data).hexdigest()
        except OSError as error:
            # e.g. no permission, or replaced by a link since the scan; the version seen before still counts
            log.warning("rt inbox: %s not readable (%s)", safe_name(file.relative_path), type(error).__name__)
            not_readable.append(file)
            continue
        digests[file.relative_path] = digest
        if (file.relative_path, digest) not in known:
            parsed.append(_parse(file, data, digest))
    visible = [f for f in visible if f not in not_readable]
    counts = dict(files_seen=len(files), files_visible=len(visible), files_after_night=len(files) - len(visible),
                  files_read=read,
                  files_parsed=len(parsed), files_unchanged=len(visible) - len(parsed),
                  files_not_readable=len(not_readable), **skipped)
    return {"parsed": parsed, "visible": visible, "digests": digests, "counts": counts}


def _known_contents(conn, paths: list[str]) -> set[tuple[str, str]]:
    with conn.transaction():  # a read of its own (a savepoint inside one): an idle connection stays idle
        rows = conn.execute("SELECT path, sha256 FROM raw.rt_file WHERE path = ANY(%s)", (paths,)).fetchall()
    return {(path, sha.strip()) for path, sha in rows}


def _seen_versions(conn, paths: list[str]) -> dict[tuple, str]:
    """(path, mtime, size, ctime) -> sha256 of the versions seen with a ctime."""
    with conn.transaction():
        rows = conn.execute("SELECT path, mtime, size, ctime_ns, sha256 FROM raw.rt_file_version"
                            " WHERE path = ANY(%s) AND ctime_ns IS NOT NULL", (paths,)).fetchall()
    return {(path, mtime, size, ctime_ns): sha.strip() for path, mtime, size, ctime_ns, sha in rows}


def _parse(file: InboxFile, data: bytes | None, sha256: str) -> tuple[tuple, list[tuple]]:
    """(raw.rt_file row, raw.rt_file_row rows) for one new file content; `data` None: not to be parsed."""
    from jaring.sources.rt_ledger import read_ledger

    folder, _, name = file.relative_path.rpartition("/")
    bulan = folder if _MONTH_FOLDER.fullmatch(folder) else None
    match = _FILE_NAME.match(Path(name).stem)
    kelurahan, no_rt, no_rw = match.groups() if match else (_kelurahan_named_in(file.relative_path), None, None)
    problem = file.problem or (FILE_TOO_LARGE if data is None else None)
    if problem:
        if problem == NAME_NOT_A_LEDGER:
            log.warning("rt inbox: file name not in the <KEL>-RTrrr-RWwww form: %s", safe_name(file.relative_path))
        else:
            log.warning("rt inbox: rt:%s#file not a ledger upload (%s)", safe_name(file.relative_path), problem)
        return (file.relative_path, sha256, file.size, bulan, kelurahan, no_rt, no_rw, problem, None, "{}"), []
    ledger = read_ledger(file.path, file.relative_path, data=data)
    if ledger.file_problem:
        log.warning("rt inbox: rt:%s#file unreadable (%s)", safe_name(file.relative_path), ledger.reason)
    record = (file.relative_path, sha256, len(data), bulan, kelurahan, no_rt, no_rw, ledger.reason,
              ledger.file_detail, json.dumps(ledger.rows_read, ensure_ascii=False))
    rows = [
        (file.relative_path, sha256, row.sheet, row.kind, row.row_no, json.dumps(row.cells, ensure_ascii=False),
         row.nik, row.nik_raw, row.nama, row.pekerjaan, row.kpj, row.jumlah, row.tgl_bayar, row.sumber_dana,
         row.kategori, row.no_hp, row.keterangan, row.problems, row.usable)
        for row in ledger.rows
    ]
    return record, rows


def _kelurahan_named_in(relative_path: str) -> str | None:
    """A city kelurahan's code standing alone anywhere in a path that is not in the inbox's form, so the
    file's finding still reaches that kelurahan (`ledger_kelurahan`); None: it goes to the programme's owner
    (Dinas Sosial, who hands out the template), decided by publishing. Only a code of the city's list counts:
    ten digits of a NIK or a phone number are no kelurahan (they are not a run of exactly ten digits)."""
    from jaring import regions

    codes = regions.kelurahan()
    return next((code for code in _CODE_10.findall(relative_path) if code in codes), None)


def _store_parsed(conn, parsed: list[tuple[tuple, list[tuple]]]) -> int:
    """The parsed contents not stored meanwhile (by a parse_rt part, or a concurrent run: a content parses
    to the same rows wherever it is parsed); returns how many were new. Call inside a transaction."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('jaring.rt_file'))")
    known = _known_contents(conn, [record[0] for record, _ in parsed])
    new = [(record, rows) for record, rows in parsed if (record[0], record[1]) not in known]
    db.copy_rows(conn, "raw.rt_file", _FILE_COLUMNS, (record for record, _ in new))
    db.copy_rows(conn, "raw.rt_file_row", _ROW_COLUMNS, (row for _, rows in new for row in rows))
    return len(new)


def _store_versions(conn, night: date, visible: list[InboxFile], digests: dict[str, str]) -> None:
    sqlfile.execute(conn, __name__, "rt_seen_table")
    db.copy_rows(conn, "rt_seen", ("path", "mtime", "sha256", "size", "first_ingested_night", "ctime_ns"),
                 ((f.relative_path, f.mtime, digests[f.relative_path], f.size, night, f.ctime_ns) for f in visible))
    sqlfile.execute(conn, __name__, "rt_store_versions")


def _stage_night(conn, night: date, cutoff: datetime):
    """Stage night D from the versions current at its end; returns the staged rows the `rt` suite checks."""
    import pandas as pd

    params = {"night": night, "end_of_night": cutoff}
    sqlfile.execute(conn, __name__, "rt_night_tables", params)
    names = [name for (name,) in sqlfile.execute(conn, __name__, "rt_current_names", params).fetchall()]
    db.copy_rows(conn, "rt_name_key", ("nama", "nama_key"), ((name, normalise(name)) for name in names))
    sqlfile.execute(conn, __name__, "rt_stage_night", params)
    buffer = io.BytesIO()
    with conn.cursor().copy(sqlfile.text(__name__, "rt_staged_frame"), params) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=str, keep_default_na=False, na_values=[""])


def _night_counts(conn, night: date) -> dict:
    cursor = sqlfile.execute(conn, __name__, "rt_night_counts", {"night": night})
    columns = [c.name for c in cursor.description]
    return {column: int(value) for column, value in zip(columns, cursor.fetchone(), strict=True)}


def _apply_verdict(conn, night: date, df, result) -> None:
    """The `rt` suite's verdict on the staged rows: quarantined rows leave staging, flagged fields are emptied."""
    from jaring.validation import quarantine

    def source_ref(index: int, raw: dict) -> str:
        return raw["source_ref"]

    failed = sorted({df.at[i, "source_ref"] for i in result.row_failures})
    if failed:
        quarantine.record(conn, night, "rt", quarantine.failures(result, df, source_ref, RT_COLUMNS))
        sqlfile.execute(conn, __name__, "rt_move_to_quarantine", {"night": night, "refs": failed})
    cleared: dict[str, set[str]] = {}
    for index, names in result.row_flags.items():
        for name in names:
            for column in result.rules[name].clears:
                cleared.setdefault(column, set()).add(df.at[index, "source_ref"])
    for column, refs in sorted(cleared.items()):
        conn.execute(f"UPDATE staging.rt_row SET {column} = NULL WHERE night = %s AND source_ref = ANY(%s)",
                     (night, sorted(refs)))
    quarantine.flag(conn, night, "rt", quarantine.flags(result, df, source_ref, RT_COLUMNS))
