"""Sales orders and their lines: ``/v1/salesorders``, ``/{id}``, ``/{id}/lines``, ``/{id}/lines/{lineId}``.

Shapes: a list item is the contract's ``SalesOrder`` (no ``dimensions``), one order is
``SalesOrderExtended``; with ``Accept: application/hal+json`` one order also carries
``_embedded.lines`` (the legacy variant seen in older versions). Lines are ``Line``.

Listing: a bare JSON array, newest first (``date`` desc, then ``id`` desc), ``limit`` (default 25, at
most 1000) and an opaque ``continuationToken`` (a keyset position, stable while orders are added).
The ``Link`` header has absolute URLs for ``first``, ``previous`` (unless on the first page) and
``next`` (while more remain), keeping the filters. Filters, exactly the contract's (``list_orders``):
``status`` (the contract's query enum: not ``Inactive``, although orders can have that status),
``date``, ``dateFrom``, ``dateTo``, ``customerId``, ``invoiceNumber``, ``createdFrom``/``createdTo``/
``modifiedFrom``/``modifiedTo`` (RFC 3339 date-times with an offset; a plain date is not one). An
undeclared parameter or an invalid value answers 400 ``ValidationError`` with a path like
``query.status``.

Writes (each in one transaction):

* ``POST /salesorders`` validates against ``SalesOrderRequestPost`` and answers **200** with the new
  order, which has no lines and zero totals. ``status`` defaults to ``Draft``, ``date`` to today,
  ``currency`` to NOK at rate 1 (a known currency without a rate gets the currency table's rate).
  The customer snapshot is stored as given (``street`` may be a string or an array).
* ``PATCH /salesorders/{id}`` validates against ``SalesOrderRequestPatch`` and applies what is sent;
  ``customer`` and ``deliveryCustomer`` are merged into the stored ones, ``accrual: {}`` and
  ``paymentMethod: {"id": null}`` remove those. Setting ``status`` to ``Invoice`` invoices the order:
  the next invoice number, today's date, the due date from the payment terms (NumberOfDays 14 when
  none are set), a KID (``remittanceReference``) and a transaction id.
* Read-only fields are ignored when sent: ``createdAt``, ``modifiedAt`` and ``invoice.number``,
  ``date``, ``dueDate``, ``remittanceReference`` and ``transaction`` (assigned by invoicing).
* Lines: ``POST`` validates against ``LineWithoutId`` (unknown properties are rejected), ``PATCH``
  against ``Line``. Every line change recomputes the order's totals (see ``sandbox.accounting``).
  A product line needs ``product.id``; its ``product.number`` is filled in from the product, and
  when creating it ``description``, ``price`` and ``costPrice`` (converted to the order's currency
  at its rate) default to the product's. A text line needs a ``description``. A line's ``account``
  defaults to its posting account: the product's override for the order's sales type
  (``/products/{id}/salestypeOverrides``), else the sales type's account (an order without a sales
  type counts as the first one ``/salestypes`` lists). ``tax`` defaults to that account's tax code;
  a line sent with another tax code is posted to the sales account for that code. ``tax`` is looked
  up by ``id``, else ``number``, else ``rate``: its number and rate always come from the tax table.
  ``isHidden`` (deprecated) is accepted and ignored.
  Quantities and prices are kept to four decimals.

References that must exist (else ``ValidationError`` with keyword ``enum`` at that path):
``customer.id`` and ``salesType.id`` on orders; ``product.id`` and ``tax.id``/``tax.number``/
``tax.rate`` on lines.

Business rules (400 ``BadRequestError``, ``payload.errors[]`` of ``{type, message, arguments}``):

* ``NoLines``: an order without lines cannot get status ``Invoice`` (at creation it never has lines).
* ``ProjectMissing``: an order whose sales type requires a project (seeded: 3 "Prosjektsalg") cannot
  become ``Confirmed`` or ``Invoice`` without a dimension of type 1.
* ``DepartmentMissing``: likewise for a department (type 2; seeded: 4 "Serviceavtale").

Conflicts (409 ``ConflictError``): an invoiced order (status ``Invoice``) cannot be deleted, only its
``memo`` and ``internalMemo`` can be changed, and its lines cannot be added, changed or deleted.
"""

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox import accounting, schemas
from sandbox.api.http import (
    INTEGER_PATTERN,
    BusinessRuleFailed,
    Conflict,
    NotFound,
    Param,
    Query,
    accepts,
    ValidationFailed,
    encode_token,
    json_response,
    link_header,
    no_content,
    validated_body,
)
from sandbox.models import (
    Account,
    Currency,
    Customer,
    Product,
    ProductSalesTypeOverride,
    SalesOrder,
    SalesOrderLine,
    SalesType,
    Tax,
)
from sandbox.seed import FIRST_INVOICE_NUMBER

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 25, 1000
DEFAULT_PAYMENT_TERMS = {"type": "NumberOfDays", "value": 14}
MEMO_FIELDS = {"memo", "internalMemo"}
STORED_PRECISION = Decimal("0.0001")  # quantities and prices keep four decimals
HAL = "application/hal+json"
REQUIRED_DIMENSION_ERRORS = {
    1: ("ProjectMissing", "A project is required for sales type {name}", "project"),
    2: ("DepartmentMissing", "A department is required for sales type {name}", "department"),
}


