"""Acting on existing orders from their pages, against the sandbox over HTTP: 24SevenOffice statuses
(each step, NoLines, a 409), QuickBooks close/reopen (header and lines, a stale page, 3200), a double
POST and a lost answer each making the change once, the timeline, and who may do what."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.utils import timezone

from orders.models import OrderAction
from tests.conftest import restore_seed
from tests.orders.conftest import make_user, signed_in

TSO = "nordlys"
QBD = "lakeshore"
State = OrderAction.State


@pytest.fixture(scope="module", autouse=True)
def _seed_restored(sandbox_server):
    """These tests invoice, close and create orders: the seeded data again for the tests after them."""
    yield
    restore_seed(sandbox_server)


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def patches(sandbox, since: int, path_part: str) -> list[dict]:
    return [c for c in sandbox.calls(since) if c["method"] == "PATCH" and path_part in c["path"]]


# --- 24SevenOffice ------------------------------------------------------------------------------------

def tso_order(sandbox, *, lines: int = 1, status: str = "Draft") -> int:
    order = sandbox.api("POST", "/salesorders", json={
        "customer": {"id": 10006, "name": "Test kunde"}, "status": "Draft"}).json()
    for _ in range(lines):
        assert sandbox.api("POST", f"/salesorders/{order['id']}/lines",
                           json={"type": "product", "product": {"id": 101}, "quantity": 1}).status_code == 200
    if status != "Draft":
        assert sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": status}).status_code == 200
    return order["id"]


def set_status(client, order_id: int, current: str, wanted: str):
    """The order page's button, then "Yes" on the confirmation; the redirect followed."""
    url = f"/c/{TSO}/orders/{order_id}/status/"
    confirm = client.post(url, {"from": current, "status": wanted})
    assert confirm.status_code == 200, confirm.content
    assert "Yes, set it to" in confirm.content.decode()
    return client.post(url, {"from": current, "status": wanted, "confirm": "1", "token": token_of(confirm)},
                       follow=True)


def test_each_step_forward_shows_the_new_status_and_the_timeline(upstream, sales_client, admin_client_logged_in):
    order_id = tso_order(upstream)
    page = sales_client.get(f"/c/{TSO}/orders/{order_id}/")
    assert "Set to Confirmed…" in page.content.decode()
    assert "Set to Invoiced…" not in page.content.decode()  # invoicing is for admins
    done = set_status(sales_client, order_id, "Draft", "Confirmed")
    assert done.redirect_chain[-1][1] == 303
    text = text_of(done)
    assert "Set the status to Confirmed: done" in text
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Confirmed"
    invoiced = set_status(admin_client_logged_in, order_id, "Confirmed", "Invoice")
    assert "Set the status to Invoiced: done" in text_of(invoiced)
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Invoice"
    # The timeline, newest first, with who did it; admins see the request and ids.
    timeline = text_of(invoiced).split("What the dashboard did to this order", 1)[1]
    assert timeline.index("to Invoiced") < timeline.index("to Confirmed")
    assert "Ada Admin" in timeline and "Sam Seller" in timeline
    assert "Request, answer and ids" in invoiced.content.decode()
    assert "Request, answer and ids" not in sales_client.get(f"/c/{TSO}/orders/{order_id}/").content.decode()
    assert OrderAction.objects.filter(order_id=str(order_id), state=State.SUCCEEDED).count() == 2


@pytest.mark.parametrize(("start", "wanted"), [("Draft", "Proposal"), ("Proposal", "Confirmed"),
                                                ("Draft", "Inactive"), ("Inactive", "Draft")])
def test_the_other_steps(upstream, admin_client_logged_in, start, wanted):
    order_id = tso_order(upstream, status=start)
    set_status(admin_client_logged_in, order_id, start, wanted)
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == wanted


def test_invoicing_an_order_without_lines_says_so_in_place(upstream, admin_client_logged_in):
    order_id = tso_order(upstream, lines=0)
    page = set_status(admin_client_logged_in, order_id, "Draft", "Invoice")
    text = text_of(page)
    assert "An order needs at least one line before it can be invoiced" in text
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Draft"
    assert OrderAction.objects.get(order_id=str(order_id)).state == State.FAILED


