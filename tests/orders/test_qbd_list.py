"""The order list of a QuickBooks company (/c/lakeshore/orders/): it reads the local order index, filled
here from the Autofy sandbox by the real sync. Full page and htmx fragment, every filter, paging, how
fresh it says it is, Refresh (waited for, or "Refreshing…" polled; without JavaScript too), the banner
when QuickBooks cannot be reached, the first sync, and who may see it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from orders.models import ErpConnection, IndexedOrder, IndexSyncState
from orders.services import index
from orders.views import qbd_list
from tests.orders.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

LIST = "/c/lakeshore/orders/"
HTMX = {"HTTP_HX_REQUEST": "true"}
POLL = {**HTMX, "HTTP_HX_TARGET": "freshness", "HTTP_HX_TRIGGER": "freshness"}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")  # "2 minutes ago" has a no-break space


def ids(response) -> list[str]:
    """The QuickBooks ids of the table's rows (from their links), in order."""
    return re.findall(r'class="order-link" href="/c/lakeshore/orders/([^/"]+)/', text(response))


def numbers(response) -> list[str]:
    """The order numbers of the table's rows, in order (QuickBooks does not keep them unique)."""
    return re.findall(r'class="order-link" href="[^"]*">([^<]*)</a>', text(response))


def slot(response, slot_id: str) -> str:
    found = re.search(rf'id="{slot_id}"[^>]*>(.*?)</p>', text(response), re.S)
    return unescape(found[1].strip()) if found else ""


def live(connection, **filters):
    return IndexedOrder.objects.filter(connection=connection, deleted=False, **filters)


@pytest.fixture
def synced(quickbooks):
    quickbooks.sync()
    return quickbooks


@pytest.fixture
def no_waiting(monkeypatch):
    """Refresh does not wait for a worker that these tests do not run."""
    monkeypatch.setattr(qbd_list, "REFRESH_WAIT_SECONDS", 0)


# --- the page and its fragment ---------------------------------------------------------------------


def test_the_list_shows_the_indexed_orders_newest_first(synced, sales_client):
    response = sales_client.get(LIST)

    assert response.status_code == 200
    page = text(response)
    newest = live(synced.connection).order_by("-date", "-created_at", "-id")[:25]
    assert ids(response) == [row.upstream_id for row in newest]
    assert numbers(response) == [row.number for row in newest]
    first = newest[0]
    assert f'href="/c/lakeshore/orders/{first.upstream_id}/"' in page  # QuickBooks' TxnID, as it is
    assert re.fullmatch(r"[0-9A-F]+-[0-9]+", first.upstream_id)
    assert f"Showing 1–25 of {live(synced.connection).count()} orders" in page
    assert "As of <time" in page and "just now" in page
    assert 'name="csrfmiddlewaretoken"' in page and ">Refresh</button>" in page
    assert "Sales orders in QuickBooks Desktop" in page and "cannot be reached" not in page
    assert response["Vary"].count("HX-Request") == 1


def test_times_are_the_companys_own_and_say_so(synced, sales_client):
    """Lakeshore's PC keeps Chicago's calendar: its staff read Chicago times, and an admin in Oslo is told."""
    newest = live(synced.connection).order_by("-date", "-created_at", "-id")[0]
    chicago = newest.modified_at.astimezone(ZoneInfo("America/Chicago"))

    page = text(sales_client.get(LIST))

    assert '<th scope="col">Last modified (Chicago time)</th>' in page
    assert f'<time datetime="{chicago.isoformat(timespec="seconds")}">{chicago.day} {chicago:%b %Y, %H:%M}</time>' in page


def test_money_is_decimal_and_shows_its_currency_when_not_the_home_one(synced, sales_client):
    foreign = live(synced.connection).exclude(currency_code__in=("", "USD")).first()
    home = live(synced.connection, currency_code__in=("", "USD"), total__gt=1000).first()
    assert foreign is not None and home is not None

    page = text(sales_client.get(LIST, {"number": foreign.number}))
    assert f'<span class="money">{foreign.total:,.2f}<span class="money__ccy">{foreign.currency_code}</span></span>' in page
    page = text(sales_client.get(LIST, {"number": home.number}))
    assert f'<span class="money">{home.total:,.2f}</span>' in page and isinstance(home.total, Decimal)


