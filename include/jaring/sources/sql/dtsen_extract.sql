-- The DTSEN release {periode}: every individual with their family's desil and kelurahan.
-- Run on Dinas Sosial's database (read-only role); {night} is stamped for the raw landing.
COPY (
    SELECT {night}::date AS night, i.periode, i.id_individu, i.id_keluarga, i.nik, i.nama, i.tgl_lahir,
           i.jenis_kelamin, i.hub_kk, i.status_pekerjaan, i.lapangan_usaha, k.desil, k.kode_wilayah
    FROM dtsen.individu i
    JOIN dtsen.keluarga k ON k.periode = i.periode AND k.id_keluarga = i.id_keluarga
    WHERE i.periode = {periode}
    ORDER BY i.id_individu
) TO STDOUT WITH (FORMAT csv, HEADER true)
