"""HTTP plumbing shared by every endpoint: JSON responses, error envelopes, routing by method with
bearer-token and scope checks, query-string parsing and RFC 8288 ``Link`` headers.

Error envelopes follow the contract: ``{"error": {"name", "message"?, "payload"?}, "trackingId"}``.
Each carries a fresh ``trackingId``; the middleware adds an ``X-Trace-Id`` to every response and logs
both ids.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils import timezone as django_timezone

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
    valid token). Handlers raise ``ApiError`` subclasses for error answers.
    """

    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            if request.method not in methods:
                allowed = ", ".join(methods)
                raise MethodNotAllowed(f"Method {request.method} is not allowed here", headers={"Allow": allowed})
            scope, handler = methods[request.method]
            if authenticate is not None:
                authenticate(request, scope)
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


class Query:
    """Reads query parameters, collecting every problem as ``query.<name>`` validation errors.

    Call ``check()`` after reading them all: it raises one ValidationError listing every problem.
    """

    def __init__(self, request: HttpRequest):
        self.params = request.GET
        self.errors: list[dict] = []

    def fail(self, name: str, keyword: str) -> None:
        """Record a problem with parameter ``name`` (``keyword`` as in JSON schema)."""
        self.errors.append({"path": f"query.{name}", "keyword": keyword})

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None

    def integer(self, name: str, default: int | None = None, minimum: int | None = None, maximum: int | None = None):
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.fail(name, "type")
            return default
        if minimum is not None and value < minimum:
            self.fail(name, "minimum")
            return default
        if maximum is not None and value > maximum:
            self.fail(name, "maximum")
            return default
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            self.fail(name, "type")
            return None
        return value.lower() == "true"

    def choice(self, name: str, allowed) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            self.fail(name, "enum")
            return None
        return value

    def date(self, name: str) -> date | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.fail(name, "format")
            return None

    def moment(self, name: str, end_of_day: bool = False) -> datetime | None:
        """An ISO 8601 date-time (no offset: UTC). A plain date means the start of that day (UTC),
        or with ``end_of_day`` the last moment of it, so ``createdTo=2026-11-01`` includes that day."""
        raw = self.text(name)
        if raw is None:
            return None
        try:
            if "T" not in raw and " " not in raw:
                day = date.fromisoformat(raw)
                start = datetime.combine(day, time.min, tzinfo=timezone.utc)
                return start + timedelta(days=1, microseconds=-1) if end_of_day else start
            value = datetime.fromisoformat(raw)
        except ValueError:
            self.fail(name, "format")
            return None
        return value if django_timezone.is_aware(value) else value.replace(tzinfo=timezone.utc)

    def token(self, name: str = "continuationToken") -> dict | None:
        """An opaque continuation token (see ``encode_token``)."""
        raw = self.text(name)
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
            raise ValidationFailed(self.errors)


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