def test_the_fragment_is_the_table_with_its_field_errors_freshness_and_announcement(synced, sales_client):
    response = sales_client.get(LIST, {"status": "invoiced", "date_from": "junk"}, **HTMX)

    fragment = text(response)
    assert response.status_code == 200 and "<html" not in fragment and 'id="order-filters"' not in fragment
    assert fragment.lstrip().startswith('<div id="order-table"')
    assert 'id="id_date_from_error" data-error-for="id_date_from" data-hx-swap-oob="true">Enter a valid date.' in fragment
    assert '<div id="freshness" class="freshness" data-hx-swap-oob="true"' in fragment
    assert '<div id="sync-banner" class="sync-banner" data-hx-swap-oob="true"' in fragment
    assert 'id="results-status"' in fragment and 'data-hx-swap-oob="true">Showing 25 orders.' in fragment
    assert set(live(synced.connection, upstream_id__in=ids(response)).values_list("state", flat=True)) == {"invoiced"}


def test_a_history_restore_gets_the_whole_page(synced, sales_client):
    response = sales_client.get(LIST, {"status": "open"}, **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in text(response)


# --- filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["open", "partly_invoiced", "invoiced", "closed"])
def test_each_status_tab_lists_its_orders_and_counts_them(synced, sales_client, state):
    response = sales_client.get(LIST, {"status": state})

    expected = live(synced.connection, state=state)
    shown = ids(response)
    assert shown and set(live(synced.connection, upstream_id__in=shown).values_list("state", flat=True)) == {state}
    page = text(response)
    assert re.search(rf'tab--active" href="/c/lakeshore/orders/\?status={state}" aria-current="true"', page)
    assert f'<span class="tab__count">{expected.count()}</span>' in page
    assert f'<input type="hidden" name="status" value="{state}" form="order-filters">' in page


def test_the_tabs_count_within_the_other_filters(synced, sales_client):
    page = text(sales_client.get(LIST, {"date_from": "2026-10-01", "status": "open"}))
    recent = live(synced.connection, date__gte=dt.date(2026, 10, 1))
    assert f'>All <span class="tab__count">{recent.count()}</span>' in page
    assert f'Partly invoiced <span class="tab__count">{recent.filter(state="partly_invoiced").count()}</span>' in page
    # Every tab keeps the other filters.
    assert 'href="/c/lakeshore/orders/?date_from=2026-10-01&amp;status=closed"' in page


def test_an_unknown_status_shows_every_order_and_says_so(synced, sales_client):
    response = sales_client.get(LIST, {"status": "Invoice"})
    assert "Unknown status in the link: showing all statuses." in text(response)
    assert f"of {live(synced.connection).count()} orders" in text(response)


def test_the_date_range(synced, sales_client):
    response = sales_client.get(LIST, {"date_from": "2026-06-01", "date_to": "2026-06-30", "page_size": "100"})
    expected = live(synced.connection, date__range=(dt.date(2026, 6, 1), dt.date(2026, 6, 30)))
    assert sorted(ids(response)) == sorted(expected.values_list("upstream_id", flat=True)) and expected.exists()


def test_a_date_range_the_wrong_way_round_is_refused_next_to_its_field(synced, sales_client):
    response = sales_client.get(LIST, {"date_from": "2026-06-30", "date_to": "2026-06-01"})
    assert slot(response, "id_date_to_error") == "This must be on or after the “from” date."
    assert f"of {live(synced.connection).count()} orders" in text(response)  # neither end applied


def test_the_customer_filter_offers_the_indexed_customers_and_takes_a_typed_name(synced, sales_client):
    page = text(sales_client.get(LIST))
    names = sorted(set(live(synced.connection).values_list("customer_name", flat=True)))
    offered = [unescape(name) for name in re.findall(r'<option value="([^"]*)"></option>', page)]
    assert offered == names and 'list="customer-names"' in page

    parent = next(name for name in names if f"{name}:" in " ".join(names))  # a customer with jobs
    response = sales_client.get(LIST, {"customer": parent, "page_size": "100"})
    expected = live(synced.connection, customer_name__startswith=parent)
    assert sorted(ids(response)) == sorted(expected.values_list("upstream_id", flat=True))
    assert len(set(expected.values_list("customer_name", flat=True))) > 1  # the customer and its jobs

    typed = parent.split()[0].lower()
    response = sales_client.get(LIST, {"customer": f"  {typed} ", "page_size": "100"})
    assert set(ids(response)) >= set(expected.values_list("upstream_id", flat=True))
    assert f'value="  {typed} "' in text(response)  # as typed


def test_the_customer_filter_takes_a_customer_id(synced, sales_client):
    row = live(synced.connection).exclude(customer_id="").first()
    response = sales_client.get(LIST, {"customer": row.customer_id, "page_size": "100"})
    assert sorted(ids(response)) == sorted(
        live(synced.connection, customer_id=row.customer_id).values_list("upstream_id", flat=True))


def test_the_number_and_po_number(synced, sales_client):
    row = live(synced.connection).exclude(reference="").first()
    assert row.upstream_id in ids(sales_client.get(LIST, {"number": row.number}))
    assert set(numbers(sales_client.get(LIST, {"number": row.number}))) == {row.number}
    assert row.upstream_id in ids(sales_client.get(LIST, {"po_number": row.reference.lower()}))
    response = sales_client.get(LIST, {"number": "no such number"})
    assert numbers(response) == [] and "No orders match these filters" in text(response)
    assert 'href="/c/lakeshore/orders/">Clear filters</a>' in text(response)


def test_modified_since(synced, sales_client):
    since = dt.date(2026, 11, 1)
    response = sales_client.get(LIST, {"modified_since": since.isoformat(), "page_size": "100"})
    start = dt.datetime.combine(since, dt.time(), tzinfo=timezone.get_current_timezone())
    expected = live(synced.connection, modified_at__gte=start)
    assert expected.exists() and sorted(ids(response)) == sorted(expected.values_list("upstream_id", flat=True))


@pytest.mark.parametrize(("params", "slot_id", "message"), [
    ({"number": "1" * 41}, "id_number_error", "At most 40 characters (this has 41)."),
    ({"po_number": "P" * 61}, "id_po_number_error", "At most 60 characters (this has 61)."),
    ({"customer": "x" * 101}, "id_customer_error", "At most 100 characters (this has 101)."),
    ({"customer": "nul\x00"}, "id_customer_error", "Null characters are not allowed."),
    ({"modified_since": "0001-01-01"}, "id_modified_since_error", "Enter a date in 1900 or later."),
    ({"page_size": "7"}, "id_page_size_error", "Select a valid choice. 7 is not one of the available choices."),
])
def test_a_value_a_field_does_not_take_gets_its_message_and_is_left_out(synced, sales_client, params, slot_id, message):
    response = sales_client.get(LIST, params)
    assert response.status_code == 200
    assert slot(response, slot_id) == message
    assert len(numbers(response)) == 25


# --- paging ----------------------------------------------------------------------------------------


def test_paging_through_the_index(synced, sales_client):
    every = list(live(synced.connection, state="invoiced").order_by("-date", "-created_at", "-id")
                 .values_list("upstream_id", flat=True))
    first = sales_client.get(LIST, {"status": "invoiced", "page_size": "10"})
    assert ids(first) == every[:10]
    page = text(first)
    assert 'rel="next" href="/c/lakeshore/orders/?status=invoiced&amp;page_size=10&amp;page=2"' in page
    assert "Previous</span>" in page and ">First</a>" not in page

    third = sales_client.get(LIST, {"status": "invoiced", "page_size": "10", "page": "3"}, **HTMX)
    assert ids(third) == every[20:30]
    assert f"Showing 21–30 of {len(every)} orders" in text(third)
    assert 'rel="prev" href="/c/lakeshore/orders/?status=invoiced&amp;page_size=10&amp;page=2"' in text(third)
    assert '>First</a>' in text(third)
    # Links to an order carry the list's state for its "Back to orders".
    assert "?back=status%3Dinvoiced%26page_size%3D10%26page%3D3" in text(third)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "²", "9" * 50])
