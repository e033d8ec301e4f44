"""The order list and the order detail page.

Upstream failures are mapped here, explicitly:


* the order list renders its error state inside the table region. A full page answers 503 (the body is
  the friendly page with the error state), or 400 for a page link (``cursor``) that cannot be followed;
  an htmx request answers 200 so htmx swaps the error state in (htmx drops 4xx/5xx bodies by default),
  and so does a history-restore request.
* the detail page answers 404 (our 404 page) for an unknown order and 503 (a friendly error page) when
  the ERP fails.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import Future
from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.encoding import iri_to_uri
from django.views.decorators.http import require_GET

from orders import connections, services
from orders.actions import tso
from orders.context_processors import is_admin
from orders.domain import STATUS_LABELS, CustomerSnapshot, Page
from orders.erp.errors import (
    InvalidCursor,
    UpstreamError,
    UpstreamNotFound,
)
from orders.forms import LIST_PARAMS, QBD_LIST_PARAMS, OrderFilterForm
from orders.models import ErpConnection
from orders.parsing import parse_id
from orders.paths import order_path
from orders.services import index
from orders.submissions import origin
from orders.views import actions, qbd_detail, qbd_list
from orders.views.common import (
    HtmxHttpRequest,
    describe_error,
    list_query,
    list_url,
    pretty_json,
    tso_only,
)

logger = logging.getLogger(__name__)

# Opaque cursors are the upstream's own links: long, but not unbounded.
MAX_CURSOR_LENGTH = 4000

# --- addresses without a connection --------------------------------------------------------------


def to_default_connection(request: HtmxHttpRequest, rest: str = "") -> HttpResponse:
    """``/`` and the old ``/orders/…`` addresses: the same page of the user's default connection
    (query string kept; a form posted to an old address is re-posted there, 307)."""
    connection = connections.default_for(request.user)
    if connection is None:
        return render(request, "404.html", {
            "title": "No company to show",
            "message": "No ERP connection is shared with you yet. Ask an administrator to give your group one.",
        }, status=404)
    url = order_path("orders:list", connection=connection) + iri_to_uri(rest)
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    if request.method in ("GET", "HEAD"):
        return HttpResponseRedirect(url)
    return HttpResponseRedirect(url, status=307)


# --- the order list ------------------------------------------------------------------------------


def order_list(request: HtmxHttpRequest) -> HttpResponse:
    """A company's orders: QuickBooks companies' from the local index (``qbd_list``), 24SevenOffice's
    from the ERP itself."""
    connection = request.erp_connection
    if connection is not None and connection.kind == ErpConnection.Kind.QBD_AUTOFY:
        return qbd_list.order_list(request)
    return tso_order_list(request)


@tso_only
@require_GET
def tso_order_list(request: HtmxHttpRequest) -> HttpResponse:
    fragment = bool(request.htmx) and not request.htmx.history_restore_request

    # The customer filter is a <select> when the customer list loads, else a numeric id input.
    # A fragment does not render the form, so it does not need the list.
    customer_choices, customers_unavailable = None, False
    if not fragment:
        try:
            customer_choices = services.customer_choices()
        except UpstreamError as error:
            logger.warning("Customer list unavailable for the order filter: %r", error)
            customers_unavailable = True

    form = OrderFilterForm(
        request.GET, customer_choices=customer_choices, customers_unavailable=customers_unavailable
    )
    form.is_valid()  # invalid fields are reported next to themselves and left out of the filters
    filters = form.to_filters()
    cursor = request.GET.get("cursor", "")[:MAX_CURSOR_LENGTH] or None
    query = list_query(request.GET)
    # The ERP is asked now; the page's header and filter form render while it answers (the
    # template first waits for the answer inside the table, see ``PendingPage``).
    pending = PendingPage(services.start_order_list(filters=filters, cursor=cursor), query, cursor)
    context = {
        "form": form,
        "filters": filters,
        "pending": pending,
        "status_tabs": _status_tabs(query, filters.status),
        "restart_url": list_url(query, cursor=None) if cursor else None,
        # Links to an order carry the list's state so its "Back to orders" returns here.
        "back_param": urlencode({"back": query.urlencode()}) if query else "",
        "has_filters": form.active_filter_count > 0 or bool(filters.status),
        "oob": fragment,
    }
    template = "orders/order_list.html"
    if fragment:
        template += "#order-table"
    response = render(request, template, context)
    if pending.error and not request.htmx:
        response.status_code = 400 if pending.error["stale_link"] else 503
    # The same URL answers a full page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


class PendingPage:
    """One page of orders still on its way from the ERP: ``page``, ``paging`` and ``error`` wait
    for the answer when first read, then keep it."""

    def __init__(self, future: Future, query: QueryDict, cursor: str | None) -> None:
        self._future = future
        self._query = query
        self._cursor = cursor

    @functools.cached_property
    def _outcome(self) -> tuple[Page | None, UpstreamError | None]:
        try:
            return services.wait(self._future), None
        except InvalidCursor as exc:
            logger.warning("Order list: a page link that cannot be followed: %r", exc)
            return None, exc
        except UpstreamError as exc:
            logger.warning("Order list failed: %r", exc)
            return None, exc

    @functools.cached_property
    def page(self) -> Page | None:
        return self._outcome[0]

    @functools.cached_property
    def error(self) -> dict | None:
        error = self._outcome[1]
        return error and describe_error(error)

    @functools.cached_property
    def paging(self) -> dict | None:
        page = self.page
        return page and _paging_links(self._query, page, self._cursor)


def _status_tabs(query: QueryDict, current: str) -> list[dict]:
    tabs = [("", "All")] + [(status, STATUS_LABELS[status]) for status in services.STATUS_FILTERS]
    return [
        {
            "value": value,
            "label": label,
            "dot": f"tab__dot--{value.lower()}",
            "url": list_url(query, status=value, cursor=None),
            "active": value == current,
        }
        for value, label in tabs
    ]


def _paging_links(query: QueryDict, page, cursor: str | None) -> dict:
    def link(target: str | None) -> str | None:
        return list_url(query, cursor=target) if target else None

    return {
        # "First" only makes sense once the user has left the first page.
        "first": link(page.first) if cursor else None,
        "previous": link(page.previous),
        "next": link(page.next),
    }


@require_GET
def order_detail(request: HtmxHttpRequest, order_id: str) -> HttpResponse:
    back_url = safe_back_url(request.GET.get("back", ""))
    connection = request.erp_connection
    if connection is not None and connection.kind == ErpConnection.Kind.QBD_AUTOFY:
        return qbd_detail.order_detail(request, order_id, back_url)
    order_id = parse_id(order_id)
    if order_id is None:  # 24SevenOffice's ids are numbers
        raise Http404("No such order.")
    try:
        finish = services.start_order_detail(order_id=order_id)
        # What the dashboard did to the order (the database's part of the page) while the ERP answers.
        action_context = actions.page_context(request, order_id)
        detail = finish()
    except UpstreamNotFound:
        return render(
            request,
            "404.html",
            {
                "title": f"Order {order_id} does not exist",
                "message": f"24SevenOffice has no sales order with id {order_id}. "
                "It may have been deleted, or the link is wrong.",
                "back_url": back_url,
            },
            status=404,
        )
    except UpstreamError as exc:
        logger.warning("Order %s failed: %r", order_id, exc)
        return render(
            request,
            "orders/order_error.html",
            {"order_id": order_id, "error": describe_error(exc), "back_url": back_url,
             "shown_action": actions.shown_action(request, order_id)},
            status=503,
        )

    admin = is_admin(request.user)
    order = detail.order
    changed = [row.label for row in detail.customer_comparison if row.changed]
    context = {
        "detail": detail,
        "order": order,
        "back_url": back_url,
        "snapshot_rows": snapshot_rows(order.customer),
        "changed_labels": changed,
        "customer_moved": any(label in ADDRESS_LABELS for label in changed),
        "delivery": delivery_summary(order),
        "overdue": detail.order.invoice.is_overdue(timezone.localdate()),
        "show_upstream": admin,
        **action_context,
        "created_from": origin.creating_submission(connection, order),
    }
    context["next_statuses"] = [
        (status, tso.label(status)) for status in tso.next_statuses(order.status, admin=admin)
    ] if context["may_act"] and not context["checking"] else []
    if admin:
        context["raw_order_json"] = pretty_json(detail.raw_order)
        context["raw_lines_json"] = None if detail.raw_lines is None else pretty_json(detail.raw_lines)
    return render(request, "orders/order_detail.html", context)


# Labels of ``CustomerSnapshot.FIELDS`` that make up the address ("the customer has moved").
ADDRESS_LABELS = frozenset({"Street", "Postal code", "Postal area", "City", "County / state", "Country"})


def display_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return ", ".join(str(item) for item in value if item)
    return str(value)


def snapshot_rows(snapshot: CustomerSnapshot) -> list[tuple[str, str]]:
    """The order's customer snapshot as (label, value) rows, every field in display order."""
    return [(label, display_value(getattr(snapshot, attr))) for attr, label in CustomerSnapshot.FIELDS]


def delivery_summary(order) -> dict:
    """What the delivery panel says: "none", "same" (as the customer's address), or "address"."""
    delivery = order.delivery_customer
    if delivery is None or delivery.is_empty:
        return {"kind": "none"}
    return {"kind": "same" if delivery.is_address_of(order.customer) else "address", "customer": delivery}


def safe_back_url(back: str) -> str:
    """The list URL with the filters the user came from. ``back`` is only ever a query string for the
    list; its known parameters (those of the company's kind of list) are re-encoded onto our own path,
    so it cannot redirect anywhere else."""
    connection = connections.current()
    keys = QBD_LIST_PARAMS if connection is not None and index.indexed(connection) else LIST_PARAMS
    query = list_query(QueryDict(back.lstrip("?")[:MAX_CURSOR_LENGTH * 2]), keys)
    return list_url(query)


