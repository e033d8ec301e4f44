"""The ERP connections the dashboard serves: who sees which, and each one's settings.

A connection's secret never touches the database: ``ErpConnection.secret_env`` names the environment
variable that holds it, read here when a client is built. Outside production a connection without its
variable falls back to the embedded sandbox's demo secret, so ``make demo`` needs no set-up; in
production a missing variable makes the connection unusable, with a message naming the variable (and
never the secret).

**The current connection.** A request under ``/c/<slug>/`` works on one connection
(``orders.middleware.ConnectionMiddleware`` checks the user may see it, else 404); a submission being
sent works on its own. Either holds it in a context variable (``using()``), as the request's ERP budget
is held (``orders.erp.deadline``), so the service layer picks that connection's connector and cache
keys without every call passing it along; the services' thread pool copies the context.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from orders.context_processors import group_names
from orders.models import ErpConnection

Kind = ErpConnection.Kind

# The settings each kind understands (anything else is refused), with what they mean.
SETTINGS = {
    Kind.TSO: {
        "api_base_url": "the REST API's base URL (default: TSO_API_BASE_URL)",
        "token_url": "the OAuth token URL (default: TSO_TOKEN_URL)",
        "audience": "the OAuth audience (default: TSO_AUDIENCE)",
        "client_id": "the app's client id (default: TSO_CLIENT_ID)",
        "organization_id": "the company's organization id (default: TSO_ORGANIZATION_ID)",
    },
    Kind.QBD_AUTOFY: {
        "base_url": "Autofy's data API, e.g. https://api.getautofy.com/v2/data (default: AUTOFY_BASE_URL)",
        "endpoint_id": "the connected company file's endpoint id (required)",
        "time_zone": "the time zone of the PC running QuickBooks, e.g. America/Chicago",
        "home_currency": "the company's home currency, e.g. USD",
        "order_custom_fields": "the custom fields the company fills in on sales orders (the builder offers them), "
                               "comma-separated, each with its longest value after a colon if it has one, e.g. "
                               "Contract #:15, Delivery Window:30",
    },
}
# The environment variable a kind's secret is read from when the connection names none.
DEFAULT_SECRET_ENV = {Kind.TSO: "TSO_CLIENT_SECRET", Kind.QBD_AUTOFY: "AUTOFY_API_KEY"}
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")


class ConnectionNotConfigured(Exception):
    """The connection cannot be used as configured; ``str()`` says what to set (never a secret)."""


_current: ContextVar[ErpConnection | None] = ContextVar("erp_connection", default=None)


def current() -> ErpConnection | None:
    """The connection this request or this sending works on (None: the process's defaults)."""
    return _current.get()


@contextmanager
def using(connection: ErpConnection | None) -> Iterator[ErpConnection | None]:
    """Work on ``connection`` inside the block, in its time zone (``company_zone``): what a sending
    writes about a time ("from 14:05 CST") is the company's time, as its pages show."""
    token = _current.set(connection)
    try:
        with timezone.override(company_zone(connection)):
            yield connection
    finally:
        _current.reset(token)


def cache_scope() -> str:
    """What cache keys of reference data and look-ups start with: the current connection's slug (two
    companies never share a customer list)."""
    connection = _current.get()
    return connection.slug if connection is not None else "-"


# Every page needs the active connections and who sees them: read once per process and kept for
# SNAPSHOT_SECONDS (a change made in the admin is seen at once by the process that made it, and by the
# others within that time).
SNAPSHOT_SECONDS = 5.0
_snapshot: tuple[float, tuple[tuple[ErpConnection, frozenset[str]], ...]] | None = None


def _active() -> tuple[tuple[ErpConnection, frozenset[str]], ...]:
    """Each active connection with the names of the groups that see it."""
    global _snapshot
    taken = _snapshot
    now = time.monotonic()
    if taken is None or now - taken[0] > SNAPSHOT_SECONDS:
        rows = ErpConnection.objects.filter(is_active=True).prefetch_related("groups")
        taken = (now, tuple((row, frozenset(group.name for group in row.groups.all())) for row in rows))
        _snapshot = taken
    return taken[1]


@receiver(post_save, sender=ErpConnection)
@receiver(post_delete, sender=ErpConnection)
@receiver(m2m_changed, sender=ErpConnection.groups.through)
@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
def forget(**kwargs) -> None:
    """Read the connections again on the next request (this process)."""
    global _snapshot
    _snapshot = None


def visible_to(user) -> list[ErpConnection]:
    """The active connections ``user`` may see: every one for a superuser, else those shared with
    one of their groups; the default first, then by name. Each request gets its own copies."""
    if not getattr(user, "is_authenticated", False):
        return []
    visible = getattr(user, "_salesadmin_connections", None)  # worked out once per request
    if visible is None:
        groups = None if user.is_superuser else group_names(user)
        chosen = [row for row, seen_by in _active() if groups is None or seen_by & groups]
        visible = sorted((copy.copy(row) for row in chosen), key=lambda c: (not c.is_default, c.name.casefold()))
        user._salesadmin_connections = visible
    return list(visible)


def default_connection() -> ErpConnection | None:
    """The connection marked default (where orders saved before connections existed belong)."""
    return next((row for row, _ in _active() if row.is_default), None)


def of_submission(submission) -> ErpConnection | None:
    """The company a submission's order is for: its own, or the default one for an order saved before
    connections existed."""
    return submission.connection if submission.connection_id else default_connection()


def submissions_visible_to(user) -> Q:
    """Which submissions ``user`` may see (admins' journal, failed orders, a submission's page): those
    of the companies they see; those saved before connections existed if they see the default one."""
    visible = visible_to(user)
    seen = Q(connection_id__in=[connection.pk for connection in visible])
    if any(connection.is_default for connection in visible):
        seen |= Q(connection__isnull=True)
    return seen


def for_user(user, slug: str) -> ErpConnection | None:
    """The connection ``slug`` if ``user`` may see it, else None (the caller answers 404, not 403:
    a connection one may not see does not exist for them)."""
    return next((connection for connection in visible_to(user) if connection.slug == slug), None)


def default_for(user) -> ErpConnection | None:
    """Where an address without a connection leads ``user``: the default one if they see it, else
    the first they see."""
    visible = visible_to(user)
    return next((c for c in visible if c.is_default), visible[0] if visible else None)


def validate(connection: ErpConnection) -> None:
    """Raise ``ValidationError`` for settings a connection's kind does not know, or a secret variable
    name that is not one (for the admin's form and the management command)."""
    known = SETTINGS.get(connection.kind, {})
    if not isinstance(connection.settings, dict):
        raise ValidationError({"settings": "Settings are a JSON object of names and values."})
    unknown = sorted(set(connection.settings) - set(known))
    if unknown:
        raise ValidationError({"settings": f"Not a setting of this kind: {', '.join(unknown)}. "
                                           f"Known: {', '.join(known)}."})
    if connection.secret_env and not ENV_NAME.match(connection.secret_env):
        raise ValidationError({"secret_env": "The name of an environment variable: capitals, digits and _."})
    zone = connection.settings.get("time_zone")
    if zone:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"settings": f"Not a time zone: {zone}. Use a name such as America/Chicago."}) from None
    if connection.kind == Kind.QBD_AUTOFY and not connection.settings.get("endpoint_id") and settings.PRODUCTION:
        raise ValidationError({"settings": "A QuickBooks connection needs its endpoint_id."})


