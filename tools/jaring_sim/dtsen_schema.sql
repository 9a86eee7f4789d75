CREATE SCHEMA dtsen;

-- one row per monthly release
CREATE TABLE dtsen.periode (
  periode   char(7) PRIMARY KEY,          -- 'YYYY-MM'
  tgl_rilis date    NOT NULL              -- the day the release became usable
);

CREATE TABLE dtsen.keluarga (
  periode      char(7)  NOT NULL REFERENCES dtsen.periode,
  id_keluarga  bigint   NOT NULL,
  no_kk        varchar(20),               -- may be NULL or malformed
  kode_wilayah char(10) NOT NULL,         -- kelurahan code
  alamat       text,
  desil        smallint,                  -- 1..10; NULL = not ranked yet
  PRIMARY KEY (periode, id_keluarga)
);

CREATE TABLE dtsen.individu (
  periode          char(7)  NOT NULL,
  id_individu      bigint   NOT NULL,     -- stable across releases
  id_keluarga      bigint   NOT NULL,
  nik              varchar(20),           -- may be NULL, short, or hold spaces/dots
  nama             text     NOT NULL,
  tgl_lahir        date,
  jenis_kelamin    smallint,              -- 1 laki-laki, 2 perempuan
  hub_kk           smallint,              -- 1 kepala keluarga, 2 istri/suami, 3 anak,
                                          -- 4 menantu, 5 cucu, 6 orang tua, 7 famili lain
  status_pekerjaan smallint,              -- BPS codes: 1 berusaha sendiri,
                                          -- 2 berusaha dibantu buruh tidak tetap,
                                          -- 3 berusaha dibantu buruh tetap,
                                          -- 4 buruh/karyawan/pegawai,
                                          -- 5 pekerja bebas pertanian,
                                          -- 6 pekerja bebas non-pertanian,
                                          -- 7 pekerja keluarga/tidak dibayar,
                                          -- NULL tidak bekerja
  lapangan_usaha   text,                  -- free-text sector: 'KONSTRUKSI', 'PERDAGANGAN', …
  PRIMARY KEY (periode, id_individu),
  FOREIGN KEY (periode, id_keluarga) REFERENCES dtsen.keluarga
);
