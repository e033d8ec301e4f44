"""The control API under ``/_sandbox/``: knobs for demos and tests. No authentication; JSON in and out.

Everything is stored in the database, so it applies across threads and processes.

``GET /_sandbox/config``, ``POST /_sandbox/config``
    ``{"latency_ms": 50, "failure_rate": 0.1, "token_ttl": 3600, "denied_scopes": []}``; POST is a
    partial update and answers the whole config. ``latency_ms`` delays every ``/v1``, ``/oauth`` and
    Autofy call; ``failure_rate`` (0..1) makes that fraction of ``/v1`` and Autofy calls answer 503;
    ``token_ttl`` is the lifetime in seconds of newly issued tokens; ``denied_scopes`` are withheld
    from new and existing tokens (calls needing them answer 403).
``GET /_sandbox/faults``, ``POST /_sandbox/faults``, ``DELETE /_sandbox/faults``
    List the pending faults, add one (``{"endpoint": "POST /salesorders/*/lines", "fault": "timeout",
    "count": 2, "seconds": 5, "retry_after": 2}``, with ``"api": "autofy"`` for the Autofy stand-in; see
    ``sandbox.faults``), clear them all (of both).
``POST /_sandbox/tokens/expire``
    Expire every issued token (to test refresh-on-401).
``POST /_sandbox/reset``
    Restore the seeded data of both stand-ins (same anchor and seed), clear the faults and reset the
    config (and the Autofy agent's knobs and rate windows). Issued tokens and the call log are kept.
``GET /_sandbox/state``
    Anchor, seed, record counts (``autofy``: the Autofy stand-in's) and the size of the call log.

The Autofy agent's own knobs are under ``/_sandbox/autofy/`` (``sandbox.autofy.control``).
``GET /_sandbox/calls?since=<id>``
    The call log after call ``since``: ``[{id, method, path, query, status, fault, traceId}]``, oldest
    first. ``status`` is None when the client got no response (dropped connection).
"""

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox import faults, knobs, schemas, seed
from sandbox.api.http import Conflict, Param, Query, ValidationFailed, accepts, json_response, no_content, validated_body
from sandbox.autofy import control as autofy_control
from sandbox.models import AccessToken, Call, Config, Customer, Fault, Product, SalesOrder, SalesOrderLine, SeedState


def get_config(request: HttpRequest) -> HttpResponse:
    return json_response(Config.current().to_api())


def update_config(request: HttpRequest) -> HttpResponse:
    body = validated_body(request, schemas.CONFIG)
    config = Config.current()
    for name, value in body.items():
        setattr(config, name, float(value) if name == "failure_rate" else value)
    config.save()
    knobs.changed()
    return json_response(config.to_api())


def list_faults(request: HttpRequest) -> HttpResponse:
    return json_response([fault.to_api() for fault in Fault.objects.filter(remaining__gt=0)])


def add_fault(request: HttpRequest) -> HttpResponse:
    body = validated_body(request, schemas.FAULT)
    parsed = faults.parse_endpoint(body["endpoint"])
    if parsed is None:
        raise ValidationFailed([{"path": "endpoint", "keyword": "pattern"}])
    method, glob = parsed
    api = body.get("api", "tso")
    if (body["fault"] in schemas.AUTOFY_FAULT_KINDS and api != "autofy") or (
            body["fault"] in schemas.TSO_FAULT_KINDS and api != "tso"):
        raise ValidationFailed([{"path": "fault", "keyword": "enum"}])
    fault = Fault.objects.create(
        api=api,
        method=method,
        path_glob=glob,
        kind=body["fault"],
        remaining=body.get("count", 1),
        seconds=float(body.get("seconds", faults.DEFAULT_SECONDS.get(body["fault"], 5))),
        retry_after=body.get("retry_after", 1),
        code=body.get("code"),
    )
    knobs.changed()
    return json_response(fault.to_api(), status=201)


def clear_faults(request: HttpRequest) -> HttpResponse:
    Fault.objects.all().delete()
    knobs.changed()
    return no_content()


def expire_tokens(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    expired = AccessToken.objects.filter(expires_at__gt=now).update(expires_at=now)
    knobs.changed()
    return json_response({"expired": expired})


def reset(request: HttpRequest) -> HttpResponse:
    state = SeedState.objects.filter(pk=1).first()
    if state is None:
        raise Conflict("The sandbox has not been seeded yet: run the seed_sandbox command first")
    seed.install(seed.generate(state.anchor, state.seed))
    autofy_control.restore(state.anchor, state.seed)
    Fault.objects.all().delete()
    Config.objects.update_or_create(pk=1, defaults=Config.DEFAULTS)
    knobs.changed()
    return get_state(request)


def get_state(request: HttpRequest) -> HttpResponse:
    state = SeedState.objects.filter(pk=1).first()
    return json_response(
        {
            "anchor": state.anchor.isoformat() if state else None,
            "seed": state.seed if state else None,
            "counts": {
                "salesOrders": SalesOrder.objects.count(),
                "lines": SalesOrderLine.objects.count(),
                "customers": Customer.objects.count(),
                "products": Product.objects.count(),
            },
            "autofy": autofy_control.counts(),
            "calls": Call.objects.count(),
            "lastCallId": Call.objects.aggregate(last=Max("id"))["last"] or 0,
        }
    )


@accepts(since=Param("integer", minimum=0, maximum=2**63 - 1))
def list_calls(request: HttpRequest, query: Query) -> HttpResponse:
    since = query.get("since", 0)
    return json_response([call.to_api() for call in Call.objects.filter(id__gt=since).order_by("id")])
