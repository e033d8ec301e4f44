"""What keeps the dashboard's pages private and its sign-in hard to guess at.

* ``NoStoreMiddleware``: every page and fragment answers ``Cache-Control: private, no-store``, so
  order data is kept by no shared cache and by no browser cache after the tab moves on.
* ``PermissionsPolicyMiddleware``: the browser features the dashboard never uses are denied.
* Sign-in throttling on top of django-axes (settings ``AXES_*`` and ``LOGIN_*``): ``SignInView``
  answers each failed attempt a little later than the one before, and forgets a user's failures
  when they sign in; ``lockout_response`` is the page a locked-out sign-in gets; ``client_ip`` is
  the address failures are counted for.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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


# --- sign-in throttling ---------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The address sign-in failures are counted for: the peer the WSGI server saw, which behind the
    TLS proxy is the client's own address (``DJANGO_TRUSTED_PROXY``), never a header a client sets."""
    return request.META.get("REMOTE_ADDR", "")


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page a sign-in gets while its user name or address is locked (django-axes calls this)."""
    minutes = lockout_minutes()
    response = render(request, "registration/locked_out.html", {"minutes": minutes},
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(minutes * 60)
    return response


class SignInView(auth_views.LoginView):
    """Django's sign-in page, slowed down after wrong passwords: the n-th failure in a row (for the
    user name or the address, whichever has more) answers (n - 1) × ``LOGIN_FAILURE_DELAY`` seconds
    late, until django-axes locks at ``AXES_FAILURE_LIMIT``. The delay holds one server thread,
    which is why it stays short and ends at the lock: a locked sign-in is answered at once."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        failures = getattr(self.request, "axes_failures_since_start", 0) or 0
        if failures and not getattr(self.request, "axes_locked_out", False):
            if failures > 1:
                time.sleep((failures - 1) * settings.LOGIN_FAILURE_DELAY)
            left = settings.AXES_FAILURE_LIMIT - failures
            if left <= 2:  # say so before it happens
                return self.render_to_response(self.get_context_data(
                    form=form, attempts_left=left, lockout_minutes=lockout_minutes()))
        return super().form_invalid(form)

    def form_valid(self, form):
        from axes.models import AccessAttempt

        # The user proved who they are: their own earlier failures no longer count, from any address.
        # (axes' AXES_RESET_ON_SUCCESS would also forget the address's failures for other users.)
        AccessAttempt.objects.filter(username=form.get_user().get_username()).delete()
        return super().form_valid(form)
