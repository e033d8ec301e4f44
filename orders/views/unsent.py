"""A builder form posted by someone who is signed out, kept until they are back.

With JavaScript, a builder that outlives its sign-in never sends a request that loses what was typed
(``salesadmin.users.LoginRequiredMiddleware`` answers htmx 401 and app.js keeps the page). Without it the
browser posts the whole form, and Django would answer with the sign-in page: everything typed gone.

So the builder's form carries who it was shown to (``owner_token``: the user's id, signed, in a hidden
field). A form posted to a view marked ``keeps_unsent_form`` by someone signed out is kept in the cache
for ``KEPT_SECONDS`` under that user and the page's address (``keep``), and the sign-in page says so. When
that same user opens that page again, the builder shows the form as it was typed, with nothing sent
(``take``, once): they check it and send it. A form without a valid signature (a forged post, a page from
before this) is not kept, nor is one shown to anyone else: nobody sees another person's draft, and an
anonymous visitor cannot fill the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection

from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, QueryDict

FIELD = "signed_in_as"
SALT = "orders.views.unsent"
# A builder page's signature is honoured this long (a page left open over a weekend and more).
SIGNATURE_SECONDS = 7 * 24 * 3600
KEPT_SECONDS = 3600
# A 500-line order posts about 250 KB; anything far beyond is not a form of ours.
MAX_CHARACTERS = 600_000
NOT_KEPT = frozenset({"csrfmiddlewaretoken", FIELD})

SIGNED_OUT = ("You were signed out, so the order was not sent. Sign in again within the hour to get back to it: "
              "everything you typed is kept.")
RESTORED = ("You were signed out before this order was sent, so it was not. Here it is as you typed it: "
            "check it and send it.")


def keeps_unsent_form(view: Callable) -> Callable:
    """Mark ``view`` (the outermost decorator) as one whose posted form is kept for someone signed out."""
    view.keeps_unsent_form = True
    return view


def owner_token(user) -> str:
    """The value of the builder form's ``FIELD``: whom the form was shown to."""
    return signing.dumps(user.pk, salt=SALT) if getattr(user, "is_authenticated", False) else ""


def keep(request: HttpRequest, view: Callable) -> bool:
    """Keep the form ``request`` posts to ``view`` (a plain POST from someone signed out) for the user it
    was shown to, and say so; False when there is nothing to keep."""
    if request.method != "POST" or not getattr(view, "keeps_unsent_form", False):
        return False
    try:
        owner = signing.loads(request.POST.get(FIELD, ""), salt=SALT, max_age=SIGNATURE_SECONDS)
    except signing.BadSignature:
        return False
    fields = [(name, value) for name, values in request.POST.lists() if name not in NOT_KEPT for value in values]
    if not fields or sum(len(name) + len(value) for name, value in fields) > MAX_CHARACTERS:
        return False
    cache.set(_key(owner, request.get_full_path()), fields, timeout=KEPT_SECONDS)
    messages.info(request, SIGNED_OUT)
    return True


def take(request: HttpRequest, *, actions: Collection[str]) -> QueryDict | None:
    """The form kept for this user and page, as the builder would have received it without the button
    pressed (``actions``: its buttons' names), and the note that it was not sent; once. None when none
    is kept (or for an htmx request, which is part of a page already shown)."""
    if request.headers.get("HX-Request") == "true":
        return None
    key = _key(request.user.pk, request.get_full_path())
    fields = cache.get(key)
    if fields is None:
        return None
    cache.delete(key)
    form = QueryDict(mutable=True)
    for name, value in fields:
        if name not in actions:
            form.appendlist(name, value)
    form._mutable = False
    messages.warning(request, RESTORED)
    return form


def _key(user_id, path: str) -> str:
    return f"orders:unsent:{user_id}:{hashlib.sha256(path.encode()).hexdigest()[:32]}"
