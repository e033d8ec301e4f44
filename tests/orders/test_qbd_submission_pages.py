"""The admins' pages for QuickBooks submissions: the journal and the failed orders beside 24SevenOffice's,
a submission's page in each state (its company, marker, every try and look, the waiting state with when
QuickBooks last answered, the order found), sending again and closing."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from html import unescape

import pytest

from orders.erp.autofy import reading as autofy_reading
from orders.models import Submission
from orders.qbd_draft import QbLineDraft
from orders.submissions.quickbooks import qbd_submission_run, qbd_submission_start, send_due
from tests.conftest import QBD_STORED_SUBMISSIONS
from tests.orders.test_qbd_submissions import lookup, make_draft

State = Submission.State


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def stored(qbd_stored_submission, sales_user):
    return {kind: qbd_stored_submission(sales_user, kind) for kind in QBD_STORED_SUBMISSIONS}


def test_a_waiting_order_says_so_with_when_quickbooks_last_answered(stored, admin_client_logged_in, quickbooks):
    waiting = stored["waiting"]
    url = f"/submissions/{waiting.public_id}/"
    page = text(admin_client_logged_in.get(url))
    assert "Waiting for QuickBooks It will be sent when the PC running QuickBooks answers." in page
    assert "QuickBooks has not answered the dashboard yet." in page  # no sync has reached it in this test
    assert f"Marker (in QuickBooks' Other field) {waiting.steps.get().request['Other']}" in page
    assert "Company Lakeshore Supply Co." in page and "QuickBooks order Not known yet" in page
    assert "Send now" in page and "Close" in page
    quickbooks.sync()
    assert "QuickBooks last answered just now ." in text(admin_client_logged_in.get(url))


def test_sending_a_waiting_order_now_lands_on_its_quickbooks_order(stored, admin_client_logged_in):
    waiting = stored["waiting"]
    page = admin_client_logged_in.post(f"/submissions/{waiting.public_id}/retry/", follow=True)
    sent = Submission.objects.get(pk=waiting.pk)
    assert sent.state == State.SUCCEEDED
    shown = text(page)
    assert f"Sent: it is order {sent.upstream_ref} in QuickBooks." in shown  # QuickBooks gave it no number
    assert f'href="/c/lakeshore/orders/{sent.upstream_ref}/"' in page.content.decode()
    # Its every try and look: not taken, looked for (not there), made.
    history = [row.outcome for row in sent.steps.get().history.order_by("number")]
    assert history == ["not_accepted", "checked", "succeeded"]
    for label in ("Not taken", "Checked in the ERP", "Succeeded"):
        assert label in shown


def test_an_order_in_doubt_shows_when_it_is_looked_for(stored, admin_client_logged_in):
    page = text(admin_client_logged_in.get(f"/submissions/{stored['in_doubt'].public_id}/"))
    assert "QuickBooks did not confirm the order." in page and "so it cannot be created twice" in page
    assert "Next try as soon as it answers, at the latest" in page


def test_the_journal_and_the_failed_orders_show_both_erps(stored, admin_client_logged_in, stored_submission,
                                                           upstream, sales_client):
    tso = stored_submission(sales_client, "rejected")
    journal = admin_client_logged_in.get("/submissions/")
    shown = text(journal)
    succeeded = stored["succeeded"]
    assert f'href="/c/lakeshore/orders/{succeeded.upstream_ref}/"' in journal.content.decode()
    assert "Waiting for QuickBooks" in shown
    tabs = text(admin_client_logged_in.get("/submissions/?state=waiting"))
    assert "Waiting for QuickBooks 2" in tabs  # the offline one and the one in doubt
    failed = admin_client_logged_in.get("/submissions/failed/")
    rows = failed.content.decode()
    for kind in ("rejected", "needs_attention"):
        assert str(stored[kind].public_id) in rows
    assert str(tso.public_id) in rows
    assert all(str(stored[kind].public_id) not in rows for kind in ("waiting", "in_doubt", "succeeded"))
    assert "Not counted here: 2 orders waiting for QuickBooks , sent by themselves" in text(failed)
    badge = re.search(r'nav-badge">(\d+)', rows)
    assert badge and badge[1] == "3"


def test_a_refused_order_shows_quickbooks_words_and_can_be_closed(stored, admin_client_logged_in):
    rejected = stored["rejected"]
    url = f"/submissions/{rejected.public_id}/"
    page = text(admin_client_logged_in.get(url))
    assert "QuickBooks did not accept the order." in page and "Try again" in page
    closed = admin_client_logged_in.post(f"{url}close/", {"note": "Customer set up in QuickBooks; sent by hand."},
                                         follow=True)
    assert "Closed. Nothing more will be sent for this order." in text(closed)


def test_an_order_needing_a_person_names_the_copies_and_is_checked_again(stored, admin_client_logged_in):
    stuck = stored["needs_attention"]
    url = f"/submissions/{stuck.public_id}/"
    page = text(admin_client_logged_in.get(url))
    assert "Check QuickBooks again" in page and "QuickBooks has 2 orders carrying this form's marker" in page
    again = admin_client_logged_in.post(f"{url}retry/", follow=True)
    assert Submission.objects.get(pk=stuck.pk).state == State.NEEDS_ATTENTION  # still two
    assert "Still not sent." in text(again)


def test_waiting_orders_can_be_closed_but_not_by_sales(stored, admin_client_logged_in, sales_client, quickbooks):
    waiting = stored["waiting"]
    assert sales_client.get(f"/submissions/{waiting.public_id}/").status_code == 403
    assert sales_client.post(f"/submissions/{waiting.public_id}/retry/").status_code == 403
    admin_client_logged_in.post(f"/submissions/{waiting.public_id}/close/", {"note": "Entered by hand."})
    assert Submission.objects.get(pk=waiting.pk).state == State.CLOSED
    since = quickbooks.sandbox.last_call_id()
    send_due(quickbooks.connection)  # the worker leaves a closed one alone
    assert Submission.objects.get(pk=waiting.pk).state == State.CLOSED
    assert not [c for c in quickbooks.sandbox.calls(since) if c["method"] == "POST"]


def test_an_order_quickbooks_has_not_made_yet_shows_the_total_it_gets(stored, admin_client_logged_in, sales_user,
                                                                       quickbooks, settings, qbd_references_cached):
    """A waiting order's total was a dash in the journal and on its page. It is the builder's, worked out by
    QuickBooks' rules, which is what QuickBooks makes of it once it answers; an order with a line left for
    QuickBooks to price (which the builder does not send) still shows none."""
    item = lambda name: lookup(quickbooks.sandbox, "Item", name)  # noqa: E731
    tax, non = (lookup(quickbooks.sandbox, "SalesTaxCode", name) for name in ("Tax", "Non"))
    chicago = lookup(quickbooks.sandbox, "ItemSalesTax", "Chicago Combined")  # Addison Dental Group's
    priced = make_draft(quickbooks.sandbox, refs={"item_sales_tax": chicago}, lines=(
        QbLineDraft(item=item("Task Chair TC-100"), quantity=Decimal("3"), rate=Decimal("189.00"), tax_code=tax),
        QbLineDraft(item=item("Workstation Bundle"), kind="group", quantity=Decimal("1"), sub_lines=(
            QbLineDraft(item=item("Standing Desk SD-60"), quantity=Decimal("1"), rate=Decimal("649.00"), tax_code=tax),
            QbLineDraft(item=item("Task Chair TC-100"), quantity=Decimal("1"), rate=Decimal("150"), tax_code=tax),
        )),
        QbLineDraft(item=item("Subtotal"), kind="subtotal"),
        QbLineDraft(item=item("Volume Discount"), kind="discount", rate_percent=Decimal("-10"), tax_code=tax),
        QbLineDraft(item=item("Setup Fee"), quantity=Decimal("1"), rate=Decimal("75.00"), description="On site",
                    tax_code=non),
    ))
    waiting = qbd_submission_start(user=sales_user, connection=quickbooks.connection, token=uuid.uuid4().hex,
                                   draft=priced)
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0, "AGENT_QUEUE_SECONDS": 0}
    quickbooks.sandbox.autofy_configure(agent_offline=True)
    try:
        waiting = qbd_submission_run(submission=waiting)
    finally:
        quickbooks.sandbox.autofy_configure(agent_offline=False)
    assert waiting.state == State.WAITING
    journal = text(admin_client_logged_in.get("/submissions/?state=waiting"))
    page = text(admin_client_logged_in.get(f"/submissions/{waiting.public_id}/"))
    unpriced = text(admin_client_logged_in.get(f"/submissions/{stored['waiting'].public_id}/"))

    admin_client_logged_in.post(f"/submissions/{waiting.public_id}/retry/")

    made = Submission.objects.get(pk=waiting.pk)
    assert made.state == State.SUCCEEDED
    total = autofy_reading.read_summary(made.steps.get().response).total
    shown = f"{total:,.2f} USD"
    assert f"Waiting for QuickBooks — 5 {shown}" in journal
    assert f"Total {shown}" in page
    assert "Total — " in unpriced


@pytest.mark.parametrize("change", ["unknown tax item", "unknown tax code", "empty group"])
def test_an_order_whose_tax_the_local_lists_cannot_tell_shows_no_total(stored, admin_client_logged_in, sales_user,
                                                                      quickbooks, qbd_references_cached, change):
    """Priced without its tax the total would be wrong: no total rather than one that leaves the tax out."""
    waiting = stored["waiting"]
    tax = lookup(quickbooks.sandbox, "SalesTaxCode", "Tax")
    chicago = lookup(quickbooks.sandbox, "ItemSalesTax", "Chicago Combined")
    line = {"item_id": lookup(quickbooks.sandbox, "Item", "Task Chair TC-100").id, "item_name": "Task Chair TC-100",
            "kind": "", "quantity": "2", "rate": "189.00", "tax_code_id": tax.id, "tax_code_name": tax.name}
    payload = {**waiting.payload, "item_sales_tax_id": chicago.id, "lines": [line]}
    priced = Submission.objects.filter(pk=waiting.pk)
    priced.update(payload=payload)
    assert "Total 416.75 USD" in text(admin_client_logged_in.get(f"/submissions/{waiting.public_id}/"))  # 378 + 10.25 %
    if change == "unknown tax item":
        payload = {**payload, "item_sales_tax_id": "80000999-1234567890"}
    elif change == "unknown tax code":
        payload = {**payload, "lines": [{**line, "tax_code_id": "80000999-1", "tax_code_name": "Gone"}]}
    else:
        payload = {**payload, "lines": [line, {"kind": "group", "item_name": "Workstation Bundle", "quantity": "1",
                                               "sub_lines": []}]}
    priced.update(payload=payload)
    assert "Total — " in text(admin_client_logged_in.get(f"/submissions/{waiting.public_id}/"))


@pytest.mark.parametrize("lines", [
    "not a list", [{"kind": "group", "sub_lines": "nor this"}], [{"rate": {"odd": 1}, "tax_code_id": ["x"]}],
    [{"kind": "group", "sub_lines": [{"rate": "12", "tax_code_id": "1"}, 7]}],
    [{"rate": "1e999999", "quantity": "1", "tax_code_id": "x"}], [{"rate": "9" * 40, "quantity": "9" * 40}],
])
def test_stored_data_that_cannot_be_priced_lists_without_a_total(stored, admin_client_logged_in, lines):
    waiting = stored["waiting"]
    Submission.objects.filter(pk=waiting.pk).update(payload={**waiting.payload, "lines": lines})
    for url in ("/submissions/", "/submissions/?state=waiting", f"/submissions/{waiting.public_id}/"):
        response = admin_client_logged_in.get(url)
        assert response.status_code == 200, url