def test_a_page_open_too_long_never_undoes_someone_elses_change(upstream, sales_client, admin_client_logged_in):
    order_id = tso_order(upstream)
    url = f"/c/{TSO}/orders/{order_id}/status/"
    stale = sales_client.post(url, {"from": "Draft", "status": "Proposal"})  # this tab still shows Draft
    set_status(admin_client_logged_in, order_id, "Draft", "Confirmed")  # another one confirms it
    since = upstream.last_call_id()

    page = sales_client.post(url, {"from": "Draft", "status": "Proposal", "confirm": "1", "token": token_of(stale)},
                             follow=True)

    assert "someone changed this order meanwhile. It is Confirmed now, not Draft as your page showed" in text_of(page)
    assert patches(upstream, since, f"/salesorders/{order_id}") == []
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Confirmed"
    assert OrderAction.objects.filter(order_id=str(order_id)).latest("created_at").state == State.FAILED
    # A made-up "from" gets no further.
    made_up = sales_client.post(url, {"from": "Inactive", "status": "Draft"})
    page = sales_client.post(url, {"from": "Inactive", "status": "Draft", "confirm": "1", "token": token_of(made_up)},
                             follow=True)
    assert "It is Confirmed now, not Inactive" in text_of(page)
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Confirmed"


def test_a_409_is_explained(upstream, admin_client_logged_in, monkeypatch):
    from orders.actions import tso

    order_id = tso_order(upstream)
    confirm = admin_client_logged_in.post(f"/c/{TSO}/orders/{order_id}/status/", {"from": "Draft", "status": "Confirmed"})
    # Invoiced between the dashboard's reading of the order and its change.
    monkeypatch.setattr(tso.TsoPerformer, "status_now", lambda self, action: "Draft")
    upstream.api("PATCH", f"/salesorders/{order_id}", json={"status": "Invoice"})
    page = admin_client_logged_in.post(f"/c/{TSO}/orders/{order_id}/status/", {
        "from": "Draft", "status": "Confirmed", "confirm": "1", "token": token_of(confirm)}, follow=True)
    assert "can no longer change that way" in text_of(page)
    assert OrderAction.objects.get(order_id=str(order_id)).http_status == 409


def test_a_double_post_changes_the_order_once(upstream, admin_client_logged_in):
    order_id = tso_order(upstream)
    url = f"/c/{TSO}/orders/{order_id}/status/"
    token = token_of(admin_client_logged_in.post(url, {"from": "Draft", "status": "Invoice"}))
    since = upstream.last_call_id()
    form = {"from": "Draft", "status": "Invoice", "confirm": "1", "token": token}
    first = admin_client_logged_in.post(url, form)
    second = admin_client_logged_in.post(url, form)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert len(patches(upstream, since, f"/salesorders/{order_id}")) == 1
    assert OrderAction.objects.filter(order_id=str(order_id)).count() == 1


def test_a_lost_answer_is_settled_by_reading_the_order(upstream, admin_client_logged_in):
    order_id = tso_order(upstream)
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    since = upstream.last_call_id()
    page = set_status(admin_client_logged_in, order_id, "Draft", "Invoice")
    action = OrderAction.objects.get(order_id=str(order_id))
    assert action.state == State.SUCCEEDED and not action.in_doubt
    assert "the change was made once" in text_of(page)
    assert [a.outcome for a in action.attempts.all()] == ["unknown", "checked"]
    assert len(patches(upstream, since, f"/salesorders/{order_id}")) == 1
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Invoice"


def test_a_lost_answer_waits_to_settle_and_never_sends_again(upstream, admin_client_logged_in, settings):
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    order_id = tso_order(upstream)
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    since = upstream.last_call_id()
    page = set_status(admin_client_logged_in, order_id, "Draft", "Confirmed")
    assert "being checked" in text_of(page) and "Check now" in text_of(page)
    action = OrderAction.objects.get(order_id=str(order_id))
    assert action.in_doubt
    OrderAction.objects.filter(pk=action.pk).update(settles_at=None)  # the settle period is over
    page = admin_client_logged_in.get(f"/c/{TSO}/orders/{order_id}/?action={action.public_id}")
    action.refresh_from_db()
    assert action.state == State.SUCCEEDED
    assert len(patches(upstream, since, f"/salesorders/{order_id}")) == 1