def _decimal(value) -> Decimal:
    return Decimal(value).quantize(STORED_PRECISION, rounding=ROUND_HALF_UP)


def _get_order(order_id: int) -> SalesOrder:
    order = SalesOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"Sales order {order_id} not found")
    return order


def _get_line(order: SalesOrder, line_id: int) -> SalesOrderLine:
    line = order.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"Line {line_id} of sales order {order.id} not found")
    return line


def _order_response(request: HttpRequest, order: SalesOrder) -> HttpResponse:
    data = order.to_api()
    if HAL in request.headers.get("Accept", ""):
        data["_embedded"] = {"lines": [line.to_api() for line in order.lines.all()]}
    return json_response(data)


# --- Listing ---------------------------------------------------------------------------------------


def _number_filter(field: str, text: str) -> Q:
    """``field`` equals the whole number ``text``; matches nothing when ``text`` is not an int32."""
    number = int(text) if INTEGER_PATTERN.fullmatch(text) else None
    return Q(**{field: number}) if number is not None and -(2**31) <= number < 2**31 else Q(pk__in=[])


def _after(day: date, pk: int) -> Q:
    """Orders that come after (day, pk) in newest-first order."""
    return Q(date__lt=day) | Q(date=day, id__lt=pk)


def _before(day: date, pk: int) -> Q:
    """Orders that come before (day, pk) in newest-first order."""
    return Q(date__gt=day) | Q(date=day, id__gt=pk)


# The contract's query enum for ``status``: orders can be ``Inactive``, but the list cannot be filtered
# by it (the real API answers 400, and so does the sandbox).
QUERY_STATUSES = ("Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice")
DATE_TIME_FILTERS = (("createdFrom", "created_at__gte"), ("createdTo", "created_at__lte"),
                     ("modifiedFrom", "modified_at__gte"), ("modifiedTo", "modified_at__lte"))


