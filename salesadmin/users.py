"""The signed-in user of a request, read from the database once per process and kept ``USER_SECONDS``.

Django reads the user (one query) on every request, and the dashboard the user's group names (one more:
who sees which company, who is an admin). Both are kept here per session user, with the group names, for
a few seconds: the same window as the companies each group sees (``orders.connections.SNAPSHOT_SECONDS``).
A change saved in this process (the user, their groups, a group) is seen at its next request; one saved
by another process (another server, ``manage.py`` …) within ``USER_SECONDS``: a user made inactive, or
whose password was changed, may go on for that long in another process before being signed out.

What Django checks is unchanged: the session's user, its backend and the session hash are checked
against the database when the user is read; the kept user is used only for a session carrying the same
user, backend and hash. Each request gets its own copy.
"""

from __future__ import annotations

import copy
import threading
import time

from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.functional import SimpleLazyObject

from orders.context_processors import group_names
from orders.views import unsent

USER_SECONDS = 5.0
_MAX_USERS = 1000
_kept: dict[tuple, tuple[float, object, frozenset[str]]] = {}
_lock = threading.Lock()


def get_user(request):
    """``django.contrib.auth.get_user(request)``, kept for ``USER_SECONDS`` (with the user's group names)."""
    session = request.session
    try:
        key = (session[SESSION_KEY], session[BACKEND_SESSION_KEY], session.get(HASH_SESSION_KEY))
    except KeyError:
        return auth.get_user(request)  # signed out: nothing to keep
    now = time.monotonic()
    kept = _kept.get(key)
    if kept is not None and now - kept[0] <= USER_SECONDS:
        user = copy.copy(kept[1])
        user._salesadmin_groups = kept[2]
        return user
    user = auth.get_user(request)
    if user.is_authenticated:
        # The hash as the session has it now (Django may have moved it to the current secret).
        key = (key[0], key[1], session.get(HASH_SESSION_KEY))
        names = group_names(user)
        with _lock:
            if len(_kept) >= _MAX_USERS:
                _kept.clear()
            _kept[key] = (now, copy.copy(user), names)
    return user


class CachedUserMiddleware(AuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware`` with ``request.user`` from ``get_user`` above."""

    def process_request(self, request) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))


@receiver(post_save, sender=auth.get_user_model())
@receiver(post_delete, sender=auth.get_user_model())
@receiver(m2m_changed, sender=auth.get_user_model().groups.through)
@receiver(post_save, sender=Group)
@receiver(post_delete, sender=Group)
def forget(**kwargs) -> None:
    """Read users again on their next request (this process)."""
    with _lock:
        _kept.clear()


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's, except that an htmx request from someone signed out (in another tab, or their session
    ended) is answered 401 instead of a redirect to the sign-in page: htmx would follow the redirect and
    swap the sign-in page into the part of the page being updated. app.js then says so and keeps the
    page as it is, with everything typed into it. Without JavaScript, a builder's form posted while
    signed out is kept for after signing in (``orders.views.unsent``)."""

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request") == "true":
            return HttpResponse("Signed out: sign in again.", status=401, content_type="text/plain; charset=utf-8")
        unsent.keep(request, view_func)
        return super().handle_no_permission(request, view_func)
