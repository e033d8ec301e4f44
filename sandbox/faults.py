"""Injected failures for ``/v1`` calls: one-shot faults and the random failure rate.

A fault is registered with ``POST /_sandbox/faults``::

    {"endpoint": "POST /salesorders/*/lines", "fault": "timeout", "count": 2, "seconds": 5, "retry_after": 2}

``endpoint`` is ``"<METHOD> <glob>"``: the method (or ``*``) and an ``fnmatch`` pattern matched against
the path after ``/v1`` (``*`` also crosses ``/``: ``GET /salesorders/*`` matches the lines too). The
next ``count`` matching calls fail, oldest fault first; consuming one is atomic across threads and
processes. Faults come before the token check. The kinds:

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
    ``InternalServerError`` envelope; nothing applied.
``503``
    ``ServiceUnavailableError`` envelope with ``Retry-After: <retry_after>`` (default 1); nothing applied.
``401``
    The envelope of an expired token; nothing applied.
``malformed``
    The call is handled (a write IS applied), then answered 200 with its body cut short: invalid JSON.
``html``
    502 with an HTML error page (``Content-Type: text/html``), as from a proxy; nothing applied.
``drop_after_commit``
    The call is handled and committed, then the TCP connection is closed without any response.
    Needs the raw socket, which ``runsandbox`` provides (see ``sandbox.server``).

With ``failure_rate`` set (see ``sandbox.api.control``), that fraction of the ``/v1`` calls not hit
by a fault answers 503 (``Retry-After: 1``) without being handled.
"""

import fnmatch
import random
import select
import socket
import time
from collections.abc import Callable

from django.db.models import F
from django.http import HttpRequest, HttpResponse

from sandbox import knobs
from sandbox.api.http import InternalServerError, ServiceUnavailable, Unauthorized
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


def take(method: str, path: str) -> Fault | None:
    """Consume one use of the oldest pending fault matching this call, if any."""
    memory = knobs.current()
    if memory.no_faults:
        return None
    while True:
        pending = list(Fault.objects.filter(remaining__gt=0))
        if not pending:
            memory.no_faults = True
            return None
        fault = next(
            (f for f in pending if f.method in ("*", method) and fnmatch.fnmatchcase(path, f.path_glob)), None
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


def handle(request: HttpRequest, path: str, config: Config, get_response: Callable) -> tuple[HttpResponse, str | None]:
    """Answer one ``/v1`` call (``path`` is the part after ``/v1``), applying a pending fault or the
    failure rate. Returns the response and the fault applied (None when none was). When the
    connection was dropped, ``request.META[DROPPED_KEY]`` is set and the response is never sent."""
    fault = take(request.method, path)
    if fault is None:
        if config.failure_rate and random.random() < config.failure_rate:
            error = ServiceUnavailable("The service is temporarily unavailable (failure_rate)", retry_after=1)
            return error.response(), "failure_rate"
        return get_response(request), None

    kind = fault.kind
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
    if kind == "500":
        return InternalServerError("An unexpected error occurred (injected fault)").response(), kind
    if kind == "503":
        return ServiceUnavailable("The service is temporarily unavailable", fault.retry_after).response(), kind
    if kind == "401":
        return Unauthorized("The access token has expired").response(), kind
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
    raise AssertionError(f"unknown fault kind {kind!r}")
