"""Acting on an order that exists in the ERP, from its page: a 24SevenOffice order's status, closing or
reopening a QuickBooks order or some of its lines. The engine is ``orders.actions``.

Each action is two POSTs: the order page's button leads to a confirmation (nothing is changed, a fresh
one-time token is made), and "Yes" records the action and carries it out; the answer is always a redirect
(303) to the order page, which shows the outcome in place (``?action=<id>``) and the timeline. Without
JavaScript these are plain forms; with htmx they are boosted (``data-hx-boost``), the same requests.
A repeated "Yes" (same token) only shows the first one's outcome.

Who may do what (README "Acting on existing orders"): Sales and Admins act on the orders of the companies
they see (others: 404 from the middleware); invoicing and making an order inactive are for Admins (403).
Odd input (a status not offered, lines not on the order, a missing or tampered version) is a 400 page.

An action "being checked" (in doubt) is looked at again by itself: its timeline entry asks
``action_entry`` every ``POLL_SECONDS`` (htmx), which settles it once its time has come (reading the order,
at most every ``CHECK_BACKOFF`` while the ERP does not answer) and answers 204 while nothing changed. The
settled entry replaces the polling one, which stops the polling; if the page showed that action's outcome
at its top, the page is reloaded (the order changed, and a decision may be needed). The polling stops by
itself after ``POLL_FOR``; "Check now" is always there.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import urlencode

from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from orders import actions
from orders.actions import qbd, tso
from orders.context_processors import SALES_GROUP, group_names, is_admin
from orders.erp.errors import UpstreamError
from orders.models import ErpConnection, OrderAction
from orders.parsing import parse_id
from orders.paths import order_path
from orders.submissions import submission_token
from orders.views.common import post_or_back

Kind = OrderAction.Kind
State = OrderAction.State
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# An action being checked: its timeline entry asks again this often, for at most this long after the action.
POLL_SECONDS = 5
POLL_FOR = dt.timedelta(minutes=15)
# After a check the ERP did not answer, the next one waits this long (each is kept as an attempt).
CHECK_BACKOFF = dt.timedelta(seconds=30)
LINE_ID = re.compile(r"[A-Za-z0-9-]{1,60}")
MAX_LINES = 500


# An action's address opened (a confirmation reloaded, a link followed) leads back to the order's page.
post_or_back_to_order = post_or_back(lambda request, order_id, *args, **kwargs: order_path("orders:detail", order_id))


def may_act(user) -> bool:
    return is_admin(user) or SALES_GROUP in group_names(user)


def order_url(order_id, action: OrderAction | None = None) -> str:
    url = order_path("orders:detail", order_id)
    return f"{url}?{urlencode({'action': action.public_id})}#order-actions" if action else url


def _refused(request, title: str, message: str, order_id, status: int = 400) -> HttpResponse:
    return render(request, "orders/action_refused.html",
                  {"title": title, "message": message, "back_url": order_url(order_id)}, status=status)


def _connection(request, kind: str) -> ErpConnection:
    connection = request.erp_connection
    if connection is None or connection.kind != kind:
        raise Http404("No such page for this company.")
    return connection


def _repeated(request, connection: ErpConnection, order_id) -> HttpResponse | None:
    """The same "Yes" again: the first one's outcome (settling its doubt when due), never a second change."""
    existing = actions.find(request.POST.get("token", "")[:64])
    if existing is None:
        return None
    if existing.connection_id != connection.pk or existing.order_id != str(order_id):
        return _refused(request, "This form was for another order", "Open the order again and start over.", order_id)
    if existing.in_doubt:
        actions.run(existing, performer_for(existing))
    return HttpResponseRedirect(order_url(order_id, existing), status=303)


def _checking(request, connection: ErpConnection, order_id) -> HttpResponse | None:
    """A new change while another one on the order is being checked (a page shown before it, another tab):
    refused, after settling it if its time has come (reading only). See ``actions.being_checked``."""
    doubts = actions.in_doubt_on(connection, order_id)
    if not doubts:
        return None
    try:
        actions.settle_due(doubts, performer_for)
    except UpstreamError:
        pass
    checking = actions.being_checked(doubts)
    if checking is None:
        return None
    return _refused(request, "A change to this order is being checked",
                    "The dashboard is finding out whether an earlier change was made. Other changes are "
                    "offered again once that is settled: the order's page says when.", order_id, status=409)


