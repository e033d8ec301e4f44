"""24SevenOffice JSON → domain objects: tolerant in what it reads.

Unknown fields are ignored, optional parts may be missing or null, ``street`` may be a string or a
list of strings, numbers may come as numbers or strings. What cannot be read at all (an order that is
not an object, or has no id) raises ``UpstreamUnavailable``: the upstream answered nonsense.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from orders.domain import (
    Account,
    Currency,
    Customer,
    CustomerSnapshot,
    DeliveryCustomer,
    Dimension,
    DimensionElement,
    DimensionType,
    Invoice,
    Line,
    ListedOrder,
    PaymentMethod,
    PaymentTerms,
    Person,
    Product,
    SalesOrder,
    SalesType,
    TaxCode,
)
from orders.erp.errors import UpstreamUnavailable
from orders.money import to_decimal

logger = logging.getLogger("orders.erp.tso.client")


def nonsense(what: str) -> UpstreamUnavailable:
    return UpstreamUnavailable(f"The ERP sent {what} the dashboard cannot read.", upstream="24SevenOffice")


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    """Any scalar or list of strings as one string; lists (seen for ``street``) become lines."""
    if type(value) is str:  # the usual case first: this runs for every field of every order
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(str(part).strip() for part in value if part not in (None, ""))
    return str(value).strip()


def integer(value: Any) -> int | None:
    if type(value) is int:
        return value
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return int(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None


def date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def decimal(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    result = to_decimal(value)
    return default if result is None else result


def customer_snapshot(raw: Any) -> CustomerSnapshot:
    data = _obj(raw)
    return CustomerSnapshot(
        id=integer(data.get("id")),
        name=text(data.get("name")),
        organization_number=text(data.get("organizationNumber")),
        invoice_email_addresses=tuple(text(e) for e in _list(data.get("invoiceEmailAddresses")) if text(e)),
        gln=text(data.get("gln")),
        street=text(data.get("street")),
        postal_code=text(data.get("postalCode")),
        postal_area=text(data.get("postalArea")),
        city=text(data.get("city")),
        country_subdivision=text(data.get("countrySubdivision")),
        country_code=text(data.get("countryCode")),
    )


def delivery_customer(raw: Any) -> DeliveryCustomer | None:
    if not isinstance(raw, dict):
        return None
    return DeliveryCustomer(
        id=integer(raw.get("id")),
        name=text(raw.get("name")),
        street=text(raw.get("street")),
        postal_code=text(raw.get("postalCode")),
        postal_area=text(raw.get("postalArea")),
        city=text(raw.get("city")),
        country_subdivision=text(raw.get("countrySubdivision")),
        country_code=text(raw.get("countryCode")),
    )


def payment_terms(raw: Any) -> PaymentTerms | None:
    data = _obj(raw)
    kind = text(data.get("type"))
    if not kind:
        return None
    value = data.get("value")
    if kind == "FixedDate":
        value = date(value) or text(value)
    else:
        value = integer(value)
    return PaymentTerms(type=kind, value=value)


def invoice(raw: Any) -> Invoice:
    data = _obj(raw)
    distribution = data.get("distributionMethod")
    return Invoice(
        number=integer(data.get("number")),
        date=date(data.get("date")),
        due_date=date(data.get("dueDate")),
        remittance_reference=text(data.get("remittanceReference")),
        transaction_id=text(_obj(data.get("transaction")).get("id")),
        payment_terms=payment_terms(data.get("paymentTerms")),
        distribution_method=None if distribution is None else text(distribution),
    )


def dimensions(raw: Any) -> tuple[Dimension, ...]:
    result = []
    for item in _list(raw):
        data = _obj(item)
        kind = integer(data.get("dimensionType"))
        if kind is None:
            continue
        result.append(Dimension(dimension_type=kind, value=text(data.get("value")), name=text(data.get("name"))))
    return tuple(result)


def line(raw: Any) -> Line:
    data = _obj(raw)
    product = _obj(data.get("product"))
    tax = _obj(data.get("tax"))
    account = _obj(data.get("account"))
    return Line(
        id=integer(data.get("id")),
        type=text(data.get("type")) or ("product" if product else "text"),
        description=text(data.get("description")),
        quantity=decimal(data.get("quantity")),
        price=decimal(data.get("price")),
        discount_rate=decimal(data.get("discountRate")),
        tax_id=integer(tax.get("id")),
        tax_number=integer(tax.get("number")),
        tax_rate=decimal(tax.get("rate")),
        product_id=integer(product.get("id")),
        product_number=text(product.get("number")),
        cost_price=to_decimal(data.get("costPrice")),
        account_number=integer(account.get("number")),
        account_name=text(account.get("name")),
        dimensions=dimensions(data.get("dimensions")),
    )


def lines(raw: Any) -> tuple[Line, ...]:
    if not isinstance(raw, list):
        raise nonsense("order lines")
    return tuple(line(item) for item in raw)


def _order_object(raw: Any) -> tuple[dict[str, Any], int]:
    """An order's JSON object and its id (``UpstreamUnavailable`` when it is not an order with an id)."""
    data = _obj(raw)
    order_id = integer(data.get("id"))
    if order_id is None:
        raise nonsense("an order")
    return data, order_id


