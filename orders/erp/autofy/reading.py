"""Autofy's QuickBooks JSON → the dashboard's domain (``orders.domain``). Tolerant in what it reads: a
field missing, null or of another type gives an empty value rather than an error, and money is read as
``Decimal`` from the JSON's text (never through a binary float).

The only place besides ``client`` that knows Autofy's field names (seed 002's template).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orders import domain

# QuickBooks names currencies; the company's Currency list gives their codes (``Lookups``). Names
# of the common ones, for when that list has not been read.
KNOWN_CURRENCIES = {
    "us dollar": "USD", "canadian dollar": "CAD", "euro": "EUR", "british pound sterling": "GBP",
    "australian dollar": "AUD", "mexican peso": "MXN", "japanese yen": "JPY", "swiss franc": "CHF",
}


# Item types (``Item.Type``) that change how a line counts, as the domain's line kinds.
LINE_KIND_OF_TYPE = {"Subtotal": "subtotal", "Discount": "discount", "Group": "group"}
SALES_TAX_TYPES = ("SalesTax", "SalesTaxGroup")


@dataclass(frozen=True, slots=True)
class Lookups:
    """What an order refers to and does not repeat, from the company's lists: each currency's ISO code
    and whether each sales tax code is taxable (by ID and by lower-case name); from the Item list, the
    kind of the items whose lines count differently (``LINE_KIND_OF_TYPE``) and each sales tax item's
    rate (by ID)."""

    currency_codes: Mapping[str, str] = field(default_factory=dict)
    taxable: Mapping[str, bool] = field(default_factory=dict)
    line_kinds: Mapping[str, str] = field(default_factory=dict)
    tax_rates: Mapping[str, Decimal] = field(default_factory=dict)


NO_LOOKUPS = Lookups()


def read_lookups(currencies, tax_codes, items=()) -> Lookups:
    """``Lookups`` from the Currency, SalesTaxCode and Item lists' objects."""
    line_kinds, tax_rates = {}, {}
    for item in items:
        item_id, item_type = _str(item.get("ID")), _str(item.get("Type"))
        if item_id and item_type in LINE_KIND_OF_TYPE:
            line_kinds[item_id] = LINE_KIND_OF_TYPE[item_type]
        rate = _decimal(item.get("TaxRate"))
        if item_id and item_type in SALES_TAX_TYPES and rate is not None:
            tax_rates[item_id] = rate
    codes, taxable = {}, {}
    for currency in currencies:
        code = _str(currency.get("CurrencyCode"))
        for key in (_str(currency.get("ID")), _str(currency.get("FullName")).casefold()):
            if code and key:
                codes[key] = code
    for tax_code in tax_codes:
        if isinstance(tax_code.get("IsTaxable"), bool):
            for key in (_str(tax_code.get("ID")), _str(tax_code.get("FullName")).casefold()):
                if key:
                    taxable[key] = tax_code["IsTaxable"]
    return Lookups(currency_codes=codes, taxable=taxable, line_kinds=line_kinds, tax_rates=tax_rates)


def read_summary(data: Mapping[str, Any], lookups: Lookups = NO_LOOKUPS) -> domain.OrderSummary:
    """A sales order (or what QuickBooks keeps of a deleted one) as a list row."""
    currency = _ref(data.get("Currency"))
    return domain.OrderSummary(
        id=_str(data.get("ID")),
        number=_str(data.get("Number")),
        state=order_state(data),
        date=_date(data.get("Date")),
        customer=_ref(data.get("Customer")),
        reference=_str(data.get("PONumber")),
        total=_decimal(data.get("Amount")),
        currency_code=currency_code(currency, lookups),
        created_at=_datetime(data.get("CreatedDate")),
        modified_at=_datetime(data.get("LastModifiedDate")),
        deleted_at=_datetime(data.get("DeletedDate")),
    )


