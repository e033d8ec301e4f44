"""Fields of the order builder that read what people type: numbers in every spelling (``1 234,50``),
money, text with the contract's limits, e-mail lists, country codes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, validate_email

from orders.erp.tso.payloads import (  # noqa: F401 (the builder view shows both)
    INTERNAL_MEMO_MAX_LENGTH,
    USER_INTERNAL_MEMO_MAX_LENGTH,
)
from orders.parsing import parse_id, parse_whole

# Dates before this are typing mistakes (an order or a filter in year 1), and the earliest ones are not
# even a moment the ERP can store once it is turned into UTC.
EARLIEST_DATE = dt.date(1900, 1, 1)
# And after this (year 9999, or 20206 for 2026): a due date worked out from one overflows the calendar.
LATEST_DATE = dt.date(2099, 12, 31)

DATE_BOUNDS = [MinValueValidator(EARLIEST_DATE, "Enter a date in 1900 or later."),
               MaxValueValidator(LATEST_DATE, "Enter a date in 2099 or earlier.")]

# What HTML takes as a date input's and a number input's value (anything else it shows empty).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

TEXT_MESSAGES = {
    "max_length": "At most %(limit_value)d characters (this has %(show_value)d).",
}

HTML_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

def _html_date(value: str) -> bool:
    try:
        return bool(ISO_DATE.fullmatch(value)) and dt.date.fromisoformat(value) is not None
    except ValueError:
        return False

class DateInput(forms.DateInput):
    """A native date picker; it submits and must be rendered as ISO 8601 (``2025-03-01``).

    A value that is no date (``?date_from=junk``, "31/02/2026" from a browser without date pickers) is
    shown as typed in a text box, next to its error: a date box cannot hold it (invalid HTML, and the
    browser would show it empty)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = context["widget"]["value"]
        if isinstance(shown, str) and shown and not _html_date(shown):
            context["widget"]["type"] = "text"
        return context

# An order dated further from today than this is probably a slip of the year (2016 for 2026): it is said
# next to the date, and the order can still be sent so (back-entry is legitimate; README "Input handling").
FAR_DATE_DAYS = 365


def far_date_note(value: object, today: dt.date, formats: Sequence[str] = ("%Y-%m-%d",)) -> str:
    """"That is 7 years ago: is the year right?" for an order date (a date, or text in one of ``formats``:
    what the date picker sends) more than ``FAR_DATE_DAYS`` from ``today``; nothing for any other value."""
    day = value if isinstance(value, dt.date) else None
    if isinstance(value, str):
        for pattern in formats:
            try:
                day = dt.datetime.strptime(value.strip(), pattern).date()
                break
            except ValueError:
                continue
    if day is None or abs((day - today).days) <= FAR_DATE_DAYS:
        return ""
    earlier, later = sorted((day, today))
    months = (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)
    span = f"{months // 12} years" if months >= 24 else f"{months} months"
    when = f"{span} ago" if day < today else f"in {span}"
    return f"That is {when}: is the year right?"


class IdInput(forms.NumberInput):
    """A number box for an id: a value that is no number (``?customer=abc``) is rendered empty, as the
    browser shows it anyway (a number box cannot hold it); the field's error says what was wrong."""

    def format_value(self, value):
        if isinstance(value, str) and not HTML_NUMBER.fullmatch(value):
            return None
        return super().format_value(value)

class IdField(forms.Field):
    """An id of the ERP's (a customer, a product): ASCII digits, 1 or more (``orders.parsing``)."""

    widget = forms.NumberInput
    default_error_messages = {"invalid": "Enter an id (a whole number)."}

    def bound_data(self, data, initial):
        """Shown as it is read (`` 0042 `` is 42): the list's customer filter then marks the customer it
        filters by, not "All customers"."""
        if self.disabled or data is None:
            return super().bound_data(data, initial)
        number = parse_id(str(data).strip())
        return data if number is None else str(number)

    def to_python(self, value) -> int | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        number = parse_id(text)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


MAX_LINES = 500


def posted_rows(post: Mapping, prefix: str, limit: int, fields: Sequence[str]) -> int:
    """How many rows of the formset ``prefix`` a builder POST carries: its ``TOTAL_FORMS``, and any rows
    posted after that (a row: one of ``fields`` under the next index), so that a count missing, garbled
    or out of date never drops a line the user typed. At most ``limit``."""
    count = min(parse_whole(post.get(f"{prefix}-TOTAL_FORMS")) or 0, limit)
    while count < limit and any(f"{prefix}-{count}-{name}" in post for name in fields):
        count += 1
    return count


MAX_DIMENSIONS = 20


