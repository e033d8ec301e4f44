"""What every page family shares."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from orders.erp.errors import (
    InvalidCursor,
    UpstreamAuthError,
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from orders.forms import LIST_PARAMS
from orders.models import ErpConnection
from orders.paths import order_path


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# What each kind of ERP connection does not offer yet, as its pages say it.
NOT_YET = {
    ErpConnection.Kind.QBD_AUTOFY: "QuickBooks Desktop",
}


def post_or_back(back_to):
    """An action's address takes POSTs; opened (a confirmation or a refused form reloaded, a link followed) it
    leads to ``back_to(request, *args)`` (the page the action belongs to) with a 303, not to a bare 405."""

    def decorator(view):
        posted = require_POST(view)

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return HttpResponseRedirect(back_to(request, *args, **kwargs), status=303)
            return posted(request, *args, **kwargs)

        return wrapper

    return decorator


def tso_only(view):
    """A page only 24SevenOffice connections have so far: for another kind, a 404 page that says so
    (and leads back to the company's orders)."""

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        connection = request.erp_connection
        if connection is not None and connection.kind != ErpConnection.Kind.TSO:
            erp = NOT_YET.get(connection.kind, connection.get_kind_display())
            return render(request, "404.html", {
                "title": "Not available for this company yet",
                "message": f"{connection.name} keeps its orders in {erp}. This page works with "
                           "24SevenOffice companies only, for now.",
            }, status=404)
        return view(request, *args, **kwargs)

    return wrapper


def quickbooks_by(qbd_view):
    """A page both ERPs have, each its own way: a QuickBooks company's requests go to ``qbd_view`` (with the
    same arguments), the others to the decorated view."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
            connection = request.erp_connection
            if connection is not None and connection.kind == ErpConnection.Kind.QBD_AUTOFY:
                return qbd_view(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def describe_error(error: UpstreamError) -> dict:
    """What the error state says: a heading and a sentence for everyone, ids for admins."""
    if isinstance(error, UpstreamUnavailable):
        title = "The ERP is not answering"
        message = "24SevenOffice did not respond in time or answered with an error. Try again in a moment."
    elif isinstance(error, UpstreamForbidden):
        title = "The ERP refused access"
        scope = f"the “{error.scope}” scope" if error.scope else "a permission it needs"
        message = (
            f"The dashboard's ERP integration lacks {scope}. "
            "An administrator must grant it in 24SevenOffice."
        )
    elif isinstance(error, UpstreamAuthError):
        title = "The dashboard could not sign in to the ERP"
        message = "The ERP rejected the dashboard's API credentials. An administrator must check them."
    elif isinstance(error, InvalidCursor):
        title = "This page link is no longer valid"
        message = ("The link may be old, cut short or changed, or the list has moved on since. "
                   "Start again from the first page.")
    elif isinstance(error, UpstreamNotFound):
        title = "The ERP could not find that"
        message = "The record or page asked for no longer exists. Start again from the first page."
    else:
        title = "The ERP could not handle the request"
        message = str(error)
    return {
        "title": title,
        "message": message,
        "kind": type(error).__name__,
        "status": error.status,
        "tracking_id": error.tracking_id,
        "trace_id": error.trace_id,
        "scope": getattr(error, "scope", ""),
        # A page link that cannot be followed: trying it again would not help, the first page does.
        "stale_link": isinstance(error, InvalidCursor),
    }


# --- the order lists -------------------------------------------------------------------------------


def list_query(params: QueryDict, keys: Sequence[str] = LIST_PARAMS) -> QueryDict:
    """The list's own parameters (``keys``) from a query string, one value each, everything else dropped."""
    query = QueryDict(mutable=True)
    for key in keys:
        values = [value for value in params.getlist(key) if value]
        if values:
            query.setlist(key, values[:1])
    return query


def list_url(query: QueryDict, **changes: str | None) -> str:
    # A plain dict: ``list_query`` keeps one value per key, and QueryDict.copy() deep-copies.
    params = {key: query[key] for key in query}
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    encoded = urlencode(params)
    return order_path("orders:list") + (f"?{encoded}" if encoded else "")


# --- the order detail ----------------------------------------------------------------------------


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
