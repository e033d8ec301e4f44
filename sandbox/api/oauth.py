"""OAuth2 client credentials (``POST /oauth/token``) and the bearer-token check of every ``/v1`` call.

Valid credentials are ``SANDBOX_CLIENT_ID`` / ``SANDBOX_CLIENT_SECRET`` (defaults ``sandbox-client`` /
``sandbox-secret``) with any ``login_organization`` (required); ``audience`` is not checked. Tokens are stored in the database, so they work
across threads and processes, and expire after the configured ``token_ttl``. A token carries every
scope in ``SCOPES`` minus the configured ``denied_scopes``; denied scopes are also withheld from
tokens issued before they were denied. Token errors use the OAuth style
(``{"error": "access_denied", "error_description": ...}``), API errors the API's envelope.
"""

import hmac
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox import knobs
from sandbox.api.http import Forbidden, Unauthorized, json_response
from sandbox.models import AccessToken

SCOPES = [
    "api.invoicing.salesorder:read",
    "api.invoicing.salesorder:write",
    "api.invoicing.salesorder:delete",
    "api.invoicing.salesorder.line:read",
    "api.invoicing.salesorder.line:write",
    "api.invoicing.salesorder.line:delete",
    "api.invoicing.paymentmethod:read",
    "api.crm.customer:read",
    "api.product.product:read",
    "api.accounting.tax:read",
    "api.accounting.account:read",
    "api.product.salestype:read",
    "api.product.salestype:write",
    "api.accounting.dimension:read",
    "api.organization.person:read",
]


def _oauth_error(status: int, error: str, description: str) -> HttpResponse:
    return json_response({"error": error, "error_description": description}, status, {"Cache-Control": "no-store"})


def _form(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return {key: str(value) for key, value in data.items()} if isinstance(data, dict) else {}
    return request.POST.dict()


def issue_token(request: HttpRequest) -> HttpResponse:
    """``POST /oauth/token`` with ``grant_type=client_credentials``, form-encoded or JSON."""
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "Use POST")
    form = _form(request)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported")
    for name in ("client_id", "client_secret", "login_organization"):
        if not form.get(name):
            return _oauth_error(400, "invalid_request", f"Missing parameter: {name}")
    valid = hmac.compare_digest(form["client_id"], settings.SANDBOX_CLIENT_ID) and hmac.compare_digest(
        form["client_secret"], settings.SANDBOX_CLIENT_SECRET
    )
    if not valid:
        return _oauth_error(401, "access_denied", "Unauthorized: invalid client_id or client_secret")
    config = knobs.config()
    scopes = [scope for scope in SCOPES if scope not in config.denied_scopes]
    now = timezone.now()
    token = AccessToken.objects.create(
        key=secrets.token_urlsafe(32),
        client_id=form["client_id"],
        organization=form["login_organization"],
        scopes=scopes,
        issued_at=now,
        expires_at=now + timedelta(seconds=config.token_ttl),
    )
    return json_response(
        {"access_token": token.key, "token_type": "Bearer", "expires_in": config.token_ttl, "scope": " ".join(scopes)},
        headers={"Cache-Control": "no-store"},
    )


def authenticate(request: HttpRequest, scope: str | None) -> None:
    """Raise 401 unless the request has a valid, unexpired bearer token; 403 unless it has ``scope``."""
    header = request.headers.get("Authorization", "")
    kind, _, key = header.partition(" ")
    if kind.lower() != "bearer" or not key.strip():
        raise Unauthorized("Missing bearer token")
    key = key.strip()
    memory = knobs.current()
    known = memory.tokens.get(key)
    if known is None:
        token = AccessToken.objects.filter(key=key).first()
        if token is None:
            raise Unauthorized("Invalid access token")
        known = (token.expires_at, tuple(token.scopes))
        memory.remember_token(key, *known)
    expires_at, scopes = known
    if expires_at <= timezone.now():
        raise Unauthorized("The access token has expired")
    if scope is not None:
        denied = request.sandbox_config.denied_scopes
        if scope not in scopes or scope in denied:
            raise Forbidden(f"Missing scope {scope}")
