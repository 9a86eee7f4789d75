-- Raw landings of the agencies' answers (what they said, before validation) and
-- the validation verdicts of each night. Replaced per night with the staging rows.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS ops;

-- one row per page of /v1/penduduk: the page's `data` array as received
CREATE TABLE IF NOT EXISTS raw.dukcapil_page (
    night   date    NOT NULL,
    page    integer NOT NULL,
    records jsonb   NOT NULL,
    PRIMARY KEY (night, page)
);

-- one row per page of a BPJS listing (peserta, iuran per coverage month, klaim)
CREATE TABLE IF NOT EXISTS raw.bpjs_page (
    night   date    NOT NULL,
    listing text    NOT NULL,          -- peserta | iuran:YYYY-MM | klaim
    seq     integer NOT NULL,          -- page number within the listing, from 1
    records jsonb   NOT NULL,
    PRIMARY KEY (night, listing, seq)
);

-- the DTSEN release current at the night, as read from Dinas Sosial's database
CREATE TABLE IF NOT EXISTS raw.dtsen_individu (
    night            date    NOT NULL,
    periode          text    NOT NULL,
    id_individu      bigint  NOT NULL,
    id_keluarga      bigint  NOT NULL,
    nik              text,
    nama             text,
    tgl_lahir        date,
    jenis_kelamin    smallint,
    hub_kk           smallint,
    status_pekerjaan smallint,
    lapangan_usaha   text,
    desil            smallint,
    kode_wilayah     text,
    PRIMARY KEY (night, id_individu)
);

-- one row per night and suite: the Great Expectations verdict (counts only, no record values)
CREATE TABLE IF NOT EXISTS ops.validation_result (
    night     date    NOT NULL,
    suite     text    NOT NULL,
    success   boolean NOT NULL,
    blocking  text[]  NOT NULL,
    warnings  text[]  NOT NULL,
    counts    jsonb   NOT NULL,
    report    jsonb   NOT NULL,
    PRIMARY KEY (night, suite)
);
