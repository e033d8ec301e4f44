"""The order builder's forms: the order, its dimensions and its lines, with the contract's field names
(see ``orders.submissions``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.forms import BaseFormSet, formset_factory

from orders.domain import (
    DISTRIBUTION_METHODS,
    INVOICING_STATUSES,
    NEW_ORDER_STATUSES,
    STATUS_LABELS,
)
from orders.erp.tso.payloads import (  # noqa: F401 (the builder view shows both)
    INTERNAL_MEMO_MAX_LENGTH,
    USER_INTERNAL_MEMO_MAX_LENGTH,
)
from orders.forms.fields import (
    AMOUNT_LIMIT,
    DATE_BOUNDS,
    DAYS_TERMS,
    EARLIEST_DATE,
    EMAILS_MAX_LENGTH,
    LATEST_DATE,
    LINE_TYPE_CHOICES,
    MAX_DIMENSIONS,
    MAX_LINES,
    MEMO_MAX_LENGTH,
    PAYMENT_TERMS_TYPES,
    PRODUCT_NUMBER_MAX_LENGTH,
    YOUR_REFERENCE_MAX_LENGTH,
    CountryCodeField,
    DateInput,
    EmailListField,
    IdField,
    MemoField,
    NumberField,
    TextField,
    tax_label,
)
from orders.parsing import parse_whole
from orders.services import BuilderReference


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

    def __init__(self, *args, reference: BuilderReference, may_invoice: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference
        if not may_invoice:
            # As on an existing order (``actions.tso.ADMIN_ONLY``): only admins make invoices.
            self.fields["status"].choices = [(s, label) for s, label in self.fields["status"].choices
                                             if s not in INVOICING_STATUSES]
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
        # The order date goes with each recalculation, which answers whether it is far from today.
        self.fields["date"].widget = DateInput(attrs={"class": "input", "data-recalc": ""})
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
            due = parse_date(raw)
            if due is None or not EARLIEST_DATE <= due <= LATEST_DATE:
                self.add_error("payment_terms_value", "Enter the due date, e.g. 2026-12-31.")
            elif cleaned.get("date") and due < cleaned["date"]:
                self.add_error("payment_terms_value", f"The due date {due:%d.%m.%Y} is before the order date: "
                                                      "choose a later one, or other payment terms.")
            else:
                cleaned["payment_terms_value"] = due.isoformat()


def parse_date(text: str) -> dt.date | None:
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
        self.fields["dimension_type"].choices = [("", "Choose…")] + [
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
                           # Short: it stands in the narrow quantity column.
                           messages={"invalid": "Enter a number, e.g. 2 or 1,5.", "zero": "The quantity cannot be 0.",
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
