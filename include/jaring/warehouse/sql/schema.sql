-- The hub's warehouse (jaring_db). Idempotent: applied by jaring.warehouse.db.migrate().
-- Each stage replaces its night's rows in one transaction; nothing is appended twice.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS recon;
CREATE SCHEMA IF NOT EXISTS ops;

-- ---------------------------------------------------------------- staging
-- Typed, normalised, one copy per night. NIKs: 16 digits or NULL.
-- nama_key = jaring.linking.names.normalise(nama). Sex: 'L' / 'P'.

CREATE TABLE IF NOT EXISTS staging.person (
    night         date     NOT NULL,
    nik           char(16) NOT NULL,
    no_kk         text,
    nama          text     NOT NULL,
    nama_key      text     NOT NULL,
    tgl_lahir     date,
    jenis_kelamin char(1),
    stat_hbkel    text,
    status_kawin  text,
    jenis_pkrjn   text,
    kode_wilayah  char(10),
    no_rt         char(3),
    no_rw         char(3),
    status        text     NOT NULL,   -- HIDUP | MATI
    tgl_mati      date,
    tgl_pindah    date,
    PRIMARY KEY (night, nik)
);

CREATE TABLE IF NOT EXISTS staging.participant (
    night              date     NOT NULL,
    kpj                char(11) NOT NULL,
    nik                char(16),          -- NULL when not 16 digits
    nik_raw            text,
    nama               text     NOT NULL,
    nama_key           text     NOT NULL,
    tgl_lahir          date,
    jenis_kelamin      char(1),
    status_kepesertaan text     NOT NULL, -- AKTIF | NONAKTIF
    tgl_kepesertaan    date     NOT NULL,
    tgl_nonaktif       date,
    pembiayaan         text     NOT NULL,
    kode_wilayah       char(10),
    iuran_bulanan      bigint,
    PRIMARY KEY (night, kpj)
);

CREATE TABLE IF NOT EXISTS staging.payment (
    night     date    NOT NULL,
    id_bayar  text    NOT NULL,
    kpj       char(11) NOT NULL,
    bulan     char(7) NOT NULL,           -- coverage month YYYY-MM
    jumlah    bigint  NOT NULL,
    tgl_bayar date    NOT NULL,
    kanal     text,
    PRIMARY KEY (night, id_bayar)
);

CREATE TABLE IF NOT EXISTS staging.claim (
    night         date NOT NULL,
    no_klaim      text NOT NULL,
    kpj           char(11) NOT NULL,
    jenis_klaim   text NOT NULL,          -- JKM | JKK
    tgl_kejadian  date,
    tgl_pengajuan date NOT NULL,
    status        text NOT NULL,          -- DIAJUKAN | DIPROSES | DIBAYAR | DITOLAK
    nilai         bigint,
    PRIMARY KEY (night, no_klaim)
);

CREATE TABLE IF NOT EXISTS staging.dtsen_individual (
    night            date    NOT NULL,
    periode          char(7) NOT NULL,
    id_individu      bigint  NOT NULL,
    id_keluarga      bigint  NOT NULL,
    nik              char(16),            -- NULL when missing or not 16 digits
    nik_raw          text,
    nama             text    NOT NULL,
    nama_key         text    NOT NULL,
    tgl_lahir        date,
    jenis_kelamin    char(1),
    hub_kk           smallint,
    status_pekerjaan smallint,
    lapangan_usaha   text,
    desil            smallint,
    kode_wilayah     char(10),
    PRIMARY KEY (night, id_individu)
);

