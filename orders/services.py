"""Use cases of the dashboard. Views call these and nothing else that talks to an upstream.

Each function takes keyword arguments, talks to the upstream through its client
(``orders.erp.tso.get_client()``), and returns domain objects. Failures surface as the
``orders.erp.errors.UpstreamError`` family; views decide what the user sees.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import Error as DatabaseError
from django.db import connection

from orders import connections, index, money
from orders.models import ErpConnection
from orders.domain import (
    STATUSES,
    Account,
    Currency,
    Customer,
    CustomerSnapshot,
    DimensionElement,
    DimensionType,
    Line,
    Page,
    Person,
    Product,
    SalesOrder,
    SalesType,
    TaxCode,
)
from orders.erp import deadline
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
        return self.comparable and _normal(self.snapshot) != _normal(self.current)


def _normal(value: str) -> str:
    return " ".join(value.split()).casefold()


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


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    slug: str
    name: str
    kind: str
    ok: bool
    detail: str = ""
    checked_at: dt.datetime | None = None  # when the ERP was last asked (or its agent last answered)
    required: bool = True  # its failure makes the dashboard "degraded"


@dataclass(frozen=True, slots=True)
class Health:
    database_ok: bool
    database_detail: str = ""
    connections: tuple[ConnectionHealth, ...] = ()

    @property
    def ok(self) -> bool:
        return self.database_ok and all(state.ok for state in self.connections if state.required)



class _RequestPool(ThreadPoolExecutor):
    """Runs each call in a copy of the submitter's context: a call made for a web request keeps that
    request's ERP budget (its deadline and bulkhead permit, see ``orders.erp.deadline``)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


# Upstream calls that a page needs at once run on this pool, so a page costs one round trip.
_pool = _RequestPool(max_workers=16, thread_name_prefix="upstream")


def wait(future: Future):
    """The outcome of a call started on the pool (``start_order_list``…), waited for no longer than
    the web request's deadline allows: ``UpstreamUnavailable`` when it is not there by then."""
    return deadline.wait(future)


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


def order_list(*, filters: OrderFilters, cursor: str | None = None) -> Page[SalesOrder]:
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
    orders = tso_reading.orders(response.data)
    customer_hints.remember((order.id, order.customer.id) for order in orders)
    note_customer_names((order.customer.id, order.customer.name) for order in orders)
    return Page(
        items=orders,
        next=client.cursor_for(response.links.get("next")),
        previous=client.cursor_for(response.links.get("previous") or response.links.get("prev")),
        first=client.cursor_for(response.links.get("first")),
        trace_id=response.trace_id,
    )


def start_order_list(*, filters: OrderFilters, cursor: str | None = None) -> Future:
    """``order_list`` on the upstream pool: the caller goes on with its own work meanwhile."""
    return _pool.submit(lambda: order_list(filters=filters, cursor=cursor))


# --- reference data (cached: it changes rarely and every page needs names) ---------------------

def scoped(key: str) -> str:
    """``key`` for the current connection: two companies never share cached data."""
    return f"{key}@{connections.cache_scope()}"


def _cached(key: str, load):
    """The cached value of ``key`` (scoped to the current connection), loaded when missing."""
    key = scoped(key)
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=settings.REFERENCE_CACHE_SECONDS)
    return value


REFERENCE_LOADERS = {
    "sales_types": lambda c: tso_reading.sales_types(c.list_sales_types().data),
    "people": lambda c: tso_reading.people(c.list_people().data),
    "dimension_types": lambda c: tso_reading.dimension_types(c.list_dimension_types().data),
    "payment_methods": lambda c: tso_reading.payment_methods(c.list_payment_methods().data),
    "tax_codes": lambda c: tso_reading.tax_codes(c.list_taxes().data),
    # The chart of accounts: a product line's tax code is the tax code of the account it is posted to.
    "accounts": lambda c: tso_reading.accounts(c.list_accounts().data),
    # The builder offers currencies and checks codes against them.
    "currencies": lambda c: tso_reading.currencies(c.list_currencies().data),
}


def _reference_key(name: str) -> str:
    return f"orders:reference:{name}"


def reference(name: str) -> tuple:
    """A reference list (``sales_types``, ``people``, ``dimension_types``, ``payment_methods``,
    ``tax_codes``), from the cache or the upstream."""
    client = get_client()
    return _cached(_reference_key(name), lambda: REFERENCE_LOADERS[name](client))


