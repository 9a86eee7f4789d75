"""What the reconciliation writes and publishing reads (findings.md): the finding codes, the keys of
each finding's `details` (recon.finding) and the programme's figures (recon.figures).

The writers are `reconciliation/sql/*.sql` (jsonb_build_object), `reconciliation/figures.py` and `run`;
tests/publishing/test_findings_contract.py holds them to the names below.
"""

from __future__ import annotations

# In the order of findings.md: the reports and workbooks list them so.
CODES = (
    "DECEASED_STILL_ACTIVE",
    "DEATH_BENEFIT_UNCLAIMED",
    "MOVED_OUT_OF_CITY",
    "NIK_NOT_IN_REGISTRY",
    "NIK_MISMATCH",
    "IDENTITY_MISMATCH",
    "DUPLICATE_PARTICIPANT",
    "NO_LONGER_ELIGIBLE",
    "ELIGIBLE_NOT_ENROLLED",
    "PREMIUM_ARREARS",
    "PAYMENT_NOT_REMITTED",
    "PAYMENT_AMOUNT_MISMATCH",
    "INVALID_SOURCE_RECORD",
)

PAYER = "payer"  # BPJS's PEMBIAYAAN of the participant: routes PREMIUM_ARREARS to BPKAD when the city pays

_LEDGER = ("registry_nik", "ledger_amount", "bpjs_amount", "ledger_refs", "tgl_bayar_ledger", "ledger_kpjs",
           "kpjs", "kpjs_paid")
DETAILS: dict[str, tuple[str, ...]] = {
    "DECEASED_STILL_ACTIVE": ("registry_nik", "participant_nik", "tgl_mati", PAYER, "tgl_kepesertaan",
                              "link_method", "months_paid_after_death"),
    "DEATH_BENEFIT_UNCLAIMED": ("registry_nik", "tgl_mati", "covered_at_death", "paid_months_at_death",
                                "tgl_kepesertaan", "status_kepesertaan", PAYER, "jkm_benefit", "rejected_claims",
                                "no_kk", "heirs", "scholarship_children", "scholarship_max_children",
                                "three_years_contributions", "scholarship_children_payable"),
    "MOVED_OUT_OF_CITY": ("registry_nik", "tgl_pindah", "kode_wilayah_baru", PAYER, "kode_wilayah_bpjs",
                          "monthly_premium"),
    "NIK_NOT_IN_REGISTRY": ("participant_nik", "nama_bpjs", "tgl_lahir_bpjs", PAYER, "status_kepesertaan"),
    "NIK_MISMATCH": ("registry_nik", "participant_nik", "participant_nik_in_registry", "nama_dukcapil",
                     "nama_bpjs", "tgl_lahir", PAYER, "status_kepesertaan"),
    "IDENTITY_MISMATCH": ("registry_nik", "linked", "disagree", "nama_dukcapil", "nama_bpjs",
                          "tgl_lahir_dukcapil", "tgl_lahir_bpjs", PAYER, "status_kepesertaan"),
    "DUPLICATE_PARTICIPANT": ("registry_nik", "kpjs", "participations"),
    "NO_LONGER_ELIGIBLE": ("registry_nik", PAYER, "umur", "age_range", "desil", "status_pekerjaan", "in_dtsen",
                           "rt_proposal"),
    "ELIGIBLE_NOT_ENROLLED": ("registry_nik", "umur", "desil", "status_pekerjaan", "eligible_by_dtsen",
                              "rt_proposal", "rt_proposal_ref", "quota_rank", "within_quota", "quota",
                              "quota_left"),
    "PREMIUM_ARREARS": ("registry_nik", PAYER, "tgl_kepesertaan", "missing_months", "arrears_amount"),
    "PAYMENT_NOT_REMITTED": _LEDGER,
    "PAYMENT_AMOUNT_MISMATCH": _LEDGER,
    "INVALID_SOURCE_RECORD": ("reason", "quarantined", "registry_nik"),
}
HEIR = ("nik", "nama", "stat_hbkel", "tgl_lahir", "umur")  # an entry of `heirs` (scholarship_children: no stat_hbkel)
PARTICIPATION = ("kpj", PAYER, "tgl_kepesertaan", "participant_nik")  # an entry of `participations`

ACTIVE_BY_PAYER = "active_by_payer"  # {payer: AKTIF participants}
APBD_QUOTA = "apbd_quota"
COVERAGE_BY_KECAMATAN = "coverage_by_kecamatan"  # a list, one entry per kecamatan
COVERAGE_BY_KELURAHAN = "coverage_by_kelurahan"  # {kode kelurahan: its coverage}
APBD_PROJECTED_COST = "apbd_projected_cost"
COMPARED_WITH = "compared_with"  # the night D was compared with for NEW/PERSISTING (added by reconciliation.run)
FIGURES: dict[str, tuple[str, ...]] = {  # name -> the keys of its object (or of each list entry)
    "night": (),
    COMPARED_WITH: (),
    ACTIVE_BY_PAYER: (),
    "active_total": (),
    APBD_QUOTA: ("year", "quota", "used", "left", "over"),
    COVERAGE_BY_KECAMATAN: ("kode_kecamatan", "nama_kecamatan", "eligible", "enrolled", "percent", "within_quota"),
    "coverage_total": ("eligible", "enrolled", "percent"),
    COVERAGE_BY_KELURAHAN: ("eligible", "enrolled", "within_quota", "waiting"),
    APBD_PROJECTED_COST: ("year", "active_apbd", "monthly_premium", "months", "amount", "at_full_quota", "formula"),
}

# `reason` of the one INVALID_SOURCE_RECORD of an RT upload that is not used at all (`rt:<path>#file`), in
# the order a file is checked (jaring.sources.rt_inbox); publishing words each for the RT.
RT_FILE_REASONS = (
    "folder_not_a_month",         # the month folder is not YYYY-MM (or the file is not in a month folder)
    "file_type_not_supported",    # not .xlsx, .xls or .csv (an .xlsm, .ods, .xlsb, .pdf, a photo …)
    "file_name_not_a_ledger",     # the name is not <KODE_KELURAHAN>-RTrrr-RWwww.<ext>
    "file_too_large",             # beyond what a ledger can hold (or unpacks to)
    "file_empty",
    "file_not_a_spreadsheet",     # e.g. a phone photo renamed .xlsx, a corrupt workbook
    "file_password_protected",
    "file_without_ledger_sheet",  # no sheet IURAN or USULAN, or one without a header row
)
