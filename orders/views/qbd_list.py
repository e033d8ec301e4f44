"""The order list of a QuickBooks Desktop company (``ErpConnection.Kind.QBD_AUTOFY``).

Autofy filters orders only by id, number, modification time and deletion, so the list reads the
company's **local order index** (``orders.services.index``), never QuickBooks: its filters (status, dates,
customer, number, PO number, modified since) and paging are queries of the index, and the page works
the same whether QuickBooks answers or not. What it says about the index:

* **How fresh it is**: "As of 2 minutes ago", the end of the last sync that succeeded.
* **Refresh** (a POST) enqueues a sync of the changes (``tasks.request_sync``) and waits for it a moment
  (``REFRESH_WAIT_SECONDS``, never past the page's deadline). A sync that is not done by then is
  "Refreshing…": the page asks again by itself every ``POLL_SECONDS`` (htmx) and swaps the table in
  when the sync has finished; without JavaScript, a link checks again. The refresh is remembered in the
  session (per company) for ``REFRESH_GIVE_UP``; a sync that ended after it was asked for (well or not)
  finishes it.
* **QuickBooks unreachable**: the last sync failed (agent offline…, ``IndexSyncState.last_error``): a
  banner says so and since when, the list keeps showing the index.
* **The first sync** not finished yet: "QuickBooks orders are being read for the first time…", polled
  like a refresh.

Every filter value is validated by ``forms.QuickBooksFilterForm``: a value a field does not take gets
its message next to it and is left out; a page number that is not one is page 1.

Admins also see, under the list, how fresh the company's **reference data** is (customers, items, terms…
that the QuickBooks builder offers, ``orders.services.qbd_references``) and a button that asks the worker
for a full sync of it (``refresh_references``, a POST; others get 403).
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from orders import tasks
from orders.context_processors import is_admin
from orders.erp import deadline
from orders.forms import QBD_LIST_PARAMS, QuickBooksFilterForm
from orders.models import ErpConnection
from orders.parsing import parse_whole
from orders.services import index, qbd_references
from orders.views.common import HtmxHttpRequest, list_query, list_url

# How long a Refresh waits for its sync before the page answers "Refreshing…" (the web request's ERP
# deadline permitting): a sync of a few changes takes a second or two when the agent answers.
REFRESH_WAIT_SECONDS = 3.0
REFRESH_CHECK_SECONDS = 0.25
# A refresh not finished after this is no longer waited for on the page (the sync goes on).
REFRESH_GIVE_UP = dt.timedelta(minutes=2)
# While a refresh or the first sync goes on, the page asks again this often (htmx).
POLL_SECONDS = 2
MAX_PAGE = 100_000
FRESHNESS_TARGET = "freshness"


def order_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        return refresh(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return _page(request)


def refresh(request: HtmxHttpRequest) -> HttpResponse:
    """Sync the changes now: enqueue a sync, wait for it a moment, then show the list (htmx) or send
    the browser back to it (303)."""
    connection = request.erp_connection
    asked_at = timezone.now()
    tasks.request_sync(connection)
    request.session[_refresh_key(connection)] = asked_at.isoformat()
    _wait_for_sync(connection, asked_at)
    if request.htmx:
        return _page(request)
    return HttpResponseRedirect(request.get_full_path(), status=303)


def _wait_for_sync(connection: ErpConnection, asked_at: dt.datetime) -> None:
    left = deadline.remaining()
    limit = REFRESH_WAIT_SECONDS if left is None else min(REFRESH_WAIT_SECONDS, max(0.0, left - 1.0))
    end = time.monotonic() + limit
    while not index.freshness(connection).finished_since(asked_at) and time.monotonic() < end:
        time.sleep(REFRESH_CHECK_SECONDS)


def _page(request: HtmxHttpRequest) -> HttpResponse:
    connection = request.erp_connection
    htmx = request.htmx
    fragment = bool(htmx) and not htmx.history_restore_request
    poll = fragment and htmx.target == FRESHNESS_TARGET
    sync = None
    if poll:
        sync = _sync_status(request, connection, index.freshness(connection))
        if sync["poll"]:
            # Still working: only the freshness line again (it asks again by itself).
            return _render(request, "orders/qbd/order_list.html#freshness", {"sync": sync, "oob": False})

    zone = timezone.get_current_timezone()
    form = QuickBooksFilterForm(request.GET, customer_names=() if fragment else index.customer_names(connection))
    form.is_valid()  # invalid fields are reported next to themselves and left out of the filters
    filters, page_size = form.to_filters(zone=zone)
    page_number = parse_whole(request.GET.get("page", ""), maximum=MAX_PAGE) or 1
    found = index.find_orders(connection, filters, page=page_number, page_size=page_size)
    sync = sync or _sync_status(request, connection, found.freshness)
    counts = index.count_by_state(connection, filters)
    query = list_query(request.GET, QBD_LIST_PARAMS)
    matching = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    first = (found.page - 1) * page_size + 1
    context = {
        "form": form,
        "filters": filters,
        "page": found,
        "sync": sync,
        "status_tabs": _status_tabs(query, filters.state, counts),
        "paging": _paging(query, found),
        "range": {"first": first, "last": first + len(found.items) - 1, "of": matching},
        "restart_url": list_url(query, page=None) if found.page > 1 else None,
        # Links to an order carry the list's state so its "Back to orders" returns here.
        "back_param": urlencode({"back": query.urlencode()}) if query else "",
        "has_filters": form.active_filter_count > 0 or bool(filters.state),
        "home_currency": _home_currency(connection),
        "oob": fragment,
        "announce": "Orders refreshed." if sync["just_finished"] else "",
        "references": None if fragment or not is_admin(request.user) else qbd_references.status(connection),
    }
    template = "orders/qbd/order_list.html"
    if fragment:
        template += "#order-table"
    response = _render(request, template, context)
    if poll:
        # The refresh has finished: the poll brings the table in, not just its freshness line.
        response["HX-Retarget"] = "#order-table"
        response["HX-Reswap"] = "outerHTML"
    return response


def _render(request: HtmxHttpRequest, template: str, context: dict) -> HttpResponse:
    response = render(request, template, context)
    # The same URL answers a full page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request", "HX-Target"))
    return response


@require_POST
def refresh_references(request: HtmxHttpRequest) -> HttpResponse:
    """An admin asks for a full sync of the company's reference data: enqueued for the worker (not waited
    for), said so on the list it came from."""
    connection = request.erp_connection
    if connection is None or connection.kind != ErpConnection.Kind.QBD_AUTOFY:
        raise Http404("No such page for this company.")
    if not is_admin(request.user):
        raise PermissionDenied("Only administrators may refresh the reference data.")
    tasks.request_reference_sync(connection, full=True)
    messages.success(request, "QuickBooks' reference data (customers, items, terms and the other lists) will be "
                              "read again in full in the background: this takes a minute or so. Reload the page "
                              "to see when it is done.")
    return HttpResponseRedirect(list_url(list_query(request.GET, QBD_LIST_PARAMS)), status=303)


# --- how fresh the index is ----------------------------------------------------------------------


def _refresh_key(connection: ErpConnection) -> str:
    return f"qbd-refresh:{connection.pk}"


def _sync_status(request: HtmxHttpRequest, connection: ErpConnection, freshness: index.Freshness) -> dict:
    """What the page says about the index: how fresh, a refresh under way, QuickBooks unreachable, the
    first sync still running; and whether the page asks again by itself (``poll``)."""
    now = timezone.now()
    refreshing = just_finished = False
    asked = _asked_at(request.session.get(_refresh_key(connection)))
    if asked is not None:
        if freshness.finished_since(asked) or now - asked > REFRESH_GIVE_UP:
            just_finished = freshness.finished_since(asked)
            del request.session[_refresh_key(connection)]
        else:
            refreshing = True
    if freshness.last_attempt_at is None and freshness.synced_at is None:
        tasks.request_sync(connection)  # nobody has read this company's orders yet (none waiting twice)
    first_sync = not freshness.complete
    failing = freshness.failing
    return {
        "synced_at": freshness.synced_at,
        "refreshing": refreshing,
        "just_finished": just_finished,
        "first_sync": first_sync,
        "failing": failing,
        "failed_at": freshness.last_error_at,
        "error": freshness.last_error if is_admin(request.user) else "",
        "agent_answered_at": freshness.agent_answered_at,
        "poll": refreshing or (first_sync and not failing),
        "poll_seconds": POLL_SECONDS,
    }


def _asked_at(value) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


def _home_currency(connection: ErpConnection) -> str:
    return str((connection.settings or {}).get("home_currency") or settings.AUTOFY["HOME_CURRENCY"])


# --- links -----------------------------------------------------------------------------------------


def _status_tabs(query: QueryDict, current: str, counts: dict[str, int]) -> list[dict]:
    tabs = [("", "All", sum(counts.values()))] + [
        (state, label, counts.get(state, 0)) for state, label in QuickBooksFilterForm.STATUS_CHOICES
    ]
    return [
        {
            "value": value,
            "label": label,
            "count": count,
            "dot": f"tab__dot--state badge--{value}",
            "url": list_url(query, status=value, page=None),
            "active": value == current,
        }
        for value, label, count in tabs
    ]


def _paging(query: QueryDict, found: index.IndexPage) -> dict:
    def link(number: int) -> str:
        return list_url(query, page=str(number) if number > 1 else None)

    return {
        "first": link(1) if found.page > 2 else None,
        "previous": link(found.page - 1) if found.has_previous else None,
        "next": link(found.page + 1) if found.has_next else None,
    }