def _token(request) -> str | None:
    token = request.POST.get("token", "")
    return token if TOKEN.fullmatch(token) else None


def performer_for(action: OrderAction):
    if action.connection.kind == ErpConnection.Kind.QBD_AUTOFY:
        return qbd.QbdPerformer(action.connection)
    return tso.TsoPerformer()


# --- 24SevenOffice: the status ---------------------------------------------------------------------------

@post_or_back_to_order
def tso_status(request, order_id: str) -> HttpResponse:
    connection = _connection(request, ErpConnection.Kind.TSO)
    number = parse_id(order_id)
    if number is None:
        raise Http404("No such order.")
    if not may_act(request.user):
        return _refused(request, "You may not change orders", "Ask an administrator.", number, status=403)
    repeated = _repeated(request, connection, number) or _checking(request, connection, number)
    if repeated is not None:
        return repeated
    current, wanted = request.POST.get("from", ""), request.POST.get("status", "")
    admin = is_admin(request.user)
    if wanted not in tso.TRANSITIONS.get(current, ()):
        return _refused(request, "That change is not offered",
                        "The order's page offers the statuses it can move to. Open it again and choose one.", number)
    if wanted not in tso.next_statuses(current, admin=admin):
        return _refused(request, "Only administrators may do this",
                        f"Setting an order to {tso.label(wanted)} is for administrators.", number, status=403)
    context = {"order_id": number, "erp": "24SevenOffice", "action_url": order_path("orders:status", number),
               "back_url": order_url(number),
               "fields": [("from", current), ("status", wanted)],
               "question": f"Set order #{number} from {tso.label(current)} to {tso.label(wanted)}?",
               "consequence": tso.CONSEQUENCES.get(wanted, ""), "yes": f"Yes, set it to {tso.label(wanted)}"}
    if "confirm" not in request.POST:
        return render(request, "orders/action_confirm.html", {**context, "token": submission_token()})
    token = _token(request)
    if token is None:
        return _refused(request, "This form has expired", "Open the order again and start over.", number)
    action, _ = actions.record(connection=connection, order_id=str(number), kind=Kind.TSO_STATUS,
                               target={"status": wanted}, user=request.user, token=token,
                               request=tso.request_body(wanted), seen_version=current)
    actions.run(action, tso.TsoPerformer())
    return HttpResponseRedirect(order_url(number, action), status=303)


# --- QuickBooks: close and reopen ------------------------------------------------------------------------

