"""Keeping a QuickBooks company's reference lists (``choices.LISTS``) in step with QuickBooks, in the
background (``orders.tasks.sync_reference_data``), the way the order index is (``orders.services.index``):

* **Full sync of a list** (its first one, one every ``REFERENCE_SYNC["FULL_SYNC_HOURS"]``, or every list
  when an admin asks): every page of the list. Each page is saved with the list's progress in one
  transaction, so a sync that stops (agent offline, worker restart) carries on at the page after the last
  one saved, reading that last page again first (lists come by name: a record renamed or deleted meanwhile
  moves others by one). At the end, records the cache holds that the pass did not see are asked for by
  ``Id``: those QuickBooks no longer has were deleted there and leave the cache (QuickBooks lists no
  deleted list records; only this finds them).
* **Incremental sync of a list**: the records modified since the list's mark less the overlap window
  (``INDEX_SYNC["OVERLAP_SECONDS"]``: the agent's clock and time zone are not ours). The mark then moves to
  the latest modification seen, never past the moment the list's sync started.
* Everything is an upsert by (connection, list, ListID): a record read twice, on two pages or in two
  syncs, is one row, and a copy older than the row's (``LastModifiedDate``) never replaces it. Inactive
  records are kept, flagged (``active``). A failure (agent offline, busy, refused key) stops the sync with
  the cache as it was, less nothing: the pages saved before it stay, the lists' marks move only when a
  list is complete, and the next sync carries on.
* One sync per connection at a time, across processes (``throttle.exclusive``): a second one returns at
  once (``skipped``). After a sync the connector's kept ``Lookups`` are forgotten, so order pages compute
  totals from the new lists.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.erp.autofy import connector_for, reading
from orders.erp.autofy.throttle import exclusive
from orders.erp.errors import UpstreamError
from orders.models import ErpConnection, ReferenceListState, ReferenceRecord, ReferenceSyncState
from orders.services.lookups import folded
from orders.services.qbd_references.choices import LISTS

logger = logging.getLogger("orders.services.qbd_references")

PAGE_SIZE = 100
# How many unseen records one "by id" round asks about (the connector splits it into short URLs).
UNSEEN_PER_ROUND = 200


@dataclass
class ReferenceSyncResult:
    skipped: bool = False  # another sync of the connection was running, or it is not a QuickBooks company
    full: bool = False  # at least one list was read in full (or carried on)
    saved: int = 0  # records added or brought up to date
    removed: int = 0  # records QuickBooks no longer has
    lists: dict[str, int] = field(default_factory=dict)  # records saved per list
    error: str = ""

    def as_dict(self) -> dict:
        return {"skipped": self.skipped, "full": self.full, "saved": self.saved, "removed": self.removed,
                "lists": dict(self.lists), "error": self.error}


def overlap() -> dt.timedelta:
    return dt.timedelta(seconds=float(settings.INDEX_SYNC["OVERLAP_SECONDS"]))


def sync_references(connection: ErpConnection, *, full: bool = False, connector=None) -> ReferenceSyncResult:
    """Bring the connection's reference lists up to date (see the module's docstring); ``full`` reads
    every list in full. Errors from QuickBooks are recorded on the sync state and returned, not raised."""
    result = ReferenceSyncResult()
    if connection.kind != ErpConnection.Kind.QBD_AUTOFY:
        result.skipped = True
        return result
    lease = float(settings.INDEX_SYNC["LOCK_SECONDS"])
    with exclusive(f"reference-sync:{connection.pk}", lease_seconds=lease) as lock:
        if not lock.held:
            result.skipped = True
            return result
        state, _ = ReferenceSyncState.objects.get_or_create(connection=connection)
        started = timezone.now()
        state.last_attempt_at, state.enqueued_at = started, None
        state.save(update_fields=["last_attempt_at", "enqueued_at"])
        try:
            connector = connector or connector_for(connection)
            lists = _list_states(connection, full=full, requested=state.full_requested_at, now=started)
            for list_state in lists:
                _ListSync(connection, list_state, connector, lock, state, result).run()
        except UpstreamError as exc:
            ids = f" ({exc.ids})" if exc.ids else ""
            result.error = str(exc)
            logger.warning("Reference sync of %s stopped: %s%s", connection.slug, exc, ids)
            ReferenceSyncState.objects.filter(pk=state.pk).update(last_error=f"{exc}{ids}"[:2000],
                                                                  last_error_at=timezone.now())
            return result
        ReferenceSyncState.objects.filter(pk=state.pk).update(last_success_at=timezone.now(), last_error="")
        forget = getattr(connector, "forget_lookups", None)
        if forget:
            forget()
        logger.info("Reference sync of %s: %d records saved, %d removed%s", connection.slug, result.saved,
                    result.removed, " (full)" if result.full else "")
        return result


def _list_states(connection: ErpConnection, *, full: bool, requested: dt.datetime | None,
                 now: dt.datetime) -> list[ReferenceListState]:
    """Each list's state, a full sync started where one is asked for (``full``, or an admin's request at
    ``requested`` the list has not been read in full since: a request survives a sync that stopped, or
    one skipped for another running) or due (before any list is read, so that a sync that stops carries
    every one of them on)."""
    every = float(settings.REFERENCE_SYNC["FULL_SYNC_HOURS"])
    states = {state.list_name: state for state in ReferenceListState.objects.filter(connection=connection)}
    result = []
    for name in LISTS:
        state = states.get(name) or ReferenceListState.objects.create(connection=connection, list_name=name)
        due = state.full_synced_at is None or now - state.full_synced_at > dt.timedelta(hours=every)
        asked = requested is not None and (state.full_synced_at is None or state.full_synced_at < requested)
        if state.full_page is None and (full or due or asked):
            state.full_generation += 1
            state.full_page = 1
            state.full_started_at = now
            state.full_modified_mark = None
            state.save(update_fields=["full_generation", "full_page", "full_started_at", "full_modified_mark"])
        result.append(state)
    return result


class _ListSync:
    """One list's part of a sync (holding the connection's lock)."""

    def __init__(self, connection, state: ReferenceListState, connector, lock, sync_state: ReferenceSyncState,
                 result: ReferenceSyncResult) -> None:
        self.connection = connection
        self.state = state
        self.name = state.list_name
        self.connector = connector
        self.lock = lock
        self.sync_state = sync_state
        self.result = result

    def run(self) -> None:
        self.result.lists.setdefault(self.name, 0)
        if self.state.full_page is not None:
            self.full()
        else:
            self.incremental()
        self.state.synced_at = timezone.now()
        self.state.save(update_fields=["synced_at"])

    def full(self) -> None:
        state = self.state
        self.result.full = True
        generation = state.full_generation
        page = max(1, state.full_page - 1)  # the last page saved once more (see the module's docstring)
        while True:
            records, more = self.connector.list_page(self.name, page, page_size=PAGE_SIZE)
            with transaction.atomic():
                self._saved(upsert(self.connection, self.name, records, generation=generation))
                state.full_page = page + 1
                state.full_modified_mark = _latest(state.full_modified_mark, records)
                self._answered(state, ["full_page", "full_modified_mark"])
            if not more:
                break
            page += 1
        self._vanished(generation)
        started = state.full_started_at or timezone.now()
        mark = min(state.full_modified_mark or started, started)
        state.modified_mark = max(state.modified_mark or mark, mark)
        state.full_page = None
        state.full_synced_at = timezone.now()
        state.save(update_fields=["modified_mark", "full_page", "full_synced_at"])

    def _vanished(self, generation: int) -> None:
        """Records the cache holds that this full pass did not see: asked for by id; those QuickBooks does
        not have any more leave the cache."""
        rows = ReferenceRecord.objects.filter(connection=self.connection, list_name=self.name)
        unseen = list(rows.exclude(seen_in_sync=generation).values_list("list_id", flat=True))
        for start in range(0, len(unseen), UNSEEN_PER_ROUND):
            found, missing = self.connector.list_by_id(self.name, unseen[start:start + UNSEEN_PER_ROUND])
            with transaction.atomic():
                self._saved(upsert(self.connection, self.name, found, generation=generation))
                removed, _ = rows.filter(list_id__in=missing).delete()
                self.result.removed += removed
                self._answered(self.sync_state, [])

    def incremental(self) -> None:
        state = self.state
        started = timezone.now()
        since = state.modified_mark - overlap() if state.modified_mark else None
        latest, page = None, 1
        while True:
            records, more = self.connector.list_page(self.name, page, page_size=PAGE_SIZE, modified_from=since)
            with transaction.atomic():
                self._saved(upsert(self.connection, self.name, records))
                self._answered(self.sync_state, [])
            latest = _latest(latest, records)
            if not more:
                break
            page += 1
        if latest is not None:
            mark = min(latest, started)
            state.modified_mark = max(state.modified_mark or mark, mark)
            state.save(update_fields=["modified_mark"])

    def _saved(self, count: int) -> None:
        self.result.saved += count
        self.result.lists[self.name] += count

    def _answered(self, state, fields: list[str]) -> None:
        """QuickBooks answered: note it (with ``fields`` of ``state``) and renew the lock's lease."""
        now = timezone.now()
        ReferenceSyncState.objects.filter(pk=self.sync_state.pk).update(agent_answered_at=now)
        if fields:
            state.save(update_fields=fields)
        self.lock.extend()