def _references_async(names) -> dict[str, Future]:
    """Start loading the reference lists that are not cached; returns futures for all of them."""
    found = cache.get_many([scoped(_reference_key(name)) for name in names])
    futures: dict[str, Future] = {}
    for name in names:
        key = scoped(_reference_key(name))
        if key in found:
            done: Future = Future()
            done.set_result(found[key])
            futures[name] = done
        else:
            futures[name] = _pool.submit(reference, name)
    return futures


def _every_customer(client, pages: int) -> list[Customer]:
    """Every customer (at most ``pages`` pages of 100), through the API's documented paging."""
    found: list[Customer] = []
    response = client.list_customers({"limit": 100, "sortBy": "name:asc"})
    for _ in range(pages):
        found.extend(tso_reading.customers(response.data))
        following = client.cursor_for(response.links.get("next"))
        if not following:
            break
        response = client.list_customers(cursor=following)
    return found


CUSTOMER_CHOICES_KEY = "orders:customer-choices"
# The names customers had on orders made before they were renamed, as the dashboard has seen them on
# the orders it listed or showed: {customer id: (former names…)}. Kept a month, for the list's filter.
FORMER_NAMES_KEY = "orders:customer-former-names"
FORMER_NAMES_SECONDS = 30 * 24 * 3600
FORMER_NAMES_PER_CUSTOMER = 5
FORMER_NAMES_CUSTOMERS = 20_000


def customer_choices() -> tuple[tuple[int, str], ...]:
    """(id, name) of every customer, sorted by name, for the list's customer filter (cached). A
    customer renamed since some of their orders were made is also offered under each former name the
    dashboard has seen on those orders ("Oslo Byggrengjøring AS (now OBR Renhold AS)"), so that the
    name an order shows can be found in the filter too."""

    def load():
        choices = ((c.id, c.name) for c in _every_customer(get_client(), pages=50))  # at most 5,000 in a drop-down
        return tuple(sorted(choices, key=lambda choice: choice[1].casefold()))

    current = _cached(CUSTOMER_CHOICES_KEY, load)
    former = cache.get(scoped(FORMER_NAMES_KEY)) or {}
    if not former:
        return current
    names = dict(current)
    extra = [(pk, f"{old} (now {names[pk]})") for pk, olds in former.items() if pk in names for old in olds]
    return tuple(sorted((*current, *extra), key=lambda choice: choice[1].casefold()))


def note_customer_names(pairs: Iterable[tuple[int | None, str]]) -> None:
    """Remember the names orders show for their customers where they differ from the customer's
    current name (``customer_choices`` offers them). Needs the current names cached, else skipped."""
    current = cache.get(scoped(CUSTOMER_CHOICES_KEY))
    if not current:
        return
    names = dict(current)
    found = {}
    for pk, name in pairs:
        now = names.get(pk)
        if now is not None and name and _normal(name) != _normal(now):
            found.setdefault(pk, set()).add(name.strip())
    if not found:
        return
    former = dict(cache.get(scoped(FORMER_NAMES_KEY)) or {})
    changed = False
    for pk, seen in found.items():
        known = former.get(pk, ())
        new = tuple(sorted(seen - set(known)))
        if new and (pk in former or len(former) < FORMER_NAMES_CUSTOMERS):
            former[pk] = (*known, *new)[-FORMER_NAMES_PER_CUSTOMER:]
            changed = True
    if changed:
        cache.set(scoped(FORMER_NAMES_KEY), former, timeout=FORMER_NAMES_SECONDS)


# --- the order detail --------------------------------------------------------------------------

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
    client = get_client()
    hint = customer_hints.get(order_id)
    order_future = _pool.submit(client.get_order, order_id)
    lines_future = _pool.submit(client.list_lines, order_id)
    customer_future = _pool.submit(client.get_customer, hint) if hint else None
    references = _references_async(("sales_types", "people", "dimension_types", "payment_methods"))

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
        customer_future = _pool.submit(client.get_customer, customer_id) if customer_id is not None else None
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


