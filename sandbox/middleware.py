"""The one middleware of the sandbox: trace ids, latency, faults and the call log.

* Every response gets a fresh ``X-Trace-Id`` (uuid4 hex); error envelopes carry their own
  ``trackingId``. Each call is logged with both.
* ``/v1``, ``/oauth`` and Autofy (``/autofy/v2/data/...``) calls ("upstream" calls) wait the
  configured ``latency_ms`` first and are recorded in the call log (``GET /_sandbox/calls``) with the
  status the client saw (None when it saw no response at all) and the fault applied, if any.
* ``/v1`` and Autofy calls go through ``sandbox.faults`` (one-shot faults and the failure rate); an
  Autofy fault's path is the part after ``/autofy/v2/data/{endpointID}`` (``sandbox.autofy.views``).

The control API (``/_sandbox/...``) is neither delayed, nor faulted, nor logged as a call.
"""

import logging
import time
import uuid

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox import faults, knobs
from sandbox.autofy import views as autofy
from sandbox.autofy.faults import AUTOFY
from sandbox.log import FAULT_ATTRIBUTE
from sandbox.models import Call

logger = logging.getLogger("sandbox")

API_PREFIX = "/v1"
TOKEN_PREFIX = "/oauth/"
AUTOFY_PREFIX = autofy.BASE_PATH + "/"
CALL_LOG_LIMIT = 20_000  # older calls are pruned


class SandboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trace_id = uuid.uuid4().hex
        path = request.path
        is_api = path == API_PREFIX or path.startswith(API_PREFIX + "/")
        autofy_path = autofy.fault_path(path) if path.startswith(AUTOFY_PREFIX) else None
        fault = None
        if is_api or autofy_path or path.startswith(TOKEN_PREFIX):
            config = knobs.config()
            request.sandbox_config = config
            if config.latency_ms > 0:
                time.sleep(config.latency_ms / 1000)
            if is_api:
                response, fault = faults.handle(request, path[len(API_PREFIX) :] or "/", config, self.get_response)
                setattr(request, FAULT_ATTRIBUTE, fault)
            elif autofy_path:
                response, fault = faults.handle(request, autofy_path, config, self.get_response, AUTOFY)
                setattr(request, FAULT_ATTRIBUTE, fault)
            else:
                response = self.get_response(request)
            self.record(request, response, fault, trace_id)
        else:
            response = self.get_response(request)
        response["X-Trace-Id"] = trace_id
        if not response.streaming:
            # A known length lets the server keep the connection alive (HTTP/1.1).
            response["Content-Length"] = str(len(response.content))
        logger.info(
            "%s %s %s trace=%s tracking=%s%s",
            request.method,
            request.get_full_path(),
            "-" if request.META.get(faults.DROPPED_KEY) else response.status_code,
            trace_id,
            getattr(response, "tracking_id", "-"),
            f" fault={fault}" if fault else "",
        )
        return response

    @staticmethod
    def record(request: HttpRequest, response: HttpResponse, fault: str | None, trace_id: str) -> None:
        call = Call.objects.create(
            method=request.method,
            path=request.path,
            query=request.META.get("QUERY_STRING", ""),
            status=None if request.META.get(faults.DROPPED_KEY) else response.status_code,
            fault=fault,
            trace_id=trace_id,
            at=timezone.now(),
        )
        if call.id % 1000 == 0:
            Call.objects.filter(id__lte=call.id - CALL_LOG_LIMIT).delete()
