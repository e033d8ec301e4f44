"""An admin sees how fresh a QuickBooks company's reference data is under its order list, and asks for a full
sync of it (a POST, admins only, CSRF); the worker carries it out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from orders.models import ErpConnection, ReferenceSyncState
from orders.services import qbd_references as refs
from tests.orders.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

LIST = "/c/lakeshore/orders/"
REFRESH = "/c/lakeshore/orders/references/refresh/"


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


@pytest.fixture
def synced(quickbooks):
    quickbooks.sync()
    return quickbooks


def test_an_admin_sees_when_the_reference_data_was_synced_and_sales_do_not(synced, admin_client_logged_in,
                                                                         sales_client):
    page = text(admin_client_logged_in.get(LIST))
    assert "QuickBooks reference data" in page and "Not read from QuickBooks yet." in page
    assert f'action="{REFRESH}"' in page
    refs.sync_references(synced.connection)
    ReferenceSyncState.objects.filter(connection=synced.connection).update(
        last_success_at=timezone.now() - dt.timedelta(minutes=3, seconds=2))
    page = text(admin_client_logged_in.get(LIST))
    assert "(57 customers and jobs, 78 items and 67 other records)" in page
    assert "Brought up to date <time" in page and ">3 minutes ago</time>" in page
    # Not in htmx fragments (the table swaps), nor for sales.
    assert "QuickBooks reference data" not in text(admin_client_logged_in.get(LIST, HTTP_HX_REQUEST="true"))
    sales_page = text(sales_client.get(LIST))
    assert "QuickBooks reference data" not in sales_page and REFRESH not in sales_page


def test_an_admin_asks_for_a_full_sync_and_the_worker_does_it(synced, admin_client_logged_in, transactional_db):
    connection, sandbox = synced.connection, synced.sandbox
    refs.sync_references(connection)
    fax = sandbox.autofy("GET", "/Item", params={"name": "Fax Machine FX-1"}).json()["Contents"][0]["Object"]
    sandbox.control("POST", f"/autofy/lists/{fax['ID']}/delete")  # only a full sync sees that

    response = admin_client_logged_in.post(f"{REFRESH}?status=open&customer=x&bogus=1")
    assert response.status_code == 303 and response["Location"] == f"{LIST}?status=open&customer=x"
    page = text(admin_client_logged_in.get(response["Location"]))
    assert "will be read again in full in the background" in page
    assert "A full sync was asked for just now." in page
    assert ReferenceSyncState.objects.get(connection=connection).full_requested_at is not None

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert refs.item_choice(connection, fax["ID"]) is None
    page = text(admin_client_logged_in.get(LIST))
    assert "A full sync was asked for" not in page and "just now" in page


def test_a_failing_sync_is_shown_to_the_admin(synced, admin_client_logged_in):
    synced.sandbox.autofy_configure(agent_offline=True)
    assert refs.sync_references(synced.connection).error
    page = text(admin_client_logged_in.get(LIST))
    assert "The last attempt failed (just now): QuickBooks is not reachable" in page


def test_only_admins_may_ask_and_only_with_the_csrf_token(synced, sales_client, admin_user_in_group):
    assert sales_client.post(REFRESH).status_code == 403
    assert not ReferenceSyncState.objects.filter(connection=synced.connection, enqueued_at__isnull=False).exists()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user_in_group)
    assert client.post(REFRESH).status_code == 403
    assert signed_in(admin_user_in_group).get(REFRESH).status_code == 405
    assert not ReferenceSyncState.objects.filter(connection=synced.connection, enqueued_at__isnull=False).exists()


def test_other_companies_and_users_who_may_not_see_it_get_a_404(synced, admin_client_logged_in):
    assert admin_client_logged_in.post("/c/nordlys/orders/references/refresh/").status_code == 404
    ErpConnection.objects.get(slug="lakeshore").groups.set([Group.objects.create(name="US admins")])
    outsider = signed_in(make_user("oscar", groups=("Admins",)))
    assert outsider.post(REFRESH).status_code == 404
    assert Client().post(REFRESH).status_code == 302  # signed out: to sign in