def test_a_page_that_is_no_number_is_the_first(synced, sales_client, value):
    assert ids(sales_client.get(LIST, {"page": value})) == ids(sales_client.get(LIST))


def test_a_page_past_the_end_leads_back_to_the_first(synced, sales_client):
    response = sales_client.get(LIST, {"status": "closed", "page": "999"})
    assert "No orders on this page" in text(response)
    assert 'href="/c/lakeshore/orders/?status=closed"' in text(response)


# --- how fresh, and Refresh ------------------------------------------------------------------------


def test_it_says_how_fresh_the_index_is(synced, sales_client):
    IndexSyncState.objects.filter(connection=synced.connection).update(
        last_success_at=timezone.now() - dt.timedelta(minutes=2, seconds=5))
    assert ">2 minutes ago</time>" in text(sales_client.get(LIST))
    IndexSyncState.objects.filter(connection=synced.connection).update(
        last_success_at=timezone.now() - dt.timedelta(hours=3, minutes=1))
    assert ">3 hours, 1 minute ago</time>" in text(sales_client.get(LIST))


def test_refresh_without_javascript_syncs_the_changes_through_the_worker(synced, sales_client, no_waiting,
                                                                       transactional_db):
    gone = live(synced.connection, state="open").first()
    synced.sandbox.control("POST", f"/autofy/salesorders/{gone.upstream_id}/delete")
    assert gone.upstream_id in ids(sales_client.get(LIST, {"status": "open"}))

    response = sales_client.post(f"{LIST}?status=open", {"refresh": "1"})
    assert response.status_code == 303 and response["Location"] == f"{LIST}?status=open"
    assert IndexSyncState.objects.get(connection=synced.connection).enqueued_at is not None
    waiting = text(sales_client.get(f"{LIST}?status=open"))
    assert "Refreshing…" in waiting
    assert 'class="button button--sm button--ghost nojs-only" href="/c/lakeshore/orders/?status=open">Check again</a>' in waiting
    assert 'data-hx-trigger="load delay:2s"' in waiting

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")

    done = sales_client.get(f"{LIST}?status=open")
    assert gone.upstream_id not in ids(done)
    assert "Refreshing…" not in text(done) and "just now" in text(done) and "Check again" not in text(done)