@post_or_back_to_order
def qbd_close(request, order_id: str) -> HttpResponse:
    connection = _connection(request, ErpConnection.Kind.QBD_AUTOFY)
    if not may_act(request.user):
        return _refused(request, "You may not change orders", "Ask an administrator.", order_id, status=403)
    repeated = _repeated(request, connection, order_id) or _checking(request, connection, order_id)
    if repeated is not None:
        return repeated
    op = request.POST.get("op", "")
    kind = {"close": Kind.QBD_CLOSE, "reopen": Kind.QBD_REOPEN}.get(op)
    seen = qbd.unsign(request.POST.get("version", ""))
    whole = request.POST.get("scope", "") == "order"
    line_ids = list(dict.fromkeys(request.POST.getlist("line")))[:MAX_LINES + 1]
    if kind is None or seen is None:
        return _refused(request, "This form is out of date",
                        "Open the order again: its page says what can be closed or reopened.", order_id)
    if whole:
        line_ids = []
    elif not line_ids:
        return _refused(request, "No line was chosen",
                        f"Tick the lines to {op}, or {op} the whole order.", order_id)
    names = {row[0]: row[1] for row in seen["lines"] if isinstance(row, list) and row}
    if len(line_ids) > MAX_LINES or not all(LINE_ID.fullmatch(i) and i in names for i in line_ids):
        return _refused(request, "Those lines are not on the order",
                        "Open the order again and tick its lines.", order_id)
    # A line already as asked (its page showed it so): nothing to send, and "done" would say something happened.
    shown_closed = {row[0]: row[3] is True for row in seen["lines"] if isinstance(row, list) and len(row) > 3}
    already = [i for i in line_ids if shown_closed.get(i) == (kind == Kind.QBD_CLOSE)]
    if already:
        state = "closed" if kind == Kind.QBD_CLOSE else "open"
        listed = ", ".join(f"line {names[i] or i}" for i in already)
        return _refused(request, f"{listed[0].upper()}{listed[1:]} {'is' if len(already) == 1 else 'are'} already {state}",
                        f"Nothing was sent to QuickBooks. Tick the lines that are not {state} yet.", order_id)
    what = ("the whole order" if whole else
            ", ".join(f"line {names[i] or i}" for i in line_ids))
    context = {"order_id": order_id, "erp": "QuickBooks", "action_url": order_path("orders:close", order_id),
               "back_url": order_url(order_id),
               "fields": [("op", op), ("scope", "order" if whole else "lines"),
                          ("version", request.POST.get("version", "")), *(("line", i) for i in line_ids)],
               "question": f"{op.capitalize()} {what} in QuickBooks?",
               "consequence": qbd.CONSEQUENCES[(kind, whole)], "yes": f"Yes, {op} {'it' if whole else 'them'}"}
    if "confirm" not in request.POST:
        return render(request, "orders/action_confirm.html", {**context, "token": submission_token()})
    token = _token(request)
    if token is None:
        return _refused(request, "This form has expired", "Open the order again and start over.", order_id)
    decided = _decided(request, connection, order_id, kind, line_ids)
    if isinstance(decided, HttpResponse):
        return decided
    target = {"lines": line_ids, "seen": seen}
    common = {"connection": connection, "order_id": order_id, "kind": kind, "target": target,
              "user": request.user, "token": token, "seen_version": seen.get("v", "")}
    performer = qbd.QbdPerformer(connection)
    try:
        raw = performer.read(order_id)  # the order as it is now, before anything is sent
    except UpstreamError as error:
        action, _ = actions.record(**common, request=None, state=State.FAILED,
                                   error=f"The order could not be read before the change. {error.message} "
                                         "Nothing was changed.")
        return HttpResponseRedirect(order_url(order_id, action), status=303)
    now = qbd.version_of(raw)
    if now["v"] != seen.get("v") or now["m"] != seen.get("m"):
        action = _record_deciding(decided, **common, request=None, state=State.NEEDS_ATTENTION,
                                  changes=qbd.changes_between(seen, now),
                                  error="Someone changed this order in QuickBooks since you opened it. Nothing "
                                        "was changed. See what changed, then decide.")
        return HttpResponseRedirect(order_url(order_id, action or decided), status=303)
    action = _record_deciding(decided, **common, request=qbd.request_body(raw, kind, line_ids))
    if action is None:  # decided meanwhile (another tab): nothing is sent
        return HttpResponseRedirect(order_url(order_id, decided), status=303)
    actions.run(action, performer)
    return HttpResponseRedirect(order_url(order_id, action), status=303)


def _record_deciding(decided: OrderAction | None, **fields) -> OrderAction | None:
    """Record the new action, and mark the one it decides "done again" in the same transaction (once: None
    when it was decided meanwhile, and nothing is recorded)."""
    with transaction.atomic():
        if decided is not None and not actions.redo(decided):
            return None
        action, _ = actions.record(**fields)
    return action


def _decided(request, connection: ErpConnection, order_id: str, kind: str,
             line_ids: list[str]) -> OrderAction | HttpResponse | None:
    """"Do it again on the order as it is now" names the action it decides (``decides``), the same change. It is
    marked done again with the new action's record (``_record_deciding``), once the order has been read. When it
    no longer waits for a decision (done again from another tab, cancelled, or this form shown again by Back),
    its entry, which says how it was decided, and nothing is sent."""
    wanted = request.POST.get("decides", "")
    if not wanted:
        return None
    try:
        public_id = uuid.UUID(wanted)
    except ValueError:
        return _refused(request, "This form is out of date", "Open the order again and start over.", order_id)
    action = OrderAction.objects.filter(public_id=public_id, connection=connection, order_id=str(order_id)).first()
    if action is None or action.kind != kind or list(action.target.get("lines") or []) != line_ids:
        return _refused(request, "This form is out of date", "Open the order again and start over.", order_id)
    if action.state != State.NEEDS_ATTENTION or action.in_doubt:
        return HttpResponseRedirect(order_url(order_id, action), status=303)
    return action


# --- both: settle a doubt now, cancel a stale change -----------------------------------------------------