def health() -> Health:
    """The database's and each active ERP connection's state, for ``/healthz``. The database is asked
    every time (it is local and cheap); a 24SevenOffice connection's state is its last probe (see
    ``_upstream_probe``). Outside any connection (tests of the process's defaults), that one ERP."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok, database_detail = True, "ok"
    except DatabaseError as exc:  # any database failure means "down": reported, not raised
        database_ok, database_detail = False, type(exc).__name__
    try:
        active = list(ErpConnection.objects.filter(is_active=True)) if database_ok else []
    except DatabaseError:
        active = []
    states = []
    quickbooks = index.freshness_of([erp for erp in active if erp.kind == ErpConnection.Kind.QBD_AUTOFY])
    for erp in active:
        if erp.pk in quickbooks:
            # Not asked here: its agent answers the index's syncs (a PC that may well be off at night,
            # which does not make the dashboard unhealthy).
            fresh = quickbooks[erp.pk]
            states.append(ConnectionHealth(
                slug=erp.slug, name=erp.name, kind=erp.get_kind_display(), ok=not fresh.failing,
                detail=fresh.last_error if fresh.failing else ("ok" if fresh.agent_answered_at else "not asked yet"),
                checked_at=fresh.agent_answered_at, required=False))
            continue
        with connections.using(erp):
            probe = _upstream_probe()
        states.append(ConnectionHealth(slug=erp.slug, name=erp.name, kind=erp.get_kind_display(), ok=probe["ok"],
                                       detail=probe["detail"], checked_at=probe["probed_at"]))
    if not active:
        probe = _upstream_probe()
        states.append(ConnectionHealth(slug="", name="", kind="24SevenOffice", ok=probe["ok"],
                                       detail=probe["detail"], checked_at=probe["probed_at"]))
    return Health(database_ok=database_ok, database_detail=database_detail, connections=tuple(states))


HEALTH_PROBE_KEY = "salesadmin:health:upstream"
_probe_locks: dict[str, threading.Lock] = {}
_probe_locks_lock = threading.Lock()
_last_probes: dict[str, dict] = {}  # each connection's latest probe in this process, kept after the cache let it go


def _upstream_probe() -> dict:
    """The current connection's ERP state as last probed: ``{ok, detail, probed_at}``. A probe's
    answer, good or bad, is kept in the shared cache for ``HEALTH_PROBE_SECONDS``, so a health check
    polled by load balancers and monitors costs the ERP (and our rate limit there) one call per
    period, not one per poll. Within a process one poll probes a connection at a time; while it does
    (a slow ERP can hold it until the page deadline), the others answer at once with the latest probe
    this process has, and wait only when there is none yet."""
    probe = _cached_probe()
    if probe is not None:
        return probe
    scope = connections.cache_scope()
    with _probe_locks_lock:
        lock = _probe_locks.setdefault(scope, threading.Lock())
    if not lock.acquire(blocking=scope not in _last_probes):
        return _last_probes[scope]
    try:
        probe = _cached_probe()
        if probe is None:
            try:
                get_client().list_currencies()
                ok, detail = True, "ok"
            except UpstreamError as error:
                ok, detail = False, error.message
            probe = {"ok": ok, "detail": detail, "probed_at": dt.datetime.now(dt.UTC)}
            try:
                cache.set(scoped(HEALTH_PROBE_KEY), probe, settings.HEALTH_PROBE_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a cache that is down must not break the check
                logger.warning("Health probe not cached: %r", exc)
        _last_probes[scope] = probe
        return probe
    finally:
        lock.release()


def _cached_probe() -> dict | None:
    try:
        return cache.get(scoped(HEALTH_PROBE_KEY))
    except Exception as exc:  # noqa: BLE001 - probe the ERP instead
        logger.warning("Health probe cache unreadable: %r", exc)
        return None


# --- the order builder: look-ups while a new order is put together -------------------------------

SEARCH_LIMIT = 20
# What is searched for is at most this long: a name, a number or part of one. A longer paste is cut.
SEARCH_QUERY_MAX_LENGTH = 100


def _search_text(query: str) -> str:
    """What a search box holds, as searched for: single spaces, at most ``SEARCH_QUERY_MAX_LENGTH``."""
    return " ".join(query.split())[:SEARCH_QUERY_MAX_LENGTH].strip()

# The builder's customer search. The API has no name search: ``GET /customers`` filters by organization
# number, flags and dates only. So the search looks through every customer, read once through the
# documented paging and kept in the cache, and asks the API itself only for an organization number.
# The kept list is brought up to date before a search when it is older than ``CUSTOMER_TOP_UP_SECONDS``:
# the customers created or modified since it was read (``createdFrom``/``modifiedFrom``) replace or join
# it, so a customer created a minute ago is found. It is read again in full every
# ``CUSTOMER_LIST_SECONDS`` (dropping customers deleted since).
CUSTOMER_LIST_KEY = "orders:customer-list"
CUSTOMER_LIST_SECONDS = 3600
CUSTOMER_TOP_UP_SECONDS = 30
# The ERP's clock and ours may differ: a top-up asks for a little more than the time since the last one.
CUSTOMER_CLOCK_MARGIN = dt.timedelta(minutes=5)
CUSTOMER_LIST_PAGES = 200  # at most 20,000 customers are searched by name
CUSTOMER_TOP_UP_PAGES = 5  # more changes than 500 since the last look: the list is read again instead
# Letters that do not decompose into a base letter and an accent, for accent-insensitive matching.
FOLDED_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th"})


def folded(text: str) -> str:
    """``text`` for matching: case, accents and spacing ignored ("Ærø  Bøker" -> "aero boker")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(FOLDED_LETTERS).split())


