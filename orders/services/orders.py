"""24SevenOffice orders as the list and the order page show them."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from orders import connections, money
from orders.domain import (
    STATUSES,
    Customer,
    CustomerSnapshot,
    Line,
    ListedOrder,
    Page,
    SalesOrder,
)
from orders.erp.errors import (
    InvalidCursor,
    UpstreamBusinessError,
    UpstreamError,
    UpstreamNotFound,
    UpstreamValidationError,
)
from orders.erp.http import Response
from orders.erp.tso import get_client
from orders.erp.tso import payloads as tso_payloads
from orders.erp.tso import reading as tso_reading
from orders.services.common import normalized, pool, wait
from orders.services.references import note_customer_names, references_async

logger = logging.getLogger(__name__)


PAGE_SIZES = (10, 25, 50, 100)


# The statuses the ERP's order list can be filtered by: the contract's ``status`` enum for
# ``GET /salesorders`` leaves out ``Inactive`` (the API refuses it), so inactive orders are listed
# under "All" and found by customer, date, invoice number or modification date.
STATUS_FILTERS = tuple(status for status in STATUSES if status != "Inactive")


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """The order list's filters, as the user set them (all optional)."""

    status: str = ""  # one of STATUS_FILTERS
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer_id: int | None = None
    invoice_number: str = ""
    modified_since: dt.date | None = None
    page_size: int = 25


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """One row of the snapshot-versus-current table on the detail page."""

    label: str
    snapshot: str
    current: str
    # False when the current record does not carry this field (e.g. GLN): shown, never flagged.
    comparable: bool = True

    @property
    def changed(self) -> bool:
        return self.comparable and normalized(self.snapshot) != normalized(self.current)



@dataclass(frozen=True, slots=True)
class DimensionRow:
    type_name: str
    value: str
    name: str


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """What one upstream call cost and how to find it in the ERP's logs (shown to admins)."""

    label: str
    method: str
    path: str
    status: int | None
    trace_id: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: SalesOrder
    lines: tuple[Line, ...]
    lines_source: str  # "embedded" (from the order body) or "lines" (from /salesorders/{id}/lines)
    totals: money.Totals
    # The ERP's own totals disagree with the lines beyond rounding.
    totals_mismatch: bool
    current_customer: Customer | None
    # Why the current record could not be shown (the page still shows the order).
    customer_error: UpstreamError | None
    customer_comparison: tuple[FieldComparison, ...]
    sales_type_name: str
    our_reference_name: str
    payment_method_name: str
    dimensions: tuple[DimensionRow, ...]
    raw_order: dict[str, Any]
    raw_lines: list[Any] | None
    calls: tuple[UpstreamCall, ...] = field(default=())

    @property
    def internal_memo(self) -> str:
        """The internal memo as people wrote it: the dashboard's own marker (``[sa:…]``, how it knows
        the orders it sent) is not shown; admins see it in the raw data."""
        return tso_payloads.without_marker(self.order.internal_memo).strip()

    @property
    def customer_changed(self) -> bool:
        return any(row.changed for row in self.customer_comparison)

    @property
    def reported_totals(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        return (self.order.net_amount, self.order.tax_amount, self.order.gross_amount)


class _CustomerHints:
    """Which customer each recently seen order belongs to, so the detail page can fetch the current
    customer alongside the order instead of after it. Kept in this process's memory (bounded, LRU):
    it is only a hint, so a miss costs one extra round trip and a wrong hint is corrected."""

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._hints: OrderedDict[tuple[str, int], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, order_id: int) -> int | None:
        with self._lock:
            return self._hints.get((connections.cache_scope(), order_id))

    def remember(self, pairs) -> None:
        scope = connections.cache_scope()
        with self._lock:
            for order_id, customer_id in pairs:
                if customer_id is None:
                    continue
                self._hints[(scope, order_id)] = customer_id
                self._hints.move_to_end((scope, order_id))
            while len(self._hints) > self._size:
                self._hints.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._hints.clear()


customer_hints = _CustomerHints()


def _call(label: str, response: Response) -> UpstreamCall:
    return UpstreamCall(
        label=label, method=response.method, path=response.path, status=response.status,
        trace_id=response.trace_id, elapsed_ms=response.elapsed_ms,
    )


def _start_of_day(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)).isoformat()


def order_list(*, filters: OrderFilters, cursor: str | None = None) -> Page[ListedOrder]:
    """One page of orders matching ``filters``; ``cursor`` is a ``Page.next``/``previous``/``first``
    value from an earlier page (the upstream's own link, followed as given; ``InvalidCursor`` when it
    is not one, asks for a page size not offered, or the ERP refuses it)."""
    client = get_client()
    params = {
        "limit": filters.page_size,
        "status": filters.status,
        "dateFrom": filters.date_from.isoformat() if filters.date_from else None,
        "dateTo": filters.date_to.isoformat() if filters.date_to else None,
        "customerId": filters.customer_id,
        "invoiceNumber": filters.invoice_number,
        "modifiedFrom": _start_of_day(filters.modified_since) if filters.modified_since else None,
    }
    try:
        response = client.list_orders(params, cursor=cursor, page_sizes=PAGE_SIZES)
    except (UpstreamValidationError, UpstreamBusinessError, UpstreamNotFound) as error:
        if not cursor or isinstance(error, InvalidCursor):
            raise
        # The link carries the whole request (filters, size, position): a 400 or 404 is the link's fault.
        raise InvalidCursor(str(error), status=error.status, tracking_id=error.tracking_id, trace_id=error.trace_id,
                            upstream=error.upstream, method=error.method, path=error.path) from error
    orders = tso_reading.listed_orders(response.data)
    customer_hints.remember((order.id, order.customer_id) for order in orders)
    note_customer_names((order.customer_id, order.customer_name) for order in orders)
    return Page(
        items=orders,
        next=client.cursor_for(response.links.get("next")),
        previous=client.cursor_for(response.links.get("previous") or response.links.get("prev")),
        first=client.cursor_for(response.links.get("first")),
        trace_id=response.trace_id,
    )


