"""Injected failures for ``/v1`` and Autofy calls: one-shot faults and the random failure rate.

A fault is registered with ``POST /_sandbox/faults``::

    {"endpoint": "POST /salesorders/*/lines", "fault": "timeout", "count": 2, "seconds": 5, "retry_after": 2}
    {"api": "autofy", "endpoint": "POST /SalesOrder", "fault": "error_200", "code": 1600}

``api`` is the stand-in it is for: ``tso`` (the default, ``/v1``) or ``autofy``. ``endpoint`` is
``"<METHOD> <glob>"``: the method (or ``*``) and an ``fnmatch`` pattern matched against the path after
the API's base: after ``/v1``, or after ``/autofy/v2/data/{endpointID}`` with the object's name spelled
as Autofy does (``/SalesOrder``, ``/SalesOrder/1A2B-1699999999``). ``*`` also crosses ``/``:
``GET /salesorders/*`` matches the lines too. The next ``count`` matching calls fail, oldest fault first;
consuming one is atomic across threads and processes. Faults come before the token (or API key) check.
An error answer has the envelope of its API (``Answers``): for Autofy ``code`` chooses the error code in
it (defaults below). The kinds:

``timeout``
    Sleep ``seconds`` (default 5) BEFORE handling. If the client gave up meanwhile (a read timeout
    shorter than the sleep), nothing is applied and nothing is sent; a more patient client gets the
    normal answer, applied then.
``late_commit``
    Sleep ``seconds`` (default 5) BEFORE handling, then handle the call and commit it whatever the
    client did meanwhile: a client that gave up (a read timeout shorter than the sleep) is never told,
    yet the write lands ``seconds`` after it was sent. This is the ERP that finishes a slow write after
    the dashboard stopped waiting; a patient client gets the normal answer.
``500``
    ``InternalServerError`` envelope (Autofy: 1303); nothing applied.
``503``
    ``ServiceUnavailableError`` envelope (Autofy: 1303) with ``Retry-After: <retry_after>`` (default 1);
    nothing applied.
``401``
    The envelope of an expired token (Autofy: 1401, a revoked key); nothing applied.
``malformed``
    The call is handled (a write IS applied), then answered 200 with its body cut short: invalid JSON.
``html``
    502 with an HTML error page (``Content-Type: text/html``), as from a proxy; nothing applied.
``drop_after_commit``
    The call is handled and committed, then the TCP connection is closed without any response.
    Needs the raw socket, which ``runsandbox`` provides (see ``sandbox.server``).

``/v1`` only (``schemas.TSO_FAULT_KINDS``):

``404``
    ``NotFoundError`` envelope; nothing applied: the record is gone (a customer deleted in the ERP since
    an order was made for it, say).

Autofy only (``schemas.AUTOFY_FAULT_KINDS``):

``error_200``
    HTTP 200 whose envelope carries an error (``HasErrors``; ``code``, default 1300): nothing applied.
``error_after_commit``
    The call is handled (a write IS applied), then answered HTTP 200 carrying an error (``code``,
    default 1301 "an unknown error happened when constructing response").
``offline_after_commit``
    The call is handled (a write IS applied), then the agent goes offline (``agent_offline`` is set, as
    ``POST /_sandbox/autofy/config`` would) and the call is answered as an offline agent answers: the
    knobs' ``offline_code`` (default 1302) with ``offline_status`` (default 503), or the fault's ``code``.
    Every later call is refused the same way until ``agent_offline`` is set back to false: the PC running
    QuickBooks switched off right after QuickBooks saved the order.

With ``failure_rate`` set (see ``sandbox.api.control``), that fraction of the ``/v1`` and Autofy calls
not hit by a fault answers 503 (``Retry-After: 1``) without being handled.

A slow or broken ERP (``SLOW_FAULTS``, see ``slow_answer``):

``stall``
    Hang ``seconds`` (default 5) without answering, then close the connection with no response;
    nothing applied. Ends early when the client hangs up, so a stalled call holds no server thread
    longer than its client waits.
``drip``
    The call is handled (a write IS applied); the headers (with ``Content-Length``) go out at once,
    then the body one byte every ``seconds`` (default 0.05).
``huge``
    The call is handled (a write IS applied), then answered 200 with a body of ``HUGE_BYTES`` (5 MiB)
    and no ``Content-Length``, streamed: a list answer repeats its items, any other answer is padded
    with whitespace. Still valid JSON.
"""

