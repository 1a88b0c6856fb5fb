import pytest

from backend.reference.contact import EmailError, PhoneError, normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0470 12 34 56", "+32470123456"),
        ("+32 470 12 34 56", "+32470123456"),
        ("0032 470 12 34 56", "+32470123456"),
        ("0470/12.34.56", "+32470123456"),
        ("050 12 34 56", "+3250123456"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_normalize_phone(raw, e164):
    assert normalize_phone(raw) == e164


def test_normalize_phone_other_region():
    assert normalize_phone("06 12 34 56 78", region="FR") == "+33612345678"


@pytest.mark.parametrize("raw", ["", "abc", "123", "0470", "0470 12 34 56 78 90", "+32 1"])
def test_invalid_phone(raw):
    with pytest.raises(PhoneError) as info:
        normalize_phone(raw)
    assert info.value.code == "invalid_phone"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("jan.peeters@example.be", "jan.peeters@example.be"),
        ("  Jan.Peeters@Example.BE ", "Jan.Peeters@example.be"),
        ("an@scholen.vlaanderen", "an@scholen.vlaanderen"),
    ],
)
def test_normalize_email(raw, normalized):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize("raw", ["", "jan", "jan@", "@example.be", "jan@example", "a b@example.be"])
def test_invalid_email(raw):
    with pytest.raises(EmailError) as info:
        normalize_email(raw)
    assert info.value.code == "invalid_email"
    assert isinstance(info.value, ValueError)