def read_order(data: Mapping[str, Any], lookups: Lookups = NO_LOOKUPS) -> domain.Order:
    currency = _ref(data.get("Currency"))
    tax_item = _ref(data.get("ItemSalesTax"))
    details = domain.QuickBooksDetails(
        class_ref=_ref(data.get("Class")),
        sales_rep=_ref(data.get("SalesRep")),
        terms=_ref(data.get("Terms")),
        ship_method=_ref(data.get("ShippingMethod")),
        fob=_str(data.get("FOB")),
        template=_ref(data.get("Template")),
        customer_message=_ref(data.get("Message")),
        sales_tax_item=tax_item,
        sales_tax_rate=_decimal(data.get("SalesTaxPercentage")),
        sales_tax_item_rate=lookups.tax_rates.get(tax_item.id) if tax_item else None,
        other=_str(data.get("Other")),
        to_be_printed=data.get("ToBePrinted") is True,
        to_be_emailed=data.get("ToBeEmailed") is True,
        manually_closed=data.get("IsManuallyClosed") is True,
        fully_invoiced=data.get("IsFullyInvoiced") is True,
        edit_sequence=_str(data.get("EditSequence")),
        custom_fields=_custom_fields(data.get("CustomFields")),
        linked_transactions=tuple(
            domain.LinkedTransaction(id=_str(link.get("ID")), type=_str(link.get("Type")),
                                     number=_str(link.get("Number")), date=_date(link.get("Date")),
                                     amount=_decimal(link.get("Amount")))
            for link in _dicts(data.get("LinkedTransactions"))
        ),
    )
    return domain.Order(
        id=_str(data.get("ID")),
        number=_str(data.get("Number")),
        state=order_state(data),
        date=_date(data.get("Date")),
        due_date=_date(data.get("DueDate")),
        ship_date=_date(data.get("DateShipped")),
        customer=_ref(data.get("Customer")),
        reference=_str(data.get("PONumber")),
        billing_address=read_address(data.get("BillingAddress")),
        shipping_address=read_address(data.get("ShippingAddress")),
        currency_code=currency_code(currency, lookups),
        currency_name=currency.name if currency else "",
        exchange_rate=_decimal(data.get("ExchangeRate")),
        memo=_str(data.get("Memo")),
        lines=tuple(read_line(line, lookups) for line in _dicts(data.get("ItemLines"))),
        subtotal=_decimal(data.get("SubTotal")),
        tax_amount=_decimal(data.get("SalesTaxAmount")),
        total=_decimal(data.get("Amount")),
        total_in_home_currency=_decimal(data.get("TotalAmountInHomeCurrency")),
        created_at=_datetime(data.get("CreatedDate")),
        modified_at=_datetime(data.get("LastModifiedDate")),
        details=details,
    )


def read_line(data: Mapping[str, Any], lookups: Lookups = NO_LOOKUPS) -> domain.OrderLine:
    """A line, or a group's sub-line (``Desc`` there, ``Description`` on lines)."""
    tax_code = _ref(data.get("SalesTaxCode"))
    unit = data.get("UnitOfMeasure")
    item = _ref(data.get("Item"))
    return domain.OrderLine(
        id=_str(data.get("ID")),
        item=item,
        description=_str(data.get("Description") if "Description" in data else data.get("Desc")),
        quantity=_decimal(data.get("Quantity")),
        unit=_str(unit.get("FullName")) if isinstance(unit, dict) else "",
        rate=_decimal(data.get("Rate")),
        rate_percent=_decimal(data.get("RatePercent")),
        amount=_decimal(data.get("Amount")) or Decimal(0),
        tax_code=tax_code,
        taxable=is_taxable(tax_code, lookups),
        closed=data.get("IsManuallyClosed") is True,
        invoiced_quantity=_decimal(data.get("Invoiced")),
        class_ref=_ref(data.get("Class")),
        site=_ref(data.get("FromInventorySite")),
        serial_number=_str(data.get("SerialNumber")),
        lot_number=_str(data.get("LotNumber")),
        custom_fields=_custom_fields(data.get("CustomFields")),
        sub_lines=tuple(read_line(sub, lookups) for sub in _dicts(data.get("SubLines"))),
        kind=lookups.line_kinds.get(item.id, "") if item else "",
    )