import fnmatch
import itertools
import json
import random
import select
import socket
import time
from collections.abc import Callable

from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from sandbox import knobs
from sandbox.api.http import InternalServerError, NotFound, ServiceUnavailable, Unauthorized
from sandbox.models import Config, Fault

SOCKET_KEY = "sandbox.socket"  # the raw client socket, put in the WSGI environ by sandbox.server
DROPPED_KEY = "sandbox.dropped"  # set once the connection has been closed: write nothing

BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def parse_endpoint(endpoint: str) -> tuple[str, str] | None:
    """``"POST /salesorders/*"`` -> ``("POST", "/salesorders/*")``; None when malformed."""
    method, _, glob = endpoint.strip().partition(" ")
    glob = glob.strip()
    if not method or not glob.startswith(("/", "*")):
        return None
    return method.upper(), glob


class Answers:
    """The error answers of one API (the 24SevenOffice envelope here; Autofy's in
    ``sandbox.autofy.faults``)."""

    api = "tso"

    def refuse(self, request: HttpRequest, fault: Fault) -> HttpResponse | None:
        """The answer to a fault that applies nothing (None: the kind is not one of those)."""
        if fault.kind == "500":
            return InternalServerError("An unexpected error occurred (injected fault)").response()
        if fault.kind == "503":
            return ServiceUnavailable("The service is temporarily unavailable", fault.retry_after).response()
        if fault.kind == "401":
            return Unauthorized("The access token has expired").response()
        if fault.kind == "404":
            return NotFound("The resource was not found (injected fault)").response()
        return None

    def after_commit(self, request: HttpRequest, fault: Fault, response: HttpResponse) -> HttpResponse | None:
        """The answer to a fault that lets the call be handled first (None: not one of those)."""
        return None

    def failure(self, request: HttpRequest) -> HttpResponse:
        """The failure rate's answer."""
        return ServiceUnavailable("The service is temporarily unavailable (failure_rate)", retry_after=1).response()


TSO = Answers()


def take(api: str, method: str, path: str) -> Fault | None:
    """Consume one use of the oldest pending fault of ``api`` matching this call, if any."""
    memory = knobs.current()
    if memory.no_faults:
        return None
    while True:
        pending = list(Fault.objects.filter(remaining__gt=0))
        if not pending:
            memory.no_faults = True  # of any API: what this process remembers is "none at all"
            return None
        fault = next(
            (f for f in pending
             if f.api == api and f.method in ("*", method) and fnmatch.fnmatchcase(path, f.path_glob)), None
        )
        if fault is None:
            return None
        # A conditional decrement, so each use goes to one caller only; on a lost race look again.
        if Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
            return fault


def client_gone(sock: socket.socket) -> bool:
    """Whether the client closed (or reset) its side of the connection."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def drop_connection(request: HttpRequest) -> None:
    """Close the client's connection with no response (when the server gave us its socket)."""
    sock = request.META.get(SOCKET_KEY)
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
    request.META[DROPPED_KEY] = True


