-- Night D's payments of the months whose pages are night D-1's: D-1's staged rows, as they were.
INSERT INTO staging.payment (night, id_bayar, kpj, bulan, jumlah, tgl_bayar, kanal)
SELECT %(night)s, id_bayar, kpj, bulan, jumlah, tgl_bayar, kanal
FROM staging.payment
WHERE night = %(previous)s AND bulan = ANY(%(months)s)
