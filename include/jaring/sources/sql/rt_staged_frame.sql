COPY (SELECT source_ref, sheet, kode_kelurahan, nik, nama, kpj, jumlah, tgl_bayar
      FROM staging.rt_row WHERE night = %(night)s ORDER BY source_ref) TO STDOUT WITH (FORMAT csv, HEADER true);