def read_address(data: Any) -> domain.PostalAddress | None:
    if not isinstance(data, dict):
        return None
    address = domain.PostalAddress(
        lines=tuple(_str(data.get(f"Line{n}")) for n in range(1, 6) if _str(data.get(f"Line{n}"))),
        city=_str(data.get("City")),
        region=_str(data.get("State")),
        postal_code=_str(data.get("PostalCode")),
        country=_str(data.get("Country")),
        note=_str(data.get("Notes")),
    )
    return None if address.is_empty else address


def read_customer(data: Mapping[str, Any]) -> domain.CustomerRecord:
    """A customer's (or a job's) current record."""
    return domain.CustomerRecord(
        id=_str(data.get("ID")),
        name=_str(data.get("FullName")) or _str(data.get("Name")),
        company_name=_str(data.get("CompanyName")),
        contact=_str(data.get("Contact")),
        phone=_str(data.get("Phone")),
        email=_str(data.get("Email")),
        billing_address=read_address(data.get("BillingAddress")),
        shipping_address=read_address(data.get("ShippingAddress")),
        active=data.get("IsActive") is not False,
        modified_at=_datetime(data.get("LastModifiedDate")),
    )


def order_state(data: Mapping[str, Any]) -> str:
    """Where the order stands (AUTOFY.md §2.3): closed by hand wins, then fully invoiced, then partly
    invoiced (invoices linked, or lines invoiced in part), else open."""
    if data.get("IsManuallyClosed") is True:
        return "closed"
    if data.get("IsFullyInvoiced") is True:
        return "invoiced"
    if _dicts(data.get("LinkedTransactions")) or any(
        (_decimal(line.get("Invoiced")) or 0) > 0 for line in _all_lines(data)
    ):
        return "partly_invoiced"
    return "open"


def is_taxable(tax_code: domain.Ref | None, lookups: Lookups = NO_LOOKUPS) -> bool:
    """Whether a line with this sales tax code is taxed: as the SalesTaxCode list says, else by
    QuickBooks' default codes (only ``Tax`` is taxable; ``Non`` and custom codes are taken as not)."""
    if tax_code is None:
        return False
    known = lookups.taxable.get(tax_code.id, lookups.taxable.get(tax_code.name.casefold()))
    return known if known is not None else tax_code.name.casefold() == "tax"


def currency_code(currency: domain.Ref | None, lookups: Lookups = NO_LOOKUPS) -> str:
    if currency is None:
        return ""
    codes = lookups.currency_codes
    return (codes.get(currency.id) or codes.get(currency.name.casefold())
            or KNOWN_CURRENCIES.get(currency.name.casefold()) or currency.name[:8])


def read_ids(objects) -> list[str]:
    return [_str(obj.get("ID")) for obj in objects if _str(obj.get("ID"))]


def read_id(data: Mapping[str, Any]) -> str:
    return _str(data.get("ID"))



# --- values -------------------------------------------------------------------------------------------


def _all_lines(data: Mapping[str, Any]):
    for line in _dicts(data.get("ItemLines")):
        yield line
        yield from _dicts(line.get("SubLines"))


def _dicts(value: Any) -> list[dict]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _ref(value: Any) -> domain.Ref | None:
    if not isinstance(value, dict):
        return None
    ref = domain.Ref(id=_str(value.get("ID")), name=_str(value.get("FullName")))
    return ref if ref.id or ref.name else None


def _custom_fields(value: Any) -> tuple[domain.CustomField, ...]:
    return tuple(domain.CustomField(name=_str(entry.get("FullName")), value=_str(entry.get("Value")))
                 for entry in _dicts(value) if _str(entry.get("FullName")))


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))  # str() of a JSON float is its shortest form: the decimal written
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _datetime(value: Any) -> dt.datetime | None:
    """An ISO 8601 time; one without an offset is taken as UTC (Autofy writes UTC with a ``Z``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date | None:
    """A calendar date: QuickBooks' dates come as midnight UTC of the date (or as a bare date)."""
    if not isinstance(value, str) or len(value.strip()) < 10:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


# Tolerant readers of single values, for other modules that read Autofy objects (the reference cache).
read_text, read_ref, read_decimal, read_datetime = _str, _ref, _decimal, _datetime