def _modified(data: dict) -> dt.datetime | None:
    return reading.read_datetime(data.get("LastModifiedDate"))


def _latest(mark: dt.datetime | None, records) -> dt.datetime | None:
    times = [moment for moment in map(_modified, records) if moment is not None]
    if mark is not None:
        times.append(mark)
    return max(times, default=None)


def _newer_or_same(modified: dt.datetime | None, than: dt.datetime | None) -> bool:
    return than is None or modified is None or modified >= than


FIELDS = ("full_name", "name_folded", "active", "record_type", "modified_at", "data")


def values(data: dict) -> dict:
    """The columns of a record from its Autofy object."""
    full_name = reading.read_text(data.get("FullName")) or reading.read_text(data.get("Name"))
    record_type = reading.read_text(data.get("Type")) or reading.read_text(data.get("TemplateType"))
    return {"full_name": full_name[:255], "name_folded": folded(full_name)[:255],
            "active": data.get("IsActive") is not False, "record_type": record_type[:40],
            "modified_at": _modified(data), "data": data}


def upsert(connection: ErpConnection, list_name: str, records, *, generation: int | None = None) -> int:
    """Save these records of ``list_name`` (in the caller's transaction, or one of its own); returns how
    many rows were added or brought up to date. A row is replaced only by a copy at least as new as its
    own; ``generation`` marks the rows as seen by that full sync."""
    latest: dict[str, dict] = {}
    for data in records:
        list_id = reading.read_id(data) if isinstance(data, dict) else ""
        if list_id and len(list_id) <= 100:
            kept = latest.get(list_id)
            if kept is None or _newer_or_same(_modified(data), _modified(kept)):
                latest[list_id] = data
    if not latest:
        return 0
    with transaction.atomic():
        rows = {row.list_id: row for row in ReferenceRecord.objects.select_for_update().filter(
            connection=connection, list_name=list_name, list_id__in=list(latest))}
        new, changed, count, now = [], [], 0, timezone.now()
        for list_id, data in latest.items():
            columns = values(data)
            row = rows.get(list_id)
            if row is None:
                new.append(ReferenceRecord(connection=connection, list_name=list_name, list_id=list_id,
                                           seen_in_sync=generation or 0, **columns))
                continue
            fresh = _newer_or_same(columns["modified_at"], row.modified_at)
            if fresh:
                for name, value in columns.items():
                    setattr(row, name, value)
                count += 1
            if generation is not None:
                row.seen_in_sync = generation
            if fresh or generation is not None:
                row.synced_at = now  # bulk_update leaves auto_now alone
                changed.append(row)
        ReferenceRecord.objects.bulk_create(new)
        if changed:
            ReferenceRecord.objects.bulk_update(changed, [*FIELDS, "seen_in_sync", "synced_at"])
    return len(new) + count