@dataclass(frozen=True, slots=True)
class CustomerList:
    """Every customer, sorted by name, as far as the search needs them: one plain tuple per customer
    (quick to read from the cache) of what the picker shows, id, name, organization number, postal
    area, city and country code, and the name ``folded``. A picked customer is read in full
    (``customer_detail``)."""

    rows: tuple[tuple[int, str, str, str, str, str, str], ...]
    read_at: dt.datetime  # when the ERP was last asked (our clock)
    complete_at: dt.datetime  # when it was last read in full (top-ups do not see deleted customers)

    @classmethod
    def of(cls, customers: Iterable[Customer], now: dt.datetime) -> CustomerList:
        return cls(rows=_by_name(map(_row, customers)), read_at=now, complete_at=now)

    def fresh(self, now: dt.datetime) -> bool:
        return now - self.read_at < dt.timedelta(seconds=CUSTOMER_TOP_UP_SECONDS)

    def updated(self, changed: Iterable[Customer], now: dt.datetime) -> CustomerList:
        """This list with ``changed`` customers replacing or joining the ones kept."""
        rows = {row[0]: row for row in self.rows}
        rows.update((customer.id, _row(customer)) for customer in changed)
        return CustomerList(rows=_by_name(rows.values()), read_at=now, complete_at=self.complete_at)

    def matching(self, query: str) -> list[Customer]:
        """Customers whose name contains every word of ``query`` (names starting with it first), or
        whose organization number starts with it."""
        wanted = folded(query)
        words = wanted.split()
        digits = wanted.replace(" ", "")
        starting, others = [], []
        for row in self.rows:
            name = row[6]
            if name.startswith(wanted):
                starting.append(row)
            elif all(word in name for word in words) or (
                    digits.isdigit() and row[2].replace(" ", "").startswith(digits)):
                others.append(row)
        return [Customer(id=row[0], name=row[1], organization_number=row[2], postal_area=row[3], city=row[4],
                         country_code=row[5]) for row in starting + others]


def _row(c: Customer) -> tuple[int, str, str, str, str, str, str]:
    return (c.id, c.name, c.organization_number, c.postal_area, c.city, c.country_code, folded(c.name))


def _by_name(rows: Iterable[tuple]) -> tuple[tuple, ...]:
    return tuple(sorted(rows, key=lambda row: (row[1].casefold(), row[0])))


_customer_list_lock = threading.Lock()


def customer_list() -> CustomerList:
    """Every customer for the search: cached, brought up to date with the latest changes when older than
    ``CUSTOMER_TOP_UP_SECONDS``, read in full when not cached or read in full too long ago."""
    found = cache.get(scoped(CUSTOMER_LIST_KEY))
    if found is not None and found.fresh(dt.datetime.now(dt.UTC)):
        return found
    with _customer_list_lock:  # one read per process when many searches find it missing or old
        found = cache.get(scoped(CUSTOMER_LIST_KEY))
        now = dt.datetime.now(dt.UTC)
        if found is not None and found.fresh(now):
            return found
        client = get_client()
        changed = None
        if found is not None and now - found.complete_at < dt.timedelta(seconds=CUSTOMER_LIST_SECONDS):
            try:
                changed = _customers_changed_since(client, found.read_at - CUSTOMER_CLOCK_MARGIN)
            except UpstreamError as error:  # the kept list is a minute old: better than no search at all
                logger.warning("Customer list not brought up to date: %r", error)
                return found
        if changed is None:
            fresh = CustomerList.of(_every_customer(client, pages=CUSTOMER_LIST_PAGES), now)
        else:
            fresh = found.updated(changed, now)
        cache.set(scoped(CUSTOMER_LIST_KEY), fresh, timeout=CUSTOMER_LIST_SECONDS)
        return fresh


