"""The Autofy stand-in's knobs under ``/_sandbox/autofy/`` (no authentication; JSON in and out; stored in
the database, so they hold across threads and processes). Faults are ``/_sandbox/faults`` with
``"api": "autofy"``; ``latency_ms`` and ``failure_rate`` of ``/_sandbox/config`` apply to Autofy too.

``GET /_sandbox/autofy/config``, ``POST /_sandbox/autofy/config``
    The agent's knobs (a POST is a partial update and answers them all)::

        {"rate_limit": 100, "queue_limit": 10, "queue_wait_seconds": 90, "agent_latency_ms": 0,
         "agent_offline": false, "offline_code": 1302, "offline_status": 503, "key_kind": "production"}

    ``rate_limit``: requests a minute per endpoint; ``queue_limit``/``queue_wait_seconds``: requests that
    may wait for the agent, and how long; ``agent_latency_ms``: a slow agent (each request's time in the
    agent, one at a time); ``agent_offline``: every request answers ``offline_code`` (1302, 1600-1602)
    with HTTP ``offline_status`` (503, 502, 504 or 200) until it is set back; ``key_kind``:
    ``production``, ``trial`` (lists answer 1404) or ``trial_expired`` (everything answers 1403).
``POST /_sandbox/autofy/rate-limit/reset``
    Start every endpoint's rate window afresh.
``POST /_sandbox/autofy/salesorders/{ID}/in-use``
    ``{"in_use": true}``: a QuickBooks user has the order open (a PATCH answers 3170) until set false.
``POST /_sandbox/autofy/salesorders/{ID}/edit``
    A QuickBooks user changed the order: a new ``EditSequence`` and ``LastModifiedDate`` (a PATCH with
    the old ``EditSequence`` then answers 3200). ``{"Memo": "..."}`` also sets its memo.
``POST /_sandbox/autofy/salesorders/{ID}/delete``
    A QuickBooks user deleted the order (``{"at": "2026-11-01T12:00:00Z"}`` to date it; default now).
``POST /_sandbox/autofy/lists/{ID}/edit``
    A QuickBooks user changed a list record (a customer, an item, terms…): ``{"Name": "...", "IsActive":
    false, "at": "2026-11-01T12:00:00Z"}``, each optional. ``Name`` renames it (its ``FullName`` too, and
    the ``FullName`` of its jobs or sub-items); ``IsActive`` makes it inactive or active again; ``at``
    dates the change (``LastModifiedDate``; default now, also for an empty body: "touched"). A new
    ``EditSequence`` either way. Answers the record as the list serves it.
``POST /_sandbox/autofy/lists/{ID}/delete``
    A QuickBooks user deleted a list record (QuickBooks lets an unused one go): it is no longer listed;
    QuickBooks keeps nothing of it that a list query can show.
``POST /_sandbox/autofy/reset``
    Restore the company file as seeded, the knobs' defaults and fresh rate windows.
``GET /_sandbox/autofy/state``
    The endpoint ID, the company, its closing date, record counts, the orders in use and the knobs.
"""

import functools
from datetime import date, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox import knobs
from sandbox.api.http import Conflict, NotFound, ValidationFailed, json_response, validated_body
from sandbox.autofy import gate
from sandbox.autofy import seed as autofy_seed
from sandbox.autofy.models import AutofyConfig, QbCompany, QbListRecord, QbSalesOrder
from sandbox.autofy.shape import check_length, text
from sandbox.autofy.times import api_time

CONFIG = {
    "type": "object",
    "properties": {
        "rate_limit": {"type": "integer", "minimum": 0, "maximum": 100000},
        "queue_limit": {"type": "integer", "minimum": 0, "maximum": 100},
        "queue_wait_seconds": {"type": "number", "minimum": 0, "maximum": 600},
        "agent_latency_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
        "agent_offline": {"type": "boolean"},
        "offline_code": {"enum": [1302, 1600, 1601, 1602]},
        "offline_status": {"enum": [200, 502, 503, 504]},
        "key_kind": {"enum": ["production", "trial", "trial_expired"]},
    },
    "additionalProperties": False,
}
IN_USE = {"type": "object", "required": ["in_use"], "properties": {"in_use": {"type": "boolean"}},
          "additionalProperties": False}
EDIT = {"type": "object", "properties": {"Memo": {"type": "string"}}, "additionalProperties": False}
DELETE = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}},
          "additionalProperties": False}
EDIT_LIST_RECORD = {"type": "object", "properties": {
    "Name": {"type": "string", "minLength": 1, "maxLength": 41}, "IsActive": {"type": "boolean"},
    "at": {"type": "string", "format": "date-time"}}, "additionalProperties": False}


def get_config(request: HttpRequest) -> HttpResponse:
    return json_response(AutofyConfig.current().to_api())


def update_config(request: HttpRequest) -> HttpResponse:
    body = validated_body(request, CONFIG)
    config = AutofyConfig.current()
    for name, value in body.items():
        setattr(config, name, float(value) if name == "queue_wait_seconds" else value)
    config.save()
    knobs.changed()
    return json_response(config.to_api())


def reset_rate_limit(request: HttpRequest) -> HttpResponse:
    gate.reset_rate_windows()
    return json_response({})


def _order(txn_id: str) -> QbSalesOrder:
    order = QbSalesOrder.objects.filter(txn_id=txn_id, deleted_at__isnull=True).first()
    if order is None:
        raise NotFound(f"Sales order {txn_id} not found")
    return order


