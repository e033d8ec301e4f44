"""The QuickBooks builder's forms: the order's header, a line and a group's sub-line, with QuickBooks' limits
(``orders.qbd_draft``: AUTOFY.md §2.7) and the data contract's field names.

Numbers are read as people type them (``fields.parse_number``); a US company's staff write ``1,234`` for a
thousand and more, so a number whose only marks are commas grouping three digits is read that way here
(``12,5`` is still twelve and a half). Each number is held to QuickBooks' digits: amounts 13 digits before
the point and 2 after, rates, percentages and quantities 10 and 5, the exchange rate 10 and 6.

A reference (terms, sales rep, class, tax code…) is chosen from the company's list. One that is no longer
in it (a duplicated order's former sales rep) is still offered, marked, so that nothing the form holds is
lost without a word, and is refused next to its field when the order is checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from orders.domain import Ref
from orders.forms.fields import DATE_BOUNDS, DateInput, MemoField, NumberField, TextField, parse_number
from orders.qbd_draft import (
    ADDRESS_FIELDS,
    ADDRESS_LINES,
    AMOUNT_DIGITS,
    EXCHANGE_RATE_DIGITS,
    MAX_LENGTH,
    RATE_DIGITS,
)

# What a custom field's value may hold when the company's setting names no limit: QuickBooks' common
# text type for data extensions (STR255TYPE).
CUSTOM_FIELD_MAX_LENGTH = 255
COMMA_GROUPS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+")


def parse_us_number(text: str) -> Decimal:
    """``parse_number``, with ``1,234`` (commas grouping threes, no decimal point) read as 1234."""
    cleaned = text.strip()
    if COMMA_GROUPS.fullmatch(cleaned):
        return Decimal(cleaned.replace(",", ""))
    return parse_number(cleaned)


def read_number(text: str, digits: tuple[int, int]) -> Decimal | None:
    """``text`` as a number within ``digits`` (whole digits, decimals); None when it is not one (for what
    is worked out from a value as typed, before the form checks it)."""
    try:
        number = parse_us_number(text)
    except (ValueError, InvalidOperation):
        return None
    return number if fits(number, digits) else None


def fits(number: Decimal, digits: tuple[int, int]) -> bool:
    whole, places = digits
    if not number.is_finite():
        return False
    exponent = number.normalize().as_tuple().exponent
    return -exponent <= places and abs(number) < Decimal(10) ** whole


class QbNumberField(NumberField):
    """A decimal held to QuickBooks' digits (``digits``: before and after the point), ``1,234`` a thousand."""

    parse = staticmethod(parse_us_number)

    def __init__(self, *, digits: tuple[int, int], positive: bool = False, what: str = "number", **kwargs):
        super().__init__(places=digits[1], messages={"invalid": "Enter a number, e.g. 1,234.50."}, **kwargs)
        self.digits, self.positive, self.what = digits, positive, what

    def validate(self, value):
        forms.Field.validate(self, value)
        if value is None:
            return
        whole, places = self.digits
        if -value.normalize().as_tuple().exponent > places:
            article = "an" if self.what[0] in "aeio" else "a"
            raise ValidationError(f"QuickBooks keeps at most {places} decimals of {article} {self.what}.", code="places")
        if abs(value) >= Decimal(10) ** whole:
            raise ValidationError(f"Too large for QuickBooks: at most {whole} digits before the point.", code="digits")
        if self.positive and value <= 0:
            raise ValidationError(f"The {self.what} must be more than 0.", code="positive")


