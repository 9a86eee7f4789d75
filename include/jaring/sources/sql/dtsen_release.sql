-- The release current at night D: the latest whose tgl_rilis is on or before D.
SELECT periode, tgl_rilis FROM dtsen.periode WHERE tgl_rilis <= %(night)s ORDER BY periode DESC LIMIT 1