def company_zone(connection: ErpConnection | None) -> dt.tzinfo:
    """Where the company keeps its calendar: a QuickBooks company's PC (its ``time_zone`` setting, else
    ``settings.AUTOFY["TIME_ZONE"]``); the dashboard's own zone for anything else."""
    if connection is None or connection.kind != Kind.QBD_AUTOFY:
        return timezone.get_default_timezone()
    name = str((connection.settings or {}).get("time_zone") or settings.AUTOFY["TIME_ZONE"])
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # refused when the connection is saved; old rows may have it
        return timezone.get_default_timezone()


def company_today(connection: ErpConnection | None) -> dt.date:
    """Today on the company's calendar: a new QuickBooks order made in the evening in Chicago is dated
    that day, although it is already tomorrow in Oslo."""
    return timezone.localdate(timezone=company_zone(connection))


def secret_env(connection: ErpConnection) -> str:
    return connection.secret_env or DEFAULT_SECRET_ENV[connection.kind]


def secret(connection: ErpConnection, demo_default: str) -> str:
    """The connection's secret from its environment variable (``demo_default`` outside production)."""
    name = secret_env(connection)
    value = os.environ.get(name, "")
    if value:
        return value
    if settings.DEMO_MODE:
        return demo_default
    raise ConnectionNotConfigured(f"Set the environment variable {name} for the connection “{connection.name}”.")


def tso_config(connection: ErpConnection) -> dict[str, Any]:
    """The 24SevenOffice client's configuration for ``connection``: ``settings.TSO`` (time-outs, the
    defaults) with the connection's own settings and secret."""
    own: Mapping[str, Any] = connection.settings or {}
    config = dict(settings.TSO)
    for name, key in (("api_base_url", "API_BASE_URL"), ("token_url", "TOKEN_URL"), ("audience", "AUDIENCE"),
                      ("client_id", "CLIENT_ID"), ("organization_id", "ORGANIZATION_ID")):
        if own.get(name):
            config[key] = str(own[name])
    config["CLIENT_SECRET"] = secret(connection, settings.TSO["CLIENT_SECRET"])
    return config


def autofy_config(connection: ErpConnection) -> dict[str, Any]:
    """The Autofy client's configuration for ``connection``: ``settings.AUTOFY`` (time-outs, rate
    limit, the defaults) with the connection's own settings and API key."""
    own: Mapping[str, Any] = connection.settings or {}
    config = dict(settings.AUTOFY)
    for name, key in (("base_url", "BASE_URL"), ("endpoint_id", "ENDPOINT_ID"), ("time_zone", "TIME_ZONE"),
                      ("home_currency", "HOME_CURRENCY")):
        if own.get(name):
            config[key] = str(own[name])
    config["API_KEY"] = secret(connection, settings.AUTOFY["API_KEY"])
    config["NAME"] = f"QuickBooks ({connection.slug})"
    return config
