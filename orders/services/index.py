"""The local order index: a copy of what a list needs of each order of a connection whose ERP cannot
filter its orders (QuickBooks through Autofy filters only by id, number, modification time and
deletion). The list page reads it (``find_orders``, ``freshness``); ``sync`` keeps it in step, run in
the background (``orders.tasks``).

How ``sync`` keeps it in step, without losing or doubling anything when it stops at any point:

* **Full sync** (the first one, one a ``FULL_SYNC_DAYS`` later, or on request): every page of the orders
  in turn. Each page is saved with the sync's progress in one transaction, so a sync that stops (agent
  offline, worker restart) carries on at the page after the last one saved; it reads that last page
  again first, since orders deleted meanwhile move later ones back a page. At the end, orders the index
  holds that the sync did not see are asked for by id: those QuickBooks no longer has are marked deleted
  (deletions older than its 90 days are caught so).
* **Incremental sync**: the orders modified since the index's modification mark less an overlap window
  (``SYNC_OVERLAP_SECONDS``): the agent's clock and time zone are not ours, and changes made while the
  pages were read must not fall between two syncs. The mark then moves to the latest modification seen,
  but never past the moment the sync started (by our clock; the overlap covers the difference).
* **Deleted-orders sync**: QuickBooks' deleted orders (its last 90 days) since the deletion mark less the
  overlap, marked deleted here. If the index has not looked for 80 days, a full sync runs instead.
* Everything is an upsert by (connection, the ERP's id), and a row is only replaced by a copy at least
  as new (``modified_at``): reading a page twice changes nothing. A deleted order stays deleted.
* One sync per connection at a time, across processes (``throttle.exclusive``): a second one returns at
  once. A deletion seen while pages were read may have moved an order from a page not yet read to one
  already read: then the mark stays where it was (incremental) or another full sync follows (full).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from types import SimpleNamespace
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from orders import domain
from orders.erp.autofy import connector_for
from orders.erp.autofy.throttle import exclusive
from orders.erp.errors import UpstreamError
from orders.models import ErpConnection, IndexedOrder, IndexSyncState

logger = logging.getLogger("orders.services.index")

PAGE_SIZE = 100
# QuickBooks lists deleted transactions for 90 days: a deletion mark older than this means some may be gone.
DELETED_HORIZON = dt.timedelta(days=80)
FIELDS = ("number", "reference", "state", "date", "customer_id", "customer_name", "total", "currency_code",
          "created_at", "modified_at")


def overlap() -> dt.timedelta:
    return dt.timedelta(seconds=float(settings.INDEX_SYNC["OVERLAP_SECONDS"]))


def indexed(connection: ErpConnection) -> bool:
    """Whether this connection's list reads the local index (its ERP cannot filter orders)."""
    return connection.kind == ErpConnection.Kind.QBD_AUTOFY


# --- Reading the index (the list page) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    state: str = ""  # one of domain.ORDER_STATES, or "" for all
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer: str = ""  # a customer's id, or words of its name
    number: str = ""  # the order number, or its beginning
    reference: str = ""  # words of the PO number
    modified_since: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Freshness:
    """How fresh the index of a connection is, for the list's banner."""

    synced_at: dt.datetime | None = None  # the last sync that finished
    agent_answered_at: dt.datetime | None = None
    complete: bool = False  # a full sync has finished at least once
    full_sync_running: bool = False
    last_error: str = ""
    last_error_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None  # the last sync that started

    def finished_since(self, moment: dt.datetime) -> bool:
        """Whether a sync ended (well or not) at or after ``moment``: a refresh asked for then is done."""
        return any(end is not None and end >= moment for end in (self.synced_at, self.last_error_at))

    @property
    def failing(self) -> bool:
        """The last attempt failed (QuickBooks unreachable…): the list shows the index with a banner."""
        return bool(self.last_error) and (self.synced_at is None or (self.last_error_at or self.synced_at) > self.synced_at)


