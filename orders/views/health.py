"""``/healthz``: for load balancers, and for admins the state of each part."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from orders import services
from orders.context_processors import is_admin

logger = logging.getLogger(__name__)

# --- health --------------------------------------------------------------------------------------


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"|"degraded"}`` (200 or 503) for anyone, such as a load balancer: nothing about
    what failed or why. Admins signed in also see each part's state and when the ERP was last asked
    (at most once per ``HEALTH_PROBE_SECONDS``; see ``services.health``)."""
    state = services.health()
    body: dict = {"status": "ok" if state.ok else "degraded"}
    if is_admin(request.user):
        probed_at = state.upstream_probed_at
        body["database"] = {"ok": state.database_ok, "detail": state.database_detail}
        body["upstream"] = {"ok": state.upstream_ok, "detail": state.upstream_detail,
                            "probed_at": probed_at.isoformat() if probed_at else None}
    response = JsonResponse(body, status=200 if state.ok else 503)
    add_never_cache_headers(response)
    return response