def _customers_changed_since(client, since: dt.datetime) -> list[Customer] | None:
    """The customers created or modified since ``since`` (two calls, made concurrently), or None when
    there are more than ``CUSTOMER_TOP_UP_PAGES`` pages of them."""

    def changed(name: str) -> list[Customer] | None:
        found: list[Customer] = []
        response = client.list_customers({name: since.isoformat(timespec="seconds"), "limit": 100})
        for _ in range(CUSTOMER_TOP_UP_PAGES):
            found.extend(tso_reading.customers(response.data))
            following = client.cursor_for(response.links.get("next"))
            if not following:
                return found
            response = client.list_customers(cursor=following)
        return None

    futures = [_pool.submit(changed, name) for name in ("createdFrom", "modifiedFrom")]
    results = [wait(future) for future in futures]
    return None if None in results else [customer for result in results for customer in result]


def customer_search(*, query: str) -> tuple[Customer, ...]:
    """Customers for the builder's search box: at most ``SEARCH_LIMIT``, sorted by name.

    A query of digits (spaces allowed, as in "923 456 789") is first an organization number, asked of
    the API (``organizationNumber``, exact). Otherwise, or when no customer has it, the search looks
    through ``customer_list()``: names containing every word of the query, case and accents ignored
    ("aero boker" finds "Ærø Bøker AS"; names starting with the query first), and organization numbers
    starting with its digits. Results from the kept list carry what the picker shows, not the whole record.
    """
    query = _search_text(query)
    if not query:
        return ()
    digits = query.replace(" ", "")
    if digits.isascii() and digits.isdigit():  # "²" and "①" are digits to isdigit(), not to the ERP
        response = get_client().list_customers({"organizationNumber": digits, "limit": SEARCH_LIMIT})
        found = tso_reading.customers(response.data)
        if found:
            return found[:SEARCH_LIMIT]
    return tuple(customer_list().matching(query)[:SEARCH_LIMIT])


def customer_detail(*, customer_id: int) -> CustomerSnapshot:
    """The customer's current record as a new order's snapshot (``UpstreamNotFound`` when unknown)."""
    return tso_reading.customer(get_client().get_customer(customer_id).data).as_snapshot()


def product_search(*, query: str) -> tuple[Product, ...]:
    """Active products whose number or name contains ``query`` (at most ``SEARCH_LIMIT``)."""
    # ``%`` is the API's wildcard: a user's own ``%`` would change the meaning of the search.
    query = _search_text(query.replace("%", " "))
    if not query:
        return ()
    response = get_client().list_products({"productSearch": f"%{query}%", "limit": SEARCH_LIMIT * 2})
    active = (p for p in tso_reading.products(response.data) if p.status != "inactive")
    return tuple(active)[:SEARCH_LIMIT]


def product_detail(*, product_id: int) -> Product:
    """One product (``UpstreamNotFound`` when unknown)."""
    return tso_reading.product(get_client().get_product(product_id).data)


# --- a product line's tax code ----------------------------------------------------------------------
#
# The contract's product has no tax code. The ERP posts a line to an account, and the account carries
# the tax code (``/accounts``, ``taxId``): the account is the product's override for the order's sales
# type (``/products/{id}/salestypeOverrides``), else the sales type's own account (``/salestypes``).


def product_overrides(*, product_id: int) -> dict[int, int]:
    """A product's sales type overrides, sales type id -> account number (cached like reference data)."""
    return _cached(
        f"orders:product-overrides:{int(product_id)}",
        lambda: tso_reading.sales_type_overrides(get_client().list_product_sales_type_overrides(product_id).data),
    )