def test_no_other_change_while_one_is_being_checked(upstream, admin_client_logged_in, settings):
    """A status change whose answer was lost may still have been made: a second one decided on the order as the
    page showed it is neither offered nor taken until the first is settled."""
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    order_id = tso_order(upstream)
    order_page = f"/c/{TSO}/orders/{order_id}/"
    before = admin_client_logged_in.get(order_page)  # a page shown before the change (another tab)
    assert "Set to Confirmed…" in text_of(before)
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    since = upstream.last_call_id()
    set_status(admin_client_logged_in, order_id, "Draft", "Confirmed")
    action = OrderAction.objects.get(order_id=str(order_id))
    assert action.in_doubt

    page = admin_client_logged_in.get(order_page)
    assert "A change to this order is being checked (set the status to Confirmed, below)" in text_of(page)
    assert "Set to " not in text_of(page)
    # Its entry reloads the page once it is settled, so that the changes are offered again.
    assert f'data-hx-get="{entry_url(action, outcome=1)}"' in page.content.decode()
    url = f"/c/{TSO}/orders/{order_id}/status/"
    for form in ({"from": "Draft", "status": "Confirmed"},
                 {"from": "Draft", "status": "Confirmed", "confirm": "1", "token": "from-the-other-tab-1234"}):
        refused = admin_client_logged_in.post(url, form)
        assert refused.status_code == 409 and "A change to this order is being checked" in text_of(refused)
    assert len(patches(upstream, since, f"/salesorders/{order_id}")) == 1 and OrderAction.objects.count() == 1

    OrderAction.objects.filter(pk=action.pk).update(settles_at=None)  # the settle period is over
    page = admin_client_logged_in.get(order_page)
    assert "being checked" not in text_of(page) and "Set to Invoiced…" in text_of(page)


