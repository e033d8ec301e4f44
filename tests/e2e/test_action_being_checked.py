"""A sales person closes a QuickBooks order whose answer is lost (the connection dropped after QuickBooks
made the change): the page says the change is being checked, and, without anyone pressing a button, the
entry asks again until the order has been read once its settle time is over, then the page shows it done.
The order was changed once."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from orders.models import OrderAction
from tests.conftest import restore_seed
from tests.orders.test_order_actions import qbd_now, qbd_order

pytestmark = pytest.mark.e2e


def test_an_action_being_checked_settles_on_the_page_by_itself(page, qbd_upstream, settings, assert_accessible):
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 2}
    autofy = qbd_upstream
    try:
        order = qbd_order(autofy)
        user = User.objects.create_user("kari", password="demo", first_name="Kari")
        user.groups.add(Group.objects.get_or_create(name="Sales")[0])
        page.goto(f"/c/lakeshore/orders/{order['ID']}/")
        page.get_by_label("Username").fill("kari")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Sign in").click()

        autofy.autofy_fault("PATCH /SalesOrder", "drop_after_commit")
        since = autofy.last_call_id()
        page.get_by_role("button", name="Close the order…").click()
        page.get_by_role("button", name=re.compile("^Yes, close it")).click()
        outcome = page.locator(".action-outcome")
        expect(outcome).to_contain_text("being checked")
        entry = page.locator(".timeline__item").first
        expect(entry).to_have_attribute("data-hx-trigger", "every 5s")
        assert_accessible(page, "QuickBooks order, a change being checked")

        # Nobody clicks: the entry asks again, the order is read once settled, the page shows the outcome.
        expect(outcome).to_contain_text("Close: done", timeout=20_000)
        expect(page.locator(".timeline__item").first).not_to_have_attribute("data-hx-trigger", "every 5s")
        action = OrderAction.objects.get(order_id=order["ID"])
        assert action.state == OrderAction.State.SUCCEEDED and not action.in_doubt
        assert [a.outcome for a in action.attempts.all()] == ["unknown", "checked"]
        assert [c["method"] for c in autofy.calls(since) if "SalesOrder" in c["path"]].count("PATCH") == 1
        assert qbd_now(autofy, order["ID"])["IsManuallyClosed"] is True
        expect(page.locator(".order-actions")).to_contain_text("Reopen the order…")  # the order as it is now
    finally:
        restore_seed(autofy)
