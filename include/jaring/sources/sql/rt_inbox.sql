-- RT ledger inbox: every file content ever parsed, every version seen, the parsed rows.
-- Kept across nights so an unchanged file is not parsed again and a backfill of an
-- earlier night sees the version that was current then. Applied by db.migrate().

CREATE SCHEMA IF NOT EXISTS raw;

-- One parse per file content: `path` under the inbox, `sha256` of the bytes.
CREATE TABLE IF NOT EXISTS raw.rt_file (
    path           text     NOT NULL,
    sha256         char(64) NOT NULL,
    size           bigint   NOT NULL,
    bulan          char(7),               -- from the folder name
    kode_kelurahan char(10),              -- from the file name
    no_rt          char(3),
    no_rw          char(3),
    file_problem   text,                  -- NULL, or why the file as a whole cannot be used
    file_detail    text,                  -- empty | password_protected | not_a_spreadsheet | ...
    rows_read      jsonb    NOT NULL DEFAULT '{}',   -- data rows per sheet name
    parsed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (path, sha256)
);

-- Each version of a path seen in the inbox: at `mtime` the file held `sha256`.
CREATE TABLE IF NOT EXISTS raw.rt_file_version (
    path                 text        NOT NULL,
    mtime                timestamptz NOT NULL,
    sha256               char(64)    NOT NULL,
    size                 bigint      NOT NULL,
    first_ingested_night date        NOT NULL,
    PRIMARY KEY (path, mtime),
    FOREIGN KEY (path, sha256) REFERENCES raw.rt_file (path, sha256)
);

-- The data rows of one file content, raw cells and typed fields.
CREATE TABLE IF NOT EXISTS raw.rt_file_row (
    path        text     NOT NULL,
    sha256      char(64) NOT NULL,
    sheet       text     NOT NULL,        -- as in the workbook (IURAN for CSV)
    kind        text     NOT NULL,        -- IURAN | USULAN
    row_no      integer  NOT NULL,        -- as the spreadsheet shows it
    cells       jsonb    NOT NULL,        -- header text -> cell
    nik         char(16),
    nik_raw     text,
    nama        text,
    pekerjaan   text,
    kpj         char(11),
    jumlah      bigint,
    tgl_bayar   date,
    sumber_dana text,
    kategori    text,
    no_hp       text,
    keterangan  text,
    problems    text[]   NOT NULL DEFAULT '{}',
    usable      boolean  NOT NULL,        -- false: quarantined (no trusted NIK and no name)
    PRIMARY KEY (path, sha256, sheet, row_no),
    FOREIGN KEY (path, sha256) REFERENCES raw.rt_file (path, sha256)
);
