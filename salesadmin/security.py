"""What keeps the dashboard's pages private.

* ``NoStoreMiddleware``: every page and fragment answers ``Cache-Control: private, no-store``, so
  order data is kept by no shared cache and by no browser cache after the tab moves on.
* ``PermissionsPolicyMiddleware``: the browser features the dashboard never uses are denied.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every answer of the dashboard (static files are served
    before this middleware and keep their own caching)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` denying every feature in ``settings.PERMISSIONS_POLICY_DENIED``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