def handle(request: HttpRequest, path: str, config: Config, get_response: Callable,
           answers: Answers = TSO) -> tuple[HttpResponse, str | None]:
    """Answer one call of ``answers.api`` (``path`` is the part after the API's base), applying a pending
    fault or the failure rate. Returns the response and the fault applied (None when none was). When
    the connection was dropped, ``request.META[DROPPED_KEY]`` is set and the response is never sent."""
    fault = take(answers.api, request.method, path)
    if fault is None:
        if config.failure_rate and random.random() < config.failure_rate:
            return answers.failure(request), "failure_rate"
        return get_response(request), None

    kind = fault.kind
    if kind in SLOW_FAULTS:
        return slow_answer(request, fault, get_response), kind
    if kind == "timeout":
        # Read the whole body first: then nothing but the client's hang-up can be pending on the socket.
        request.body  # noqa: B018 (read for its side effect; Django keeps it for the view)
        time.sleep(fault.seconds)
        sock = request.META.get(SOCKET_KEY)
        if sock is not None and client_gone(sock):
            drop_connection(request)
            return HttpResponse(status=499), kind  # nginx's "client closed request"; never sent
        return get_response(request), kind
    if kind == "late_commit":
        request.body  # noqa: B018 (as for "timeout")
        time.sleep(fault.seconds)
        response = get_response(request)
        sock = request.META.get(SOCKET_KEY)
        if sock is not None and client_gone(sock):
            drop_connection(request)
        return response, kind
    refused = answers.refuse(request, fault)
    if refused is not None:
        return refused, kind
    if kind == "html":
        return HttpResponse(BAD_GATEWAY_PAGE, status=502, content_type="text/html; charset=utf-8"), kind
    response = get_response(request)
    if kind == "malformed":
        body = response.content
        cut = body[: len(body) // 2] if len(body) > 1 else b'{"'
        return HttpResponse(cut, status=200, content_type="application/json; charset=utf-8"), kind
    if kind == "drop_after_commit":
        drop_connection(request)
        return response, kind
    answered = answers.after_commit(request, fault, response)
    if answered is not None:
        return answered, kind
    raise AssertionError(f"unknown fault kind {kind!r}")


# --- A slow or broken ERP ----------------------------------------------------------------------------

SLOW_FAULTS = ("stall", "drip", "huge")
DEFAULT_SECONDS = {"drip": 0.05}  # for the other kinds, a fault's ``seconds`` defaults to 5
HUGE_BYTES = 5 * 1024 * 1024
STREAM_PIECE = 64 * 1024


def slow_answer(request: HttpRequest, fault: Fault, get_response: Callable) -> HttpResponse:
    """Answer one call with the ``stall``, ``drip`` or ``huge`` fault."""
    if fault.kind == "stall":
        request.body  # noqa: B018 (read: then only the client's hang-up can be pending on the socket)
        sock = request.META.get(SOCKET_KEY)
        ends = time.monotonic() + fault.seconds
        while time.monotonic() < ends and not (sock is not None and client_gone(sock)):
            time.sleep(min(0.05, max(0.0, ends - time.monotonic())))
        drop_connection(request)
        return HttpResponse(status=499)  # never sent when the connection could be closed
    response = get_response(request)
    body = response.content
    if fault.kind == "drip":
        pieces = _dripped(body, fault.seconds)
    else:
        pieces = _huge(body)
    slow = StreamingHttpResponse(pieces, status=response.status_code if fault.kind == "drip" else 200)
    for header, value in response.items():
        slow[header] = value
    if fault.kind == "drip":
        slow["Content-Length"] = str(len(body))
    return slow


def _dripped(body: bytes, interval: float):
    for index in range(len(body)):
        yield body[index:index + 1]
        time.sleep(interval)


def _huge(body: bytes):
    """``body`` (JSON) grown to ``HUGE_BYTES``, in pieces of ``STREAM_PIECE``."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    sent = 0
    if isinstance(data, list) and data:
        items = itertools.cycle([json.dumps(item, ensure_ascii=False).encode() for item in data])
        piece = bytearray(b"[")
        while sent + len(piece) < HUGE_BYTES:
            piece += next(items) + b","
            if len(piece) >= STREAM_PIECE:
                sent += len(piece)
                yield bytes(piece)
                piece = bytearray()
        yield bytes(piece) + next(items) + b"]"
        return
    yield body or b"{}"
    padding = b" " * STREAM_PIECE
    for _ in range(HUGE_BYTES // STREAM_PIECE):
        yield padding
