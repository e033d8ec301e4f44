"""What every page's header needs: who is signed in, whether they are an admin, which environment, which
company (ERP connection) and which others the user may switch to."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

ADMINS_GROUP = "Admins"
SALES_GROUP = "Sales"


def group_names(user) -> frozenset[str]:
    """The user's group names, read once per request (remembered on the user object)."""
    names = getattr(user, "_salesadmin_groups", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._salesadmin_groups = names
    return names


def is_admin(user) -> bool:
    """Admins (group "Admins", or superusers) also see raw upstream JSON and trace ids."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or ADMINS_GROUP in group_names(user)


def role_label(user) -> str:
    """A short role for the header: "Admin", "Sales", or the user's first group."""
    if not getattr(user, "is_authenticated", False):
        return ""
    if is_admin(user):
        return "Admin"
    names = sorted(group_names(user))
    if SALES_GROUP in names:
        return "Sales"
    return names[0] if names else "No group"


def failed_order_count(user) -> int:
    """How many orders of the companies ``user`` sees did not reach the ERP and wait for someone (the
    admins' "Failed orders")."""
    from orders import connections
    from orders.models import Submission

    waiting = Submission.objects.filter(state__in=(Submission.State.FAILED, Submission.State.NEEDS_ATTENTION))
    return waiting.filter(connections.submissions_visible_to(user)).count()


def note_quickbooks_agents(visible) -> bool:
    """Give each visible QuickBooks connection its index's freshness as ``.agent``: when its agent last
    answered, whether the last sync failed (one query; nothing asks the ERP)."""
    from orders.models import ErpConnection
    from orders.services import index

    quickbooks = [connection for connection in visible if connection.kind == ErpConnection.Kind.QBD_AUTOFY]
    if quickbooks and not hasattr(quickbooks[0], "agent"):
        found = _agents(tuple(connection.pk for connection in quickbooks), index)
        for connection in quickbooks:
            connection.agent = found[connection.pk]
    return bool(quickbooks)


# The header's agent states, read at most every AGENTS_SECONDS per process (they change with a sync,
# once a minute or so): one query less on most pages.
AGENTS_SECONDS = 5.0
_agents_seen: dict[tuple[int, ...], tuple[float, dict]] = {}


def _agents(ids: tuple[int, ...], index) -> dict:
    now = time.monotonic()
    seen = _agents_seen.get(ids)
    if seen is None or now - seen[0] > AGENTS_SECONDS:
        from orders.models import ErpConnection

        seen = (now, index.freshness_of([ErpConnection(pk=pk) for pk in ids]))
        if len(_agents_seen) > 100:
            _agents_seen.clear()
        _agents_seen[ids] = seen
    return seen[1]


def forget_agents(**kwargs) -> None:
    _agents_seen.clear()


def navigation(request: HttpRequest) -> dict:
    from orders import connections

    user = getattr(request, "user", None)
    admin = is_admin(user)
    # The company the page works on (pages outside /c/<slug>/ link to the user's default one), and
    # the others the user may switch to.
    current = getattr(request, "erp_connection", None) or connections.default_for(user)
    visible = connections.visible_to(user)
    return {
        "connection": current,
        "erp_connections": visible,
        "agents_noted": note_quickbooks_agents(visible),
        "is_admin": admin,
        "failed_order_count": failed_order_count(user) if admin else 0,
        "user_role": role_label(user),
        "environment": settings.ENVIRONMENT,
        "demo_mode": settings.DEMO_MODE,
        "product_name": "Sales Orders Admin",
    }
