"""The reference lists a sales order builder needs (``decisions.LIST_OBJECTS``), read-only: GET a list or
one record by ``ID``, in the same envelope as sales orders. Filters: ``Id`` (repeatable; the others are
then ignored), ``name`` (the ``FullName``, exact, case ignored), ``isActive``, ``modTimeStart``/``modTimeEnd``
(on ``LastModifiedDate``), ``page`` and ``pageSize``. Records are listed by ``FullName``.
"""

from django.http import HttpRequest, HttpResponse

from sandbox.autofy import pricing
from sandbox.autofy.envelope import AutofyError, envelope, item, respond
from sandbox.autofy.models import QbListRecord
from sandbox.autofy.query import DataQuery, window
from sandbox.autofy.salesorders import not_found, object_url, page_of


def records_of(name: str):
    if name == "ItemSalesTax":  # the sales tax items and groups among the items
        return QbListRecord.objects.filter(kind="Item", data__Type__in=list(pricing.SALES_TAX_TYPES))
    return QbListRecord.objects.filter(kind=name)


def list_records(request: HttpRequest, base: str, name: str, query: DataQuery) -> HttpResponse:
    records = records_of(name)
    if query.ids:
        requested = list(dict.fromkeys(query.ids))
        found = {record.list_id: record.data for record in records.filter(list_id__in=requested)}
        return page_of(request, base, query, requested, found, object_name=name)
    if query.name is not None:
        records = records.filter(full_name_folded=query.name.casefold())
    if query.is_active is not None:
        records = records.filter(is_active=query.is_active)
    records = records.filter(**window("modified_at", query))
    return page_of(request, base, query, [record.data for record in records.order_by("full_name_folded", "id")])


def get_record(request: HttpRequest, base: str, name: str, object_id: str) -> HttpResponse:
    record = records_of(name).filter(list_id=object_id).first()
    if record is None:
        raise AutofyError(1507, not_found(name, object_id)["Message"])
    return respond(envelope(request, [item(record.data, object_url(request, base, record.list_id))]))
