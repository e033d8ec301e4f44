"""``SalesOrder``: GET (a list, or one by ``ID``), POST and PATCH.

Reading: a list is filtered by exactly the parameters seed 002 names (``sandbox.autofy.query``) and paged
by ``page``/``pageSize`` with ``MoreData``; ``isDeleted=true`` lists the orders deleted in the last 90 days
instead, as QuickBooks keeps them. Writing is ``sandbox.autofy.writing``.
"""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox.autofy import decisions, shape
from sandbox.autofy.envelope import AutofyError, envelope, error, item, respond
from sandbox.autofy.models import QbSalesOrder
from sandbox.autofy.query import DataQuery, window
from sandbox.autofy.times import api_time


def object_url(request: HttpRequest, base: str, object_id: str) -> str:
    return request.build_absolute_uri(f"{base}/{object_id}")


def not_found(object_name: str, object_id: str) -> dict:
    return error(1507, f"The {object_name} with ID \"{object_id}\" was not found.")


def deleted_view(order: QbSalesOrder) -> dict:
    """What QuickBooks keeps of a deleted order (``decisions.DELETED_FIELDS``); the rest is null (lists empty)."""
    kept = {"ID": order.txn_id, "Number": order.number, "CreatedDate": api_time(order.created_at),
            "DeletedDate": api_time(order.deleted_at)}
    return {name: kept[name] if name in decisions.DELETED_FIELDS else ([] if isinstance(empty, list) else None)
            for name, empty in shape.blank_order().items()}


def page_of(request: HttpRequest, base: str, query: DataQuery, rows: list, found: dict | None = None,
            object_name: str = decisions.SALES_ORDER) -> HttpResponse:
    """Answer one page of ``rows`` (served objects, or requested IDs looked up in ``found``)."""
    start = (query.page - 1) * query.page_size
    chunk = rows[start:start + query.page_size]
    contents = []
    for row in chunk:
        if found is None:
            contents.append(item(row, object_url(request, base, row["ID"])))
        elif row in found:
            contents.append(item(found[row], object_url(request, base, row)))
        else:  # an ``Id`` that does not exist: its own item, with the error
            contents.append(item(None, object_url(request, base, row), [not_found(object_name, row)]))
    return respond(envelope(request, contents, page=query.page, more_data=len(rows) > start + query.page_size))


def list_orders(request: HttpRequest, base: str, query: DataQuery) -> HttpResponse:
    orders = QbSalesOrder.objects.all()
    if query.is_deleted:
        since = timezone.now() - timedelta(days=decisions.DELETED_RETENTION_DAYS)
        orders, moment, serve = orders.filter(deleted_at__gte=since), "deleted_at", deleted_view
    else:
        orders, moment, serve = orders.filter(deleted_at__isnull=True), "modified_at", lambda order: order.data
    if query.ids:  # the other filters are ignored, as QuickBooks does
        requested = list(dict.fromkeys(query.ids))
        found = {order.txn_id: serve(order) for order in orders.filter(txn_id__in=requested)}
        return page_of(request, base, query, requested, found)
    if query.number is not None:
        orders = orders.filter(number=query.number)
    orders = orders.filter(**window(moment, query))
    start = (query.page - 1) * query.page_size
    rows = list(orders.order_by("seq")[start:start + query.page_size + 1])
    contents = [item(serve(order), object_url(request, base, order.txn_id)) for order in rows[:query.page_size]]
    return respond(envelope(request, contents, page=query.page, more_data=len(rows) > query.page_size))


def get_order(request: HttpRequest, base: str, object_id: str) -> HttpResponse:
    order = QbSalesOrder.objects.filter(txn_id=object_id, deleted_at__isnull=True).first()
    if order is None:
        raise AutofyError(1507, not_found(decisions.SALES_ORDER, object_id)["Message"])
    return respond(envelope(request, [item(order.data, object_url(request, base, order.txn_id))]))