def set_in_use(request: HttpRequest, txn_id: str) -> HttpResponse:
    body = validated_body(request, IN_USE)
    order = _order(txn_id)
    order.in_use = body["in_use"]
    order.save(update_fields=["in_use"])
    return json_response({"ID": order.txn_id, "in_use": order.in_use})


def edit_order(request: HttpRequest, txn_id: str) -> HttpResponse:
    """What a QuickBooks user's edit does to the order: a new EditSequence and modification time."""
    body = validated_body(request, EDIT)
    order = _order(txn_id)
    now = timezone.now().replace(microsecond=0)
    company = QbCompany.current()
    sequence = max(company.next_edit + 1, int(now.timestamp()), int(order.edit_sequence) + 1)
    company.next_edit = sequence
    company.save(update_fields=["next_edit"])
    if "Memo" in body:
        check_length(body["Memo"], text("Memo", 4095))
        order.data["Memo"] = body["Memo"] or None
    order.data.update(EditSequence=str(sequence), LastModifiedDate=api_time(now))
    order.edit_sequence, order.modified_at = str(sequence), now
    order.save()
    return json_response(order.data)


def delete_order(request: HttpRequest, txn_id: str) -> HttpResponse:
    body = validated_body(request, DELETE)
    order = _order(txn_id)
    at = datetime.fromisoformat(body["at"]) if "at" in body else timezone.now().replace(microsecond=0)
    if at.tzinfo is None:
        raise ValidationFailed([{"path": "at", "keyword": "format"}])
    order.deleted_at = at
    order.save(update_fields=["deleted_at"])
    return json_response({"ID": order.txn_id, "DeletedDate": api_time(at)})


def _list_record(list_id: str) -> QbListRecord:
    record = QbListRecord.objects.filter(list_id=list_id).first()
    if record is None:
        raise NotFound(f"List record {list_id} not found")
    return record


def edit_list_record(request: HttpRequest, list_id: str) -> HttpResponse:
    """What a QuickBooks user's edit does to a list record: a new name (its children's full names
    follow), active or not, a new ``EditSequence`` and modification time."""
    body = validated_body(request, EDIT_LIST_RECORD)
    record = _list_record(list_id)
    at = datetime.fromisoformat(body["at"]) if "at" in body else timezone.now().replace(microsecond=0)
    if at.tzinfo is None:
        raise ValidationFailed([{"path": "at", "keyword": "format"}])
    changed = [record]
    if "Name" in body:
        old = record.full_name
        parent, _, _ = old.rpartition(":")
        new = f"{parent}:{body['Name']}" if parent else body["Name"]
        record.data["Name"] = body["Name"]
        children = list(QbListRecord.objects.filter(kind=record.kind, full_name__startswith=f"{old}:"))
        for entry in [record, *children]:
            entry.full_name = new + entry.full_name[len(old):]
            entry.full_name_folded = entry.full_name.casefold()
            entry.data["FullName"] = entry.full_name
            if entry is not record and (entry.data.get("Parent") or {}).get("ID") == record.list_id:
                entry.data["Parent"] = {"ID": record.list_id, "FullName": new}
        changed += children
    if "IsActive" in body:
        record.is_active = record.data["IsActive"] = body["IsActive"]
    for entry in changed:
        entry.modified_at = at
        entry.data.update(EditSequence=str(int(at.timestamp())), LastModifiedDate=api_time(at))
        entry.save()
    return json_response(record.data)


def delete_list_record(request: HttpRequest, list_id: str) -> HttpResponse:
    _list_record(list_id).delete()
    return json_response({"ID": list_id})


@functools.lru_cache(maxsize=1)
def _dataset(anchor: date, seed: int) -> autofy_seed.Dataset:
    """The seeded data, made once per process (``install`` only reads it): a reset costs its insert only."""
    return autofy_seed.generate(anchor, seed)


def restore(anchor: date, seed: int) -> None:
    """The company file as seeded, the knobs' defaults, fresh rate windows."""
    autofy_seed.install(_dataset(anchor, seed))
    AutofyConfig.objects.update_or_create(pk=1, defaults=AutofyConfig.DEFAULTS)
    gate.reset_rate_windows()


def reset(request: HttpRequest) -> HttpResponse:
    from sandbox.models import SeedState

    state = SeedState.objects.filter(pk=1).first()
    if state is None:
        raise Conflict("The sandbox has not been seeded yet: run the seed_sandbox command first")
    restore(state.anchor, state.seed)
    knobs.changed()
    return get_state(request)


def counts() -> dict:
    return {
        "salesOrders": QbSalesOrder.objects.filter(deleted_at__isnull=True).count(),
        "deletedSalesOrders": QbSalesOrder.objects.filter(deleted_at__isnull=False).count(),
        "customers": QbListRecord.objects.filter(kind="Customer").count(),
        "items": QbListRecord.objects.filter(kind="Item").count(),
    }


def get_state(request: HttpRequest) -> HttpResponse:
    company = QbCompany.objects.filter(pk=1).first()
    return json_response({
        "endpointId": settings.SANDBOX_AUTOFY_ENDPOINT_ID,
        "company": company.name if company else None,
        "closingDate": company.closing_date.isoformat() if company else None,
        "counts": counts(),
        "inUse": list(QbSalesOrder.objects.filter(in_use=True, deleted_at__isnull=True).order_by("seq")
                      .values_list("txn_id", flat=True)),
        "config": AutofyConfig.current().to_api(),
    })
