"""The project's own error types for everything that can go wrong talking to an upstream ERP.

Every transport or status failure of every upstream client becomes one of these (``raise … from exc``),
so views map a small, closed set of errors onto pages: not found → 404 page, validation → form errors,
unavailable → an error state with a retry button.

Each error keeps the upstream's correlation ids: ``tracking_id`` (the ``trackingId`` of the error
envelope) and ``trace_id`` (the ``X-Trace-Id`` response header). Admins see both; logs carry both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One ``ValidationError`` entry: a dotted ``path`` (``customer.name``, ``lines.2.price``) and the
    JSON-schema ``keyword`` that failed (``required``, ``maxLength``, ``enum`` …)."""

    path: str
    keyword: str
    message: str = ""

    @property
    def explanation(self) -> str:
        if self.message:
            return self.message
        return KEYWORD_MESSAGES.get(self.keyword, f"The ERP rejected this value ({self.keyword}).")


KEYWORD_MESSAGES = {
    "required": "This field is required by the ERP.",
    "maxLength": "Too long for the ERP.",
    "minLength": "Too short for the ERP.",
    "enum": "The ERP does not accept this value.",
    "pattern": "The ERP does not accept this format.",
    "format": "The ERP does not accept this format.",
    "type": "The ERP expects a different kind of value here.",
    "minimum": "Too small for the ERP.",
    "maximum": "Too large for the ERP.",
    "multipleOf": "Too many decimals for the ERP.",
    "additionalProperties": "The ERP does not accept this field.",
}


@dataclass(frozen=True, slots=True)
class BusinessRuleError:
    """One ``BadRequestError`` entry: ``type`` is ``NoLines``, ``DepartmentMissing``, ``ProjectMissing``…"""

    type: str
    message: str
    arguments: tuple[str, ...] = ()


class UpstreamError(Exception):
    """Base class. ``str(error)`` is a plain sentence a user can read."""

    default_message = "The ERP could not handle the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        tracking_id: str = "",
        trace_id: str = "",
        upstream: str = "",
        method: str = "",
        path: str = "",
        body: str = "",
        code: str = "",
    ) -> None:
        self.message = message or self.default_message
        self.status = status
        self.tracking_id = tracking_id
        self.trace_id = trace_id
        self.upstream = upstream
        self.method = method
        self.path = path
        self.body = body[:2000]
        # The upstream's own error code when it has one (Autofy's 1302, QuickBooks' 3200…).
        self.code = code
        super().__init__(self.message)

    @property
    def ids(self) -> str:
        parts = []
        if self.tracking_id:
            parts.append(f"tracking id {self.tracking_id}")
        if self.trace_id:
            parts.append(f"trace id {self.trace_id}")
        if self.code:
            parts.append(f"code {self.code}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status}, method={self.method!r}, "
            f"path={self.path!r}, code={self.code!r}, tracking_id={self.tracking_id!r}, trace_id={self.trace_id!r})"
        )


class UpstreamUnavailable(UpstreamError):
    """The ERP is down, slow, overloaded, or answered something that is not its API (HTML, bad JSON).

    ``outcome_unknown`` is set when a write was sent but no answer came back (time-out, dropped
    connection, 5xx): the change may or may not have been applied, so it must not be blindly resent.
    """

    default_message = "The ERP is not answering right now."

    def __init__(self, message: str | None = None, *, outcome_unknown: bool = False,
                 retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after


class UpstreamNotFound(UpstreamError):
    default_message = "The ERP has no such record."


class InvalidCursor(UpstreamNotFound):
    """A page link (a list's ``cursor``) that cannot be followed: not one of the collection's own links,
    a page size the dashboard does not offer, or a link the ERP no longer accepts. The link is at fault,
    not the ERP: the user starts again from the first page."""

    default_message = "That page link is not valid any more."

    def __init__(self, message: str | None = None, *, path: str = "", **kwargs) -> None:
        super().__init__(message, path=path[:200], **kwargs)  # a link typed by anyone: kept short in logs


class UpstreamAuthError(UpstreamError):
    """The ERP refused our credentials (token endpoint rejected them, or 401 after one refresh)."""

    default_message = "The dashboard could not sign in to the ERP. Check its API credentials."


class UpstreamForbidden(UpstreamError):
    """403: the integration lacks a scope. ``scope`` names it when the ERP said which."""

    default_message = "The ERP integration is not allowed to do this."

    def __init__(self, message: str | None = None, *, scope: str = "", **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.scope = scope


class UpstreamValidationError(UpstreamError):
    """400 ``ValidationError``: ``field_errors`` carry the dotted paths the ERP named."""

    default_message = "The ERP rejected some of the values."

    def __init__(self, message: str | None = None, *, field_errors: tuple[FieldError, ...] = (), **kwargs):
        super().__init__(message, **kwargs)
        self.field_errors = tuple(field_errors)


class UpstreamBusinessError(UpstreamError):
    """400 ``BadRequestError``: business rules such as ``NoLines`` or ``DepartmentMissing``."""

    default_message = "The ERP refused the request."

    def __init__(self, message: str | None = None, *, errors: tuple[BusinessRuleError, ...] = (), **kwargs):
        super().__init__(message, **kwargs)
        self.errors = tuple(errors)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(error.type for error in self.errors)


class UpstreamConflict(UpstreamError):
    """409: the record can no longer be changed that way (for example, it has been invoiced)."""

    default_message = "The ERP refused the change because of the record's current state."
