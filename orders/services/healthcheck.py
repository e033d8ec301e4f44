"""``/healthz``'s use case: the database's and each ERP connection's state."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import Error as DatabaseError
from django.db import connection

from orders import connections
from orders.erp.errors import (
    UpstreamError,
)
from orders.erp.tso import get_client
from orders.models import ErpConnection
from orders.services import index
from orders.services.common import scoped

logger = logging.getLogger(__name__)


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