# The ERP receives numbers as JSON numbers (``tso_payloads.number``): at most 15 significant digits
# travel exactly. Quantities and prices keep four decimals (what the ERP stores).
MAX_SIGNIFICANT_DIGITS = 15


AMOUNT_LIMIT = Decimal("99999999999")


AMOUNT_PLACES = 4


PAYMENT_TERMS_TYPES = (
    ("", "ERP default"),
    ("NumberOfDays", "Days after the invoice date"),
    ("OutMonthPlusDays", "Days after the end of the month"),
    ("FixedDate", "On a fixed date"),
)


DAYS_TERMS = frozenset({"NumberOfDays", "OutMonthPlusDays"})


LINE_TYPE_CHOICES = (("product", "Product"), ("text", "Text"))


SEPARATORS = re.compile(r"[,;\s]+")


SPACES = ("\u00a0", "\u202f", "\u2009", " ", "'")


PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # ASCII digits, as orders/parsing.py


# Limits of our own where the ERP's contract gives none: generous for what people type, not unbounded.
EMAILS_MAX_LENGTH = 1000


YOUR_REFERENCE_MAX_LENGTH = 200


MEMO_MAX_LENGTH = 4000


PRODUCT_NUMBER_MAX_LENGTH = 100  # the contract's limit for a line's ``product.number``


# One comma with three digits after it, and a whole part that could be a thousands group (not "0,125").
ONE_COMMA_GROUP = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")


class AmbiguousNumber(ValueError):
    """``2,000``: two thousand as the dashboard writes money (``24,900.00``), two as Norwegians write
    decimals (``12,5``). Neither reading is safe to guess on an order, so the person is asked."""

    def __init__(self, text: str, *, grouped: str, decimal: str):
        super().__init__(f"{text!r} is ambiguous")
        self.grouped = grouped
        self.decimal = f"{Decimal(decimal).normalize():f}"

    @property
    def message(self) -> str:
        return f"{self.grouped} or {self.decimal}? Type the one you mean."


def parse_number(text: str) -> Decimal:
    """A number as people type it: ``1 234,50``, ``1234.50``, ``1.234,50``, ``1,234.50``, ``-2``.

    Spaces (also non-breaking and thin ones) group thousands. With both ``,`` and ``.``, the last one
    is the decimal separator and the other groups thousands. With only one of them: once, it is the
    decimal separator (Norwegian ``12,5`` is twelve and a half); more than once, it groups thousands
    (``1.234.567``). Groups are three digits. Raises ``ValueError``: ``AmbiguousNumber`` for a single
    comma followed by three digits (``2,000``), which could be either (README "Numbers typed").
    """
    cleaned = text.strip()
    if PLAIN_NUMBER.fullmatch(cleaned):  # the common case, while typing: "2", "1450.50"
        return Decimal(cleaned)
    cleaned = cleaned.replace("\u2212", "-")
    for space in SPACES:
        cleaned = cleaned.replace(space, "")
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _, fraction = cleaned.rpartition(decimal_mark)
        cleaned = f"{_ungrouped(whole, grouping, text)}.{fraction}"
    elif cleaned.count(",") > 1 or cleaned.count(".") > 1:
        cleaned = _ungrouped(cleaned, "," if "," in cleaned else ".", text)
    elif ONE_COMMA_GROUP.fullmatch(cleaned):
        raise AmbiguousNumber(text, grouped=cleaned.replace(",", "").lstrip("+"), decimal=cleaned.replace(",", ".").lstrip("+"))
    else:
        cleaned = cleaned.replace(",", ".")
    if not PLAIN_NUMBER.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a number")
    return Decimal(cleaned)


def _ungrouped(whole: str, mark: str, text: str) -> str:
    """``1.234.567`` without its group marks; ``ValueError`` when the groups are not thousands."""
    if not re.fullmatch(rf"[+-]?[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})*", whole):
        raise ValueError(f"{text!r} is not a number")
    return whole.replace(mark, "")


def plain_number(value: Decimal, *, places: int = 0) -> str:
    """A decimal for an input field: no exponent, no trailing zeros beyond ``places`` decimals."""
    normalized = value.normalize()
    if -normalized.as_tuple().exponent < places:
        normalized = value.quantize(Decimal(1).scaleb(-places))
    text = f"{normalized:f}"
    return "0" if text in ("-0", "") else text


def money_input(value: Decimal) -> str:
    """A price for an input field, written as the dashboard writes money everywhere else: thousands
    grouped with commas and at least two decimals (``24,900.00``; four when the ERP has four).
    ``parse_number`` reads it back, as it reads ``24900``, ``24 900,00`` and ``24.900,00``."""
    text = plain_number(value, places=2)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}.{fraction}"


