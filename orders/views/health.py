"""``/healthz``: for load balancers, and for admins the state of each part."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from orders import connections, services
from orders.context_processors import is_admin

logger = logging.getLogger(__name__)

# --- health --------------------------------------------------------------------------------------


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"|"degraded"}`` (200 or 503) for anyone, such as a load balancer: nothing about
    what failed or why. Admins signed in also see each part's state: the database, and each ERP
    connection with when its ERP was last asked (at most once per ``HEALTH_PROBE_SECONDS``; see
    ``services.health``)."""
    state = services.health()
    body: dict = {"status": "ok" if state.ok else "degraded"}
    if is_admin(request.user):
        seen = {connection.slug for connection in connections.visible_to(request.user)}
        body["database"] = {"ok": state.database_ok, "detail": state.database_detail}
        body["connections"] = {
            erp.slug or "default": {"name": erp.name, "erp": erp.kind, "ok": erp.ok, "detail": erp.detail,
                                    "checked_at": erp.checked_at.isoformat() if erp.checked_at else None}
            for erp in state.connections if erp.slug in seen or not erp.slug
        }
    response = JsonResponse(body, status=200 if state.ok else 503)
    add_never_cache_headers(response)
    return response



