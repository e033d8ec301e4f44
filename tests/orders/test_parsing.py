"""Whole numbers from users' text: ASCII digits, bounded, or nothing."""

import pytest

from orders.parsing import MAX_DIGITS, parse_id, parse_index, parse_signed_id, parse_whole

NOT_WHOLE_NUMBERS = ["", " ", "²", "①", "٣", "１２", "1 ", " 1", "+1", "1_000", "1.0", "1e3", "0x1f", "1\n", "\x001",
                     "9" * (MAX_DIGITS + 1), "9" * 5000, None, 12]


@pytest.mark.parametrize("text", NOT_WHOLE_NUMBERS)
def test_anything_but_ascii_digits_is_no_number(text):
    assert parse_whole(text) is None and parse_id(text) is None and parse_signed_id(text) is None


def test_whole_numbers_ids_and_indexes():
    assert parse_whole("0") == 0 and parse_whole("007") == 7 and parse_whole("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
    assert parse_whole("10", maximum=9) is None and parse_whole("9", maximum=9) == 9
    assert parse_id("0") is None and parse_id("10006") == 10006
    assert parse_signed_id("-3") == -3 and parse_signed_id("3") == 3 and parse_signed_id("--3") is None
    assert parse_signed_id("-") is None
    assert [parse_index(text, 2) for text in ("0", "1", "2", "-1")] == [0, 1, None, None]
    assert parse_index("0", 0) is None
