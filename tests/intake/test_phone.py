import pytest

from intake.phone import InvalidPhone, normalize_phone
from routing.rules.privacy import mask_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        " +86 138 1234 5678 ",
        "008613812345678",  # China's international prefix
        "１３８１２３４５６７８",  # full-width digits from a Chinese keyboard
    ],
)
def test_a_chinese_mobile_number_has_one_canonical_form(raw):
    assert normalize_phone(raw) == "+8613812345678"


def test_a_national_number_is_read_in_the_default_region():
    assert normalize_phone("(650) 253-0000", default_region="US") == "+16502530000"


def test_an_international_number_keeps_its_own_country():
    assert normalize_phone("+44 7911 123456") == "+447911123456"


def test_a_landline_with_its_area_code_is_valid():
    assert normalize_phone("010-12345678") == "+861012345678"


@pytest.mark.parametrize(
    "raw, region",
    [
        ("138abcd5678", "CN"),  # a keypad reading would make it a real number
        ("1-800-FLOWERS", "US"),
        ("12345", "CN"),  # too short
        ("1381234567890123", "CN"),  # too long
        ("13812345678", "US"),  # a Chinese mobile read as a US number
        ("", "CN"),
        ("   ", "CN"),
        ("+", "CN"),
    ],
)
def test_anything_but_a_valid_number_is_refused_with_a_code(raw, region):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(raw, default_region=region)
    assert refused.value.code == "invalid_phone"
    assert isinstance(refused.value, ValueError)


def test_a_mobile_number_is_masked_in_the_middle():
    assert mask_phone("+8613812345678") == "+86 138****5678"


@pytest.mark.parametrize(
    "e164, masked",
    [
        ("+16502530000", "+1 65****0000"),
        ("+85291234567", "+852 ****4567"),
        ("+447911123456", "+44 79****3456"),
    ],
)
def test_at_least_four_digits_are_hidden_whatever_the_length(e164, masked):
    assert mask_phone(e164) == masked
    assert masked.count("*") >= 4


def test_a_malformed_stored_number_is_still_masked_not_shown():
    assert mask_phone("12345678") == "****5678"


def test_no_number_masks_to_nothing():
    assert mask_phone(None) == mask_phone("") == ""