@accepts(
    # The contract: ``number`` (int32) without bounds; the sandbox's bounds.
    limit=Param("integer", minimum=1, maximum=MAX_PAGE_SIZE),
    continuationToken=Param(),
    date=Param(format="date"),
    dateFrom=Param(format="date"),
    dateTo=Param(format="date"),
    status=Param(enum=QUERY_STATUSES),
    # The contract types both as strings. A customer id is a whole number (else ``type``); an invoice
    # number that is not one matches no order.
    customerId=Param(),
    invoiceNumber=Param(),
    createdFrom=Param(format="date-time"),
    createdTo=Param(format="date-time"),
    modifiedFrom=Param(format="date-time"),
    modifiedTo=Param(format="date-time"),
)
def list_orders(request: HttpRequest, query: Query) -> HttpResponse:
    limit = query.get("limit", DEFAULT_PAGE_SIZE)
    token = query.token()
    filters = Q()
    if (status := query.get("status")) is not None:
        filters &= Q(status=status)
    if (day := query.get("date")) is not None:
        filters &= Q(date=day)
    if (day := query.get("dateFrom")) is not None:
        filters &= Q(date__gte=day)
    if (day := query.get("dateTo")) is not None:
        filters &= Q(date__lte=day)
    if (customer_id := query.get("customerId")) is not None:
        if not INTEGER_PATTERN.fullmatch(customer_id):
            query.fail("customerId", "type")
        filters &= _number_filter("customer_id", customer_id)
    if (invoice_number := query.get("invoiceNumber")) is not None:
        filters &= _number_filter("invoice_number", invoice_number)
    for name, lookup in DATE_TIME_FILTERS:
        if (moment := query.get(name)) is not None:
            filters &= Q(**{lookup: moment})
    direction = position = None
    if token is not None:
        try:
            direction, position = token["dir"], (date.fromisoformat(token["d"]), int(token["i"]))
        except (KeyError, TypeError, ValueError):
            direction = None
        if direction not in ("next", "previous"):
            query.fail("continuationToken", "format")
    query.check()

    orders = SalesOrder.objects.filter(filters)
    if direction is None:
        page = list(orders.order_by("-date", "-id")[:limit])
    elif direction == "next":
        page = list(orders.filter(_after(*position)).order_by("-date", "-id")[:limit])
    else:
        page = list(orders.filter(_before(*position)).order_by("date", "id")[:limit])[::-1]

    links: dict[str, dict | None] = {"first": {"continuationToken": None}, "previous": None, "next": None}
    if page:
        first, last = page[0], page[-1]
        if orders.filter(_before(first.date, first.id)).exists():
            token = encode_token({"dir": "previous", "d": first.date.isoformat(), "i": first.id})
            links["previous"] = {"continuationToken": token}
        if orders.filter(_after(last.date, last.id)).exists():
            links["next"] = {"continuationToken": encode_token({"dir": "next", "d": last.date.isoformat(), "i": last.id})}
    return json_response(
        [order.to_api(with_dimensions=False) for order in page],
        headers={"Link": link_header(request, links)},
    )


# --- One order -------------------------------------------------------------------------------------