CREATE TABLE IF NOT EXISTS staging.rt_row (
    night          date    NOT NULL,
    source_ref     text    NOT NULL,      -- rt:<path>#<sheet>!<row>
    path           text    NOT NULL,      -- under the inbox
    sheet          text    NOT NULL,      -- IURAN | USULAN
    row_no         integer NOT NULL,
    bulan          char(7) NOT NULL,      -- the folder's coverage month
    kode_kelurahan char(10) NOT NULL,
    no_rt          char(3) NOT NULL,
    no_rw          char(3) NOT NULL,
    nik            char(16),              -- NULL when missing or untrusted
    nik_raw        text,
    nama           text,
    nama_key       text,
    pekerjaan      text,
    kpj            char(11),
    jumlah         bigint,
    tgl_bayar      date,
    sumber_dana    text,
    kategori       text,
    no_hp          text,
    PRIMARY KEY (night, source_ref)
);

-- A record used (staged) but reported back to its source as INVALID_SOURCE_RECORD.
CREATE TABLE IF NOT EXISTS staging.invalid_record (
    night      date NOT NULL,
    source     text NOT NULL,             -- rt | dtsen | dukcapil | bpjs
    source_ref text NOT NULL,
    reason     text NOT NULL,
    PRIMARY KEY (night, source, source_ref, reason)
);

-- ------------------------------------------------------------- quarantine
-- A record that could not be used at all; also an INVALID_SOURCE_RECORD.
CREATE TABLE IF NOT EXISTS quarantine.record (
    night       date  NOT NULL,
    source      text  NOT NULL,
    source_ref  text  NOT NULL,
    reason      text  NOT NULL,
    expectation text,                     -- the GX expectation that failed, if any
    raw_record  jsonb,
    PRIMARY KEY (night, source, source_ref, reason)
);

-- ------------------------------------------------------------------ ops
-- One row per night and step: what ran, when, with which counts.
CREATE TABLE IF NOT EXISTS ops.step_run (
    night       date        NOT NULL,
    step        text        NOT NULL,
    status      text        NOT NULL,     -- success | failed
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    counts      jsonb,
    message     text,
    PRIMARY KEY (night, step)
);

-- ------------------------------------------------------------------ recon
-- Who is who: one row per linked source record and night.
CREATE TABLE IF NOT EXISTS recon.link (
    night      date     NOT NULL,
    source     text     NOT NULL,         -- bpjs | dtsen | rt
    source_key text     NOT NULL,         -- kpj | id_individu | source_ref
    nik        char(16) NOT NULL,         -- the registry person
    method     text     NOT NULL,         -- exact | fuzzy | by-kpj | by-rt | nik-only
    step       smallint NOT NULL,         -- the findings.md linking step (1..4 for BPJS/DTSEN)
    score      real     NOT NULL,         -- name agreement score 0..100
    PRIMARY KEY (night, source, source_key)
);

-- The findings of night D (findings.md). finding_key = the contract's key joined by '|'.
CREATE TABLE IF NOT EXISTS recon.finding (
    night            date     NOT NULL,
    finding_code     text     NOT NULL,
    finding_key      text     NOT NULL,
    nik              char(16),
    kpj              char(11),
    period           char(7),
    source           text     NOT NULL,
    source_ref       text,
    severity         text     NOT NULL,   -- TINGGI | SEDANG | RENDAH
    nama             text,
    kode_wilayah     char(10),
    no_rt            char(3),
    no_rw            char(3),
    ledger_kelurahan char(10),            -- for findings raised by an RT ledger row
    status           text     NOT NULL,   -- NEW | PERSISTING
    first_seen       date     NOT NULL,
    details          jsonb    NOT NULL DEFAULT '{}',
    PRIMARY KEY (night, finding_code, finding_key)
);

-- Findings of the night before D that no longer hold at D (night = D).
CREATE TABLE IF NOT EXISTS recon.resolved (LIKE recon.finding INCLUDING DEFAULTS);
CREATE UNIQUE INDEX IF NOT EXISTS resolved_key ON recon.resolved (night, finding_code, finding_key);

-- The programme's figures of night D (summary.json): payers, quota, coverage, cost.
CREATE TABLE IF NOT EXISTS recon.figures (
    night   date  PRIMARY KEY,
    figures jsonb NOT NULL
);