class RefChoiceField(forms.ChoiceField):
    """One record of a company list, by its ID. ``kept`` is a record the form already holds that the list no
    longer has: offered, marked, and refused on checking."""

    def __init__(self, *, what: str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.what = what
        self.refs: dict[str, Ref] = {}

    def offer(self, refs: Sequence[Ref], *, chosen: str = "", chosen_name: str = "", empty: str = "—") -> None:
        self.refs = {ref.id: ref for ref in refs}
        options = [("", empty)] + [(ref.id, ref.name or ref.id) for ref in refs]
        if chosen and chosen not in self.refs:
            options.append((chosen, f"{chosen_name or chosen} (no longer in QuickBooks)"))
        self.choices = options

    def validate(self, value):
        if value and value not in self.refs:
            raise ValidationError(f"This {self.what} is not in QuickBooks' list (any more): choose another.",
                                  code="invalid_choice")
        super(forms.ChoiceField, self).validate(value)

    def ref(self, value: str) -> Ref | None:
        return self.refs.get(value) if value else None


def _date_field(label: str, *, required: bool = False, help_text: str = "", recalc: bool = False) -> forms.DateField:
    """``recalc``: the field goes with each recalculation (the order date: it answers whether it is far from today)."""
    attrs = {"class": "input", **({"data-recalc": ""} if recalc else {})}
    return forms.DateField(label=label, required=required, help_text=help_text, input_formats=["%Y-%m-%d", "%m/%d/%Y"],
                           validators=DATE_BOUNDS, widget=DateInput(attrs=attrs),
                           error_messages={"required": "The order needs a date.",
                                           "invalid": "Enter a date, e.g. 2026-11-16."})


# The header's references in the builder's order: (data name, label, what one is called).
HEADER_REF_FIELDS = (
    ("terms", "Terms", "term"),
    ("sales_rep", "Sales rep", "sales rep"),
    ("class", "Class", "class"),
    ("ship_method", "Ship via", "ship method"),
    ("template", "Template", "template"),
    ("message", "Customer message", "message"),
    ("item_sales_tax", "Sales tax", "sales tax item"),
)
ADDRESS_LABELS = {"city": "City", "state": "State", "postal_code": "ZIP / postal code", "country": "Country",
                  "note": "Note"}
ADDRESS_LIMITS = {"city": "city", "state": "state", "postal_code": "postal_code", "country": "country",
                  "note": "note"}


def address_names(prefix: str) -> list[str]:
    return [f"{prefix}line{n}" for n in range(1, ADDRESS_LINES + 1)] + [f"{prefix}{part}" for part in ADDRESS_FIELDS]


@dataclass(frozen=True, slots=True)
class QbReference:
    """What the builder offers and works out with, from the company's lists (``services.qbd_builder``)."""

    lists: Mapping[str, Sequence[Ref]] = field(default_factory=dict)  # HEADER_REF_FIELDS names, "tax_code", "site"
    lookups: object = None  # orders.erp.autofy.reading.Lookups
    home_currency: str = "USD"
    custom_fields: tuple[tuple[str, int], ...] = ()  # (name, longest value) the company uses on orders

    def refs(self, name: str) -> Sequence[Ref]:
        return self.lists.get(name, ())


class QbOrderForm(forms.Form):
    """The order's header: the customer (or job) and its addresses as the order's own copy, dates, number,
    references, memo, currency and custom fields."""

    customer_id = forms.CharField(required=True, widget=forms.HiddenInput,
                                  error_messages={"required": "Choose a customer or job: search by name."})
    customer_name = TextField(widget=forms.HiddenInput)
    customer_query = TextField(label="Find a customer or job")
    date = _date_field("Date", required=True, recalc=True)
    due_date = _date_field("Due date", help_text="Left empty, QuickBooks works it out from the terms.")
    ship_date = _date_field("Ship date")
    number = TextField(label="Order number", max_length=MAX_LENGTH["number"],
                       help_text="Optional: left blank, QuickBooks leaves the order without a number.")
    po_number = TextField(label="PO number", max_length=MAX_LENGTH["po_number"])
    fob = TextField(label="FOB", max_length=MAX_LENGTH["fob"])
    memo = MemoField(label="Memo", max_length=MAX_LENGTH["memo"], help_text="For your company; not printed.")
    currency_id = TextField(widget=forms.HiddenInput)
    currency_name = TextField(widget=forms.HiddenInput)
    exchange_rate = QbNumberField(label="Exchange rate", digits=EXCHANGE_RATE_DIGITS, positive=True,
                                  what="exchange rate")

    def __init__(self, *args, reference: QbReference, custom_fields: Sequence[Mapping[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference
        values = self.data if self.is_bound else self.initial
        for name, label, what in HEADER_REF_FIELDS:
            ref_field = RefChoiceField(label=label, what=what)
            ref_field.offer(reference.refs(name), chosen=str(values.get(f"{name}_id") or ""),
                            chosen_name=str(values.get(f"{name}_name") or ""))
            self.fields[f"{name}_id"] = ref_field
        for prefix in ("bill_", "ship_"):
            for n in range(1, ADDRESS_LINES + 1):
                self.fields[f"{prefix}line{n}"] = TextField(label=f"Line {n}", max_length=MAX_LENGTH["address_line"])
            for part in ADDRESS_FIELDS:
                self.fields[f"{prefix}{part}"] = TextField(label=ADDRESS_LABELS[part], max_length=MAX_LENGTH[part])
        limits = dict(reference.custom_fields)
        self.custom_names = []
        for index, custom in enumerate(custom_fields):
            name = str(custom.get("name") or "")
            key = f"custom_fields-{index}-value"
            self.fields[key] = TextField(label=name, max_length=limits.get(name, CUSTOM_FIELD_MAX_LENGTH))
            self.custom_names.append((name, key))
        for name, form_field in self.fields.items():
            if isinstance(form_field.widget, forms.HiddenInput):
                continue
            form_field.widget.attrs.setdefault("class", "input")
            form_field.widget.attrs.setdefault("autocomplete", "off")
        self.fields["memo"].widget.attrs["rows"] = 3
        # The totals follow the sales tax item and the exchange rate as they change (the builder's
        # recalculation posts the fields marked so).
        for name in ("item_sales_tax_id", "exchange_rate"):
            self.fields[name].widget.attrs["data-recalc"] = True

    def ref_field(self, name: str) -> RefChoiceField:
        return self.fields[f"{name}_id"]


DISCOUNT_PERCENT_MESSAGE = "A discount is between 0 and 100 %."


def discount_percent_error(kind: str, percent: Decimal | None) -> str | None:
    """Why a discount line's percentage cannot be sent: above 100 % it takes off more than the line above
    is worth and the order goes below zero (QuickBooks would take it, and an order cannot be deleted
    through Autofy). The sign does not matter: a discount always takes off."""
    if kind == "discount" and percent is not None and abs(percent) > 100:
        return DISCOUNT_PERCENT_MESSAGE
    return None


class QbLineForm(forms.Form):
    """One line (or, with ``sub_line``, a group's sub-line: QuickBooks' ``SubLines`` have an item,
    quantity, rate, description and tax code). What a line may hold depends on its item's kind: a discount
    has no quantity, a subtotal nothing to price, a group is priced by its sub-lines."""

    item_id = forms.CharField(required=False, widget=forms.HiddenInput)
    item_name = TextField(widget=forms.HiddenInput, max_length=MAX_LENGTH["full_name"])
    kind = TextField(widget=forms.HiddenInput)
    description = TextField(label="Description", max_length=MAX_LENGTH["description"])
    quantity = QbNumberField(label="Quantity", digits=RATE_DIGITS, what="quantity")
    unit_of_measure = TextField(widget=forms.HiddenInput, max_length=MAX_LENGTH["unit_of_measure"])
    rate = QbNumberField(label="Rate", digits=RATE_DIGITS, what="rate")
    rate_percent = QbNumberField(label="Rate %", digits=RATE_DIGITS, what="percentage")
    amount = QbNumberField(label="Amount", digits=AMOUNT_DIGITS, what="amount")
    tax_code_id = RefChoiceField(what="sales tax code")
    class_id = RefChoiceField(what="class")
    site_id = RefChoiceField(what="site")

    def __init__(self, *args, reference: QbReference, sub_line: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sub_line = sub_line
        names = ("tax_code",) if sub_line else ("tax_code", "class", "site")
        for name in names:
            self.fields[f"{name}_id"].offer(reference.refs(name), chosen=str(self.data.get(f"{name}_id") or ""))
        if sub_line:
            for name in ("rate_percent", "class_id", "site_id"):
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") or ""
        if not cleaned.get("item_id"):
            self.add_error("item_id", "Choose an item: search by name.")
            return cleaned
        if kind == "discount" and cleaned.get("quantity") is not None:
            self.add_error("quantity", "A discount line has no quantity in QuickBooks: give its rate or "
                                       "percentage only.")
        if kind in ("group", "subtotal"):
            return cleaned
        if cleaned.get("rate") is not None and cleaned.get("rate_percent") is not None:
            self.add_error("rate_percent", "Give a rate or a percentage, not both.")
        elif (problem := discount_percent_error(kind, cleaned.get("rate_percent"))) is not None:
            self.add_error("rate_percent", problem)
        elif not self.errors and all(cleaned.get(name) is None for name in ("rate", "rate_percent", "amount")):
            self.add_error("rate", "Enter a rate, a percentage or an amount.")
        return cleaned
