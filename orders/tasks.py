"""Background work on Django's Tasks framework (``django.tasks``; the database backend of
``django-tasks-db`` runs it in ``manage.py db_worker``).

``sync_connection`` brings one connection's order index up to date (``orders.services.index.sync``).
``request_sync`` enqueues it unless one is already waiting; ``schedule_syncs`` does so for every
connection with an index, which ``manage.py index_scheduler`` repeats every
``INDEX_SYNC["INTERVAL_SECONDS"]``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from orders.models import ErpConnection, IndexSyncState
from orders.services import index

logger = logging.getLogger("orders.tasks")

# A sync asked for longer ago than this and not started is taken as lost (a worker that died with it).
WAITING_AT_MOST = dt.timedelta(minutes=10)


@task()
def sync_connection(connection_id: int, full: bool = False) -> dict:
    connection = ErpConnection.objects.filter(pk=connection_id, is_active=True).first()
    if connection is None or not index.indexed(connection):
        return {"skipped": True}
    return index.sync(connection, full=full).as_dict()


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


def interval() -> float:
    return float(settings.INDEX_SYNC["INTERVAL_SECONDS"])
