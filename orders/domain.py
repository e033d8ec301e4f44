"""The sales order as the dashboard understands it: frozen dataclasses with ``Decimal`` money.

These are upstream-neutral. Each connector (``orders/erp/…``) turns its own JSON into these
types, tolerant in what it reads; the dashboard never handles raw upstream JSON except to show it to
admins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders import money

STATUSES = ("Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive")
STATUS_LABELS = {
    "Draft": "Draft",
    "Web": "Web",
    "Proposal": "Proposal",
    "Confirmed": "Confirmed",
    "Invoice": "Invoiced",
    "AdvanceInvoice": "Advance invoice",
    "Inactive": "Inactive",
}

DISTRIBUTION_METHODS = {
    "": "Automatic",
    "manualdistribution": "Manual (no distribution)",
    "efakturadistribution": "eFaktura",
    "ehfdistribution": "EHF",
    "postaldistribution": "Autopost",
    "printdistribution": "Cloudprint",
    "emaildistribution": "E-mail",
}


@dataclass(frozen=True, slots=True)
class CustomerSnapshot:
    """The customer as written on the order (``customer`` on a sales order): a copy taken when the
    order was made. ``street`` is normalised to one string, lines separated by newlines."""

    id: int | None
    name: str = ""
    organization_number: str = ""
    invoice_email_addresses: tuple[str, ...] = ()
    gln: str = ""
    street: str = ""
    postal_code: str = ""
    postal_area: str = ""
    city: str = ""
    country_subdivision: str = ""
    country_code: str = ""

    # (attribute, label) in display order; the detail page compares snapshot and current record by these.
    FIELDS = (
        ("name", "Name"),
        ("organization_number", "Organization number"),
        ("invoice_email_addresses", "Invoice e-mail"),
        ("gln", "GLN"),
        ("street", "Street"),
        ("postal_code", "Postal code"),
        ("postal_area", "Postal area"),
        ("city", "City"),
        ("country_subdivision", "County / state"),
        ("country_code", "Country"),
    )


@dataclass(frozen=True, slots=True)
class DeliveryCustomer:
    id: int | None
    name: str = ""
    street: str = ""
    postal_code: str = ""
    postal_area: str = ""
    city: str = ""
    country_subdivision: str = ""
    country_code: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((self.id, self.name, self.street, self.postal_code, self.city))

    def is_address_of(self, customer: CustomerSnapshot) -> bool:
        """Whether this delivery goes to the customer's own address (the same street and postal code,
        and the customer's name or none)."""
        return (
            self.street.strip().casefold() == customer.street.strip().casefold()
            and self.postal_code.strip() == customer.postal_code.strip()
            and (not self.name or self.name.strip().casefold() == customer.name.strip().casefold())
        )


@dataclass(frozen=True, slots=True)
class Customer:
    """The customer's current record (``/customers/{id}``)."""

    id: int
    name: str
    is_company: bool = True
    organization_number: str = ""
    contact_email: str = ""
    billing_email: str = ""
    phone: str = ""
    street: str = ""
    postal_code: str = ""
    postal_area: str = ""
    city: str = ""
    country_subdivision: str = ""
    country_code: str = ""
    gln: str = ""
    modified_at: dt.datetime | None = None
    # A search result found by a name the customer had before (as older orders show it), else "".
    former_name: str = ""

    def as_snapshot(self) -> CustomerSnapshot:
        """What a new order's snapshot would say today, for comparison with an order's snapshot."""
        return CustomerSnapshot(
            id=self.id,
            name=self.name,
            organization_number=self.organization_number,
            invoice_email_addresses=(self.billing_email,) if self.billing_email else (),
            gln=self.gln,
            street=self.street,
            postal_code=self.postal_code,
            postal_area=self.postal_area,
            city=self.city,
            country_subdivision=self.country_subdivision,
            country_code=self.country_code,
        )


MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(value: dt.date) -> str:
    """A day as the dashboard writes it everywhere: "15 Aug 2023"."""
    return f"{value.day} {MONTHS[value.month]} {value.year}"


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    type: str  # NumberOfDays | OutMonthPlusDays | FixedDate
    value: Any  # int days, or a date for FixedDate

    def __str__(self) -> str:
        if self.type == "NumberOfDays":
            return f"{self.value} days net"
        if self.type == "OutMonthPlusDays":
            return f"End of month + {self.value} days"
        if self.type == "FixedDate":
            return f"Due on {day_text(self.value) if isinstance(self.value, dt.date) else self.value}"
        return f"{self.type} {self.value}"