def order(raw: Any) -> SalesOrder:
    data, order_id = _order_object(raw)
    currency = _obj(data.get("currency"))
    your_reference = _obj(data.get("yourReference"))
    embedded = _obj(data.get("_embedded")).get("lines")
    return SalesOrder(
        id=order_id,
        status=text(data.get("status")),
        customer=customer_snapshot(data.get("customer")),
        date=date(data.get("date")),
        delivery_date=date(data.get("deliveryDate")),
        delivery_customer=delivery_customer(data.get("deliveryCustomer")),
        invoice=invoice(data.get("invoice")),
        currency_code=text(currency.get("code")) or "NOK",
        currency_rate=decimal(currency.get("rate"), Decimal(1)),
        sales_type_id=integer(_obj(data.get("salesType")).get("id")),
        your_reference_id=integer(your_reference.get("id")),
        your_reference=text(your_reference.get("name")),
        our_reference_id=integer(_obj(data.get("ourReference")).get("id")),
        payment_method_id=integer(_obj(data.get("paymentMethod")).get("id")),
        reference_number=text(data.get("referenceNumber")),
        memo=text(data.get("memo")),
        internal_memo=text(data.get("internalMemo")),
        dimensions=dimensions(data.get("dimensions")),
        created_at=datetime(data.get("createdAt")),
        modified_at=datetime(data.get("modifiedAt")),
        net_amount=to_decimal(data.get("netAmount")),
        tax_amount=to_decimal(data.get("taxAmount")),
        gross_amount=to_decimal(data.get("grossAmount")),
        embedded_lines=tuple(line(item) for item in embedded) if isinstance(embedded, list) else None,
    )


def orders(raw: Any) -> tuple[SalesOrder, ...]:
    if not isinstance(raw, list):
        raise nonsense("an order list")
    return tuple(order(item) for item in raw)


def listed_order(raw: Any) -> ListedOrder:
    """What the order list shows of an order, read as ``order`` reads it."""
    data, order_id = _order_object(raw)
    customer = _obj(data.get("customer"))
    return ListedOrder(
        id=order_id,
        status=text(data.get("status")),
        customer_id=integer(customer.get("id")),
        customer_name=text(customer.get("name")),
        date=date(data.get("date")),
        currency_code=text(_obj(data.get("currency")).get("code")) or "NOK",
        net_amount=to_decimal(data.get("netAmount")),
        tax_amount=to_decimal(data.get("taxAmount")),
        gross_amount=to_decimal(data.get("grossAmount")),
        invoice_number=integer(_obj(data.get("invoice")).get("number")),
        modified_at=datetime(data.get("modifiedAt")),
    )


def listed_orders(raw: Any) -> tuple[ListedOrder, ...]:
    if not isinstance(raw, list):
        raise nonsense("an order list")
    return tuple(listed_order(item) for item in raw)


def _address(data: dict[str, Any]) -> dict[str, Any]:
    """The address a new order's snapshot would use: billing, else postal, else visiting."""
    addresses = _obj(data.get("address"))
    for kind in ("billing", "postal", "visit"):
        candidate = _obj(addresses.get(kind))
        if any(candidate.get(key) for key in ("street", "postalCode", "postalArea")):
            return candidate
    return {}