def _own_action(request, order_id: str, action_id: uuid.UUID) -> OrderAction:
    action = OrderAction.objects.select_related("connection").filter(
        public_id=action_id, connection=request.erp_connection, order_id=str(order_id)).first()
    if action is None:
        raise Http404("No such action.")
    return action


@require_POST
def action_check(request, order_id: str, action_id: uuid.UUID) -> HttpResponse:
    action = _own_action(request, order_id, action_id)
    if not may_act(request.user):
        return _refused(request, "You may not change orders", "Ask an administrator.", order_id, status=403)
    if action.in_doubt:
        actions.run(action, performer_for(action))  # reads the order once settled; never sends again
    return HttpResponseRedirect(order_url(order_id, action), status=303)


@require_POST
def action_cancel(request, order_id: str, action_id: uuid.UUID) -> HttpResponse:
    action = _own_action(request, order_id, action_id)
    if not may_act(request.user):
        return _refused(request, "You may not change orders", "Ask an administrator.", order_id, status=403)
    actions.cancel(action)
    return HttpResponseRedirect(order_url(order_id, action), status=303)


@require_GET
def action_entry(request, order_id: str, action_id: uuid.UUID) -> HttpResponse:
    """An action's timeline entry, for its own polling while it is being checked (see the module's
    docstring): 204 while nothing changed, else the entry as it is now."""
    action = _own_action(request, order_id, action_id)
    was = (action.state, action.in_doubt, action.last_error)
    if action.in_doubt and not _checked_recently(action):
        try:
            actions.settle_due([action], performer_for)
        except UpstreamError:
            pass  # still being checked; the entry says so
    if request.htmx and (action.state, action.in_doubt, action.last_error) == was and _polled(action):
        return HttpResponse(status=204)
    outcome_shown = request.GET.get("outcome") == "1"
    context = {"a": action, "show_upstream": is_admin(request.user), "poll_seconds": POLL_SECONDS,
               "polled": {action.public_id} if _polled(action) else set(),
               "shown_action": action if outcome_shown else None}
    response = render(request, "orders/_order_actions.html#timeline-entry", context)
    if request.htmx and outcome_shown and not action.in_doubt:
        response["HX-Refresh"] = "true"  # its outcome at the top of the page, and the order, are out of date
    return response


def _polled(action: OrderAction) -> bool:
    """Whether the action's timeline entry asks again by itself (it is being checked, and not for too long)."""
    return (action.in_doubt and action.state in (State.PENDING, State.IN_PROGRESS)
            and timezone.now() - action.created_at < POLL_FOR)


def _checked_recently(action: OrderAction) -> bool:
    """A check the ERP did not answer was made less than ``CHECK_BACKOFF`` ago (an action in doubt has only
    failed checks among its failed attempts)."""
    last = action.attempts.order_by("-number").first()
    return (last is not None and last.outcome == last.Outcome.FAILED
            and timezone.now() - last.attempted_at < CHECK_BACKOFF)


# --- what the order page shows ---------------------------------------------------------------------------

def page_context(request, order_id) -> dict:
    """The timeline (in-doubt actions whose time has come are settled first: reading only) and the outcome
    of the action just done (``?action=``)."""
    connection = request.erp_connection
    rows = actions.timeline(connection, str(order_id))
    try:
        actions.settle_due(rows, performer_for)
    except UpstreamError:
        pass  # the ERP is down: the timeline says the action is still being checked
    wanted = _wanted(request)
    shown = next((row for row in rows if row.public_id == wanted), None) if wanted else None
    return {"timeline": rows, "shown_action": shown, "may_act": may_act(request.user),
            "checking": actions.being_checked(rows),
            "show_upstream": is_admin(request.user), "polled": {row.public_id for row in rows if _polled(row)},
            "poll_seconds": POLL_SECONDS}


def _wanted(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.GET.get("action", "")[:40])
    except ValueError:
        return None


def shown_action(request, order_id) -> OrderAction | None:
    """The action just done (``?action=``) when the order's page cannot be shown (the ERP is not answering):
    its outcome is said on the error page or the copy, without asking the ERP anything more."""
    wanted = _wanted(request)
    if wanted is None or request.erp_connection is None:
        return None
    return OrderAction.objects.filter(connection=request.erp_connection, order_id=str(order_id),
                                      public_id=wanted).first()
