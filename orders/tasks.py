"""Background work on Django's Tasks framework (``django.tasks``; the database backend of
``django-tasks-db`` runs it in ``manage.py db_worker``).

``sync_connection`` brings one connection's order index up to date (``orders.services.index.sync``).
``request_sync`` enqueues it unless one is already waiting; ``schedule_syncs`` does so for every
connection with an index, which ``manage.py index_scheduler`` repeats every
``INDEX_SYNC["INTERVAL_SECONDS"]``.

``sync_reference_data`` brings one QuickBooks connection's reference lists up to date
(``orders.services.qbd_references``); ``request_reference_sync`` enqueues it (an admin's refresh asks for a
full one); ``schedule_reference_syncs``, called by the same scheduler, enqueues it where one is due: every
``REFERENCE_SYNC["INTERVAL_SECONDS"]`` (the sync itself reads a list in full once a day), and every
``REFERENCE_SYNC["RETRY_SECONDS"]`` until a connection's reference data has been read once.

``send_submissions`` sends a QuickBooks company's orders that wait for QuickBooks and settles those in
doubt (``orders.submissions.quickbooks.send_due``). ``request_sending`` enqueues it (not twice while one is
waiting); ``schedule_sending`` does so for every QuickBooks company with such orders, each scheduler round,
and a sync that reached QuickBooks does so too, so a waiting order goes as soon as the agent answers again.

``settle_submissions`` settles the 24SevenOffice orders in doubt whose sender left the page
(``orders.submissions.unattended``); ``schedule_settling``, each scheduler round, enqueues it when one is due.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from orders.models import ErpConnection, IndexSyncState, ReferenceSyncState
from orders.services import index, qbd_references
from orders.submissions import quickbooks, unattended

logger = logging.getLogger("orders.tasks")

# A sync asked for longer ago than this and not started is taken as lost (a worker that died with it).
WAITING_AT_MOST = dt.timedelta(minutes=10)


@task()
def sync_connection(connection_id: int, full: bool = False) -> dict:
    connection = ErpConnection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None or not index.indexed(connection):
        return {"skipped": True}
    result = index.sync(connection, full=full)
    if not result.error and not result.skipped and quickbooks.has_work(connection):
        request_sending(connection)  # QuickBooks answers: what waits for it can go now
    return result.as_dict()


def request_sync(connection: ErpConnection, *, full: bool = False) -> bool:
    """Enqueue a sync of ``connection`` unless one is already waiting; returns whether one was enqueued."""
    now = timezone.now()
    with transaction.atomic():
        state, _ = IndexSyncState.objects.select_for_update().get_or_create(connection=connection)
        if not full and state.enqueued_at and now - state.enqueued_at < WAITING_AT_MOST:
            return False
        state.enqueued_at = now
        state.save(update_fields=["enqueued_at"])
    sync_connection.enqueue(connection.pk, full)
    return True


def schedule_syncs() -> int:
    """Enqueue a sync of every active connection that has an order index; returns how many."""
    connections = ErpConnection.objects.filter(is_active=True, kind=ErpConnection.Kind.QBD_AUTOFY)
    return sum(request_sync(connection) for connection in connections)


@task()
def send_submissions(connection_id: int) -> dict:
    cache.delete(_sending_key(connection_id))
    connection = ErpConnection.objects.filter(pk=connection_id, is_active=True,
                                              kind=ErpConnection.Kind.QBD_AUTOFY).first()
    if connection is None:
        return {"skipped": True}
    return quickbooks.send_due(connection).as_dict()


def _sending_key(connection_id: int) -> str:
    return f"tasks:send-submissions:{connection_id}"


def request_sending(connection: ErpConnection) -> bool:
    """Enqueue ``send_submissions`` for ``connection`` unless one is waiting (for ``WAITING_AT_MOST``);
    returns whether one was enqueued. A second one would be harmless (each submission is claimed), only
    wasted."""
    if not cache.add(_sending_key(connection.pk), timezone.now().isoformat(), timeout=WAITING_AT_MOST.total_seconds()):
        return False
    send_submissions.enqueue(connection.pk)
    return True


def schedule_sending() -> int:
    """Enqueue ``send_submissions`` for every active QuickBooks connection with orders to send or settle."""
    connections = ErpConnection.objects.filter(is_active=True, kind=ErpConnection.Kind.QBD_AUTOFY)
    return sum(request_sending(connection) for connection in connections if quickbooks.has_work(connection))


# --- 24SevenOffice submissions in doubt that nobody's page carries on -------------------------------------


@task()
def settle_submissions() -> dict:
    cache.delete(SETTLING_KEY)
    return unattended.settle_due()


SETTLING_KEY = "tasks:settle-submissions"


def schedule_settling() -> bool:
    """Enqueue ``settle_submissions`` when a 24SevenOffice submission in doubt is due (not twice while one waits)."""
    if not unattended.due().exists():
        return False
    if not cache.add(SETTLING_KEY, timezone.now().isoformat(), timeout=WAITING_AT_MOST.total_seconds()):
        return False
    settle_submissions.enqueue()
    return True


def interval() -> float:
    return float(settings.INDEX_SYNC["INTERVAL_SECONDS"])


# --- QuickBooks reference data ----------------------------------------------------------------------------


@task()
def sync_reference_data(connection_id: int, full: bool = False) -> dict:
    connection = ErpConnection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None:
        return {"skipped": True}
    return qbd_references.sync_references(connection, full=full).as_dict()


def request_reference_sync(connection: ErpConnection, *, full: bool = False) -> bool:
    """Enqueue a sync of ``connection``'s reference data unless one is already waiting (a full one is
    always enqueued); returns whether one was enqueued."""
    now = timezone.now()
    with transaction.atomic():
        state, _ = ReferenceSyncState.objects.select_for_update().get_or_create(connection=connection)
        if not full and state.enqueued_at and now - state.enqueued_at < WAITING_AT_MOST:
            return False
        state.enqueued_at = now
        fields = ["enqueued_at"]
        if full:
            state.full_requested_at = now
            fields.append("full_requested_at")
        state.save(update_fields=fields)
    sync_reference_data.enqueue(connection.pk, full)
    return True


def reference_sync_due(state: ReferenceSyncState | None, now: dt.datetime) -> bool:
    if state is None or state.last_attempt_at is None:
        return True
    if state.enqueued_at and now - state.enqueued_at < WAITING_AT_MOST:
        return False
    setting = "RETRY_SECONDS" if state.last_success_at is None else "INTERVAL_SECONDS"
    return now - state.last_attempt_at >= dt.timedelta(seconds=float(settings.REFERENCE_SYNC[setting]))


def schedule_reference_syncs() -> int:
    """Enqueue a reference sync of every active QuickBooks connection where one is due; returns how many."""
    now = timezone.now()
    connections = list(ErpConnection.objects.filter(is_active=True, kind=ErpConnection.Kind.QBD_AUTOFY))
    states = {state.connection_id: state for state in
              ReferenceSyncState.objects.filter(connection_id__in=[c.pk for c in connections])}
    return sum(request_reference_sync(connection) for connection in connections
               if reference_sync_due(states.get(connection.pk), now))