class TextField(forms.CharField):
    """A ``CharField`` whose limit is checked on the server only: no ``maxlength`` attribute, so a
    long paste is never cut short without a word; the error says how long it is."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs["error_messages"] = {**TEXT_MESSAGES, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs.pop("minlength", None)
        return attrs


class MemoField(TextField):
    """A text area. Browsers send line breaks as CRLF but count them as one character: so does this
    field (and the ERP then gets what the user counted)."""

    widget = forms.Textarea

    def to_python(self, value):
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


class CountryCodeField(TextField):
    default_validators = [RegexValidator(r"^[A-Z]{2}$", "A country code is two letters, e.g. NO or SE.")]

    def to_python(self, value):
        return super().to_python(value).upper()


class EmailListField(TextField):
    """Several e-mail addresses separated by commas, semicolons or spaces; cleans to a list. Its limit is
    on the text typed (``max_length`` would count addresses)."""

    def __init__(self, *, text_limit: int, **kwargs):
        super().__init__(**kwargs)
        self.text_limit = text_limit

    def to_python(self, value):
        text = super().to_python(value)
        if len(text) > self.text_limit:
            raise ValidationError(self.error_messages["max_length"], code="max_length",
                                  params={"limit_value": self.text_limit, "show_value": len(text)})
        return [part for part in SEPARATORS.split(text) if part]

    def validate(self, value):
        super().validate(value)
        bad = []
        for address in value:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            listed = ", ".join(f"“{address}”" for address in bad)
            noun = "is not a valid e-mail address" if len(bad) == 1 else "are not valid e-mail addresses"
            raise ValidationError(f"{listed} {noun}.", code="invalid")


class NumberField(forms.Field):
    """A decimal typed the Norwegian or the English way (see ``parse_number``), with bounds."""

    widget = forms.TextInput
    parse = staticmethod(parse_number)  # how the text is read (``ValueError`` when it is no number)

    def __init__(self, *, minimum: Decimal | None = None, maximum: Decimal | None = None,
                 places: int = AMOUNT_PLACES, nonzero: bool = False, messages: Mapping[str, str] | None = None,
                 **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.minimum, self.maximum, self.places, self.nonzero = minimum, maximum, places, nonzero
        self.messages = {
            "invalid": "Enter a number, e.g. 1 234,50 or 1234.50.",
            "minimum": f"Enter at least {minimum}." if minimum is not None else "",
            "maximum": f"Enter at most {maximum}." if maximum is not None else "",
            "zero": "This cannot be 0.",
            "places": f"Use at most {places} decimals.",
            "digits": f"Too many digits: at most {MAX_SIGNIFICANT_DIGITS}.",
            **(messages or {}),
        }

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value) -> Decimal | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            number = self._read(text)
        except AmbiguousNumber as exc:
            raise ValidationError(exc.message, code="ambiguous") from exc
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(self.messages["invalid"], code="invalid") from exc
        if not number.is_finite():
            raise ValidationError(self.messages["invalid"], code="invalid")
        return number

    def _read(self, text: str) -> Decimal:
        """``self.parse``; of an ambiguous ``12,500``, the one reading within this field's maximum when only one
        is (a discount of at most 100 %: 12.5)."""
        try:
            return self.parse(text)
        except AmbiguousNumber as exc:
            if self.maximum is not None and Decimal(exc.grouped) > self.maximum >= Decimal(exc.decimal):
                return Decimal(exc.decimal)
            raise

    def bounded(self, text: str) -> Decimal | None:
        """``text`` as a number within this field's bounds; None when it is not a number or out of
        them. For what is computed from a value as typed, before the field is validated."""
        try:
            number = self._read(text)
        except (ValueError, InvalidOperation):
            return None
        if (self.minimum is not None and number < self.minimum) or (self.maximum is not None and number > self.maximum):
            return None
        return number

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        digits = value.normalize().as_tuple()
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(self.messages["minimum"], code="minimum")
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(self.messages["maximum"], code="maximum")
        if self.nonzero and value == 0:
            raise ValidationError(self.messages["zero"], code="zero")
        if -digits.exponent > self.places:
            raise ValidationError(self.messages["places"], code="places")
        if len(digits.digits) > MAX_SIGNIFICANT_DIGITS:
            raise ValidationError(self.messages["digits"], code="digits")


def default_tax_id(tax_codes: Sequence) -> int | None:
    """The tax code a new line starts with: the standard (highest) rate, e.g. 25 % in Norway."""
    if not tax_codes:
        return None
    return max(tax_codes, key=lambda tax: (tax.rate, -tax.id)).id


def tax_label(tax) -> str:
    """A tax code as the line's drop-down shows it: its number and rate, e.g. "3 · 25 %"."""
    rate = f"{plain_number(tax.rate)} %"
    return f"{tax.number} · {rate}" if tax.number is not None else rate
