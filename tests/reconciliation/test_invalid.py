"""INVALID_SOURCE_RECORD = staging.invalid_record ∪ quarantine.record of night D."""

from datetime import date

from staging_builder import KEL, Night, reconcile

D = date(2026, 11, 20)


def test_invalid_and_quarantined_records(warehouse):
    n = Night(D)
    n.person("1571031203800001", "AHMAD FAUZI", date(1980, 3, 12), no_rt="007", no_rw="003")
    n.dtsen(5, "1571031203800001", "AHMAD FAUZI", date(1980, 3, 12))
    file_ref = f"rt:2026-10/{KEL}-RT005-RW002.xlsx#file"
    n.quarantined("rt", file_ref, "password-protected")
    n.quarantined("bpjs", "bpjs:2200000001", "KPJ is not 11 digits")
    n.invalid("dtsen", "dtsen:5", "nik not 16 digits")
    n.invalid("dtsen", "dtsen:5", "another reason")
    n.invalid("dukcapil", "dukcapil:1571031203800001", "birth date disagrees with the NIK")
    found = reconcile(warehouse, n)
    invalid = {k[1]: f for k, f in found.items() if k[0] == "INVALID_SOURCE_RECORD"}
    assert set(invalid) == {"rt|" + file_ref, "bpjs|bpjs:2200000001", "dtsen|dtsen:5",
                            "dukcapil|dukcapil:1571031203800001"}
    whole_file = invalid["rt|" + file_ref]
    assert (whole_file["ledger_kelurahan"], whole_file["no_rt"], whole_file["no_rw"]) == (KEL, "005", "002")
    assert whole_file["details"]["quarantined"] is True and whole_file["severity"] == "RENDAH"
    assert invalid["dtsen|dtsen:5"]["details"]["reason"] == ["another reason", "nik not 16 digits"]
    assert invalid["dtsen|dtsen:5"]["nik"] == "1571031203800001"
    assert invalid["dukcapil|dukcapil:1571031203800001"]["no_rt"] == "007"
    assert invalid["bpjs|bpjs:2200000001"]["kpj"] is None


def test_a_whole_rt_file_not_in_the_inbox_form_goes_to_the_kelurahan_its_path_names(warehouse):
    import json

    n = Night(D)
    named = f"rt:2026-10/Buku iuran {KEL} RT 5.xlsx#file"  # the reader found the city kelurahan in the path
    nameless = "rt:Oktober/buku iuran.ods#file"  # nothing names a kelurahan
    n.quarantined("rt", named, "file_name_not_a_ledger")["raw_record"] = json.dumps({"kode_kelurahan": KEL})
    n.quarantined("rt", nameless, "folder_not_a_month")["raw_record"] = json.dumps({"kode_kelurahan": None})
    found = reconcile(warehouse, n)
    invalid = {k[1]: f for k, f in found.items() if k[0] == "INVALID_SOURCE_RECORD"}
    assert (invalid["rt|" + named]["ledger_kelurahan"], invalid["rt|" + named]["source"]) == (KEL, "rt")
    assert invalid["rt|" + named]["details"]["reason"] == ["file_name_not_a_ledger"]
    # no kelurahan known: stays an `rt` finding without one (publishing sends it to Dinas Sosial)
    assert (invalid["rt|" + nameless]["ledger_kelurahan"], invalid["rt|" + nameless]["source"]) == (None, "rt")
