"""A search for a case: a reference with or without "C-", a phone number in
any form people type it, or words. References and numbers come out in the
form they are stored in, so the query compares a column with a value."""
import pytest

from routing.rules.case_search import CaseQuery, like_pattern, phone_digits, phone_of, read_query, reference_of


@pytest.mark.parametrize("typed", ["C-2026-000123", "c-2026-000123", "2026-000123", "2026000123", "C 2026 000123",
                                   "C-2026-123", " 2026/000123 "])
def test_a_reference_is_read_with_or_without_its_prefix(typed):
    assert reference_of(typed) == "C-2026-000123"
    assert read_query(typed) == CaseQuery(references=("C-2026-000123",))


@pytest.mark.parametrize("typed", ["+8613812345678", "+86 138 1234 5678", "138-1234-5678", "13812345678",
                                   "(138) 1234 5678", "0086 138 1234 5678", "86 13812345678", "＋86 13812345678"])
def test_a_phone_number_in_any_format_is_read_as_stored(typed):
    assert phone_of(typed) == "+8613812345678"
    assert read_query(typed).phones == ("+8613812345678",)
    assert read_query(typed).words is None  # looked up exactly, not searched inside the text


def test_a_landline_with_its_area_code_is_a_number_too():
    assert phone_of("010-6512 3456") == "+861065123456"


def test_words_are_words():
    assert read_query("  Wang Fang ") == CaseQuery(words="Wang Fang")
    assert read_query("张") == CaseQuery(words="张")
    assert read_query("") == CaseQuery() and read_query(None).empty
    assert reference_of("13812345678") is None  # a mobile number is no reference


def test_part_of_a_number_is_searched_like_words():
    terms = read_query("5678")
    assert terms == CaseQuery(words="5678")
    assert phone_digits("5678") == "5678" and phone_digits("56") is None and phone_digits("wang") is None


def test_like_wildcards_are_taken_literally():
    assert like_pattern("100%_off") == "%100\\%\\_off%"