def get_order(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_response(request, _get_order(order_id))


def _check_references(body: dict) -> None:
    errors = []
    customer_id = body.get("customer", {}).get("id")
    if customer_id is not None and not Customer.objects.filter(pk=customer_id).exists():
        errors.append({"path": "customer.id", "keyword": "enum"})
    sales_type_id = body.get("salesType", {}).get("id")
    if sales_type_id is not None and not SalesType.objects.filter(pk=sales_type_id).exists():
        errors.append({"path": "salesType.id", "keyword": "enum"})
    if errors:
        raise ValidationFailed(errors)


def _apply(order: SalesOrder, body: dict) -> None:
    """Apply the writable fields of a POST or PATCH body (already validated) to ``order``."""
    if "customer" in body:
        order.customer = {**(order.customer or {}), **body["customer"]}
        order.customer_id = order.customer["id"]
    if "currency" in body:
        code = body["currency"].get("code", order.currency_code)
        rate = body["currency"].get("rate")
        if rate is None and code != order.currency_code:
            known = Currency.objects.filter(pk=code).first()
            rate = known.rate if known else 1
        order.currency_code, order.currency_rate = code, Decimal(rate if rate is not None else order.currency_rate)
    if "deliveryCustomer" in body:
        order.delivery_customer = {**(order.delivery_customer or {}), **body["deliveryCustomer"]}
    invoice = body.get("invoice", {})
    if "distributionMethod" in invoice:
        order.distribution_method = invoice["distributionMethod"]
    if "paymentTerms" in invoice:
        order.payment_terms = invoice["paymentTerms"]
    if "accrual" in body:
        order.accrual = body["accrual"] or None
    if "paymentMethod" in body:
        order.payment_method_id = body["paymentMethod"]["id"]
    if "ourReference" in body:
        order.our_reference_id = body["ourReference"].get("id")
    if "salesType" in body:
        order.sales_type_id = body["salesType"].get("id")
    for key, attribute in (("status", "status"), ("internalMemo", "internal_memo"), ("memo", "memo"),
                           ("yourReference", "your_reference"), ("referenceNumber", "reference_number"),
                           ("dimensions", "dimensions")):
        if key in body:
            setattr(order, attribute, body[key])
    for key, attribute in (("date", "date"), ("deliveryDate", "delivery_date")):
        if key in body:
            setattr(order, attribute, date.fromisoformat(body[key]))


def _business_errors(order: SalesOrder, has_lines: bool) -> list[dict]:
    errors = []
    if order.status == "Invoice" and not has_lines:
        errors.append({"type": "NoLines", "message": "No lines in the sales order", "arguments": ["lineItems"]})
    if order.status in ("Confirmed", "Invoice") and order.sales_type_id is not None:
        sales_type = SalesType.objects.filter(pk=order.sales_type_id).first()
        required = sales_type.required_dimension if sales_type else None
        if required and not any(d.get("dimensionType") == required for d in order.dimensions or []):
            kind, message, argument = REQUIRED_DIMENSION_ERRORS[required]
            errors.append({"type": kind, "message": message.format(name=sales_type.name), "arguments": [argument]})
    return errors


def _invoice(order: SalesOrder) -> None:
    """Give the order its invoice: number, date, due date, KID and transaction id."""
    last = SalesOrder.objects.aggregate(last=Max("invoice_number"))["last"] or FIRST_INVOICE_NUMBER - 1
    today = timezone.localdate()
    order.invoice_number = last + 1
    order.invoice_date = today
    order.payment_terms = order.payment_terms or dict(DEFAULT_PAYMENT_TERMS)
    order.invoice_due_date = accounting.due_date(today, order.payment_terms)
    order.remittance_reference = accounting.kid(order.customer_id, order.invoice_number)
    order.transaction_id = str(uuid.uuid4())
    if order.distribution_method is None:
        order.distribution_method = ""


def create_order(request: HttpRequest) -> HttpResponse:
    body = validated_body(request, schemas.SALES_ORDER_POST)
    _check_references(body)
    now = timezone.now().replace(microsecond=0)
    order = SalesOrder(status="Draft", date=timezone.localdate(), customer={}, created_at=now, modified_at=now)
    _apply(order, body)
    errors = _business_errors(order, has_lines=False)
    if errors:
        raise BusinessRuleFailed(errors)
    order.save()
    return _order_response(request, order)


def update_order(request: HttpRequest, order_id: int) -> HttpResponse:
    body = validated_body(request, schemas.SALES_ORDER_PATCH)
    with transaction.atomic():
        order = _get_order(order_id)
        if order.is_invoiced and set(body) - MEMO_FIELDS:
            raise Conflict(f"Sales order {order_id} is invoiced: only memo and internalMemo can be changed")
        _check_references(body)
        was_invoiced = order.is_invoiced
        _apply(order, body)
        if order.status in ("Confirmed", "Invoice") and {"status", "salesType", "dimensions"} & set(body):
            errors = _business_errors(order, has_lines=order.lines.exists())
            if errors:
                raise BusinessRuleFailed(errors)
        if order.is_invoiced and not was_invoiced:
            _invoice(order)
        order.modified_at = timezone.now().replace(microsecond=0)
        order.save()
    return _order_response(request, order)


def delete_order(request: HttpRequest, order_id: int) -> HttpResponse:
    with transaction.atomic():
        order = _get_order(order_id)
        if order.is_invoiced:
            raise Conflict(f"Sales order {order_id} is invoiced and cannot be deleted")
        order.delete()
    return no_content()


# --- Lines -----------------------------------------------------------------------------------------


def _recompute_totals(order: SalesOrder) -> None:
    totals = accounting.order_totals(
        (line.quantity, line.price, line.discount_rate, line.tax_rate) for line in order.lines.all()
    )
    order.net_amount, order.tax_amount, order.gross_amount = totals.net, totals.tax, totals.gross
    order.modified_at = timezone.now().replace(microsecond=0)
    order.save(update_fields=["net_amount", "tax_amount", "gross_amount", "modified_at"])


def _find_tax(given: dict) -> tuple[Tax | None, str]:
    """The tax for a line's ``tax`` object and the path to blame when it is unknown."""
    for key, lookup in (("id", "pk"), ("number", "number"), ("rate", "rate")):
        if given.get(key) is not None:
            return Tax.objects.filter(**{lookup: given[key]}).order_by("pk").first(), f"tax.{key}"
    return None, "tax"


def _in_order_currency(nok: Decimal | None, order: SalesOrder) -> Decimal | None:
    if nok is None or order.currency_rate == 1:
        return nok
    return accounting.money(nok / order.currency_rate)


def _posting_account(order: SalesOrder, product: Product | None) -> Account | None:
    """The account a line of ``order`` for ``product`` (None: a text line) is posted to by default."""
    sales_type = None
    if order.sales_type_id is not None:
        sales_type = SalesType.objects.filter(pk=order.sales_type_id).first()
    sales_type = sales_type or SalesType.objects.order_by("id").first()
    if sales_type is None:
        return None
    if product is not None:
        override = ProductSalesTypeOverride.objects.filter(product=product, sales_type=sales_type).first()
        if override is not None:
            return Account.objects.filter(number=override.account_number).first()
    return Account.objects.filter(pk=sales_type.account_id).first()


def _apply_line(line: SalesOrderLine, body: dict, order: SalesOrder, creating: bool) -> None:
    """Apply a validated line body; fill in defaults when creating. Raises ValidationFailed."""
    errors: list[dict] = []
    line.type = body.get("type", line.type or ("product" if "product" in body else "text"))
    product = None
    if line.type == "product":
        product_id = body.get("product", {}).get("id", line.product_id)
        if product_id is None:
            errors.append({"path": "product.id", "keyword": "required"})
        else:
            product = Product.objects.filter(pk=product_id).first()
            if product is None:
                errors.append({"path": "product.id", "keyword": "enum"})
            else:
                line.product_id, line.product_number = product.id, product.number
    else:
        line.product_id = line.product_number = None

    tax = posting = None
    if creating or body.get("tax") or "product" in body:
        posting = _posting_account(order, product)
    if body.get("tax"):
        tax, path = _find_tax(body["tax"])
        if tax is None:
            errors.append({"path": path, "keyword": "enum"})
    elif creating:
        tax = Tax.objects.filter(pk=posting.tax_id).first() if posting else None
        if tax is None:  # no sales type, or its account has no tax code: the standard rate
            tax = Tax.objects.order_by("-rate", "id").first()
    if errors:
        raise ValidationFailed(errors)
    if tax is not None:
        line.tax_id, line.tax_number, line.tax_rate = tax.id, tax.number, tax.rate

    if creating:
        line.description = body.get("description") or (product.name if product else None)
        if not line.description:
            raise ValidationFailed([{"path": "description", "keyword": "required"}])
        line.quantity = _decimal(body.get("quantity", 1))
        default_price = _in_order_currency(product.sales_price, order) if product else 0
        line.price = _decimal(body.get("price", default_price or 0))
        default_cost = _in_order_currency(product.cost_price, order) if product else None
        cost = body.get("costPrice", default_cost)
        line.cost_price = _decimal(cost) if cost is not None else None
        line.discount_rate = _decimal(body.get("discountRate", 0))
    else:
        if "description" in body:
            line.description = body["description"]
        for key, attribute in (("quantity", "quantity"), ("price", "price"), ("discountRate", "discount_rate")):
            if key in body:
                setattr(line, attribute, _decimal(body[key]))
        if "costPrice" in body:
            line.cost_price = _decimal(body["costPrice"]) if body["costPrice"] is not None else None

    if "account" in body:
        line.account = body["account"] or None
    elif creating or tax is not None:
        if posting is not None and posting.tax_id == line.tax_id:
            line.account = posting.as_line_account()
        else:
            line.account = accounting.sales_account(line.tax_id)
    if "dimensions" in body:
        line.dimensions = body["dimensions"] or None
    if "accrual" in body:
        line.accrual = body["accrual"] or None


def _writable_order(order_id: int) -> SalesOrder:
    order = _get_order(order_id)
    if order.is_invoiced:
        raise Conflict(f"Sales order {order_id} is invoiced: its lines cannot be changed")
    return order


def list_lines(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _get_order(order_id)
    return json_response([line.to_api() for line in order.lines.all()])


def create_line(request: HttpRequest, order_id: int) -> HttpResponse:
    body = validated_body(request, schemas.LINE_POST)
    with transaction.atomic():
        order = _writable_order(order_id)
        line = SalesOrderLine(order=order)
        _apply_line(line, body, order, creating=True)
        line.save()
        _recompute_totals(order)
    return json_response(line.to_api())


def get_line(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    return json_response(_get_line(_get_order(order_id), line_id).to_api())


def update_line(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    body = validated_body(request, schemas.LINE_PATCH)
    with transaction.atomic():
        order = _writable_order(order_id)
        line = _get_line(order, line_id)
        _apply_line(line, body, order, creating=False)
        line.save()
        _recompute_totals(order)
    return json_response(line.to_api())


def delete_line(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    with transaction.atomic():
        order = _writable_order(order_id)
        _get_line(order, line_id).delete()
        _recompute_totals(order)
    return no_content()
