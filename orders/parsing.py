"""Whole numbers that arrive as text from users (form fields, the value of a button, a link's query),
read one way.

``str.isdigit()`` says yes to "²" and "①", which ``int()`` then refuses; ``int()`` itself takes "٣",
" 3 ", "+3" and "1_000", and refuses more than 4,300 digits. None of that is what a field, a button
or a link of the dashboard holds. These parsers take ASCII digits only (a minus sign where it says
so), at most ``MAX_DIGITS`` of them, and answer None for anything else: the caller then shows the
field's message, or ignores a value that no page of ours sends.

Decimals typed by people (``1 234,50``) are ``orders.forms.parse_number``'s.
"""

from __future__ import annotations

import re

# Ids and counts fit a signed 64-bit integer, what the database and the ERP store: 18 digits always do.
MAX_DIGITS = 18
_WHOLE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
_SIGNED = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}")


def parse_whole(text: object, *, maximum: int | None = None) -> int | None:
    """A whole number, 0 or more (at most ``maximum``), from ASCII digits; None for anything else."""
    if not isinstance(text, str) or not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if maximum is None or number <= maximum else None


def parse_id(text: object) -> int | None:
    """An id of the ERP's (a customer, an order, a product, a dimension type): 1 or more."""
    number = parse_whole(text)
    return number if number else None


def parse_signed_id(text: object) -> int | None:
    """An id that may be negative (the ERP's system-defined sales types are)."""
    if not isinstance(text, str) or not _SIGNED.fullmatch(text):
        return None
    return int(text)


def parse_index(text: object, count: int) -> int | None:
    """A position in a list of ``count`` rows (a line, a dimension row): 0 to ``count - 1``."""
    return parse_whole(text, maximum=count - 1) if count > 0 else None