def customer(raw: Any) -> Customer:
    data = _obj(raw)
    customer_id = integer(data.get("id"))
    if customer_id is None:
        raise nonsense("a customer")
    person = _obj(data.get("person"))
    name = text(data.get("name")) or " ".join(
        part for part in (text(person.get("firstName")), text(person.get("lastName"))) if part
    )
    address = _address(data)
    email = _obj(data.get("email"))
    return Customer(
        id=customer_id,
        name=name,
        is_company=data.get("isCompany") is not False,
        organization_number=text(data.get("organizationNumber")),
        contact_email=text(email.get("contact")),
        billing_email=text(email.get("billing")),
        phone=text(data.get("phone")) or text(data.get("mobilePhone")),
        street=text(address.get("street")),
        postal_code=text(address.get("postalCode")),
        postal_area=text(address.get("postalArea")),
        # The customer record has no city; postal area is the closest (and what orders copy).
        city=text(address.get("city")) or text(address.get("postalArea")),
        country_subdivision=text(address.get("countrySubdivision")),
        country_code=text(address.get("countryCode")),
        gln=text(data.get("gln")),
        modified_at=datetime(data.get("modifiedAt")),
    )


def customers(raw: Any) -> tuple[Customer, ...]:
    if not isinstance(raw, list):
        raise nonsense("a customer list")
    return tuple(customer(item) for item in raw)


def tax_codes(raw: Any) -> tuple[TaxCode, ...]:
    return tuple(
        TaxCode(id=integer(t.get("id")), number=integer(t.get("number")), name=text(t.get("name")),
                rate=decimal(t.get("rate")))
        for t in map(_obj, _list(raw)) if integer(t.get("id")) is not None
    )


def sales_types(raw: Any) -> tuple[SalesType, ...]:
    return tuple(
        SalesType(id=integer(s.get("id")), name=text(s.get("name")), account_id=integer(_obj(s.get("account")).get("id")))
        for s in map(_obj, _list(raw)) if integer(s.get("id")) is not None
    )


def accounts(raw: Any) -> tuple[Account, ...]:
    return tuple(
        Account(id=integer(a.get("id")), number=integer(a.get("number")), name=text(a.get("name")),
                tax_id=integer(a.get("taxId")))
        for a in map(_obj, _list(raw)) if integer(a.get("id")) is not None
    )


def sales_type_overrides(raw: Any) -> dict[int, int]:
    """A product's sales type overrides: sales type id -> the account number to post to instead."""
    overrides = {}
    for item in map(_obj, _list(raw)):
        sales_type, number = integer(item.get("salesTypeId")), integer(item.get("accountNumber"))
        if sales_type is not None and number is not None:
            overrides[sales_type] = number
    return overrides


def people(raw: Any) -> tuple[Person, ...]:
    return tuple(
        Person(id=integer(p.get("id")), first_name=text(p.get("firstName")), last_name=text(p.get("lastName")),
               person_type=text(p.get("personType")))
        for p in map(_obj, _list(raw)) if integer(p.get("id")) is not None
    )


def dimension_types(raw: Any) -> tuple[DimensionType, ...]:
    return tuple(
        DimensionType(id=integer(d.get("id")), name=text(d.get("name")))
        for d in map(_obj, _list(raw)) if integer(d.get("id")) is not None
    )


def dimension_elements(raw: Any) -> tuple[DimensionElement, ...]:
    return tuple(
        DimensionElement(dimension_type=integer(e.get("dimensionType")), value=text(e.get("value")),
                         name=text(e.get("name")))
        for e in map(_obj, _list(raw)) if integer(e.get("dimensionType")) is not None
    )


def products(raw: Any) -> tuple[Product, ...]:
    return tuple(product(p) for p in _list(raw) if integer(_obj(p).get("id")) is not None)


def product(raw: Any) -> Product:
    data = _obj(raw)
    return Product(
        id=integer(data.get("id")),
        name=text(data.get("name")),
        number=text(data.get("number")),
        description=text(data.get("description")),
        sales_price=to_decimal(data.get("salesPrice")),
        cost_price=to_decimal(data.get("costPrice")),
        status=text(data.get("status")) or "active",
    )


def currencies(raw: Any) -> tuple[Currency, ...]:
    return tuple(
        Currency(code=text(c.get("code")), rate=decimal(c.get("rate"), Decimal(1)))
        for c in map(_obj, _list(raw)) if text(c.get("code"))
    )


def payment_methods(raw: Any) -> tuple[PaymentMethod, ...]:
    return tuple(
        PaymentMethod(id=integer(p.get("id")), name=text(p.get("name")))
        for p in map(_obj, _list(raw)) if integer(p.get("id")) is not None
    )