def posting_tax_id(*, sales_type_id: int | None, overrides: dict[int, int], sales_types: Iterable[SalesType],
                   accounts: Iterable[Account], tax_codes: Iterable[TaxCode]) -> int | None:
    """The tax code a product line gets under ``sales_type_id``, or None when the ERP's data does not
    say (an unknown sales type or account, an account without one of the tax codes offered).

    An order without a sales type is taken as the first sales type the ERP lists, as the ERP does.
    """
    sales_types = tuple(sales_types)
    if sales_type_id is None:
        sales_type = sales_types[0] if sales_types else None
    else:
        sales_type = next((s for s in sales_types if s.id == sales_type_id), None)
    if sales_type is None:
        return None
    number = overrides.get(sales_type.id)
    if number is not None:
        account = next((a for a in accounts if a.number == number), None)
    else:
        account = next((a for a in accounts if a.id == sales_type.account_id), None)
    if account is None or account.tax_id is None:
        return None
    return account.tax_id if any(tax.id == account.tax_id for tax in tax_codes) else None


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A product picked for a line, and the tax code the line gets (None: the ERP did not say)."""

    product: Product
    tax_id: int | None


POSTING_LISTS = ("accounts", "sales_types", "tax_codes")


def product_line(*, product_id: int, sales_type_id: int | None) -> ProductLine:
    """The product (``UpstreamError`` when it cannot be read) and its line's tax code under the sales
    type. The tax code's look-ups run alongside the product's; when they fail the tax code is None."""
    overrides = _pool.submit(product_overrides, product_id=product_id)
    lists = _references_async(POSTING_LISTS)
    product = product_detail(product_id=product_id)
    try:
        tax_id = posting_tax_id(sales_type_id=sales_type_id, overrides=wait(overrides),
                                **{name: wait(future) for name, future in lists.items()})
    except UpstreamError as error:
        logger.warning("No tax code for product %s: %r", product_id, error)
        tax_id = None
    return ProductLine(product=product, tax_id=tax_id)


def posting_tax_ids(*, product_ids: Iterable[int], sales_type_id: int | None) -> dict[int, int | None]:
    """The tax code of each product's lines under the sales type (look-ups run concurrently). A product
    the ERP no longer knows gets None; any other failure raises ``UpstreamError``."""
    wanted = sorted(set(product_ids))
    lists = _references_async(POSTING_LISTS)
    overrides = {product_id: _pool.submit(product_overrides, product_id=product_id) for product_id in wanted}
    reference_lists = {name: wait(future) for name, future in lists.items()}
    found: dict[int, int | None] = {}
    for product_id, future in overrides.items():
        try:
            known = wait(future)
        except UpstreamNotFound:
            found[product_id] = None
            continue
        found[product_id] = posting_tax_id(sales_type_id=sales_type_id, overrides=known,
                                           **reference_lists)
    return found


# At most this many pages of one dimension type's elements are read (the API pages by continuation).
DIMENSION_ELEMENT_PAGES = 50


def currencies() -> tuple[Currency, ...]:
    """The currencies the ERP knows, with today's rates (cached like the other reference lists)."""
    return reference("currencies")


def dimension_elements(*, dimension_type: int) -> tuple[DimensionElement, ...]:
    """Every element (value) of a dimension type, following the API's continuation links (cached)."""

    def load():
        client = get_client()
        elements: list[DimensionElement] = []
        response = client.list_dimension_elements(dimension_type)
        for _ in range(DIMENSION_ELEMENT_PAGES):
            elements.extend(tso_reading.dimension_elements(response.data))
            following = client.cursor_for(response.links.get("next"))
            if not following:
                break
            response = client.list_dimension_elements(dimension_type, cursor=following)
        return tuple(elements)

    return _cached(f"orders:dimension-elements:{int(dimension_type)}", load)


@dataclass(frozen=True, slots=True)
class BuilderReference:
    """Everything the builder's drop-downs offer. ``dimension_elements`` holds the values of the
    dimension types asked for (a type the ERP does not know has none)."""

    tax_codes: tuple[TaxCode, ...]
    sales_types: tuple[SalesType, ...]
    people: tuple[Person, ...]
    dimension_types: tuple[DimensionType, ...]
    currencies: tuple[Currency, ...]
    dimension_elements: dict[int, tuple[DimensionElement, ...]] = field(default_factory=dict)


def builder_reference(*, dimension_types: Iterable[int] = ()) -> BuilderReference:
    """The builder's reference lists and the values of ``dimension_types``, fetched concurrently
    when not cached, so a cold builder page costs about one round trip."""
    lists = _references_async(("tax_codes", "sales_types", "people", "dimension_types", "currencies"))
    wanted = sorted(set(dimension_types))
    elements = {kind: _pool.submit(_known_dimension_elements, kind) for kind in wanted}
    return BuilderReference(
        **{name: wait(future) for name, future in lists.items()},
        dimension_elements={kind: wait(future) for kind, future in elements.items()},
    )


def _known_dimension_elements(dimension_type: int) -> tuple[DimensionElement, ...]:
    try:
        return dimension_elements(dimension_type=dimension_type)
    except UpstreamNotFound:
        return ()