@dataclass(frozen=True, slots=True)
class IndexPage:
    items: tuple[domain.OrderSummary, ...]
    page: int
    has_next: bool
    freshness: Freshness = field(default_factory=Freshness)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def find_orders(connection: ErpConnection, filters: Filters = Filters(), *, page: int = 1,
                page_size: int = 25) -> IndexPage:
    """One page of the connection's indexed orders matching ``filters``, newest date first."""
    rows = _matching(connection, filters)
    page = max(1, page)
    start = (page - 1) * page_size
    # Plain rows, not model instances: the list page's hot path.
    found = list(rows.order_by("-date", "-created_at", "-id").values(*SUMMARY_FIELDS)[start:start + page_size + 1])
    return IndexPage(items=tuple(_summary(SimpleNamespace(**row)) for row in found[:page_size]), page=page,
                     has_next=len(found) > page_size, freshness=freshness(connection))


def count_by_state(connection: ErpConnection, filters: Filters = Filters()) -> dict[str, int]:
    """How many of the connection's indexed orders match ``filters`` but its state, per state (the
    list's status tabs)."""
    rows = _matching(connection, replace(filters, state=""))
    counts = dict.fromkeys(domain.ORDER_STATES, 0)
    for state, count in rows.order_by().values_list("state").annotate(count=Count("id")):
        counts[state] = counts.get(state, 0) + count
    return counts


# The customer filter's suggestions change only with a sync: each process reads them at most this often.
CUSTOMER_NAMES_SECONDS = 30.0
_customer_names: dict[int, tuple[float, tuple[str, ...]]] = {}


def customer_names(connection: ErpConnection) -> tuple[str, ...]:
    """The names of the customers the connection's indexed orders are for, A to Z (the list's customer
    filter offers them; read again every ``CUSTOMER_NAMES_SECONDS``)."""
    kept = _customer_names.get(connection.pk)
    now = time.monotonic()
    if kept is None or now - kept[0] > CUSTOMER_NAMES_SECONDS:
        names = (IndexedOrder.objects.filter(connection=connection, deleted=False).exclude(customer_name="")
                 .order_by("customer_name").values_list("customer_name", flat=True).distinct())
        kept = _customer_names[connection.pk] = (now, tuple(names))
    return kept[1]


