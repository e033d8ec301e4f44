"""Without JavaScript, a builder form sent after its sign-in ended is kept, not lost: the sign-in page says
so, and the builder shows it as typed, unsent, when the same person is back (``orders.views.unsent``)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from orders.models import Submission
from orders.views import unsent
from tests.orders.conftest import make_user
from tests.orders.test_builder import CUSTOMER_ID, failed_submission, form_of, order_state, posted, text  # noqa: F401 (a fixture)
from tests.orders.test_builder import NEW as TSO_NEW

pytestmark = pytest.mark.django_db
QBD_NEW = "/c/lakeshore/orders/new/"


def typed_then_signed_out(user, url: str, **typed) -> tuple[Client, dict]:
    """``user``'s builder at ``url`` with ``typed`` in it; then the session ends (signed out in another tab,
    or it expired): the browser still shows the page."""
    client = Client()
    client.force_login(user)
    form = {**form_of(client.get(url)), **typed}
    client.logout()
    return client, form


def test_a_form_sent_after_signing_out_is_kept_and_shown_as_typed_after_signing_in(sales_user, upstream):
    state = order_state(your_reference="Kari at the back door", internal_memo="Ring before noon")
    client, form = typed_then_signed_out(sales_user, TSO_NEW, **posted(state))
    form["lines-0-description"] = "Hand-typed: 3 boxes, blue"

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


def test_the_kept_form_is_only_for_its_own_page_and_person_and_not_for_long(sales_user, upstream, monkeypatch):
    client, form = typed_then_signed_out(sales_user, TSO_NEW, **posted(order_state()))
    client.post(TSO_NEW, {**form, "submit": ""})

    someone_else = Client()
    someone_else.force_login(make_user("olga", groups=("Sales",)))  # signs in next in that browser, say
    assert form_of(someone_else.get(TSO_NEW))["customer_id"] == ""  # not their draft
    client.force_login(sales_user)
    assert unsent.RESTORED not in text(client.get("/c/nordlys/orders/new/?from=1"))  # another page (a copy)
    assert form_of(client.get(TSO_NEW))["customer_id"] == str(CUSTOMER_ID)  # the page it was sent from

    monkeypatch.setattr(unsent, "KEPT_SECONDS", 1)
    client, form = typed_then_signed_out(sales_user, TSO_NEW, **posted(order_state()))
    client.post(TSO_NEW, {**form, "submit": ""})
    client.force_login(sales_user)
    time.sleep(1.5)
    stale = client.get(TSO_NEW)
    assert form_of(stale)["customer_id"] == "" and unsent.RESTORED not in text(stale)


def test_a_form_not_shown_to_a_signed_in_person_is_not_kept(sales_user, upstream):
    client, form = typed_then_signed_out(sales_user, TSO_NEW, **posted(order_state()))
    for forged in ("", "1", form[unsent.FIELD][:-2] + "xx"):  # none, made up, tampered with
        answer = client.post(TSO_NEW, {**form, unsent.FIELD: forged, "submit": ""}, follow=True)
        assert unsent.SIGNED_OUT not in text(answer)
    client.force_login(sales_user)
    assert form_of(client.get(TSO_NEW))["customer_id"] == ""


def test_htmx_requests_are_not_kept(sales_user, upstream):
    client, form = typed_then_signed_out(sales_user, TSO_NEW, **posted(order_state()))
    answer = client.post(TSO_NEW, {**form, "add_line": ""}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 401  # app.js keeps the page as it is
    client.force_login(sales_user)
    assert form_of(client.get(TSO_NEW))["customer_id"] == ""


def test_a_quickbooks_form_is_kept_too(sales_user, qbd_references_cached):
    client, form = typed_then_signed_out(sales_user, QBD_NEW, memo="Leave at dock 4", po_number="PO-7781")

    client.post(QBD_NEW, {**form, "submit": ""})
    client.force_login(sales_user)
    page = client.get(QBD_NEW)

    shown = form_of(page)
    assert (shown["memo"], shown["po_number"], shown["token"]) == ("Leave at dock 4", "PO-7781", form["token"])
    assert unsent.RESTORED in text(page)
    assert not Submission.objects.exists()


def test_a_stored_orders_form_is_kept_on_its_own_address(sales_user, failed_submission):
    url = f"/c/nordlys/orders/new/{failed_submission.public_id}/"
    attempts = list(failed_submission.steps.values_list("attempts", flat=True))
    client, form = typed_then_signed_out(sales_user, url, your_reference="Corrected by Kari")

    answer = client.post(url, {**form, "submit": ""}, follow=True)

    assert unsent.SIGNED_OUT in text(answer)
    client.force_login(sales_user)
    page = client.get(url)
    assert form_of(page)["your_reference"] == "Corrected by Kari" and unsent.RESTORED in text(page)
    assert unsent.RESTORED not in text(client.get(TSO_NEW))  # kept for the stored order's page, not a new one
    failed_submission.refresh_from_db()
    assert failed_submission.state == Submission.State.FAILED  # not sent again by itself
    assert list(failed_submission.steps.values_list("attempts", flat=True)) == attempts