@dataclass(frozen=True, slots=True)
class Invoice:
    number: int | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    remittance_reference: str = ""
    transaction_id: str = ""
    payment_terms: PaymentTerms | None = None
    distribution_method: str | None = None

    @property
    def distribution_label(self) -> str:
        if self.distribution_method is None:
            return ""
        return DISTRIBUTION_METHODS.get(self.distribution_method, self.distribution_method)

    def is_overdue(self, today: dt.date) -> bool:
        return self.number is not None and self.due_date is not None and self.due_date < today

    @property
    def is_empty(self) -> bool:
        return self.number is None and not any(
            (self.date, self.due_date, self.remittance_reference, self.transaction_id, self.payment_terms)
        ) and not self.distribution_method


@dataclass(frozen=True, slots=True)
class Dimension:
    dimension_type: int
    value: str
    name: str


@dataclass(frozen=True, slots=True)
class Line:
    id: int | None
    type: str  # "product" | "text"
    description: str = ""
    quantity: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    discount_rate: Decimal = Decimal(0)
    tax_id: int | None = None
    tax_number: int | None = None
    tax_rate: Decimal = Decimal(0)
    product_id: int | None = None
    product_number: str = ""
    cost_price: Decimal | None = None
    account_number: int | None = None
    account_name: str = ""
    dimensions: tuple[Dimension, ...] = ()

    @property
    def amounts(self) -> money.LineAmounts:
        return money.line_amounts(self.quantity, self.price, self.discount_rate, self.tax_rate)


@dataclass(frozen=True, slots=True)
class SalesOrder:
    id: int
    status: str
    customer: CustomerSnapshot
    date: dt.date | None = None
    delivery_date: dt.date | None = None
    delivery_customer: DeliveryCustomer | None = None
    invoice: Invoice = field(default_factory=Invoice)
    currency_code: str = "NOK"
    currency_rate: Decimal = Decimal(1)
    sales_type_id: int | None = None
    your_reference_id: int | None = None
    your_reference: str = ""
    our_reference_id: int | None = None
    payment_method_id: int | None = None
    reference_number: str = ""
    memo: str = ""
    internal_memo: str = ""
    dimensions: tuple[Dimension, ...] = ()
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    net_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    gross_amount: Decimal | None = None
    # Lines carried in the order body (legacy ``_embedded.lines``), or None when the order has none.
    embedded_lines: tuple[Line, ...] | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """A 24SevenOffice order as the order list shows it: what its row needs, read from the list's answer
    without the rest (addresses, memos, references, dimensions), which the order page reads in full
    (``SalesOrder``). A third of the reading's cost for a page of 25."""

    id: int
    status: str
    customer_id: int | None
    customer_name: str
    date: dt.date | None = None
    currency_code: str = "NOK"
    net_amount: Decimal | None = None
    tax_amount: Decimal | None = None
    gross_amount: Decimal | None = None
    invoice_number: int | None = None
    modified_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class TaxCode:
    id: int
    number: int | None
    name: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class SalesType:
    id: int
    name: str
    account_id: int | None = None  # the account its lines are posted to (unless a product overrides it)


@dataclass(frozen=True, slots=True)
class Account:
    """An account of the chart of accounts; ``tax_id`` is the tax code of lines posted to it."""

    id: int
    number: int | None
    name: str
    tax_id: int | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    first_name: str
    last_name: str
    person_type: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class DimensionType:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class DimensionElement:
    dimension_type: int
    value: str
    name: str


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    name: str
    number: str = ""
    description: str = ""
    sales_price: Decimal | None = None
    cost_price: Decimal | None = None
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a cursor-paged listing. ``next``/``previous``/``first`` are opaque cursors: the
    upstream's own links, passed back unchanged to fetch that page."""

    items: tuple[T, ...]
    next: str | None = None
    previous: str | None = None
    first: str | None = None
    trace_id: str = ""