def entry_url(action, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/c/{TSO}/orders/{action.order_id}/actions/{action.public_id}/" + (f"?{query}" if query else "")


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_action_being_checked_asks_for_itself_until_it_is_settled(upstream, admin_client_logged_in, settings):
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    order_id = tso_order(upstream)
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    since = upstream.last_call_id()
    page = set_status(admin_client_logged_in, order_id, "Draft", "Confirmed").content.decode()
    action = OrderAction.objects.get(order_id=str(order_id))
    # Its timeline entry polls, and says it wants the page reloaded once settled (the outcome is shown above).
    assert (f'id="action-{action.public_id}"\n        data-hx-get="{entry_url(action, outcome=1)}" '
            'data-hx-trigger="every 5s" data-hx-swap="outerHTML"') in page
    # Before its settle time: nothing to say (204 keeps the entry and its polling), and nothing is read.
    reads = len(upstream.calls(since))
    assert admin_client_logged_in.get(entry_url(action, outcome=1), **HTMX).status_code == 204
    assert len(upstream.calls(since)) == reads

    OrderAction.objects.filter(pk=action.pk).update(settles_at=None)  # the settle period is over
    settled = admin_client_logged_in.get(entry_url(action, outcome=1), **HTMX)
    entry = settled.content.decode()
    assert settled.status_code == 200 and settled["HX-Refresh"] == "true"
    assert entry.lstrip().startswith(f'<li class="timeline__item" id="action-{action.public_id}">')
    assert "data-hx-trigger" not in entry and "Done" in text_of(settled) and "being checked" not in entry
    assert len(patches(upstream, since, f"/salesorders/{order_id}")) == 1  # read, never sent again
    # Asked again (another tab): the entry as it is, no reload; the page no longer polls.
    again = admin_client_logged_in.get(entry_url(action), **HTMX)
    assert again.status_code == 200 and "HX-Refresh" not in again and "Done" in text_of(again)
    assert "data-hx-trigger=\"every" not in admin_client_logged_in.get(f"/c/{TSO}/orders/{order_id}/").content.decode()


def test_a_check_the_erp_does_not_answer_waits_before_the_next_and_polling_stops_in_time(
        upstream, sales_client, admin_client_logged_in, settings):
    from orders.views import actions as action_views

    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    order_id = tso_order(upstream)
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    set_status(admin_client_logged_in, order_id, "Draft", "Confirmed")
    action = OrderAction.objects.get(order_id=str(order_id))
    OrderAction.objects.filter(pk=action.pk).update(settles_at=None)
    upstream.fault(f"GET /salesorders/{order_id}", "503", count=10)
    checked = sales_client.get(entry_url(action), **HTMX)  # any user who sees the company: reading only
    assert checked.status_code == 200 and "being checked" in checked.content.decode()
    assert 'data-hx-trigger="every 5s"' in checked.content.decode()
    assert [a.outcome for a in action.attempts.all()] == ["unknown", "failed"]
    assert sales_client.get(entry_url(action), **HTMX).status_code == 204
    assert action.attempts.count() == 2  # not asked again so soon
    upstream.clear_faults()
    # In doubt for longer than the page polls (and not due yet, so the page does not settle it either).
    OrderAction.objects.filter(pk=action.pk).update(created_at=action.created_at - action_views.POLL_FOR,
                                                    settles_at=timezone.now() + dt.timedelta(minutes=5))
    page = sales_client.get(f"/c/{TSO}/orders/{order_id}/").content.decode()
    assert "being checked" in page and 'data-hx-trigger="every' not in page
    assert sales_client.get(f"/c/{TSO}/orders/{order_id}/actions/{action.public_id}/x/").status_code == 404
    assert sales_client.post(entry_url(action)).status_code == 405


def test_the_admin_lists_actions_with_their_attempts(upstream, admin_client_logged_in, admin_client):
    order_id = tso_order(upstream)
    upstream.fault(f"PATCH /salesorders/{order_id}", "drop_after_commit")
    set_status(admin_client_logged_in, order_id, "Draft", "Invoice")
    action = OrderAction.objects.get(order_id=str(order_id))
    listing = admin_client.get("/admin/orders/orderaction/", {"state__exact": "succeeded", "q": str(order_id)})
    assert listing.status_code == 200 and str(action.public_id) in listing.content.decode()
    page = admin_client.get(f"/admin/orders/orderaction/{action.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Checked by reading the order" in content and "No answer" in content  # both attempts, read-only
    assert 'name="attempts-0-error"' not in content and 'name="state"' not in content
    assert admin_client.get("/admin/orders/orderaction/add/").status_code == 403
    assert admin_client.post(f"/admin/orders/orderaction/{action.pk}/change/", {"state": "failed"}).status_code == 403
    action.refresh_from_db()
    assert action.state == State.SUCCEEDED


def test_who_may_do_what(upstream, sales_client, db):
    order_id = tso_order(upstream)
    url = f"/c/{TSO}/orders/{order_id}/status/"
    assert sales_client.post(url, {"from": "Draft", "status": "Invoice"}).status_code == 403
    assert sales_client.post(url, {"from": "Draft", "status": "Bogus"}).status_code == 400
    assert sales_client.post(url, {"from": "Invoice", "status": "Draft"}).status_code == 400
    assert sales_client.post(url, {}).status_code == 400
    assert sales_client.post(url, {"from": "Draft", "status": "Confirmed", "confirm": "1", "token": "x"}).status_code == 400
    assert sales_client.post(f"/c/{TSO}/orders/0/status/", {"from": "Draft", "status": "Confirmed"}).status_code == 404
    assert sales_client.get(url).status_code == 303  # back to the order's page
    stranger = signed_in(make_user("nobody"))  # sees no company
    assert stranger.post(url, {"from": "Draft", "status": "Confirmed"}).status_code == 404
    assert not OrderAction.objects.exists()


# --- QuickBooks ---------------------------------------------------------------------------------------

@pytest.fixture
def quickbooks(qbd_upstream, settings, db):
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0}
    return qbd_upstream


def qbd_order(autofy, lines: int = 2) -> dict:
    answer = autofy.autofy("POST", "/SalesOrder", json={
        "Customer": {"FullName": "Addison Dental Group"},
        "ItemLines": [{"Item": {"FullName": "Task Chair TC-100"}, "Quantity": n + 1} for n in range(lines)]}).json()
    return answer["Contents"][0]["Object"]


def qbd_now(autofy, order_id: str) -> dict:
    return autofy.autofy("GET", f"/SalesOrder/{order_id}").json()["Contents"][0]["Object"]


def version_on(page) -> str:
    return re.search(r'name="version" value="([^"]+)"', page.content.decode()).group(1)


def qbd_act(client, order_id: str, version: str, op: str, lines=(), *, follow=True):
    url = f"/c/{QBD}/orders/{order_id}/close/"
    form = {"op": op, "version": version, "scope": "lines" if lines else "order", "line": list(lines)}
    confirm = client.post(url, form)
    assert confirm.status_code == 200, text_of(confirm)
    return client.post(url, {**form, "confirm": "1", "token": token_of(confirm)}, follow=follow)


def test_close_and_reopen_the_whole_order(quickbooks, sales_client):
    order = qbd_order(quickbooks)
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    assert "Autofy offers no way to delete an order" in text_of(page)
    done = qbd_act(sales_client, order["ID"], version_on(page), "close")
    assert "Close (whole order) · Done" in text_of(done)
    now = qbd_now(quickbooks, order["ID"])
    assert now["IsManuallyClosed"] is True and all(line["IsManuallyClosed"] for line in now["ItemLines"])
    done = qbd_act(sales_client, order["ID"], version_on(done), "reopen")
    now = qbd_now(quickbooks, order["ID"])
    assert now["IsManuallyClosed"] is False and not any(line["IsManuallyClosed"] for line in now["ItemLines"])
    action = OrderAction.objects.filter(order_id=order["ID"]).first()
    assert action.request == {"ID": order["ID"], "EditSequence": action.seen_version, "IsManuallyClosed": False}
    assert action.tracking_id  # Autofy's RequestId


def test_with_quickbooks_off_the_page_after_closing_says_what_became_of_it(quickbooks, sales_client):
    order = qbd_order(quickbooks)
    version = version_on(sales_client.get(f"/c/{QBD}/orders/{order['ID']}/"))
    quickbooks.autofy_configure(agent_offline=True)
    try:
        page = qbd_act(sales_client, order["ID"], version, "close")
    finally:
        quickbooks.autofy_configure(agent_offline=False)

    assert page.status_code == 503  # the order cannot be read, and the dashboard has no copy of it
    assert "QuickBooks is not answering" in text_of(page)
    assert "Close: not done" in text_of(page) and "Nothing was changed" in text_of(page)
    assert qbd_now(quickbooks, order["ID"])["IsManuallyClosed"] is False


def test_lines_one_by_one_and_all_lines_close_the_order(quickbooks, admin_client_logged_in):
    order = qbd_order(quickbooks, lines=2)
    first, second = (line["ID"] for line in order["ItemLines"])
    page = admin_client_logged_in.get(f"/c/{QBD}/orders/{order['ID']}/")
    page = qbd_act(admin_client_logged_in, order["ID"], version_on(page), "close", [first])
    now = qbd_now(quickbooks, order["ID"])
    assert [line["IsManuallyClosed"] for line in now["ItemLines"]] == [True, False]
    assert now["IsManuallyClosed"] is False and len(now["ItemLines"]) == 2
    sent = OrderAction.objects.filter(order_id=order["ID"]).first().request
    assert "IsManuallyClosed" not in sent  # the header left out
    assert sent["ItemLines"] == [{"ID": first, "IsManuallyClosed": True}, {"ID": second}]
    qbd_act(admin_client_logged_in, order["ID"], version_on(page), "close", [second])
    assert qbd_now(quickbooks, order["ID"])["IsManuallyClosed"] is True


def test_a_change_since_the_page_was_shown_lets_the_user_decide(quickbooks, sales_client):
    order = qbd_order(quickbooks)
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    version = version_on(page)
    quickbooks.autofy("PATCH", "/SalesOrder", json={"ID": order["ID"], "Memo": "Changed in QuickBooks"})
    since = quickbooks.last_call_id()
    shown = qbd_act(sales_client, order["ID"], version, "close")
    text = text_of(shown)
    assert "Someone changed this order in QuickBooks since you opened it" in text
    assert "Memo" in text and "Changed in QuickBooks" in text
    assert not patches(quickbooks, since, "SalesOrder")
    # Decide: do it again on the order as it is now.
    action = OrderAction.objects.get(order_id=order["ID"])
    fields = dict(re.findall(r'<input type="hidden" name="(op|scope|version|token|confirm|decides)" value="([^"]+)"',
                             shown.content.decode().split("action-decision", 1)[1]))
    again = sales_client.post(f"/c/{QBD}/orders/{order['ID']}/close/", fields, follow=True)
    assert "Close: done" in text_of(again)
    assert qbd_now(quickbooks, order["ID"])["IsManuallyClosed"] is True
    assert len(patches(quickbooks, since, "SalesOrder")) == 1
    # The first one is decided: its entry says so and offers nothing more.
    action.refresh_from_db()
    assert action.state == State.REDONE
    first = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/", {"action": action.public_id})
    assert "Close: done again" in text_of(first) and "Done again on the order as it was then" in text_of(first)
    assert "action-decision" not in first.content.decode()
    # Its decision pressed again (another tab, or Back, with a fresh form): shown as decided, nothing sent.
    stale = sales_client.post(f"/c/{QBD}/orders/{order['ID']}/close/", {**fields, "token": "another-tab-token-1234"})
    assert stale.status_code == 303 and f"action={action.public_id}" in stale["Location"]
    assert len(patches(quickbooks, since, "SalesOrder")) == 1 and OrderAction.objects.count() == 2
    sales_client.post(f"/c/{QBD}/orders/{order['ID']}/actions/{action.public_id}/cancel/")
    action.refresh_from_db()
    assert action.state == State.REDONE


def test_a_decision_that_could_not_be_carried_out_still_waits_for_one(quickbooks, sales_client):
    """QuickBooks off when "Do it again" is pressed: the order cannot be read, so nothing is done, and the entry
    it was to decide still offers the decision (before, it was marked "done again" first)."""
    order = qbd_order(quickbooks)
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    quickbooks.autofy("PATCH", "/SalesOrder", json={"ID": order["ID"], "Memo": "Changed in QuickBooks"})
    shown = qbd_act(sales_client, order["ID"], version_on(page), "close")
    action = OrderAction.objects.get(order_id=order["ID"])
    fields = dict(re.findall(r'<input type="hidden" name="(op|scope|version|token|confirm|decides)" value="([^"]+)"',
                             shown.content.decode().split("action-decision", 1)[1]))
    quickbooks.autofy_configure(agent_offline=True)
    try:
        sales_client.post(f"/c/{QBD}/orders/{order['ID']}/close/", fields)
    finally:
        quickbooks.autofy_configure(agent_offline=False)
    action.refresh_from_db()
    assert action.state == State.NEEDS_ATTENTION
    assert OrderAction.objects.exclude(pk=action.pk).get().state == State.FAILED  # "could not be read"
    # The same decision for another change (a crafted or stale form) is refused.
    other = {**fields, "op": "reopen", "token": "another-token-for-reopen-1"}
    assert sales_client.post(f"/c/{QBD}/orders/{order['ID']}/close/", other).status_code == 400


def test_a_change_since_the_page_was_shown_can_be_cancelled(quickbooks, sales_client):
    order = qbd_order(quickbooks)
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    quickbooks.autofy("PATCH", "/SalesOrder", json={"ID": order["ID"], "Memo": "Changed in QuickBooks"})
    since = quickbooks.last_call_id()
    shown = qbd_act(sales_client, order["ID"], version_on(page), "close")
    action = OrderAction.objects.get(order_id=order["ID"])
    fields = dict(re.findall(r'<input type="hidden" name="(op|scope|version|token|confirm|decides)" value="([^"]+)"',
                             shown.content.decode().split("action-decision", 1)[1]))
    sales_client.post(f"/c/{QBD}/orders/{order['ID']}/actions/{action.public_id}/cancel/")
    action.refresh_from_db()
    assert action.state == State.CANCELLED
    assert "Cancelled: the order was left as it is." in text_of(
        sales_client.get(f"/c/{QBD}/orders/{order['ID']}/", {"action": action.public_id}))
    # "Do it again" from a page shown before the cancel: nothing is sent.
    stale = sales_client.post(f"/c/{QBD}/orders/{order['ID']}/close/", fields)
    assert stale.status_code == 303 and not patches(quickbooks, since, "SalesOrder")
    assert qbd_now(quickbooks, order["ID"])["IsManuallyClosed"] is False


def test_what_changed_says_when_in_the_companys_time_not_quickbooks_stamp():
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from orders.actions import qbd

    then = {"m": "2026-12-01T13:00:04Z", "v": "1", "lines": []}
    now = {"m": "2026-12-01T13:00:17+00:00", "v": "2", "lines": []}
    with timezone.override(ZoneInfo("America/Chicago")):  # the request works in the company's zone
        assert qbd.changes_between(then, now) == [
            ("Last modified", "1 Dec 2026, 07:00:04 CST", "1 Dec 2026, 07:00:17 CST")]
    assert qbd.changes_between({**then, "m": "not a time"}, now)[0][1] == "not a time"


def test_quickbooks_3200_shows_what_changed(quickbooks, sales_client, monkeypatch):
    from orders.actions import qbd

    order = qbd_order(quickbooks)
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    send = qbd.QbdPerformer.send

    def edited_first(self, action):  # someone saves the order in QuickBooks just before our PATCH
        quickbooks.control("POST", f"/autofy/salesorders/{order['ID']}/edit")
        return send(self, action)

    monkeypatch.setattr(qbd.QbdPerformer, "send", edited_first)
    shown = qbd_act(sales_client, order["ID"], version_on(page), "close")
    action = OrderAction.objects.get(order_id=order["ID"])
    assert action.state == State.NEEDS_ATTENTION and action.changes
    assert "its edit sequence was out of date" in text_of(shown)
    assert "Do it again on the order as it is now" in text_of(shown)
    assert qbd_now(quickbooks, order["ID"])["IsManuallyClosed"] is False


def test_a_lost_quickbooks_answer_is_settled_without_a_second_change(quickbooks, sales_client):
    order = qbd_order(quickbooks)
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    quickbooks.autofy_fault("PATCH /SalesOrder", "drop_after_commit")
    since = quickbooks.last_call_id()
    qbd_act(sales_client, order["ID"], version_on(page), "close")
    action = OrderAction.objects.get(order_id=order["ID"])
    assert action.state == State.SUCCEEDED
    assert [a.outcome for a in action.attempts.all()] == ["unknown", "checked"]
    assert len(patches(quickbooks, since, "SalesOrder")) == 1


def test_reopening_an_open_line_or_closing_a_closed_one_sends_nothing_and_says_so(quickbooks, admin_client_logged_in):
    order = qbd_order(quickbooks)
    page = admin_client_logged_in.get(f"/c/{QBD}/orders/{order['ID']}/")
    first = order["ItemLines"][0]["ID"]
    name = order["ItemLines"][0]["Item"]["FullName"]
    since = quickbooks.last_call_id()
    url = f"/c/{QBD}/orders/{order['ID']}/close/"
    form = {"op": "reopen", "version": version_on(page), "scope": "lines", "line": [first]}
    for sent in (form, {**form, "confirm": "1", "token": "a-token-from-the-page-1234"}):
        refused = admin_client_logged_in.post(url, sent)
        assert refused.status_code == 400 and f"Line {name} is already open" in text_of(refused)
        assert "Nothing was sent to QuickBooks" in text_of(refused)
    assert not patches(quickbooks, since, "SalesOrder") and not OrderAction.objects.exists()

    qbd_act(admin_client_logged_in, order["ID"], version_on(page), "close", [first])
    page = admin_client_logged_in.get(f"/c/{QBD}/orders/{order['ID']}/")
    refused = admin_client_logged_in.post(url, {**form, "op": "close", "version": version_on(page)})
    assert refused.status_code == 400 and f"Line {name} is already closed" in text_of(refused)


def test_odd_quickbooks_input_is_a_400(quickbooks, sales_client):
    order = qbd_order(quickbooks)
    url = f"/c/{QBD}/orders/{order['ID']}/close/"
    page = sales_client.get(f"/c/{QBD}/orders/{order['ID']}/")
    assert sales_client.post(url, {"op": "close", "scope": "order", "version": "tampered"}).status_code == 400
    assert sales_client.post(url, {"op": "delete", "scope": "order", "version": version_on(page)}).status_code == 400
    assert sales_client.post(url, {"op": "close", "scope": "lines", "version": version_on(page)}).status_code == 400
    assert sales_client.post(url, {"op": "close", "scope": "lines", "version": version_on(page),
                                   "line": "not-a-line"}).status_code == 400
    assert sales_client.post(f"/c/{TSO}/orders/1/close/", {"op": "close"}).status_code == 404
    assert not OrderAction.objects.exists()


def test_an_actions_address_opened_leads_back_to_the_order(sales_client, db):
    for path in (f"/c/{TSO}/orders/1001/status/", f"/c/{QBD}/orders/2591-1796078636/close/"):
        response = sales_client.get(path)
        assert response.status_code == 303
        assert response["Location"] == path.rsplit("/", 2)[0] + "/"
    assert sales_client.put(f"/c/{TSO}/orders/1001/status/").status_code == 405
