"""Without JavaScript, a builder form sent after its sign-in ended is kept, not lost: the sign-in page says
so, and the builder shows it as typed, unsent, once the person is back (``orders.views.unsent``)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from orders.models import Submission
from orders.views import unsent
from tests.orders.test_builder import CUSTOMER_ID, form_of, order_state, posted, text
from tests.orders.test_builder import NEW as TSO_NEW

pytestmark = pytest.mark.django_db


def test_a_form_sent_after_signing_out_is_kept_and_shown_as_typed_after_signing_in(sales_client, sales_user, upstream):
    state = order_state(your_reference="Kari at the back door", internal_memo="Ring before noon")
    form = {**posted(state), "lines-0-description": "Hand-typed: 3 boxes, blue"}
    client = Client()
    client.force_login(sales_user)
    client.logout()

    answer = client.post(TSO_NEW, {**form, "submit": ""}, follow=True)

    assert answer.redirect_chain[-1][0].startswith("/accounts/login/?next=/c/nordlys/orders/new/")
    assert unsent.SIGNED_OUT in text(answer)
    assert not Submission.objects.exists()  # nothing was sent

    client.force_login(sales_user)  # signed in again
    page = client.get(TSO_NEW)

    assert page.status_code == 200
    shown = form_of(page)
    assert shown["customer_id"] == str(CUSTOMER_ID) and shown["customer_name"] == "Fjordkraft Installasjon AS"
    assert shown["your_reference"] == "Kari at the back door"
    assert shown["internal_memo"] == "Ring before noon"
    assert shown["lines-0-description"] == "Hand-typed: 3 boxes, blue"
    assert shown["token"] == form["token"]  # the same order: sending it now makes it once
    assert unsent.RESTORED in text(page)
    assert not Submission.objects.exists()  # shown, not sent: the person checks it and sends it

    again = client.get(TSO_NEW)  # once only: the next visit is a new order
    assert form_of(again)["customer_id"] == "" and unsent.RESTORED not in text(again)


def test_the_kept_form_is_only_for_its_own_page_and_not_for_long(sales_user, upstream, monkeypatch):
    client = Client()
    client.post(TSO_NEW, {**posted(order_state()), "submit": ""})
    client.force_login(sales_user)

    assert unsent.RESTORED not in text(client.get("/c/nordlys/orders/new/?from=1"))  # another page (a duplicate)
    assert form_of(client.get(TSO_NEW))["customer_id"] == str(CUSTOMER_ID)  # the page the form was sent from

    client.logout()
    client.post(TSO_NEW, {**posted(order_state()), "submit": ""})
    client.force_login(sales_user)
    later = time.time() + unsent.KEPT_SECONDS + 1
    monkeypatch.setattr(unsent.time, "time", lambda: later)
    stale = client.get(TSO_NEW)
    assert form_of(stale)["customer_id"] == "" and unsent.RESTORED not in text(stale)


def test_htmx_and_other_pages_are_not_kept(sales_user, upstream):
    client = Client()
    answer = client.post(TSO_NEW, {**posted(order_state()), "add_line": ""}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 401  # app.js keeps the page as it is
    assert unsent.SESSION_KEY not in client.session

    client.post("/c/nordlys/orders/1001/status/", {"status": "Confirmed"})
    assert unsent.SESSION_KEY not in client.session


def test_a_quickbooks_form_is_kept_too(sales_user, qbd_references_cached):
    client = Client()
    client.force_login(sales_user)
    form = form_of(client.get("/c/lakeshore/orders/new/"))
    client.logout()

    client.post("/c/lakeshore/orders/new/", {**form, "memo": "Leave at dock 4", "po_number": "PO-7781", "submit": ""})
    client.force_login(sales_user)
    page = client.get("/c/lakeshore/orders/new/")

    shown = form_of(page)
    assert (shown["memo"], shown["po_number"], shown["token"]) == ("Leave at dock 4", "PO-7781", form["token"])
    assert unsent.RESTORED in text(page)
    assert not Submission.objects.exists()