def test_refresh_with_htmx_waits_for_the_sync_and_swaps_the_table_in(synced, sales_client, settings):
    settings.TASKS = IMMEDIATE_TASKS  # the sync runs at once, as a quick worker would
    gone = live(synced.connection, state="invoiced").first()
    synced.sandbox.control("POST", f"/autofy/salesorders/{gone.upstream_id}/delete")
    IndexSyncState.objects.filter(connection=synced.connection).update(
        last_success_at=timezone.now() - dt.timedelta(minutes=10))

    response = sales_client.post(f"{LIST}?status=invoiced&page_size=100", {"refresh": "1"}, **HTMX)

    fragment = text(response)
    assert response.status_code == 200 and fragment.lstrip().startswith('<div id="order-table"')
    assert gone.upstream_id not in ids(response) and len(ids(response)) > 50
    assert "Orders refreshed. Showing" in fragment and "just now" in fragment and "Refreshing…" not in fragment


def test_a_refresh_not_done_yet_is_polled_until_its_sync_has_finished(synced, sales_client, no_waiting):
    sales_client.post(LIST, {"refresh": "1"}, **HTMX)

    poll = sales_client.get(LIST, {"status": "open"}, **POLL)
    assert text(poll).lstrip().startswith('<div id="freshness" class="freshness"')
    assert "Refreshing…" in text(poll) and 'id="order-table"' not in text(poll) and "HX-Retarget" not in poll

    synced.sync()  # a worker ran it
    done = sales_client.get(LIST, {"status": "open"}, **POLL)
    assert done["HX-Retarget"] == "#order-table" and done["HX-Reswap"] == "outerHTML"
    assert text(done).lstrip().startswith('<div id="order-table"') and "Orders refreshed." in text(done)
    assert "Refreshing…" not in text(done)
    again = sales_client.get(LIST, **POLL)  # the refresh is over: nothing polls any more
    assert "HX-Retarget" in again and "data-hx-trigger" not in text(again).split('id="freshness"')[1].split(">")[0]


