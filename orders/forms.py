"""The dashboard's forms.

* The order lists' filter forms (``OrderFilterForm`` for 24SevenOffice, ``QuickBooksFilterForm`` for the
  local index of QuickBooks orders): validate the query string and build the list's filters. They are
  always bound to ``request.GET`` (filter state lives in the URL). An invalid field is left out of the
  filters and its error shown next to it, so the table still shows with the valid filters.
* The order builder (``OrderBuilder``, at the end): the order form and its dimension and line
  formsets, with the field names of the contract in ``orders.submissions``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, validate_email
from django.forms import BaseFormSet, formset_factory

from orders import index as order_index
from orders import money
from orders.domain import (
    DISTRIBUTION_METHODS,
    NEW_ORDER_STATUSES,
    ORDER_STATE_LABELS,
    STATUS_LABELS,
    CustomerSnapshot,
    LineDraft,
    OrderDraft,
    Product,
)
from orders.erp.tso.payloads import (  # noqa: F401 (the builder view shows both)
    INTERNAL_MEMO_MAX_LENGTH,
    USER_INTERNAL_MEMO_MAX_LENGTH,
)
from orders.parsing import parse_id, parse_signed_id, parse_whole
from orders.services import PAGE_SIZES, STATUS_FILTERS, BuilderReference, OrderFilters
from orders.submissions import CUSTOMER_FIELDS, FormErrors, draft_from_data

DEFAULT_PAGE_SIZE = 25
# Every query-string key the list understands; anything else is dropped from links and back-links.
LIST_PARAMS = (
    "status",
    "date_from",
    "date_to",
    "customer",
    "invoice_number",
    "modified_since",
    "page_size",
    "cursor",
)
# And the QuickBooks list's (``views/qbd_list.py``): it pages by number.
QBD_LIST_PARAMS = (
    "status",
    "date_from",
    "date_to",
    "customer",
    "number",
    "po_number",
    "modified_since",
    "page_size",
    "page",
)
# Dates before this are typing mistakes (an order or a filter in year 1), and the earliest ones are not
# even a moment the ERP can store once it is turned into UTC.
EARLIEST_DATE = dt.date(1900, 1, 1)
DATE_BOUNDS = [MinValueValidator(EARLIEST_DATE, "Enter a date in 1900 or later.")]
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

    def to_python(self, value) -> int | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        number = parse_id(text)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class ListFilterForm(forms.Form):
    """What both order lists' filter forms share: the date range, "modified since", the page size, the
    status tab (a hidden field, its choices the subclass's), error slots next to each field.

    Always bound to ``request.GET``: an invalid field gets its message and is left out of the filters."""

    STATUS_CHOICES: Sequence[tuple[str, str]] = ()
    # The fields besides the status tab that narrow the list (for "Clear filters").
    NARROWING: Sequence[str] = ()

    status = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(required=False, label="From", widget=DateInput, validators=DATE_BOUNDS)
    date_to = forms.DateField(required=False, label="To", widget=DateInput, validators=DATE_BOUNDS)
    modified_since = forms.DateField(required=False, label="Modified since", widget=DateInput, validators=DATE_BOUNDS)
    page_size = forms.TypedChoiceField(
        choices=[(size, str(size)) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
        label="Per page",
        widget=forms.Select(attrs={"data-default": DEFAULT_PAGE_SIZE}),
    )

    def __init__(self, data=None, **kwargs) -> None:
        if data is not None and not data.get("page_size"):
            data = data.copy()
            data["page_size"] = str(DEFAULT_PAGE_SIZE)
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [("", "All"), *self.STATUS_CHOICES]

    def describe_fields(self) -> None:
        """Point each visible field to its error slot (and help text): call once the widgets are set."""
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            field.widget.attrs.setdefault("class", "input")
            # Errors appear in a slot next to the field (swapped in after htmx requests): point to it.
            described_by = [f"id_{name}_error"] + ([f"id_{name}_helptext"] if field.help_text else [])
            field.widget.attrs["aria-describedby"] = " ".join(described_by)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "This must be on or after the “from” date.")
            # Neither end can be trusted: the table shows without the date range.
            cleaned.pop("date_from", None)
        return cleaned

    @property
    def status_note(self) -> str:
        """Why the link's status was not applied ("" when it was): the list then shows all statuses."""
        return "Unknown status in the link: showing all statuses." if "status" in self.errors else ""

    @property
    def active_filter_count(self) -> int:
        """How many filters besides the status tab narrow the list (for "Clear filters")."""
        data = getattr(self, "cleaned_data", {})
        return sum(bool(data.get(name)) for name in self.NARROWING)


class OrderFilterForm(ListFilterForm):
    """The 24SevenOffice list's filters: they become ``services.OrderFilters``, the ERP's own query."""

    STATUS_CHOICES = [(status, STATUS_LABELS[status]) for status in STATUS_FILTERS]
    NARROWING = ("date_from", "date_to", "customer", "invoice_number", "modified_since")

    customer = IdField(
        required=False,
        label="Customer",
        error_messages={"invalid": "Enter a customer id (a whole number)."},
    )
    invoice_number = forms.CharField(
        required=False,
        max_length=20,
        label="Invoice no.",
        validators=[RegexValidator(r"^[0-9]+\Z", "Invoice numbers are digits only.")],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "type": "search"}),
    )
    field_order = ("status", "date_from", "date_to", "customer", "invoice_number", "modified_since", "page_size")

    def __init__(
        self,
        data=None,
        *,
        customer_choices: Sequence[tuple[int, str]] | None = None,
        customers_unavailable: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(data, **kwargs)
        self.customers_unavailable = customers_unavailable
        customer = self.fields["customer"]
        if customer_choices is not None:
            options = [("", "All customers")] + [(str(pk), name) for pk, name in customer_choices]
            chosen = parse_id(str(self.data.get("customer", "")).strip()) if self.is_bound else None
            selected = "" if chosen is None else str(chosen)
            if selected and selected not in {value for value, _ in options}:
                # A bookmarked id that is not in the list (any more): keep it visible, not "All".
                options.append((selected, f"Customer #{selected}"))
            customer.widget = forms.Select(choices=options)
        else:
            customer.widget = IdInput(attrs={"min": 1, "step": 1, "placeholder": "Customer id"})
            if customers_unavailable:
                customer.help_text = "The customer list could not be loaded: enter a customer id."
        self.describe_fields()

    def to_filters(self) -> OrderFilters:
        """The filters from every field that validated (call after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        return OrderFilters(
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            customer_id=data.get("customer"),
            invoice_number=data.get("invoice_number") or "",
            modified_since=data.get("modified_since"),
            page_size=data.get("page_size") or DEFAULT_PAGE_SIZE,
        )

    @property
    def status_note(self) -> str:
        if "status" in self.errors and self.data.get("status") == "Inactive":
            return ("Inactive orders cannot be listed on their own: showing all statuses, "
                    "where inactive orders are marked “Inactive”.")
        return super().status_note


class QuickBooksFilterForm(ListFilterForm):
    """The QuickBooks list's filters: they become ``order_index.Filters``, a query of the local order index
    (Autofy itself filters by none of them). The customer is a name (or part of one) or a customer's
    id, offered from the index's customers (``customer_names``) but typed freely."""

    STATUS_CHOICES = list(ORDER_STATE_LABELS.items())
    NARROWING = ("date_from", "date_to", "customer", "number", "po_number", "modified_since")

    customer = forms.CharField(required=False, max_length=100, label="Customer", error_messages=TEXT_MESSAGES)
    number = forms.CharField(required=False, max_length=40, label="Order no.", error_messages=TEXT_MESSAGES)
    po_number = forms.CharField(required=False, max_length=60, label="PO no.", error_messages=TEXT_MESSAGES)
    field_order = ("status", "date_from", "date_to", "customer", "number", "po_number", "modified_since", "page_size")

    def __init__(self, data=None, *, customer_names: Sequence[str] = (), **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.customer_names = customer_names
        self.describe_fields()

    def to_filters(self, *, zone: dt.tzinfo) -> tuple[order_index.Filters, int]:
        """The index's filters from every field that validated (call after ``is_valid()``), and the
        page size. "Modified since" a day is from its start in ``zone``."""
        data = getattr(self, "cleaned_data", {})
        since = data.get("modified_since")
        filters = order_index.Filters(
            state=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            customer=data.get("customer") or "",
            number=data.get("number") or "",
            reference=data.get("po_number") or "",
            modified_since=dt.datetime.combine(since, dt.time(), tzinfo=zone) if since else None,
        )
        return filters, data.get("page_size") or DEFAULT_PAGE_SIZE


# --- the order builder ---------------------------------------------------------------------------
#
# The builder's *state* is a plain dict with the field names of the contract in ``orders.submissions``
# (``customer_name``, ``lines`` …) holding what the user typed, as strings. Every action (add a line,
# pick a customer …) changes the state and renders it again, so nothing typed is lost on the way.
# ``state_from_post``/``state_to_post`` read and write it as the form's POST data (formset prefixes
# ``dimensions`` and ``lines``); ``state_from_data`` fills it from ``submissions.draft_to_data``'s
# data (a stored submission, a duplicated order). ``OrderBuilder`` validates a state against the
# contract and turns it into that data.

MAX_LINES = 500
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
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# Limits of our own where the ERP's contract gives none: generous for what people type, not unbounded.
EMAILS_MAX_LENGTH = 1000
YOUR_REFERENCE_MAX_LENGTH = 200
MEMO_MAX_LENGTH = 4000
PRODUCT_NUMBER_MAX_LENGTH = 100  # the contract's limit for a line's ``product.number``


def parse_number(text: str) -> Decimal:
    """A number as people type it: ``1 234,50``, ``1234.50``, ``1.234,50``, ``1,234.50``, ``-2``.

    Spaces (also non-breaking and thin ones) group thousands. With both ``,`` and ``.``, the last one
    is the decimal separator and the other groups thousands. With only one of them: once, it is the
    decimal separator (Norwegian ``12,5`` is twelve and a half); more than once, it groups thousands
    (``1.234.567``). Groups are three digits. Raises ``ValueError``.
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
    else:
        cleaned = cleaned.replace(",", ".")
    if not PLAIN_NUMBER.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a number")
    return Decimal(cleaned)


def _ungrouped(whole: str, mark: str, text: str) -> str:
    """``1.234.567`` without its group marks; ``ValueError`` when the groups are not thousands."""
    if not re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(mark)}\d{{3}})*", whole):
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
            number = parse_number(text)
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(self.messages["invalid"], code="invalid") from exc
        return number

    def bounded(self, text: str) -> Decimal | None:
        """``text`` as a number within this field's bounds; None when it is not a number or out of
        them. For what is computed from a value as typed, before the field is validated."""
        try:
            number = parse_number(text)
        except ValueError:
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


class OrderForm(forms.Form):
    """The order's own fields (the customer copy, delivery, dates, terms, memos)."""

    customer_id = IdField(
        widget=forms.HiddenInput,
        error_messages={"required": "Choose a customer: search by name or organization number.",
                        "invalid": "Choose a customer: search by name or organization number."},
    )
    customer_query = TextField(label="Find a customer")
    customer_name = TextField(label="Name", required=True, max_length=200,
                              error_messages={"required": "The order needs the customer's name."})
    customer_organization_number = TextField(label="Organization number", max_length=20)
    customer_invoice_emails = EmailListField(label="Invoice e-mails", help_text="Separate several with commas.",
                                             text_limit=EMAILS_MAX_LENGTH)
    customer_gln = TextField(label="GLN", validators=[RegexValidator(r"^[0-9]{13}\Z", "A GLN is exactly 13 digits.")])
    customer_street = MemoField(label="Street", max_length=250)
    customer_postal_code = TextField(label="Postal code", max_length=50)
    customer_postal_area = TextField(label="Postal area", max_length=50)
    customer_city = TextField(label="City", max_length=50)
    customer_country_subdivision = TextField(label="County / state", max_length=50)
    customer_country_code = CountryCodeField(label="Country")

    delivery_same_as_customer = forms.BooleanField(required=False, label="Deliver to the customer's address")
    delivery_customer_id = IdField(required=False, widget=forms.HiddenInput)
    delivery_query = TextField(label="Find a delivery customer")
    delivery_name = TextField(label="Name", max_length=250)
    delivery_street = MemoField(label="Street", max_length=250)
    delivery_postal_code = TextField(label="Postal code", max_length=16)
    delivery_postal_area = TextField(label="Postal area", max_length=200)
    delivery_city = TextField(label="City", max_length=50)
    delivery_country_subdivision = TextField(label="County / state", max_length=100)
    delivery_country_code = CountryCodeField(label="Country")

    date = forms.DateField(label="Order date", input_formats=["%Y-%m-%d", "%d.%m.%Y"], validators=DATE_BOUNDS,
                           error_messages={"required": "The order needs a date.",
                                           "invalid": "Enter a date, e.g. 2026-11-16."})
    delivery_date = forms.DateField(required=False, label="Delivery date", input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                                    validators=DATE_BOUNDS,
                                    error_messages={"invalid": "Enter a date, e.g. 2026-11-30."})
    status = forms.ChoiceField(label="Status", choices=[(s, STATUS_LABELS[s]) for s in NEW_ORDER_STATUSES],
                               error_messages={"invalid_choice": "Choose one of the statuses offered."})
    currency_code = forms.ChoiceField(label="Currency",
                                      validators=[RegexValidator(r"^[A-Z]{3}$", "A currency is three capitals.")],
                                      error_messages={"invalid_choice": "Choose one of the ERP's currencies."})
    currency_rate = NumberField(label="Rate", minimum=Decimal("1e-10"), maximum=Decimal("1e9"), places=10,
                                messages={"minimum": "The rate must be more than 0.",
                                          "maximum": "The rate can be at most 1 000 000 000."},
                                help_text="NOK per unit; empty uses the ERP's rate.")
    sales_type_id = forms.TypedChoiceField(label="Sales type", coerce=int, empty_value=None, required=False,
                                           error_messages={"invalid_choice": "Choose one of the sales types offered."})
    our_reference_id = forms.TypedChoiceField(label="Our reference", coerce=int, empty_value=None, required=False,
                                              error_messages={"invalid_choice": "Choose one of the people offered."})
    your_reference = TextField(label="Your reference", max_length=YOUR_REFERENCE_MAX_LENGTH)
    reference_number = TextField(label="Reference number", max_length=50, help_text="The customer's PO number.")
    payment_terms_type = forms.ChoiceField(label="Payment terms", choices=PAYMENT_TERMS_TYPES, required=False)
    payment_terms_value = TextField(label="Days or date")
    distribution_method = forms.ChoiceField(label="Distribution", choices=list(DISTRIBUTION_METHODS.items()),
                                            required=False)
    memo = MemoField(label="Memo", max_length=MEMO_MAX_LENGTH, help_text="Printed on the order and the invoice.")
    internal_memo = MemoField(label="Internal memo", max_length=USER_INTERNAL_MEMO_MAX_LENGTH)

    # Rendered by hand in the builder (hidden inputs, the checkbox, the search boxes).
    HAND_RENDERED = frozenset({"customer_id", "delivery_customer_id", "delivery_same_as_customer",
                               "customer_query", "delivery_query"})

    def __init__(self, *args, reference: BuilderReference, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference
        codes = sorted({c.code for c in reference.currencies} | {"NOK"})
        self.fields["currency_code"].choices = [(code, code) for code in codes]
        self.fields["sales_type_id"].choices = [("", "—")] + [(s.id, s.name) for s in reference.sales_types]
        people = sorted(reference.people, key=lambda person: person.name.casefold())
        self.fields["our_reference_id"].choices = [("", "—")] + [(p.id, p.name) for p in people]
        for name, field in self.fields.items():
            if name in self.HAND_RENDERED:
                continue
            attrs = field.widget.attrs
            attrs.setdefault("class", "input")
            attrs.setdefault("autocomplete", "off")
            if isinstance(field.widget, forms.Textarea):
                attrs["rows"] = 2
        self.fields["date"].widget = DateInput(attrs={"class": "input"})
        self.fields["delivery_date"].widget = DateInput(attrs={"class": "input"})
        self.fields["memo"].widget.attrs["rows"] = 3
        self.fields["internal_memo"].widget.attrs.update(rows=3, **{"data-count-max": USER_INTERNAL_MEMO_MAX_LENGTH})

    def clean(self):
        cleaned = super().clean()
        day, delivery_day = cleaned.get("date"), cleaned.get("delivery_date")
        if day and delivery_day and delivery_day < day:
            self.add_error("delivery_date", "The delivery date cannot be before the order date.")
        code = cleaned.get("currency_code")
        if code == "NOK":
            cleaned["currency_rate"] = Decimal(1)
        elif code and cleaned.get("currency_rate") is None and "currency_rate" not in self.errors:
            rates = {c.code: c.rate for c in self.reference.currencies}
            cleaned["currency_rate"] = rates.get(code, Decimal(1))
        self._clean_payment_terms(cleaned)
        if not cleaned.get("delivery_same_as_customer") and not cleaned.get("delivery_name") \
                and "delivery_name" not in self.errors:
            self.add_error("delivery_name", "Enter who receives the delivery, or tick “Deliver to the customer's address”.")
        if cleaned.get("delivery_same_as_customer"):
            self._clean_address_as_delivery(cleaned)
        return cleaned

    def _clean_address_as_delivery(self, cleaned: dict) -> None:
        """Delivered to the customer's address, the address is sent as the delivery address too, whose
        limits the contract sets apart (a postal code: 50 characters on the customer, 16 on delivery)."""
        for part in ("name", "street", "postal_code", "postal_area", "city", "country_subdivision"):
            name, limit = f"customer_{part}", self.fields[f"delivery_{part}"].max_length
            if name not in self.errors and len(cleaned.get(name) or "") > limit:
                self.add_error(name, f"At most {limit} characters for a delivery address: shorten it, or "
                                     "untick “Deliver to the customer's address”.")

    def _clean_payment_terms(self, cleaned: dict) -> None:
        kind, raw = cleaned.get("payment_terms_type"), cleaned.get("payment_terms_value") or ""
        if not kind:
            cleaned["payment_terms_value"] = ""
        elif kind in DAYS_TERMS:
            days = parse_whole(raw, maximum=9999)
            if days is None:
                self.add_error("payment_terms_value", "Enter the number of days: a whole number, 0 or more.")
            else:
                cleaned["payment_terms_value"] = str(days)
        else:
            due = _parse_date(raw)
            if due is None or due < EARLIEST_DATE:
                self.add_error("payment_terms_value", "Enter the due date, e.g. 2026-12-31.")
            elif cleaned.get("date") and due < cleaned["date"]:
                self.add_error("payment_terms_value", f"The due date {due:%d.%m.%Y} is before the order date: "
                                                      "choose a later one, or other payment terms.")
            else:
                cleaned["payment_terms_value"] = due.isoformat()


def _parse_date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


class DimensionForm(forms.Form):
    """One dimension row: a type from ``/dimensions`` and one of that type's elements."""

    dimension_type = forms.TypedChoiceField(
        label="Type", coerce=int,
        error_messages={"required": "Choose a dimension type.",
                        "invalid_choice": "Choose one of the ERP's dimension types."},
    )
    dimension_value = forms.ChoiceField(
        label="Value",
        error_messages={"required": "Choose a value.",
                        "invalid_choice": "Choose one of this dimension type's values."},
    )

    def __init__(self, *args, reference: BuilderReference, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference
        self.fields["dimension_type"].choices = [("", "Choose a type…")] + [
            (d.id, d.name) for d in reference.dimension_types
        ]
        self.elements = reference.dimension_elements.get(self.chosen_type(), ())
        self.fields["dimension_value"].choices = [("", "Choose a value…" if self.elements else "—")] + [
            (e.value, f"{e.value} · {e.name}") for e in self.elements
        ]
        for field in self.fields.values():
            field.widget.attrs.update({"class": "input"})

    def chosen_type(self) -> int | None:
        """The type this row has (as typed, before validation), for its value choices."""
        return parse_whole(str(self["dimension_type"].value()))

    def clean(self):
        cleaned = super().clean()
        names = {e.value: e.name for e in self.elements}
        cleaned["dimension_name"] = names.get(cleaned.get("dimension_value"), "")
        return cleaned


class BuilderFormSet(BaseFormSet):
    """The builder's formsets are rebuilt from the state on every request: every row counts, none
    is an optional extra (``OrderBuilder`` leaves untouched lines and rows out before validating)."""

    def _construct_form(self, i, **kwargs):
        return super()._construct_form(i, empty_permitted=False, use_required_attribute=False, **kwargs)


class BaseDimensionFormSet(BuilderFormSet):
    """No dimension type twice: the ERP keeps one value per type."""

    def clean(self):
        seen: dict[int, int] = {}
        names = {d.id: d.name for d in self.form_kwargs["reference"].dimension_types}
        for index, form in enumerate(self.forms):
            kind = form.cleaned_data.get("dimension_type") if hasattr(form, "cleaned_data") else None
            if kind is None:
                continue
            if kind in seen:
                form.add_error("dimension_type",
                               f"{names.get(kind, 'This type')} is already on row {seen[kind] + 1}: an order has one "
                               "value per dimension type.")
            else:
                seen[kind] = index


class LineForm(forms.Form):
    """One line. A text line is its description alone; its amount fields are not validated."""

    AMOUNT_FIELDS = ("quantity", "price", "discount_rate", "tax_id")

    type = forms.ChoiceField(label="Type", choices=LINE_TYPE_CHOICES,
                             error_messages={"invalid_choice": "A line is a product or a text."})
    product_id = IdField(required=False, widget=forms.HiddenInput,
                         error_messages={"invalid": "Choose a product: search by number or name."})
    product_number = TextField(widget=forms.HiddenInput, max_length=PRODUCT_NUMBER_MAX_LENGTH)
    product_query = TextField(label="Product")
    description = TextField(label="Description", required=True, max_length=300,
                            error_messages={"required": "Describe the line."})
    quantity = NumberField(label="Quantity", required=True, nonzero=True, minimum=-AMOUNT_LIMIT, maximum=AMOUNT_LIMIT,
                           messages={"zero": "The quantity cannot be 0.",
                                     "minimum": "The quantity is too large.", "maximum": "The quantity is too large."},
                           error_messages={"required": "Enter a quantity."})
    price = NumberField(label="Unit price", required=True, minimum=Decimal(0), maximum=AMOUNT_LIMIT,
                        messages={"minimum": "The price cannot be negative: to credit, use a negative quantity.",
                                  "maximum": "The price is too large."},
                        error_messages={"required": "Enter a unit price."})
    discount_rate = NumberField(label="Discount %", minimum=Decimal(0), maximum=Decimal(100), places=2,
                                messages={"minimum": "A discount is between 0 and 100 %.",
                                          "maximum": "A discount is between 0 and 100 %."})
    tax_id = forms.TypedChoiceField(label="Tax code", coerce=int,
                                    error_messages={"required": "Choose a tax code.",
                                                    "invalid_choice": "Choose one of the ERP's tax codes."})
    # The tax code the line's product brought under the order's sales type. While ``tax_id`` is still
    # that one, the line follows the sales type; a tax code the user chose stays. Not sent to the ERP.
    auto_tax_id = TextField(widget=forms.HiddenInput)

    def __init__(self, *args, reference: BuilderReference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_id"].choices = [("", "—")] + [(t.id, tax_label(t)) for t in reference.tax_codes]
        if self.is_text:
            for name in self.AMOUNT_FIELDS:
                del self.fields[name]

    @property
    def is_text(self) -> bool:
        return self["type"].value() == "text"

    def clean(self):
        cleaned = super().clean()
        unpicked = cleaned.get("product_id") is None or "product_number" in self.errors  # a garbled hidden copy
        if cleaned.get("type") == "product" and unpicked and "product_id" not in self.errors:
            self.add_error("product_id", "Choose a product: search by number or name.")
        return cleaned


DimensionFormSet = formset_factory(DimensionForm, formset=BaseDimensionFormSet, extra=0, max_num=MAX_DIMENSIONS,
                                   absolute_max=MAX_DIMENSIONS)
LineFormSet = formset_factory(LineForm, formset=BuilderFormSet, extra=0, max_num=MAX_LINES, absolute_max=MAX_LINES)


# --- the builder's state ---------------------------------------------------------------------------

# Order fields of the state: everything ``OrderForm`` has, as strings (the checkbox is a bool).
ORDER_FIELDS = tuple(name for name in OrderForm.base_fields if name != "delivery_same_as_customer")
DIMENSION_FIELDS = ("dimension_type", "dimension_value")
LINE_FIELDS = tuple(LineForm.base_fields)
# The customer copy's and the delivery's editable fields, in the order the builder shows them.
CUSTOMER_FORM_FIELDS = (
    "customer_name", "customer_organization_number", "customer_gln", "customer_invoice_emails", "customer_street",
    "customer_postal_code", "customer_postal_area", "customer_city", "customer_country_subdivision",
    "customer_country_code",
)
DELIVERY_FORM_FIELDS = (
    "delivery_name", "delivery_street", "delivery_postal_code", "delivery_postal_area", "delivery_city",
    "delivery_country_subdivision", "delivery_country_code",
)
# Fields of the form that only help to fill it in (search boxes): not part of the order's data.
SEARCH_FIELDS = frozenset({"customer_query", "delivery_query", "product_query"})


def blank_line(*, tax_id: int | None) -> dict[str, str]:
    """A new product line: quantity 1 and the standard tax code, the rest to fill in."""
    row = dict.fromkeys(LINE_FIELDS, "")
    row.update(type="product", quantity="1", tax_id="" if tax_id is None else str(tax_id))
    return row


def blank_dimension() -> dict[str, str]:
    return dict.fromkeys(DIMENSION_FIELDS, "")


def blank_state(*, day: dt.date, tax_id: int | None) -> dict[str, Any]:
    """A new order: dated ``day``, Draft, NOK at rate 1, delivered to the customer, one empty line."""
    state: dict[str, Any] = dict.fromkeys(ORDER_FIELDS, "")
    state.update(date=day.isoformat(), status="Draft", currency_code="NOK", currency_rate="1",
                 delivery_same_as_customer=True, dimensions=[], lines=[blank_line(tax_id=tax_id)])
    return state


# What a line's amounts need (the recalculation reads only these).
AMOUNT_SOURCES = ("quantity", "price", "discount_rate", "tax_id")


def _rows(post: Mapping[str, Any], prefix: str, fields: Sequence[str], limit: int) -> list[dict[str, str]]:
    count = parse_whole(post.get(f"{prefix}-TOTAL_FORMS")) or 0  # 0 when missing or not a count
    return [
        {name: post.get(f"{prefix}-{index}-{name}", "") for name in fields}
        for index in range(min(count, limit))
    ]


def lines_from_post(post: Mapping[str, Any], fields: Sequence[str] = LINE_FIELDS) -> list[dict[str, str]]:
    """The lines of a builder POST (``fields`` of each: all of them, or the ``AMOUNT_SOURCES``)."""
    return _rows(post, "lines", fields, MAX_LINES)


def state_from_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """The state a builder form sent: every value as typed."""
    state: dict[str, Any] = {name: post.get(name, "") for name in ORDER_FIELDS}
    state["delivery_same_as_customer"] = bool(post.get("delivery_same_as_customer"))
    state["dimensions"] = _rows(post, "dimensions", DIMENSION_FIELDS, MAX_DIMENSIONS)
    state["lines"] = lines_from_post(post)
    return state


def state_to_post(state: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` as the POST data the builder's forms bind to (the inverse of ``state_from_post``)."""
    post: dict[str, Any] = {name: state.get(name, "") for name in ORDER_FIELDS}
    if state.get("delivery_same_as_customer"):
        post["delivery_same_as_customer"] = "on"
    for prefix, fields in (("dimensions", DIMENSION_FIELDS), ("lines", LINE_FIELDS)):
        rows = state.get(prefix) or []
        post.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0})
        for index, row in enumerate(rows):
            post.update({f"{prefix}-{index}-{name}": row.get(name, "") for name in fields})
    return post


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _shown_number(value: Any, *, places: int = 0) -> str:
    try:
        return plain_number(Decimal(str(value)), places=places)
    except InvalidOperation:
        return _shown(value)


def _shown_money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return _shown(value)
    return money_input(amount) if amount.is_finite() else _shown(value)


def state_from_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The state of the builder's data (``submissions.draft_to_data``): a stored submission or a
    duplicated order, shown for editing."""
    state: dict[str, Any] = {name: _shown(data.get(name)) for name in ORDER_FIELDS}
    state["currency_rate"] = _shown_number(data.get("currency_rate", 1))
    state["delivery_same_as_customer"] = bool(data.get("delivery_same_as_customer", True))
    state["dimensions"] = [
        {"dimension_type": _shown(row.get("dimension_type")), "dimension_value": _shown(row.get("dimension_value"))}
        for row in data.get("dimensions") or ()
    ]
    state["lines"] = [
        {
            "type": _shown(row.get("type")) or "product",
            "product_id": _shown(row.get("product_id")),
            "product_number": _shown(row.get("product_number")),
            "product_query": _shown(row.get("product_number")),
            "description": _shown(row.get("description")),
            "quantity": _shown_number(row.get("quantity", 1)),
            "price": _shown_money(row.get("price", 0)),
            "discount_rate": _shown_number(row.get("discount_rate", 0)),
            "tax_id": _shown(row.get("tax_id")),
            "auto_tax_id": "",  # its tax code stays as it was, whatever the sales type
        }
        for row in data.get("lines") or ()
    ]
    return state


def is_blank_line(row: Mapping[str, str]) -> bool:
    """A line nobody filled in: nothing typed beyond what a new line starts with (a product line with
    quantity 1 and the standard tax code). A line with anything typed in it (a product search, a
    description, a price, a discount, another quantity) is kept and validated, never dropped."""
    if any(str(row.get(name) or "").strip() for name in ("product_id", "product_query", "description")):
        return False
    if row.get("type") == "text":
        return True  # its amount fields are hidden: nothing of them was typed as a text line
    if any(str(row.get(name) or "").strip() for name in ("price", "discount_rate")):
        return False
    return str(row.get("quantity") or "").strip() in ("", "1")


def is_blank_dimension(row: Mapping[str, str]) -> bool:
    return not any(str(row.get(name) or "").strip() for name in DIMENSION_FIELDS)


# --- amounts while building ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Figures:
    """Each line's amounts (None for a text line, or while its numbers are incomplete or wrong) and
    the order's totals, computed as ``OrderDraft.totals()`` computes them, with ``orders.money``."""

    lines: tuple[money.LineAmounts | None, ...]
    totals: money.Totals


def line_draft(row: Mapping[str, str], rates: Mapping[int, Decimal]) -> LineDraft | None:
    """The product line ``row`` as typed, when its numbers can be read (an empty price or discount
    counts as 0 while typing); None for a text line or a line that cannot be priced yet."""
    if row.get("type") == "text":
        return None
    # Numbers out of the bounds the line's fields accept are not priced: the field says what is wrong
    # once the order is checked, and a product of two of them could not be rounded to øre.
    fields = LineForm.base_fields
    quantity = fields["quantity"].bounded(row.get("quantity") or "")
    price = fields["price"].bounded(row.get("price") or "0")
    discount = fields["discount_rate"].bounded(row.get("discount_rate") or "0")
    rate = rates.get(parse_signed_id(str(row.get("tax_id") or "")))
    if quantity is None or price is None or discount is None or rate is None:
        return None
    return LineDraft(quantity=quantity, price=price, discount_rate=discount, tax_rate=rate)


def figures(rows: Sequence[Mapping[str, str]], tax_codes: Sequence,
            shown: Sequence[str] | None = None) -> Figures:
    """Each line's amounts and the totals. With ``shown`` (what each line's amounts cell shows now,
    ``amounts_shown``'s "net tax", while the user types), a line that cannot be priced at the moment
    (a number being typed, or out of bounds) keeps the amounts it showed: they stay in the totals."""
    rates = {tax.id: tax.rate for tax in tax_codes}
    lines, counted = [], []
    for index, row in enumerate(rows):
        draft = line_draft(row, rates)
        amounts = draft.amounts if draft else None
        rate = draft.tax_rate if draft else rates.get(parse_signed_id(str(row.get("tax_id") or "")))
        if amounts is None and shown is not None and index < len(shown) and row.get("type") != "text":
            amounts = _shown_amounts(shown[index])
        lines.append(amounts)
        if amounts is not None and rate is not None:
            counted.append((rate, amounts))
    return Figures(lines=tuple(lines), totals=money.totals(counted))


def _shown_amounts(shown: str) -> money.LineAmounts | None:
    """The amounts an amounts cell shows ("net tax"), None when it shows none."""
    net, _, tax = shown.partition(" ")
    net_amount, tax_amount = money.to_decimal(net), money.to_decimal(tax)
    if net_amount is None or tax_amount is None or not net_amount.is_finite() or not tax_amount.is_finite():
        return None
    return money.LineAmounts(net=net_amount, tax=tax_amount)


# The numbers of a line that are checked as they are typed, with the field's own message.
LIVE_CHECKED = ("quantity", "price", "discount_rate")


def live_line_errors(rows: Sequence[Mapping[str, str]]) -> dict[int, dict[str, str]]:
    """What is wrong with the numbers typed into product lines so far, by line and field: the
    message each field gives on sending (an empty field is still being filled in: not an error)."""
    found: dict[int, dict[str, str]] = {}
    for index, row in enumerate(rows):
        if row.get("type") == "text":
            continue
        for name in LIVE_CHECKED:
            value = str(row.get(name) or "").strip()
            if not value:
                continue
            field = LineForm.base_fields[name]
            try:
                field.validate(field.to_python(value))
            except ValidationError as error:
                found.setdefault(index, {})[name] = " ".join(error.messages)
    return found


# --- the builder as a whole ------------------------------------------------------------------------

# Order fields without a visible input of their own: their errors are shown with their section.
FIELD_SECTIONS = {"customer_id": "customer", "delivery_customer_id": "customer"}


class LineRows(Sequence):
    """The lines' (form, amounts), each form built when it is first asked for: an answer with a few
    rows of a long order (``views.builder._row_change``) builds only their forms. A bound formset's
    forms (validated, with their errors) are its own."""

    def __init__(self, formset: BaseFormSet, amounts: Sequence[money.LineAmounts | None]) -> None:
        self.formset, self.amounts = formset, amounts
        self.built: dict[int, LineForm] = {}

    def __len__(self) -> int:
        return len(self.amounts)

    def form(self, index: int) -> LineForm:
        if self.formset.is_bound or "forms" in self.formset.__dict__:
            return self.formset.forms[index]
        if index not in self.built:
            self.built[index] = self.formset._construct_form(index, **self.formset.get_form_kwargs(index))
        return self.built[index]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return self.form(index), self.amounts[index]


class OrderBuilder:
    """The order form with its dimension and line formsets, built from a builder state.

    ``validate=False`` shows the state as typed, without errors (after an action such as "add a
    line"). ``validate=True`` binds it: untouched lines and empty dimension rows are left out, and
    ``is_valid()`` checks the rest against the contract, each error next to its field, line or row.
    ``sections`` holds the messages that belong to a part of the form (``customer``, ``lines``,
    ``dimensions``, ``general``) rather than to one field.
    """

    def __init__(self, state: Mapping[str, Any], reference: BuilderReference, *, validate: bool) -> None:
        if validate:
            state = {
                **state,
                "lines": [row for row in state["lines"] if not is_blank_line(row)],
                "dimensions": [row for row in state["dimensions"] if not is_blank_dimension(row)],
            }
        self.state = state
        self.reference = reference
        self.sections: dict[str, list[str]] = {}
        kwargs = {"form_kwargs": {"reference": reference}}
        if validate:
            data = state_to_post(state)
            self.order = OrderForm(data, reference=reference)
            self.dimensions = DimensionFormSet(data, prefix="dimensions", **kwargs)
            self.lines = LineFormSet(data, prefix="lines", **kwargs)
        else:
            self.order = OrderForm(initial=state, reference=reference)
            self.dimensions = DimensionFormSet(initial=state["dimensions"], prefix="dimensions", **kwargs)
            self.lines = LineFormSet(initial=state["lines"], prefix="lines", **kwargs)
        self.figures = figures(state["lines"], reference.tax_codes)

    @functools.cached_property
    def rows(self) -> Sequence[tuple[LineForm, money.LineAmounts | None]]:
        """Each line's form with its amounts, for the template (see ``LineRows``)."""
        return LineRows(self.lines, self.figures.lines)

    def add_section_error(self, section: str, message: str) -> None:
        messages = self.sections.setdefault(section, [])
        if message not in messages:
            messages.append(message)

    def is_valid(self) -> bool:
        results = [self.order.is_valid(), self.dimensions.is_valid(), self.lines.is_valid()]
        if self.order.cleaned_data.get("status") == "Invoice" and not self.lines.forms:
            self.add_section_error("lines", "An order sent as Invoiced needs at least one line: add a line, "
                                            "or choose another status.")
        for name, section in FIELD_SECTIONS.items():
            for message in self.order.errors.get(name, ()):
                self.add_section_error(section, message)
        return all(results) and not self.sections

    @property
    def has_errors(self) -> bool:
        return bool(self.sections) or any(
            form.is_bound and form.errors
            for form in (self.order, *self.dimensions.forms, *self.lines.forms)
        )

    def data(self) -> dict[str, Any]:
        """The builder's data (``submissions.draft_to_data``'s shape) of a valid builder."""
        cleaned = self.order.cleaned_data
        data: dict[str, Any] = {
            name: cleaned.get(name) for name in ORDER_FIELDS if name not in SEARCH_FIELDS
        }
        data.update(
            delivery_same_as_customer=bool(cleaned.get("delivery_same_as_customer")),
            date=cleaned["date"].isoformat(),
            delivery_date=cleaned["delivery_date"].isoformat() if cleaned.get("delivery_date") else None,
            currency_rate=str(cleaned["currency_rate"]),
            dimensions=[
                {"dimension_type": form.cleaned_data["dimension_type"],
                 "dimension_value": form.cleaned_data["dimension_value"],
                 "dimension_name": form.cleaned_data["dimension_name"]}
                for form in self.dimensions.forms
            ],
            lines=[self._line_data(form.cleaned_data) for form in self.lines.forms],
        )
        return data

    def _line_data(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        if cleaned["type"] == "text":
            return {"type": "text", "description": cleaned["description"]}
        tax = next(t for t in self.reference.tax_codes if t.id == cleaned["tax_id"])
        return {
            "type": "product",
            "product_id": cleaned["product_id"],
            "product_number": cleaned.get("product_number") or "",
            "description": cleaned["description"],
            "quantity": str(cleaned["quantity"]),
            "price": str(cleaned["price"]),
            "discount_rate": str(cleaned.get("discount_rate") or Decimal(0)),
            "tax_id": tax.id,
            "tax_number": tax.number,
            "tax_rate": str(tax.rate),
        }

    def draft(self) -> OrderDraft:
        """The order a valid builder describes."""
        return draft_from_data(self.data())

    def add_erp_errors(self, errors: FormErrors) -> None:
        """Show the ERP's rejection (``submissions.FormErrors``) on the fields, lines, rows and
        sections it names. Call after ``is_valid()``."""
        for name, messages in errors.fields.items():
            for message in messages:
                if name in self.order.fields and name not in FIELD_SECTIONS:
                    self.order.add_error(name, message)
                else:
                    self.add_section_error(FIELD_SECTIONS.get(name, "general"), message)
        for index, fields in errors.lines.items():
            for name, messages in fields.items():
                name = "product_id" if name == "product_number" else name
                for message in messages:
                    if index < len(self.lines.forms) and name in self.lines.forms[index].fields:
                        self.lines.forms[index].add_error(name, message)
                    else:
                        self.add_section_error("lines", f"Line {index + 1}: {message}")
        for index, fields in errors.dimension_rows.items():
            for name, messages in fields.items():
                for message in messages:
                    if index < len(self.dimensions.forms):
                        self.dimensions.forms[index].add_error(name, message)
                    else:
                        self.add_section_error("dimensions", f"Row {index + 1}: {message}")
        for section, messages in errors.sections.items():
            for message in messages:
                self.add_section_error(section, message)


# --- what the builder's actions do to the state ----------------------------------------------------

def fill_customer(state: dict[str, Any], customer: CustomerSnapshot) -> list[str]:
    """Copy a picked customer into the order's customer fields (which stay editable). When it replaces
    another customer, what belonged to that one goes too: a delivery to the old customer's address
    becomes the new customer's address, the old customer's contact ("Your reference") is cleared and
    the payment terms go back to the ERP's default. Returns what changed besides, in words."""
    previous = str(state.get("customer_id") or "")
    previous_name = state.get("customer_name") or "the previous customer"
    for attribute, name in CUSTOMER_FIELDS:
        state[name] = _shown(getattr(customer, attribute))
    state["customer_query"] = ""
    if not previous or previous == str(customer.id):
        return []
    changed = []
    if not state.get("delivery_same_as_customer") and str(state.get("delivery_customer_id") or "") in ("", previous):
        state["delivery_same_as_customer"] = True
        state.update(dict.fromkeys(DELIVERY_FORM_FIELDS + ("delivery_customer_id",), ""))
        changed.append(f"the delivery goes to {customer.name}'s address, no longer to {previous_name}'s")
    if str(state.get("your_reference") or "").strip():
        changed.append(f"“Your reference” ({state['your_reference']}, {previous_name}'s contact) was cleared")
        state["your_reference"] = ""
    if state.get("payment_terms_type"):
        changed.append("the payment terms are the ERP's default for the customer again")
        state["payment_terms_type"] = state["payment_terms_value"] = ""
    return changed


def fill_delivery(state: dict[str, Any], customer: CustomerSnapshot) -> None:
    """Deliver to another customer: their name and address, editable."""
    state.update(
        delivery_same_as_customer=False,
        delivery_customer_id=str(customer.id),
        delivery_name=customer.name,
        delivery_street=customer.street,
        delivery_postal_code=customer.postal_code,
        delivery_postal_area=customer.postal_area,
        delivery_city=customer.city,
        delivery_country_subdivision=customer.country_subdivision,
        delivery_country_code=customer.country_code,
        delivery_query="",
    )


def fill_product(row: dict[str, str], product: Product, *, currency_rate: str, tax_id: int | None,
                 default_tax_id: int | None) -> None:
    """Make ``row`` a line for ``product``: its number, name, price and tax code.

    The product's price is in NOK (the company's currency): in another currency it is converted at
    the order's rate, as the ERP does for a line sent without a price. ``tax_id`` is the tax code of
    the account the product is posted to (``services.product_line``); when the ERP did not say (None),
    the line keeps the one it has, or gets ``default_tax_id`` (the standard rate).
    """
    row.update(type="product", product_id=str(product.id), product_number=product.number,
               product_query=product.number or product.name, description=product.name)
    if product.sales_price is not None:
        rate = OrderForm.base_fields["currency_rate"].bounded(currency_rate) or Decimal(1)
        price = product.sales_price if rate == 1 else money.round_money(product.sales_price / rate)
        row["price"] = money_input(price)
    if tax_id is not None:
        row["tax_id"] = row["auto_tax_id"] = str(tax_id)
        return
    row["auto_tax_id"] = ""
    if not row.get("tax_id") and default_tax_id is not None:
        row["tax_id"] = str(default_tax_id)


def due_date_passed(state: Mapping[str, Any]) -> bool:
    """Whether the state's payment terms are a fixed due date before its order date."""
    if state.get("payment_terms_type") != "FixedDate":
        return False
    due, day = _parse_date(str(state.get("payment_terms_value") or "")), _parse_date(str(state.get("date") or ""))
    return due is not None and day is not None and due < day


def follows_sales_type(row: Mapping[str, str]) -> bool:
    """A product line whose tax code is still the one its product brought (see ``auto_tax_id``)."""
    return (row.get("type") == "product" and parse_id(str(row.get("product_id", ""))) is not None
            and bool(row.get("auto_tax_id")) and row.get("tax_id") == row.get("auto_tax_id"))


def currency_rate_for(code: str, currencies: Sequence) -> str:
    """The rate the rate field gets when a currency is chosen: the ERP's rate of the day."""
    rates = {currency.code: currency.rate for currency in currencies}
    return plain_number(rates.get(code, Decimal(1))) if code != "NOK" else "1"


def move(rows: list, index: int, offset: int) -> int:
    """Move ``rows[index]`` by ``offset`` places (within the list); returns its new index."""
    target = min(max(index + offset, 0), len(rows) - 1)
    rows.insert(target, rows.pop(index))
    return target
