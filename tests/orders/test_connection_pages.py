"""Every order page names its company (ERP connection): /c/<slug>/orders/…. Old addresses lead to the
user's default company; a company the user may not see does not exist for them; the header says which
company and ERP the page shows and offers the others."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from orders import connections, services
from orders.models import ErpConnection, Submission
from tests.orders.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(("old", "new"), [
    ("/orders/", "/c/nordlys/orders/"),
    ("/orders/?status=Draft&customer=10001", "/c/nordlys/orders/?status=Draft&customer=10001"),
    ("/orders/1001/?back=status%3DDraft", "/c/nordlys/orders/1001/?back=status%3DDraft"),
    ("/orders/new/?from=1001", "/c/nordlys/orders/new/?from=1001"),
    ("/", "/c/nordlys/orders/"),
])
def test_old_addresses_lead_to_the_default_company(sales_client, old, new):
    response = sales_client.get(old)
    assert response.status_code == 302 and response["Location"] == new


def test_a_form_posted_to_an_old_address_is_posted_again_to_the_new_one(sales_client):
    response = sales_client.post("/orders/new/", {"refresh": ""})
    assert response.status_code == 307 and response["Location"] == "/c/nordlys/orders/new/"


def test_the_default_is_the_first_company_a_user_sees_when_the_default_is_not_theirs(db):
    us_only = Group.objects.create(name="US sales")
    ErpConnection.objects.get(slug="lakeshore").groups.add(us_only)
    client = signed_in(make_user("uma", groups=("US sales",)))
    assert client.get("/orders/")["Location"] == "/c/lakeshore/orders/"


def test_a_user_without_any_company_is_told_so(db):
    client = signed_in(make_user("nils", groups=("Nobody",)))
    response = client.get("/orders/")
    assert response.status_code == 404 and "No ERP connection is shared with you yet" in text(response)


@pytest.mark.parametrize("path", ["/c/sor/orders/", "/c/sor/orders/1001/", "/c/sor/orders/new/",
                                  "/c/sor/orders/new/?from=1001"])
def test_a_company_the_user_may_not_see_is_a_404_never_a_403(db, upstream, path):
    sor = ErpConnection.objects.create(slug="sor", name="Sør AS", kind=ErpConnection.Kind.TSO)
    sor.groups.add(Group.objects.create(name="Sør"))
    outsider = signed_in(make_user("nora", groups=("Sales",)))  # sees nordlys and lakeshore, not sør
    insider = signed_in(make_user("siri", groups=("Sør",)))
    assert insider.get(path).status_code == 200  # the same address works for whom it is shared with
    assert outsider.get(path).status_code == 404


def test_an_unknown_company_is_a_404(sales_client):
    assert sales_client.get("/c/nowhere/orders/").status_code == 404


def test_an_inactive_company_is_gone(sales_client):
    nordlys = ErpConnection.objects.get(slug="nordlys")
    nordlys.is_active = False
    nordlys.save()
    assert sales_client.get("/c/nordlys/orders/").status_code == 404


def test_the_header_names_the_company_and_its_erp_and_offers_the_others(sales_client, upstream):
    page = text(sales_client.get("/c/nordlys/orders/"))
    assert 'class="company__name">Nordlys Kontorservice AS</span> <span class="company__erp">24SevenOffice' in page
    assert 'href="/c/lakeshore/orders/"' in page and "Lakeshore Supply Co." in page
    assert 'href="/c/nordlys/orders/new/"' in page  # a 24SevenOffice company can take new orders


def test_one_company_only_shows_no_menu(sales_client, upstream):
    lakeshore = ErpConnection.objects.get(slug="lakeshore")
    lakeshore.is_active = False
    lakeshore.save()
    page = text(sales_client.get("/c/nordlys/orders/"))
    assert "Nordlys Kontorservice AS" in page and "company__menu" not in page and "lakeshore" not in page


def test_a_quickbooks_company_has_its_own_builder_at_the_same_address(sales_client, qbd_references_cached):
    response = sales_client.get("/c/lakeshore/orders/new/")
    assert response.status_code == 200
    assert "The order reaches QuickBooks when you press “Create order”." in text(response)


def test_cached_erp_data_is_kept_per_company():
    nordlys = ErpConnection.objects.get(slug="nordlys")
    other = ErpConnection.objects.create(slug="sor", name="Sør AS", kind=ErpConnection.Kind.TSO)
    with connections.using(nordlys):
        mine = services.scoped(services.CUSTOMER_LIST_KEY)
    with connections.using(other):
        theirs = services.scoped(services.CUSTOMER_LIST_KEY)
    assert mine != theirs


def test_an_order_made_in_a_company_belongs_to_it_and_opens_only_there(sales_client, admin_client_logged_in,
                                                                      stored_submission, upstream):
    submission = stored_submission(sales_client, "incomplete")
    assert submission.connection.slug == "nordlys"
    other = ErpConnection.objects.create(slug="sor", name="Sør AS", kind=ErpConnection.Kind.TSO)
    other.groups.add(Group.objects.get(name="Admins"))
    assert admin_client_logged_in.get(f"/c/sor/orders/new/{submission.public_id}/").status_code == 404
    assert admin_client_logged_in.get(f"/c/nordlys/orders/new/{submission.public_id}/").status_code == 200
    journal = text(admin_client_logged_in.get(f"/submissions/{submission.public_id}/"))
    assert f'href="/c/nordlys/orders/new/{submission.public_id}/"' in journal


def test_a_quickbooks_agent_that_is_off_is_shown_but_does_not_make_the_dashboard_unhealthy(
        sales_client, admin_client_logged_in, upstream):
    import datetime as dt

    from django.utils import timezone

    from orders.models import IndexSyncState

    lakeshore = ErpConnection.objects.get(slug="lakeshore")
    answered = timezone.now() - dt.timedelta(minutes=5)
    state = IndexSyncState.objects.create(connection=lakeshore, agent_answered_at=answered, last_success_at=answered)
    page = text(sales_client.get("/c/nordlys/orders/"))
    assert "answered 5\xa0minutes ago" in page and "QuickBooks not answering" not in page

    state.last_error, state.last_error_at = "QuickBooks is not reachable: its computer is off.", timezone.now()
    state.save()
    page = text(sales_client.get("/c/nordlys/orders/"))
    assert "QuickBooks not answering" in page

    response = admin_client_logged_in.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    agent = response.json()["connections"]["lakeshore"]
    assert agent["ok"] is False and agent["detail"] == "QuickBooks is not reachable: its computer is off."
    assert agent["checked_at"] == answered.isoformat()


def test_who_sees_what_is_read_once_per_process_and_again_after_a_change(sales_client, upstream,
                                                                        django_assert_max_num_queries):
    sales_client.get("/c/nordlys/orders/")
    with django_assert_max_num_queries(2):  # the signed-in user and their groups: nothing about connections
        assert sales_client.get("/c/nordlys/orders/").status_code == 200
    ErpConnection.objects.get(slug="nordlys").groups.clear()  # the admin takes it away: seen at once
    assert sales_client.get("/c/nordlys/orders/").status_code == 404


# --- submissions belong to their company ------------------------------------------------------------


@pytest.fixture
def us_admin(db):
    """An admin who sees only the US company: the Norwegian one is shared with Sales alone."""
    ErpConnection.objects.get(slug="nordlys").groups.set([Group.objects.get(name="Sales")])
    ErpConnection.objects.get(slug="lakeshore").groups.set([Group.objects.get(name="Admins")])
    return signed_in(make_user("ula", groups=("Admins",)))


def test_an_admin_never_reaches_another_company_s_submissions(sales_client, stored_submission, upstream, us_admin):
    submission = stored_submission(sales_client, "incomplete")
    page = f"/submissions/{submission.public_id}/"
    assert us_admin.get(page).status_code == 404
    assert str(submission.public_id) not in text(us_admin.get("/submissions/"))
    assert str(submission.public_id) not in text(us_admin.get("/submissions/failed/"))
    assert 'class="nav-badge"' not in text(us_admin.get("/submissions/"))
    since = upstream.last_call_id()
    assert us_admin.post(page + "retry/").status_code == 404
    assert upstream.calls(since) == []  # nothing was sent to the company's ERP
    assert us_admin.post(page + "close/", {"note": "done by hand"}).status_code == 404
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    assert "nordlys" not in us_admin.get("/healthz").json()["connections"]


def test_an_order_saved_before_companies_existed_belongs_to_the_default_one(sales_client, admin_client_logged_in,
                                                                           stored_submission, upstream):
    submission = stored_submission(sales_client, "incomplete")
    Submission.objects.filter(pk=submission.pk).update(connection=None)
    other = ErpConnection.objects.create(slug="sor", name="Sør AS", kind=ErpConnection.Kind.TSO,
                                         settings={"api_base_url": "http://127.0.0.1:9/v1"})
    other.groups.add(Group.objects.get(name="Admins"))
    assert admin_client_logged_in.get(f"/c/sor/orders/new/{submission.public_id}/").status_code == 404
    assert admin_client_logged_in.get(f"/c/nordlys/orders/new/{submission.public_id}/").status_code == 200
    admin_client_logged_in.post(f"/submissions/{submission.public_id}/retry/")
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUCCEEDED  # sent with the default company's client


def test_the_migration_gives_old_orders_the_default_company(sales_client, stored_submission, upstream):
    import importlib

    from django.apps import apps

    submission = stored_submission(sales_client, "incomplete")
    Submission.objects.filter(pk=submission.pk).update(connection=None)
    migration = importlib.import_module("orders.migrations.0008_submissions_of_the_default_company")
    migration.to_default(apps, None)
    submission.refresh_from_db()
    assert submission.connection.slug == "nordlys"