def start_order_list(*, filters: OrderFilters, cursor: str | None = None) -> Future:
    """``order_list`` on the upstream pool: the caller goes on with its own work meanwhile."""
    return pool.submit(lambda: order_list(filters=filters, cursor=cursor))


def snapshot_comparison(snapshot: CustomerSnapshot, current: Customer | None) -> tuple[FieldComparison, ...]:
    """Each snapshot field next to the current record's value (blank when there is no record)."""
    today = current.as_snapshot() if current else None
    rows = []
    for attribute, label in CustomerSnapshot.FIELDS:
        then = _display(getattr(snapshot, attribute))
        if today is None:
            rows.append(FieldComparison(label=label, snapshot=then, current="", comparable=False))
            continue
        now = _display(getattr(today, attribute))
        # The current record does not carry a GLN: never claim it changed.
        comparable = attribute != "gln" or bool(now)
        rows.append(FieldComparison(label=label, snapshot=then, current=now, comparable=comparable))
    return tuple(rows)


def _display(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(value)
    return value or ""


def _name_of(items, wanted: int | None, attribute: str = "name") -> str:
    if wanted is None:
        return ""
    for item in items:
        if item.id == wanted:
            return getattr(item, attribute)
    return ""


def order_detail(*, order_id: int) -> OrderDetail:
    """The order, its lines and its customer's current record, fetched concurrently.

    Raises ``UpstreamNotFound`` for an unknown id. A failure to read the current customer does not
    fail the page: it is reported in ``customer_error``.
    """
    return start_order_detail(order_id=order_id)()


def start_order_detail(*, order_id: int) -> Callable[[], OrderDetail]:
    """``order_detail`` in two steps: its ERP calls start now, and the function returned waits for them
    and reads them. The caller does its own work (the database's) in between, while the ERP answers."""
    client = get_client()
    hint = customer_hints.get(order_id)
    order_future = pool.submit(client.get_order, order_id)
    lines_future = pool.submit(client.list_lines, order_id)
    customer_future = pool.submit(client.get_customer, hint) if hint else None
    references = references_async(("sales_types", "people", "dimension_types", "payment_methods"))
    return functools.partial(_finish_order_detail, client, order_id, hint, order_future, lines_future,
                             customer_future, references)


def _finish_order_detail(client, order_id: int, hint: int | None, order_future: Future, lines_future: Future,
                         customer_future: Future | None, references: dict[str, Future]) -> OrderDetail:
    order_response = wait(order_future)
    order = tso_reading.order(order_response.data)
    calls = [_call("Order", order_response)]

    raw_lines = None
    if order.embedded_lines is not None:
        lines, lines_source = order.embedded_lines, "embedded"
        lines_future.cancel()
    else:
        lines_response = wait(lines_future)
        raw_lines = lines_response.data
        lines, lines_source = tso_reading.lines(raw_lines), "lines"
        calls.append(_call("Lines", lines_response))

    customer_id = order.customer.id
    customer_hints.remember([(order_id, customer_id)])
    note_customer_names([(customer_id, order.customer.name)])
    if customer_future is None or hint != customer_id:
        # No hint, or the order's customer changed since: one more round trip, only this once.
        customer_future = pool.submit(client.get_customer, customer_id) if customer_id is not None else None
    current_customer, customer_error = None, None
    if customer_future is not None:
        try:
            customer_response = wait(customer_future)
            current_customer = tso_reading.customer(customer_response.data)
            calls.append(_call("Current customer", customer_response))
        except UpstreamError as error:
            customer_error = error

    names = {}
    for name, future in references.items():
        try:
            names[name] = wait(future)
        except UpstreamError:
            names[name] = ()  # names are a nicety: show ids rather than fail the page
    dimension_types = {d.id: d.name for d in names["dimension_types"]}

    totals = money.totals((line.tax_rate, line.amounts) for line in lines)
    return OrderDetail(
        order=order,
        lines=lines,
        lines_source=lines_source,
        totals=totals,
        totals_mismatch=totals_disagree(order, totals, len(lines)),
        current_customer=current_customer,
        customer_error=customer_error,
        customer_comparison=snapshot_comparison(order.customer, current_customer),
        sales_type_name=_name_of(names["sales_types"], order.sales_type_id),
        our_reference_name=_name_of(names["people"], order.our_reference_id),
        payment_method_name=_name_of(names["payment_methods"], order.payment_method_id),
        dimensions=tuple(
            DimensionRow(type_name=dimension_types.get(d.dimension_type, f"Dimension {d.dimension_type}"),
                         value=d.value, name=d.name)
            for d in order.dimensions
        ),
        raw_order=order_response.data,
        raw_lines=raw_lines,
        calls=tuple(calls),
    )


def totals_disagree(order: SalesOrder, computed: money.Totals, line_count: int) -> bool:
    """True when the ERP's reported totals differ from the lines' by more than rounding."""
    allowed = money.tolerance(line_count)
    pairs = ((order.net_amount, computed.net), (order.tax_amount, computed.tax),
             (order.gross_amount, computed.gross))
    return any(reported is not None and abs(reported - ours) > allowed for reported, ours in pairs)
