"""The order lists' filter forms (24SevenOffice and QuickBooks): they validate the query string and build
the filters of a list. Always bound to ``request.GET`` (filter state lives in the URL); an invalid field
is left out of the filters and its error shown next to it, so the table still shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.core.validators import RegexValidator

from orders.domain import (
    ORDER_STATE_LABELS,
    STATUS_LABELS,
)
from orders.erp.tso.payloads import (  # noqa: F401 (the builder view shows both)
    INTERNAL_MEMO_MAX_LENGTH,
    USER_INTERNAL_MEMO_MAX_LENGTH,
)
from orders.forms.fields import DATE_BOUNDS, TEXT_MESSAGES, DateInput, IdField, IdInput
from orders.parsing import parse_id
from orders.renderers import SharedChoicesSelect
from orders.services import PAGE_SIZES, STATUS_FILTERS, OrderFilters
from orders.services import index as order_index

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
            customer.widget = SharedChoicesSelect(customer_choices, before=[("", "All customers")])
            chosen = parse_id(str(self.data.get("customer", "")).strip()) if self.is_bound else None
            if chosen is not None and not customer.widget.offers(str(chosen)):
                # A bookmarked id that is not in the list (any more): keep it visible, not "All".
                customer.widget.after = ((str(chosen), f"Customer #{chosen}"),)
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