def test_a_refresh_that_ended_in_an_error_stops_and_shows_the_banner(synced, sales_client, no_waiting):
    sales_client.post(LIST, {"refresh": "1"})
    synced.sandbox.autofy_configure(agent_offline=True)
    assert index.sync(synced.connection).error
    page = text(sales_client.get(LIST))
    assert "Refreshing…" not in page and "QuickBooks cannot be reached" in page


def test_refresh_needs_the_csrf_token(synced, sales_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_user)
    assert client.post(LIST, {"refresh": "1"}).status_code == 403


def test_the_list_answers_only_get_and_post(synced, sales_client):
    assert sales_client.put(LIST).status_code == 405


# --- QuickBooks unreachable, the first sync ----------------------------------------------------------


def test_with_quickbooks_unreachable_the_list_works_from_the_index_and_says_so(synced, sales_client,
                                                                              admin_client_logged_in):
    synced.sandbox.autofy_configure(agent_offline=True)
    assert index.sync(synced.connection).error
    IndexSyncState.objects.filter(connection=synced.connection).update(
        last_success_at=timezone.now() - dt.timedelta(minutes=42),
        agent_answered_at=timezone.now() - dt.timedelta(minutes=42))

    response = sales_client.get(LIST, {"status": "open"})
    page = text(response)
    assert response.status_code == 200 and len(numbers(response)) == 25
    assert "QuickBooks cannot be reached" in page
    assert "The list shows the orders as they were 42 minutes ago" in page
    assert "QuickBooks last answered 42 minutes ago" in page
    assert "Last error" not in page  # the error itself is for admins
    admin_page = text(admin_client_logged_in.get(LIST))
    assert "Last error: <code>" in admin_page and "1302" in admin_page
    assert synced.sandbox.autofy_key not in admin_page

    fragment = text(sales_client.get(LIST, {"status": "closed"}, **HTMX))
    assert "QuickBooks cannot be reached" in fragment  # the banner follows swaps (out of band)


def test_before_the_first_sync_the_list_says_its_orders_are_being_read(quickbooks, sales_client):
    response = sales_client.get(LIST)

    page = text(response)
    assert response.status_code == 200
    assert "QuickBooks orders are being read for the first time…" in page and "Reading QuickBooks…" in page
    assert 'data-hx-trigger="load delay:2s"' in page  # and looks again by itself
    # Nobody had asked for it yet: the page did.
    assert IndexSyncState.objects.get(connection=quickbooks.connection).enqueued_at is not None

    quickbooks.sync()
    done = sales_client.get(LIST, **POLL)
    assert done["HX-Retarget"] == "#order-table" and len(numbers(done)) == 25
    assert "being read for the first time" not in text(done)


def test_a_first_sync_that_fails_says_so(quickbooks, sales_client):
    quickbooks.sandbox.autofy_configure(agent_offline=True)
    assert index.sync(quickbooks.connection).error
    page = text(sales_client.get(LIST))
    assert "QuickBooks cannot be reached" in page and "Its orders will be read as soon as it answers." in page
    assert "QuickBooks orders could not be read yet" in page and "load delay" not in page


# --- who sees it -------------------------------------------------------------------------------------


def test_a_user_who_may_not_see_the_company_gets_a_404(synced):
    ErpConnection.objects.get(slug="lakeshore").groups.set([Group.objects.create(name="US sales")])
    nora = signed_in(make_user("nora", groups=("Sales",)))
    assert nora.get(LIST).status_code == 404
    assert nora.get(LIST, **HTMX).status_code == 404
    assert nora.post(LIST, {"refresh": "1"}).status_code == 404
    assert "Lakeshore" not in text(nora.get(LIST))


def test_signed_out_is_sent_to_sign_in(synced):
    response = Client().get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