def _matching(connection: ErpConnection, filters: Filters):
    rows = IndexedOrder.objects.filter(connection=connection, deleted=False)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.date_from:
        rows = rows.filter(date__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(date__lte=filters.date_to)
    if filters.customer:
        words = filters.customer.split()
        by_name = Q()
        for word in words:
            by_name &= Q(customer_name__icontains=word)
        rows = rows.filter(Q(customer_id=filters.customer.strip()) | by_name)
    if filters.number:
        rows = rows.filter(number__istartswith=filters.number.strip())
    if filters.reference:
        rows = rows.filter(reference__icontains=filters.reference.strip())
    if filters.modified_since:
        rows = rows.filter(modified_at__gte=filters.modified_since)
    return rows


def indexed_order(connection: ErpConnection, order_id: str) -> domain.OrderSummary | None:
    """The index's copy of one order (the detail page's fallback while QuickBooks is unreachable)."""
    row = IndexedOrder.objects.filter(connection=connection, upstream_id=order_id, deleted=False).first()
    return _summary(row) if row else None


def freshness(connection: ErpConnection) -> Freshness:
    state = IndexSyncState.objects.filter(connection=connection).first()
    return _freshness(state) if state is not None else Freshness()


def freshness_of(connections) -> dict[int, Freshness]:
    """``freshness`` of several connections in one query, by connection id (for the header)."""
    ids = [connection.pk for connection in connections]
    states = IndexSyncState.objects.filter(connection_id__in=ids) if ids else ()
    found = {state.connection_id: _freshness(state) for state in states}
    return {pk: found.get(pk, Freshness()) for pk in ids}


def _freshness(state: IndexSyncState) -> Freshness:
    return Freshness(synced_at=state.last_success_at, agent_answered_at=state.agent_answered_at,
                     complete=state.full_synced_at is not None, full_sync_running=state.full_sync_page is not None,
                     last_error=state.last_error, last_error_at=state.last_error_at,
                     last_attempt_at=state.last_attempt_at)


SUMMARY_FIELDS = ("upstream_id", "number", "state", "date", "customer_id", "customer_name", "reference", "total",
                  "currency_code", "created_at", "modified_at", "deleted_at")


def _summary(row) -> domain.OrderSummary:
    return domain.OrderSummary(
        id=row.upstream_id, number=row.number, state=row.state, date=row.date,
        customer=domain.Ref(id=row.customer_id, name=row.customer_name) if row.customer_id or row.customer_name else None,
        reference=row.reference, total=row.total, currency_code=row.currency_code, created_at=row.created_at,
        modified_at=row.modified_at, deleted_at=row.deleted_at,
    )


# --- Keeping it in step -------------------------------------------------------------------------------


@dataclass
class SyncResult:
    skipped: bool = False  # another sync of the connection was running
    full: bool = False  # a full sync ran (or carried on)
    upserted: int = 0
    deleted: int = 0
    error: str = ""

    def as_dict(self) -> dict:
        return {"skipped": self.skipped, "full": self.full, "upserted": self.upserted, "deleted": self.deleted,
                "error": self.error}


def sync(connection: ErpConnection, *, full: bool = False, connector=None) -> SyncResult:
    """Bring the connection's index up to date (see the module's docstring). Errors from the ERP are
    recorded on the sync state and returned, not raised: the next sync carries on."""
    result = SyncResult()
    with exclusive(f"index-sync:{connection.pk}", lease_seconds=float(settings.INDEX_SYNC["LOCK_SECONDS"])) as lock:
        if not lock.held:
            result.skipped = True
            return result
        state, _ = IndexSyncState.objects.get_or_create(connection=connection)
        started = timezone.now()
        state.last_attempt_at, state.enqueued_at = started, None
        state.save(update_fields=["last_attempt_at", "enqueued_at"])
        try:
            run = _Run(connection, state, connector or connector_for(connection), lock, result)
            if full or _full_sync_due(state, started):
                _start_full(state, started)
            if state.full_sync_page is not None:
                run.full()
            run.incremental()  # and the deletions
        except UpstreamError as exc:
            result.error = str(exc)
            ids = f" ({exc.ids})" if exc.ids else ""
            logger.warning("Index sync of %s stopped: %s%s", connection.slug, exc, ids)
            IndexSyncState.objects.filter(pk=state.pk).update(last_error=f"{exc}{ids}"[:2000],
                                                               last_error_at=timezone.now())
            return result
        IndexSyncState.objects.filter(pk=state.pk).update(last_success_at=timezone.now(), last_error="")
        _customer_names.pop(connection.pk, None)
        logger.info("Index sync of %s: %d orders saved, %d deleted%s", connection.slug, result.upserted,
                    result.deleted, " (full)" if result.full else "")
        return result


def _full_sync_due(state: IndexSyncState, now: dt.datetime) -> bool:
    if state.full_sync_page is not None:
        return False  # one is under way: it carries on
    if state.full_synced_at is None:
        return True
    if now - state.full_synced_at > dt.timedelta(days=float(settings.INDEX_SYNC["FULL_SYNC_DAYS"])):
        return True
    # Deletions older than QuickBooks keeps may have been missed: only reading everything finds them.
    return state.deleted_mark is not None and now - state.deleted_mark > DELETED_HORIZON


def _start_full(state: IndexSyncState, now: dt.datetime) -> None:
    state.full_sync_generation += 1
    state.full_sync_page = 1
    state.full_sync_started_at = now
    state.full_sync_modified_mark = None
    state.save(update_fields=["full_sync_generation", "full_sync_page", "full_sync_started_at",
                              "full_sync_modified_mark"])


class _Run:
    """One sync of one connection (holding its lock)."""

    def __init__(self, connection, state: IndexSyncState, connector, lock, result: SyncResult) -> None:
        self.connection = connection
        self.state = state
        self.connector = connector
        self.lock = lock
        self.result = result

    def full(self) -> None:
        state = self.state
        self.result.full = True
        generation = state.full_sync_generation
        page = max(1, state.full_sync_page - 1)  # the last page saved once more (see the docstring)
        while True:
            summaries, more = self.connector.orders_page(page, page_size=PAGE_SIZE)
            with transaction.atomic():
                self.result.upserted += upsert(self.connection, summaries, generation=generation)
                state.full_sync_page = page + 1
                state.full_sync_modified_mark = _latest(state.full_sync_modified_mark, summaries)
                self._answered(["full_sync_page", "full_sync_modified_mark"])
            if not more:
                break
            page += 1
        self._vanished(generation)
        started = state.full_sync_started_at or timezone.now()
        deleted_meanwhile = self.deletions()  # before the marks move: did pages shift while they were read?
        with transaction.atomic():
            state.full_sync_page = None
            state.full_synced_at = timezone.now()
            mark = min(state.full_sync_modified_mark or started, started)
            state.modified_mark = max(state.modified_mark or mark, mark)
            state.save(update_fields=["full_sync_page", "full_synced_at", "modified_mark"])
        if _any_since(deleted_meanwhile, started - overlap()):
            logger.info("Orders of %s were deleted during its full sync: another full sync follows",
                        self.connection.slug)
            _start_full(state, timezone.now())

    def _vanished(self, generation: int) -> None:
        """Orders the index holds that this full sync did not see: asked for by id; those QuickBooks does
        not have any more are deleted."""
        unseen = list(IndexedOrder.objects.filter(connection=self.connection, deleted=False)
                      .exclude(seen_in_sync=generation).values_list("upstream_id", flat=True))
        for start in range(0, len(unseen), PAGE_SIZE):
            ids = unseen[start:start + PAGE_SIZE]
            found, missing = self.connector.orders_by_id(ids)
            with transaction.atomic():
                self.result.upserted += upsert(self.connection, found, generation=generation)
                self.result.deleted += IndexedOrder.objects.filter(
                    connection=self.connection, upstream_id__in=missing, deleted=False).update(deleted=True)
                self._answered([])

    def incremental(self) -> None:
        state = self.state
        started = timezone.now()
        since = state.modified_mark - overlap() if state.modified_mark else None
        latest, page = None, 1
        while True:
            summaries, more = self.connector.orders_page(page, page_size=PAGE_SIZE, modified_from=since)
            with transaction.atomic():
                self.result.upserted += upsert(self.connection, summaries)
                self._answered([])
            latest = _latest(latest, summaries)
            if not more:
                break
            page += 1
        deleted_meanwhile = self.deletions()
        if latest is not None and not _any_since(deleted_meanwhile, started - overlap()):
            mark = min(latest, started)
            state.modified_mark = max(state.modified_mark or mark, mark)
            state.save(update_fields=["modified_mark"])

    def deletions(self) -> list[domain.OrderSummary]:
        """Mark the orders QuickBooks deleted since the deletion mark (less the overlap); returns those
        that were not marked deleted before."""
        state = self.state
        started = timezone.now()
        since = state.deleted_mark - overlap() if state.deleted_mark else None
        seen, newly, page = [], [], 1
        while True:
            deleted, more = self.connector.deleted_page(page, page_size=PAGE_SIZE, deleted_from=since)
            with transaction.atomic():
                newly.extend(mark_deleted(self.connection, deleted))
                self._answered([])
            seen.extend(deleted)
            if not more:
                break
            page += 1
        self.result.deleted += len(newly)
        latest = max((summary.deleted_at for summary in seen), default=None)
        mark = min(latest, started) if latest else (state.deleted_mark or started - overlap())
        state.deleted_mark = max(state.deleted_mark or mark, mark)
        state.save(update_fields=["deleted_mark"])
        return newly

    def _answered(self, fields: list[str]) -> None:
        self.state.agent_answered_at = timezone.now()
        self.state.save(update_fields=[*fields, "agent_answered_at"])
        self.lock.extend()


def _latest(mark: dt.datetime | None, summaries) -> dt.datetime | None:
    times = [summary.modified_at for summary in summaries if summary.modified_at]
    if mark is not None:
        times.append(mark)
    return max(times, default=None)


def _any_since(summaries, moment: dt.datetime) -> bool:
    return any(summary.deleted_at and summary.deleted_at >= moment for summary in summaries)


def upsert(connection: ErpConnection, summaries, *, generation: int | None = None) -> int:
    """Save these orders in the index (in the caller's transaction, or one of its own); returns how many
    rows changed. A row is replaced only by a copy at least as new as its own; a deleted row stays
    deleted."""
    with transaction.atomic():
        return _upsert(connection, summaries, generation=generation)


def _upsert(connection: ErpConnection, summaries, *, generation: int | None = None) -> int:
    latest: dict[str, domain.OrderSummary] = {}
    for summary in summaries:
        if summary.id and not summary.deleted_at:
            kept = latest.get(summary.id)
            if kept is None or _newer_or_same(summary, kept.modified_at):
                latest[summary.id] = summary
    if not latest:
        return 0
    rows = {row.upstream_id: row for row in
            IndexedOrder.objects.select_for_update().filter(connection=connection, upstream_id__in=list(latest))}
    new, changed = [], []
    for order_id, summary in latest.items():
        values = _values(summary)
        row = rows.get(order_id)
        if row is None:
            new.append(IndexedOrder(connection=connection, upstream_id=order_id,
                                    seen_in_sync=generation or 0, **values))
            continue
        if row.deleted:
            continue
        fresh = _newer_or_same(summary, row.modified_at)
        if fresh:
            for name, value in values.items():
                setattr(row, name, value)
        if generation is not None:
            row.seen_in_sync = generation
        if fresh or generation is not None:
            changed.append(row)
    IndexedOrder.objects.bulk_create(new)
    if changed:
        IndexedOrder.objects.bulk_update(changed, [*FIELDS, "seen_in_sync", "synced_at"])
    return len(new) + len(changed)


def mark_deleted(connection: ErpConnection, summaries) -> list[domain.OrderSummary]:
    """Mark these deleted orders deleted in the index (rows it did not have are kept, as deleted, so that
    no older copy brings them back); returns those that were not marked deleted before."""
    deleted = {summary.id: summary for summary in summaries if summary.id}
    if not deleted:
        return []
    rows = {row.upstream_id: row for row in
            IndexedOrder.objects.select_for_update().filter(connection=connection, upstream_id__in=list(deleted))}
    new, changed = [], []
    for order_id, summary in deleted.items():
        row = rows.get(order_id)
        if row is None:
            new.append(IndexedOrder(connection=connection, upstream_id=order_id, number=summary.number[:40],
                                    created_at=summary.created_at, deleted=True, deleted_at=summary.deleted_at))
        elif not row.deleted:
            row.deleted, row.deleted_at = True, summary.deleted_at
            changed.append(row)
    IndexedOrder.objects.bulk_create(new)
    if changed:
        IndexedOrder.objects.bulk_update(changed, ["deleted", "deleted_at", "synced_at"])
    return [deleted[row.upstream_id] for row in (*new, *changed)]


def _values(summary: domain.OrderSummary) -> dict:
    return {
        "number": summary.number[:40], "reference": summary.reference[:60], "state": summary.state,
        "date": summary.date, "customer_id": summary.customer.id[:100] if summary.customer else "",
        "customer_name": summary.customer.name[:255] if summary.customer else "", "total": summary.total,
        "currency_code": summary.currency_code[:8], "created_at": summary.created_at,
        "modified_at": summary.modified_at,
    }


def _newer_or_same(summary: domain.OrderSummary, modified_at: dt.datetime | None) -> bool:
    return modified_at is None or summary.modified_at is None or summary.modified_at >= modified_at
