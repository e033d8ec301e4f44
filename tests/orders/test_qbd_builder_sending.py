"""Sending the QuickBooks builder's order (``orders.submissions.quickbooks``) to the Autofy stand-in over HTTP,
with and without JavaScript: it lands on the new order's page with the totals the builder showed (and the
stand-in worked out); the agent off leaves it "waiting for QuickBooks"; QuickBooks' refusal comes back onto
the form, nothing typed lost; the same form twice is one order."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from orders.models import Submission
from tests.orders.test_builder import form_of, press, slot, text
from tests.orders.test_qbd_builder import HTMX, NEW, build, connection, money  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("qbd_references_cached")]

ORDER_PAGE = re.compile(r"^/c/lakeshore/orders/([0-9A-F]+-\d+)/$")


@pytest.fixture
def quickbooks_now(quickbooks, settings):
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0}
    return quickbooks


def built(client, connection, customer="Addison Dental Group"):
    """An order with a group, four chairs, a discount and freight (not taxable)."""
    return build(client, connection, customer, "Workstation Bundle", ("Task Chair TC-100", {"quantity": "4"}),
                 "Volume Discount", ("Freight", {"rate": "85"}))


def order_of(sandbox, order_id: str) -> dict:
    return sandbox.autofy("GET", f"/SalesOrder/{order_id}").json()["Contents"][0]["Object"]


def test_sent_without_javascript_it_lands_on_the_new_order_with_the_totals_the_builder_showed(
        sales_client, connection, quickbooks_now):
    page = built(sales_client, connection)
    shown = slot(page, "builder-totals")

    response = press(sales_client, NEW, form_of(page), "submit")

    assert response.status_code == 302
    order_id = ORDER_PAGE.match(response["Location"])[1]
    submission = Submission.objects.get()
    assert submission.state == Submission.State.SUCCEEDED and submission.upstream_ref == order_id
    order = order_of(quickbooks_now.sandbox, order_id)
    # What the stand-in worked out on creating it is what the builder showed.
    assert f"Subtotal {money(order['SubTotal'])}" in shown and f"Total {money(order['Amount'])}" in shown
    assert money(order["SalesTaxAmount"]) in shown
    assert [line["Item"]["FullName"] for line in order["ItemLines"]] == [
        "Workstation Bundle", "Task Chair TC-100", "Volume Discount", "Freight"]
    assert len(order["ItemLines"][0]["SubLines"]) == 4 and order["ItemLines"][2]["Quantity"] is None
    landed = sales_client.get(response["Location"])
    assert "The order was created in QuickBooks with 4 lines." in text(landed)
    assert "do not match" not in text(landed)


def test_the_new_order_is_in_the_list_at_once_without_waiting_for_the_next_sync(sales_client, connection,
                                                                               quickbooks_now):
    from orders.models import IndexedOrder

    form = {**form_of(built(sales_client, connection)), "po_number": "PO-LISTED-AT-ONCE"}

    response = press(sales_client, NEW, form, "submit")

    order_id = ORDER_PAGE.match(response["Location"])[1]
    row = IndexedOrder.objects.get(connection=connection, upstream_id=order_id)
    assert row.reference == "PO-LISTED-AT-ONCE"
    listed = sales_client.get("/c/lakeshore/orders/", {"q": "PO-LISTED-AT-ONCE"})
    assert "PO-LISTED-AT-ONCE" in text(listed) and order_id in listed.content.decode()
    assert money(order_of(quickbooks_now.sandbox, order_id)["Amount"]) in text(listed)


def test_sent_with_htmx_the_browser_is_led_to_the_order_and_back_to_the_sent_form(sales_client, connection,
                                                                                   quickbooks_now):
    form = form_of(built(sales_client, connection))
    response = press(sales_client, NEW, form, "submit", **HTMX)
    submission = Submission.objects.get()
    assert response["HX-Redirect"] == f"/c/lakeshore/orders/{submission.upstream_ref}/"
    assert response["X-Sent-Form-Url"] == f"/c/lakeshore/orders/new/{submission.public_id}/"
    # The same form again (a double click, Back and send): the same order, not a second one.
    again = press(sales_client, NEW, form, "submit")
    assert again.status_code == 302 and again["Location"] == f"/c/lakeshore/orders/{submission.upstream_ref}/"
    assert Submission.objects.count() == 1
    sent = sales_client.get(response["X-Sent-Form-Url"])
    assert sent.status_code == 302 and sent["Location"] == again["Location"]


def test_with_quickbooks_off_the_order_waits_and_the_sender_may_leave(sales_client, connection, quickbooks_now):
    form = form_of(built(sales_client, connection))
    quickbooks_now.sandbox.autofy_configure(agent_offline=True)

    response = press(sales_client, NEW, form, "submit")

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/c/lakeshore/orders/new/{submission.public_id}/"
    page = sales_client.get(response["Location"])
    assert 'data-kind="waiting"' in page.content.decode()
    assert "Waiting for QuickBooks" in text(page) and "You can leave this page." in text(page)
    # Named for what it is, and said once (the heading is not repeated in the message).
    assert "<title>Order waiting for QuickBooks" in page.content.decode() and "Send order again" not in text(page)
    assert text(page).count("Waiting for QuickBooks") == 1
    assert 'id="builder-submit"' not in page.content.decode()  # nothing to press: the worker sends it
    assert form_of(page)["lines-1-quantity"] == "4"  # the form as it was sent
    # Shown as it will be sent, not offered for changes that would go nowhere.
    assert re.search(r'<fieldset class="builder__fields" disabled', page.content.decode())
    assert "It is sent as shown below, which cannot be changed meanwhile." in text(page)
    # The page's own look does not send it again before the worker does.
    since = quickbooks_now.sandbox.last_call_id()
    looked = sales_client.post(f"/c/lakeshore/orders/new/{submission.public_id}/check/", **HTMX)
    assert looked.status_code == 200 and "Waiting for QuickBooks" in text(looked)
    assert not [call for call in quickbooks_now.sandbox.calls(since) if "/autofy/" in call["path"]]


def test_an_order_that_did_not_reach_quickbooks_offers_one_try_again(sales_client, connection, quickbooks_now):
    form = form_of(built(sales_client, connection))
    quickbooks_now.sandbox.autofy_configure(agent_offline=True)
    press(sales_client, NEW, form, "submit")
    submission = Submission.objects.get()
    # As a run that stopped half-way leaves it: failed, with nothing QuickBooks said about the form.
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED, form_errors={})

    page = sales_client.get(f"/c/lakeshore/orders/new/{submission.public_id}/")

    assert "The order did not reach QuickBooks" in text(page)
    whole = page.content.decode()
    # The banner's button is the page's one next step: the action bar does not offer it again.
    assert whole.count(">Try again</button>") == 1 and 'id="builder-submit"' not in whole


def test_a_refusal_comes_back_onto_its_field_with_everything_typed(sales_client, connection, quickbooks_now):
    closed_period = dt.date.fromisoformat(quickbooks_now.sandbox.autofy_state()["closingDate"])
    form = {**form_of(built(sales_client, connection)), "date": closed_period.isoformat(), "po_number": "PO-77"}

    response = press(sales_client, NEW, form, "submit")

    submission = Submission.objects.get()
    assert submission.state == Submission.State.FAILED and response.status_code == 302
    page = sales_client.get(response["Location"])
    assert "QuickBooks refused the order" in text(page)
    assert "closed" in slot(page, "id_date_error")
    # Said once, in the dashboard's words, beside the field: not a second banner, nor QuickBooks' own text
    # ("An attempt was made to add a SalesOrder with a date that is on or before the closing date…").
    assert text(page).count("refused the order") == 1 and "An attempt was made" not in text(page)
    assert submission.last_error == (
        "QuickBooks did not accept the order. QuickBooks' books are closed up to this date: choose a later one, or "
        "ask whoever keeps the books to move the closing date. Nothing was created in QuickBooks: correct what is "
        "marked on the form and send again.")
    assert "An attempt was made" in submission.steps.get().error  # kept for admins, with the step
    shown = form_of(page)
    assert shown["po_number"] == "PO-77" and shown["lines-1-quantity"] == "4"
    # Corrected and sent again: the same submission, now in QuickBooks.
    corrected = press(sales_client, response["Location"], {**shown, "date": "2026-11-16"}, "submit")
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUCCEEDED
    assert corrected["Location"] == f"/c/lakeshore/orders/{submission.upstream_ref}/"
    assert Submission.objects.count() == 1


def test_over_the_credit_limit_is_said_with_the_customer(sales_client, connection, quickbooks_now):
    form = form_of(built(sales_client, connection, customer="Kenosha Marine Supply"))
    response = press(sales_client, NEW, form, "submit", **HTMX)
    assert response["HX-Push-Url"].startswith("/c/lakeshore/orders/new/")
    assert "credit limit" in text(response)
    assert form_of(response)["lines-0-item_name"] == "Workstation Bundle"


def test_a_duplicated_order_remembers_where_it_came_from(sales_client, connection, quickbooks_now, qbd_sample_orders):
    source = qbd_sample_orders["group"]
    form = form_of(sales_client.get(NEW, {"from": source["ID"]}))
    response = press(sales_client, NEW, form, "submit")
    submission = Submission.objects.get()
    assert submission.source_ref == source["ID"]
    assert response.status_code == 302, text(sales_client.get(response.get("Location", NEW)))[:500]
    order = order_of(quickbooks_now.sandbox, submission.upstream_ref)
    assert order["Number"] in ("", None) and order["Customer"]["ID"] == source["Customer"]["ID"]
    assert Decimal(str(order["SubTotal"])) == Decimal(str(source["SubTotal"]))


def test_the_new_orders_page_says_the_dashboard_created_it_and_admins_reach_what_was_sent(
        sales_client, admin_client, connection, quickbooks_now):
    response = press(sales_client, NEW, form_of(built(sales_client, connection)), "submit")
    submission = Submission.objects.get()
    seen_by_sales = text(sales_client.get(response["Location"]))
    assert "Created from the dashboard · Succeeded" in seen_by_sales
    assert "What was sent and answered" not in seen_by_sales
    seen_by_admin = admin_client.get(response["Location"]).content.decode()
    assert f'href="/submissions/{submission.public_id}/">What was sent and answered' in seen_by_admin
    # An order QuickBooks users made themselves carries no marker: nothing is claimed for it.
    other = quickbooks_now.sandbox.autofy("GET", "/SalesOrder", params={"pageSize": 1}).json()["Contents"][0]
    assert "Created from the dashboard" not in text(sales_client.get(f"/c/lakeshore/orders/{other['Object']['ID']}/"))