# --- a new order, as the user builds it ----------------------------------------------------------

# The statuses a new order may be sent with (the builder's choices).
NEW_ORDER_STATUSES = ("Draft", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice")
# Those that make an invoice at once (admins only, as for an existing order).
INVOICING_STATUSES = frozenset({"Invoice", "AdvanceInvoice"})
LINE_TYPES = ("product", "text")


@dataclass(frozen=True, slots=True)
class LineDraft:
    """One line of a new order. A ``text`` line carries only its description; quantities, prices and
    tax of a text line are ignored (and never sent)."""

    type: str = "product"  # "product" | "text"
    product_id: int | None = None
    product_number: str = ""
    description: str = ""
    quantity: Decimal = Decimal(1)
    price: Decimal = Decimal(0)
    discount_rate: Decimal = Decimal(0)  # whole percent, 0..100
    tax_id: int | None = None
    tax_number: int | None = None
    tax_rate: Decimal = Decimal(0)  # whole percent, for the totals shown while building

    @property
    def is_text(self) -> bool:
        return self.type == "text"

    @property
    def amounts(self) -> money.LineAmounts:
        if self.is_text:
            return money.LineAmounts(net=money.ZERO, tax=money.ZERO)
        return money.line_amounts(self.quantity, self.price, self.discount_rate, self.tax_rate)


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A new sales order before it reaches the ERP: what the builder collects, what a submission
    stores and sends.

    ``customer`` is the order's own copy of the customer (editable, see ``CustomerSnapshot``);
    ``delivery_customer`` None means "deliver to the customer". ``status`` is the status the order
    should end up with; how it gets there (create as Draft, add lines, then set it) is the
    submission's business.
    """

    customer: CustomerSnapshot
    date: dt.date
    status: str = "Draft"
    delivery_customer: DeliveryCustomer | None = None
    delivery_date: dt.date | None = None
    currency_code: str = "NOK"
    currency_rate: Decimal = Decimal(1)
    sales_type_id: int | None = None
    our_reference_id: int | None = None
    your_reference: str = ""
    reference_number: str = ""
    payment_terms: PaymentTerms | None = None
    distribution_method: str = ""  # "" lets the ERP choose (automatic)
    memo: str = ""
    internal_memo: str = ""
    dimensions: tuple[Dimension, ...] = ()
    lines: tuple[LineDraft, ...] = ()

    def totals(self) -> money.Totals:
        """Net, tax per rate and gross, computed exactly as the order detail page computes them."""
        return money.totals((line.tax_rate, line.amounts) for line in self.lines if not line.is_text)


# --- Orders of any ERP ---------------------------------------------------------------------------
#
# What every page needs from any ERP, with string ids (a QuickBooks id is "1A2B-1234567890"). Each
# connector reads its own JSON into these; what only one ERP has hangs off ``Order.details`` (e.g.
# ``QuickBooksDetails``). The 24SevenOffice pages still use ``SalesOrder`` above.

# What a line's item is, where it changes how the line counts: a subtotal adds up the lines above it
# (and is not counted itself), a discount is negative, a group holds sub-lines.
LINE_KINDS = ("subtotal", "discount", "group")

# Where an order stands, for ERPs whose orders are invoiced from (QuickBooks): the local index filters by these.
ORDER_STATES = ("open", "partly_invoiced", "invoiced", "closed")
ORDER_STATE_LABELS = {
    "open": "Open",
    "partly_invoiced": "Partly invoiced",
    "invoiced": "Invoiced",
    "closed": "Closed",
}


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a record in the ERP (customer, item, terms, class…): its id and its name."""

    id: str
    name: str = ""

    def __str__(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class PostalAddress:
    lines: tuple[str, ...] = ()
    city: str = ""
    region: str = ""  # state, province, county
    postal_code: str = ""
    country: str = ""
    note: str = ""

    # (attribute, label) in display order; the detail page compares an order's address with the
    # customer's current one by these.
    FIELDS = (
        ("lines", "Address"),
        ("city", "City"),
        ("region", "State"),
        ("postal_code", "Postal code"),
        ("country", "Country"),
        ("note", "Note"),
    )

    @property
    def is_empty(self) -> bool:
        return not any((self.lines, self.city, self.region, self.postal_code, self.country, self.note))


@dataclass(frozen=True, slots=True)
class CustomField:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One order as a list shows it (and the local index keeps it). ``deleted_at`` is set for an order
    the ERP reports as deleted (then most other fields are empty)."""

    id: str
    number: str = ""
    state: str = "open"  # one of ORDER_STATES
    date: dt.date | None = None
    customer: Ref | None = None
    reference: str = ""  # the customer's reference (QuickBooks' PO number)
    total: Decimal | None = None
    currency_code: str = ""
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None

    @property
    def state_label(self) -> str:
        return ORDER_STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order. ``amount`` is the ERP's; ``rate_percent`` prices a line as a percentage
    (discounts, surcharges). A group line holds its ``sub_lines``. ``kind`` is what its item is, where
    that changes how the line counts (``LINE_KINDS``), else empty."""

    id: str
    item: Ref | None = None
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    rate: Decimal | None = None
    rate_percent: Decimal | None = None
    amount: Decimal = Decimal(0)
    tax_code: Ref | None = None
    taxable: bool = False
    closed: bool = False
    invoiced_quantity: Decimal | None = None
    # QuickBooks has these on lines; other ERPs leave them empty.
    class_ref: Ref | None = None
    site: Ref | None = None
    serial_number: str = ""
    lot_number: str = ""
    custom_fields: tuple[CustomField, ...] = ()
    sub_lines: tuple[OrderLine, ...] = ()
    kind: str = ""

    @property
    def is_group(self) -> bool:
        return bool(self.sub_lines) or self.kind == "group"

    @property
    def is_subtotal(self) -> bool:
        return self.kind == "subtotal"


@dataclass(frozen=True, slots=True)
class LinkedTransaction:
    """A record made from the order (an invoice), as the ERP links it."""

    id: str
    type: str
    number: str = ""
    date: dt.date | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class QuickBooksDetails:
    """What only a QuickBooks Desktop order has."""

    class_ref: Ref | None = None
    sales_rep: Ref | None = None
    terms: Ref | None = None
    ship_method: Ref | None = None
    fob: str = ""
    template: Ref | None = None
    customer_message: Ref | None = None
    sales_tax_item: Ref | None = None
    sales_tax_rate: Decimal | None = None  # percent, as the order applied it
    sales_tax_item_rate: Decimal | None = None  # percent, the tax item's rate in the company's list today
    other: str = ""
    to_be_printed: bool = False
    to_be_emailed: bool = False
    manually_closed: bool = False
    fully_invoiced: bool = False
    edit_sequence: str = ""
    custom_fields: tuple[CustomField, ...] = ()
    linked_transactions: tuple[LinkedTransaction, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer's current record in an ERP that keeps addresses with it (QuickBooks: a job is a
    customer too, ``name`` its full "Customer:Job" name)."""

    id: str
    name: str = ""
    company_name: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
    billing_address: PostalAddress | None = None
    shipping_address: PostalAddress | None = None
    active: bool = True
    modified_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """An order of any ERP, in full: parties, addresses, lines, totals, currency, status, times.
    ``details`` is what only its ERP has (``QuickBooksDetails`` for QuickBooks)."""

    id: str
    number: str = ""
    state: str = "open"
    date: dt.date | None = None
    due_date: dt.date | None = None
    ship_date: dt.date | None = None
    customer: Ref | None = None
    reference: str = ""
    billing_address: PostalAddress | None = None
    shipping_address: PostalAddress | None = None
    currency_code: str = ""
    currency_name: str = ""
    exchange_rate: Decimal | None = None
    memo: str = ""
    lines: tuple[OrderLine, ...] = ()
    subtotal: Decimal | None = None
    tax_amount: Decimal | None = None
    total: Decimal | None = None
    total_in_home_currency: Decimal | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    details: Any = None

    @property
    def state_label(self) -> str:
        return ORDER_STATE_LABELS.get(self.state, self.state)

    def summary(self) -> OrderSummary:
        return OrderSummary(
            id=self.id, number=self.number, state=self.state, date=self.date, customer=self.customer,
            reference=self.reference, total=self.total, currency_code=self.currency_code,
            created_at=self.created_at, modified_at=self.modified_at,
        )
