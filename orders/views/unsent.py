"""A builder form posted by someone who is signed out, kept until they are back.

With JavaScript, a builder that outlives its sign-in never sends a request that loses what was typed
(``salesadmin.users.LoginRequiredMiddleware`` answers htmx 401 and app.js keeps the page). Without it the
browser posts the whole form, and Django would answer with the sign-in page: everything typed gone. A view
marked ``keeps_unsent_form`` instead has the posted fields kept in the (signed-out) session, which survives
signing in; the first time the same page is opened after that, the builder shows the form as it was typed
(``take``), with nothing sent: the person checks it and sends it. Kept for ``KEPT_SECONDS``, one form.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from django.contrib import messages
from django.http import HttpRequest, QueryDict

SESSION_KEY = "orders:unsent-form"
KEPT_SECONDS = 3600
# A 500-line order posts about 200 KB; anything far beyond is not a form of ours.
MAX_BYTES = 2_000_000
NOT_KEPT = frozenset({"csrfmiddlewaretoken"})

SIGNED_OUT = ("You were signed out, so the order was not sent. Sign in again to get back to it: "
              "everything you typed is kept.")
RESTORED = ("You were signed out before this order was sent, so it was not. Here it is as you typed it: "
            "check it and send it.")


def keeps_unsent_form(view: Callable) -> Callable:
    """Mark ``view`` (the outermost decorator) as one whose posted form is kept for someone signed out."""
    view.keeps_unsent_form = True
    return view


def keep(request: HttpRequest, view: Callable) -> bool:
    """Keep the form ``request`` posts to ``view`` (a plain POST from someone signed out) and say so;
    False when there is nothing to keep."""
    if request.method != "POST" or not getattr(view, "keeps_unsent_form", False):
        return False
    try:
        fields = [(name, value) for name, values in request.POST.lists() if name not in NOT_KEPT
                  for value in values]
    except Exception:  # noqa: BLE001 - a body Django cannot read (too many fields, …): nothing to keep
        return False
    if not fields or sum(len(name) + len(value) for name, value in fields) > MAX_BYTES:
        return False
    request.session[SESSION_KEY] = {"path": request.get_full_path(), "fields": fields, "at": time.time()}
    messages.info(request, SIGNED_OUT)
    return True


def take(request: HttpRequest, *, actions: Collection[str]) -> QueryDict | None:
    """The form kept for this page, as the builder would have received it without the button pressed
    (``actions``: its buttons' names), and the note that it was not sent; once. None when none is kept."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("path") != request.get_full_path():
        return None
    del request.session[SESSION_KEY]
    if not isinstance(kept.get("at"), (int, float)) or time.time() - kept["at"] > KEPT_SECONDS:
        return None
    form = QueryDict(mutable=True)
    for name, value in kept.get("fields") or ():
        if name not in actions:
            form.appendlist(name, value)
    form._mutable = False
    messages.warning(request, RESTORED)
    return form
