"""Autofy's envelope and its errors.

Every answer is ``{Self, Kind, RequestId, Page, MoreData, HasErrors, Contents: [{Object, Errors, Self,
Kind}], Errors: []}`` whatever its HTTP status (AUTOFY.md §1.5; the choices where Autofy shows nothing
are in ``sandbox.autofy.decisions``). Handlers raise ``AutofyError`` for an error about the request (top
level ``Errors``, a 4xx/5xx status) and ``ObjectError`` for QuickBooks refusing the object (an HTTP 200
whose ``Contents[0].Errors`` says why).
"""

import json
import uuid
from decimal import Decimal

from django.http import HttpRequest, HttpResponse

from sandbox.autofy import decisions

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def error(code: int, message: str) -> dict:
    return {"Code": code, "Message": message}


class AutofyError(Exception):
    """An error about the request: answered with the envelope, the error in the top-level ``Errors``."""

    def __init__(self, code: int, message: str, *, status: int | None = None, headers: dict | None = None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.status = status or decisions.HTTP_STATUS.get(code, 400)
        self.headers = headers or {}

    def response(self, request: HttpRequest) -> HttpResponse:
        body = envelope(request, [], errors=[error(self.code, self.message)])
        return respond(body, self.status, self.headers)


def general_error(message: str, status: int = 400, headers: dict | None = None) -> AutofyError:
    return AutofyError(decisions.GENERAL_ERROR, message, status=status, headers=headers)


class ObjectError(Exception):
    """QuickBooks refused the object (a 3xxx status): HTTP 200, the error on the ``Contents`` item."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


# --- Building answers ----------------------------------------------------------------------------------


def new_request_id() -> str:
    return uuid.uuid4().hex.upper()


def item(obj: dict | None, self_url: str | None, errors: list[dict] | None = None) -> dict:
    """One ``Contents`` item."""
    return {"Object": obj, "Errors": errors or None, "Self": self_url, "Kind": decisions.ENVELOPE_KIND}


def envelope(request: HttpRequest, contents: list[dict], *, page: int = 1, more_data: bool | None = None,
             errors: list[dict] | None = None) -> dict:
    errors = list(errors or [])
    return {
        "Self": request.build_absolute_uri(),
        "Kind": decisions.ENVELOPE_KIND,
        "RequestId": new_request_id(),
        "Page": page,
        "MoreData": more_data,
        "HasErrors": bool(errors) or any(entry["Errors"] for entry in contents),
        "Contents": contents,
        "Errors": errors,
    }


def _encode(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def respond(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body, default=_encode, ensure_ascii=False).encode(), status=status,
                            content_type=JSON_CONTENT_TYPE, headers=headers)
    response.tracking_id = body["RequestId"]  # logged by the sandbox's middleware beside the trace id
    return response
