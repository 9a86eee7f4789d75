"""The name-agreement rule: tables of pairs that must and must not agree."""

import pytest

from jaring.linking.names import agree, canonical, normalise, score

MUST_AGREE = [
    ("SITI AMINAH", "siti aminah"),
    ("SITI  AMINAH ", "SITI AMINAH"),
    ("SITI AMINAH", "Siti Aminah."),
    ("H. AHMAD FAUZI", "AHMAD FAUZI"),
    ("HJ. SITI AMINAH", "SITI AMINAH"),
    ("DRS. H. BAMBANG SUTRISNO, M.SI", "BAMBANG SUTRISNO"),
    ("RAHMAT HIDAYAT, S.PD", "RAHMAT HIDAYAT"),
    ("RAHMAT HIDAYAT S.PD.I", "RAHMAT HIDAYAT"),
    ("RAHMAT HIDAYAT SE", "RAHMAT HIDAYAT"),
    ("SITI AMINAH", "SITI AMINAN"),  # one-letter typo
    ("SITI AMINAH", "SITI AMNAH"),  # dropped letter
    ("SITI AMINAH", "SITI AMMINAH"),  # doubled letter
    ("SITI AMINAH", "SITI AIMNAH"),  # swapped letters
    ("MUHAMMAD RIDWAN", "MUHAMAD RIDWAN"),
    ("MUHAMMAD RIDWAN", "MOHAMMAD RIDWAN"),
    ("MUHAMMAD RIDWAN", "MOHAMAD RIDWAN"),
    ("MUHAMMAD RIDWAN", "M. RIDWAN"),
    ("MUHAMMAD RIDWAN", "M RIDWAN"),
    ("MUHAMMAD RIDWAN", "MHD RIDWAN"),
    ("H. M. YUSUF", "MUHAMMAD YUSUF"),
    ("NUR HALIZA", "NURHALIZA"),
    ("NURHALIZA", "NUR HALIZA"),
    ("ABD RAHMAN", "ABDUL RAHMAN"),
    ("ABDURRAHMAN", "ABDUR RAHMAN"),
    ("SOEKARNO", "SUKARNO"),
    ("DJOKO SUSILO", "JOKO SUSILO"),
    ("MA'RUF AMIN", "MARUF AMIN"),
    ("MUHAMMAD RIDWAN SAPUTRA", "MUHAMAD RIDWAN SAPUTRO"),  # variant + typo
    ("KURNIAWATI SETYANINGRUM", "KURNIAWATY SETIANINGRUM"),  # two typos in a long name
    ("Siti Nur Halizah", "SITI NURHALIZA"),
    ("LINDA TANJAYA", "LINDA TATJAYA"),  # a typo that happens to look like old spelling
    ("SUGENG", "SUOENG"),
    ("TJAHJADI", "CAHJADI"),
]

MUST_NOT_AGREE = [
    ("SRI WAHYUNI", "SRI WAHYUNINGSIH"),
    ("AHMAD", "AHMAD FAUZI"),
    ("SITI AMINAH", "SITI AMINAH HASIBUAN"),
    ("SITI AMINAH", "SITI ROHANI"),
    ("BUDI SANTOSO", "BUDI SANTIKA"),
    ("AHMAD FAUZI", "AHMAD FAUZAN"),
    ("DEWI LESTARI", "DEWI KARTIKA"),
    ("RAHMAT", "RAHMAN HADI"),
    ("", "SITI"),
    (None, None),
    ("H.", "SITI"),
    ("JOKO", "DODI"),
    ("YUNI PURNAMASARI", "ANI PURNAMASARI"),  # long, but two edits together make another first name
    ("ANI PURNAMASARI", "YANTI PURNAMASARI"),  # two edits three letters apart, one at the start
    ("RAHMAWATI SETYANINGRUM", "RAHMAWATI SETYANINGRAT"),  # long, but the two edits sit together
]


@pytest.mark.parametrize(("a", "b"), MUST_AGREE)
def test_same_name_written_differently_agrees(a, b):
    assert agree(a, b)
    assert agree(b, a)
    assert score(a, b) >= 80


@pytest.mark.parametrize(("a", "b"), MUST_NOT_AGREE)
def test_different_names_do_not_agree(a, b):
    assert not agree(a, b)
    assert not agree(b, a)


def test_normalise_keeps_letters_and_single_spaces():
    assert normalise("  Siti   Nur'aini, S.Pd ") == "SITI NUR AINI S PD"
    assert normalise(None) == ""


def test_canonical_never_strips_the_whole_name():
    assert canonical("H.") == "H"
    assert canonical("SOEKARNO") == "SOEKARNO"  # old spelling is a second chance in agree()
    assert canonical("HAJI") == "HAJI"
    assert canonical(", S.PD") == "SPD"


def test_score_is_100_only_for_the_same_canonical_name():
    assert score("H. AHMAD FAUZI", "Ahmad Fauzi") == 100
    assert score("SITI AMINAH", "SITI AMINAN") < 100


def test_canonical_many_is_canonical_of_each():
    from jaring.linking.names import canonical_many

    batch = [a for a, _ in MUST_AGREE] + [b for _, b in MUST_NOT_AGREE] + ["SITI\nAMINAH", " ", "Ñurhaliza, S.E"]
    assert canonical_many(batch) == [canonical(n) if n else "" for n in batch]
    assert canonical_many([]) == []
    assert canonical("SITI\nAMINAH") == "SITIAMINAH" and canonical("Ñurhaliza, S.E") == "NURHALIZA"
