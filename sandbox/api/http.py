"""HTTP plumbing shared by every endpoint: JSON responses, error envelopes, routing by method with
bearer-token and scope checks, the query parameters each endpoint declares (anything else is a
``ValidationError``) and RFC 8288 ``Link`` headers.

Error envelopes follow the contract: ``{"error": {"name", "message"?, "payload"?}, "trackingId"}``.
Each carries a fresh ``trackingId``; the middleware adds an ``X-Trace-Id`` to every response and logs
both ids.
"""

import base64
import binascii
import functools
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from sandbox import schemas

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


# --- Responses -------------------------------------------------------------------------------------


def _encode(value):
    if isinstance(value, Decimal):
        # Money as JSON numbers: 25 rather than 25.00, 124.99 rather than "124.99".
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    body = json.dumps(data, default=_encode, ensure_ascii=False)
    return HttpResponse(body.encode(), status=status, content_type=JSON_CONTENT_TYPE, headers=headers)


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


class ApiError(Exception):
    """An error answer. Raise one of the subclasses from a handler; ``resource`` turns it into a response."""

    status = 500
    name = "InternalServerError"

    def __init__(self, message: str | None = None, payload: dict | None = None, headers: dict | None = None):
        super().__init__(message or self.name)
        self.message = message
        self.payload = payload
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        error = {"name": self.name}
        if self.message is not None:
            error["message"] = self.message
        if self.payload is not None:
            error["payload"] = self.payload
        tracking_id = uuid.uuid4().hex
        response = json_response({"error": error, "trackingId": tracking_id}, self.status, self.headers)
        response.tracking_id = tracking_id
        return response


class ValidationFailed(ApiError):
    status, name = 400, "ValidationError"

    def __init__(self, errors: list[dict]):
        super().__init__(payload={"validationErrors": errors})


class BusinessRuleFailed(ApiError):
    """400 BadRequestError with ``payload.errors[]`` of ``{type, message, arguments}`` (NoLines, ...)."""

    status, name = 400, "BadRequestError"

    def __init__(self, errors: list[dict]):
        super().__init__(payload={"errors": errors})


class BadRequest(ApiError):
    status, name = 400, "BadRequestError"


class Unauthorized(ApiError):
    status, name = 401, "UnauthorizedError"

    def __init__(self, message: str):
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(ApiError):
    status, name = 403, "ForbiddenError"


class NotFound(ApiError):
    status, name = 404, "NotFoundError"


class MethodNotAllowed(ApiError):
    status, name = 405, "MethodNotAllowedError"


class Conflict(ApiError):
    status, name = 409, "ConflictError"


class InternalServerError(ApiError):
    status, name = 500, "InternalServerError"


class ServiceUnavailable(ApiError):
    status, name = 503, "ServiceUnavailableError"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, headers={"Retry-After": str(retry_after)})


def route_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """``handler404``: unknown routes answer with the envelope too."""
    return NotFound(f"No route for {request.method} {request.path}").response()


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an unexpected exception still answers with an envelope."""
    return InternalServerError("An unexpected error occurred").response()


# --- Routing ---------------------------------------------------------------------------------------

Handler = Callable[..., HttpResponse]


def resource(authenticate: Callable[[HttpRequest, str | None], None] | None = None, **methods: tuple[str | None, Handler]):
    """A view for one URL that dispatches on the HTTP method.

    ``methods`` maps a method to ``(scope, handler)``; with ``authenticate`` (the bearer-token check
    from ``sandbox.api.oauth``) each call first needs a valid token carrying that scope (None: any
    valid token). A handler accepts the query parameters it declares with ``accepts``, and no others.
    Handlers raise ``ApiError`` subclasses for error answers.
    """

    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            if request.method not in methods:
                allowed = ", ".join(methods)
                raise MethodNotAllowed(f"Method {request.method} is not allowed here", headers={"Allow": allowed})
            scope, handler = methods[request.method]
            if authenticate is not None:
                authenticate(request, scope)
            if not hasattr(handler, "query_parameters"):
                Query(request, {}).check()  # it declares none (see ``accepts``): it accepts none
            return handler(request, **kwargs)
        except ApiError as error:
            return error.response()

    return view


# --- Request bodies --------------------------------------------------------------------------------


def json_body(request: HttpRequest):
    """The request's JSON body with numbers as ``Decimal`` (an empty body reads as ``{}``)."""
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"The request body is not valid JSON: {error}") from None


def validated_body(request: HttpRequest, schema: dict):
    """The JSON body, valid against ``schema`` (see ``sandbox.schemas``), else a ValidationError."""
    body = json_body(request)
    errors = schemas.validate(schema, body)
    if errors:
        raise ValidationFailed(errors)
    return body


# --- Query strings ---------------------------------------------------------------------------------
#
# Every route accepts exactly the query parameters the contract declares for it, written next to its
# handler with ``accepts``; a handler without a declaration accepts none. An undeclared parameter or an
# invalid value answers 400 ``ValidationError`` with ``{"path": "query.<name>", "keyword": ...}``, as a
# validating server would: whether the real API rejects an *unknown* parameter is undocumented, and
# rejecting it here is what lets the tests catch a client sending one.

DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
# RFC 3339 ``date-time`` (the OpenAPI format): a date, "T", a time and an offset ("Z" or "+01:00").
DATE_TIME_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
INTEGER_PATTERN = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter as the contract declares it.

    ``type``: ``string``, ``integer`` or ``boolean`` (``true``/``false``). String ``format``s: ``date``
    (``2026-11-01``), ``date-time`` (RFC 3339 with an offset, ``2026-11-01T08:00:00Z``) and ``iso8601``
    (the contract's "dates in ISO8601 format": a date or a date-time; without an offset it is UTC).
    An empty value is no value for a plain string and invalid for anything stricter.
    """

    type: str = "string"
    format: str | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: str):
        """``(value, None)``, or ``(None, keyword)`` naming the rule ``raw`` breaks."""
        if self.type == "integer":
            if not INTEGER_PATTERN.fullmatch(raw):
                return None, "type"
            value = int(raw)
            if self.minimum is not None and value < self.minimum:
                return None, "minimum"
            if self.maximum is not None and value > self.maximum:
                return None, "maximum"
            return value, None
        if self.type == "boolean":
            return (raw == "true", None) if raw in ("true", "false") else (None, "type")
        if self.enum is not None and raw not in self.enum:
            return None, "enum"
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            return None, "pattern"
        if self.format is not None:
            value = _moment(raw, self.format)
            return (value, None) if value is not None else (None, "format")
        return raw or None, None


def _moment(raw: str, kind: str) -> date | datetime | None:
    try:
        if DATE_PATTERN.fullmatch(raw):
            day = date.fromisoformat(raw)
            if kind == "date":
                return day
            if kind == "iso8601":
                return datetime.combine(day, time.min, tzinfo=timezone.utc)
            return None
        if kind == "date-time" and not DATE_TIME_PATTERN.fullmatch(raw):
            return None
        if kind in ("date-time", "iso8601") and raw[10:11] in ("T", "t", " "):
            value = datetime.fromisoformat(raw[:10] + "T" + raw[11:].upper())
            return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    return None


def accepts(**declared: Param):
    """Declare the query parameters a handler accepts (from the contract). The handler is called with
    the checked ``Query`` as its second argument, and only when every parameter is declared and valid."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def checked(request: HttpRequest, **kwargs) -> HttpResponse:
            query = Query(request, declared)
            query.check()
            return handler(request, query, **kwargs)

        checked.query_parameters = declared
        return checked

    return decorate


class Query:
    """A call's query string checked against the declared parameters: an undeclared one (keyword
    ``additionalProperties``), a repeated one (``type``) or an invalid value (``type``, ``format``,
    ``enum``, ``pattern``, ``minimum``, ``maximum``) is recorded as a ``query.<name>`` validation error.

    Handlers read the converted values with ``get`` and record problems of their own with ``fail``;
    ``check()`` raises one ValidationError listing every problem recorded since the last check.
    """

    def __init__(self, request: HttpRequest, declared: Mapping[str, Param]):
        self.errors: list[dict] = []
        self.values: dict = {}
        for name, raw in request.GET.lists():
            param = declared.get(name)
            if param is None:
                self.fail(name, "additionalProperties")
                continue
            if len(raw) > 1:
                self.fail(name, "type")
                continue
            value, problem = param.parse(raw[0])
            if problem:
                self.fail(name, problem)
            elif value is not None:
                self.values[name] = value

    def fail(self, name: str, keyword: str) -> None:
        """Record a problem with parameter ``name`` (``keyword`` as in JSON schema)."""
        self.errors.append({"path": f"query.{name}", "keyword": keyword})

    def get(self, name: str, default=None):
        """The parameter's value (converted to its type), or ``default`` when it was not given."""
        return self.values.get(name, default)

    def token(self, name: str = "continuationToken") -> dict | None:
        """An opaque continuation token (see ``encode_token``)."""
        raw = self.get(name)
        if raw is None:
            return None
        try:
            value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (binascii.Error, ValueError):
            value = None
        if not isinstance(value, dict):
            self.fail(name, "format")
            return None
        return value

    def check(self) -> None:
        if self.errors:
            errors, self.errors = self.errors, []
            raise ValidationFailed(errors)


def encode_token(data: dict) -> str:
    """An opaque continuation token: clients follow links, they never build or read these."""
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def link_header(request: HttpRequest, links: dict[str, dict | None]) -> str:
    """An RFC 8288 ``Link`` value with absolute URLs: ``links`` maps a rel to the query parameters
    that replace or drop (None) the current ones; rels mapped to None are left out."""
    parts = []
    for rel, changes in links.items():
        if changes is None:
            continue
        params = {key: value for key, value in request.GET.items()}
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        url = request.build_absolute_uri(request.path + ("?" + urlencode(params) if params else ""))
        parts.append(f'<{url}>; rel="{rel}"')
    return ", ".join(parts)
