"""The order pages as a user meets them: through the Django test client, against the running sandbox.

Nothing here mocks the services; expectations are read from the sandbox's own API.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from io import StringIO
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.domain import STATUS_LABELS
from orders.erp.tso.payloads import marker_in
from orders.templatetags.orders_tags import format_amount

pytestmark = pytest.mark.django_db

ORDER_LINK = re.compile(r'class="order-link" href="/c/nordlys/orders/(\d+)/')
TAG = re.compile(r"<[^>]+>")


# --- helpers -------------------------------------------------------------------------------------


def page_ids(response) -> list[int]:
    return [int(found) for found in ORDER_LINK.findall(response.content.decode())]


def text(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", response.content.decode())).split())


def upstream_ids(sandbox, **params) -> list[int]:
    response = sandbox.api("GET", "/salesorders", params={"limit": 25, **params})
    response.raise_for_status()
    return [order["id"] for order in response.json()]


def link(response, rel: str) -> str:
    """The href of the pager's link with ``rel`` ("next"/"prev"), unescaped."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    assert match, f"no {rel} link"
    return html.unescape(match[1])


def all_upstream(sandbox, path: str, **params) -> list[dict]:
    """Every record of a paged upstream listing, following its Link header."""
    records, url = [], None
    response = sandbox.api("GET", path, params={"limit": 100, **params})
    while True:
        response.raise_for_status()
        records.extend(response.json())
        url = response.links.get("next", {}).get("url")
        if not url:
            return records
        response = sandbox.api("GET", url.removeprefix(sandbox.api_url))


def money(value) -> str:
    return format_amount(Decimal(str(value)))


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/c/nordlys/orders/", "/c/nordlys/orders/1001/", "/orders/", "/"])
def test_pages_need_a_login(client, path):
    response = client.get(path, follow=True)
    final_path, _ = response.redirect_chain[-1]
    assert final_path == f"/accounts/login/?next={path}"
    assert b"Sign in" in response.content


def test_a_signed_out_htmx_request_is_a_401_not_the_sign_in_page_swapped_into_the_page(client, db):
    fragment = client.get("/c/nordlys/orders/", HTTP_HX_REQUEST="true")
    form = client.post("/c/nordlys/orders/new/", {"add_line": ""}, HTTP_HX_REQUEST="true")

    assert fragment.status_code == form.status_code == 401
    assert b"Sign in" not in form.content
    assert client.post("/c/nordlys/orders/new/", {"add_line": ""})["Location"] == \
        "/accounts/login/?next=/c/nordlys/orders/new/"


def test_login_page_shows_the_product_and_the_demo_logins(client, settings):
    settings.DEMO_MODE = True
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Sales Orders Admin" in text(response)
    assert "Sales orders from 24SevenOffice and QuickBooks Desktop, in one place." in text(response)
    assert "sales / demo" in text(response) and "admin / demo" in text(response)

    settings.DEMO_MODE = False
    assert "Demo logins" not in text(client.get("/accounts/login/"))


def test_signing_in_lands_on_the_orders_and_logging_out_is_a_post(client, sales_user, upstream):
    response = client.post("/accounts/login/", {"username": "sam", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == "/c/nordlys/orders/"  # the default company's orders
    page = client.get("/c/nordlys/orders/")
    assert "Sam Seller" in text(page) and 'action="/accounts/logout/"' in page.content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/c/nordlys/orders/").status_code == 302


# --- the list ------------------------------------------------------------------------------------


def test_list_shows_the_newest_orders_from_the_erp(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/")
    assert response.status_code == 200
    expected = upstream.api("GET", "/salesorders", params={"limit": 25}).json()
    assert page_ids(response) == [order["id"] for order in expected]
    body = text(response)
    for order in expected[:5]:
        assert order["customer"]["name"] in body
        assert f"{money(order['grossAmount'])} {order['currency']['code']}" in body
    assert "Showing 25 orders on this page" in body


@pytest.mark.parametrize("status", ["Invoice", "Draft", "AdvanceInvoice"])
def test_status_tab_narrows_the_list(sales_client, upstream, status):
    response = sales_client.get("/c/nordlys/orders/", {"status": status})
    ids = page_ids(response)
    assert ids and ids == upstream_ids(upstream, status=status)
    assert ids != upstream_ids(upstream)
    page = response.content.decode()
    assert re.search(rf'class="tab tab--active" href="[^"]*status={status}"[^>]*aria-current="true"', page)
    # Every badge on the page is the chosen status.
    assert set(re.findall(r'class="badge badge--(\w+)"', page)) == {status.lower()}


def test_every_status_tab_with_every_filter_is_a_call_the_erp_accepts(sales_client, upstream):
    """The sandbox refuses what the contract does not declare, as the real API would: no tab or filter
    may end in "the ERP could not handle the request"."""
    page = sales_client.get("/c/nordlys/orders/").content.decode()
    tabs = [parse_qs(urlsplit(html.unescape(href)).query).get("status", [""])[0]
            for href in re.findall(r'class="tab[^"]*" href="([^"]+)"', page)]
    assert tabs == ["", "Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice"]  # no Inactive
    invoiced = upstream.api("GET", "/salesorders", params={"limit": 1, "status": "Invoice"}).json()[0]
    every_filter = {"date_from": "2025-06-01", "date_to": "2026-11-16", "customer": invoiced["customer"]["id"],
                    "invoice_number": invoiced["invoice"]["number"], "modified_since": "2025-01-01", "page_size": 10}
    since = upstream.last_call_id()
    for status in tabs:
        for filters in ({}, every_filter):
            response = sales_client.get("/c/nordlys/orders/", {**filters, "status": status})
            assert response.status_code == 200, (status, filters, text(response))
            assert "could not handle" not in text(response)
    statuses = [call["status"] for call in upstream.calls(since) if call["path"] == "/v1/salesorders"]
    assert statuses == [200] * 2 * len(tabs)
    found = sales_client.get("/c/nordlys/orders/", {**every_filter, "status": "Invoice"})
    assert page_ids(found) == [invoiced["id"]]


def test_inactive_orders_show_under_all_with_their_badge_and_the_other_filters_find_them(sales_client, upstream):
    [order, *_] = [o for o in all_upstream(upstream, "/salesorders") if o["status"] == "Inactive"]
    response = sales_client.get("/c/nordlys/orders/", {"customer": order["customer"]["id"], "date_from": order["date"],
                                             "date_to": order["date"]})
    assert order["id"] in page_ids(response)
    row = re.search(rf'href="/c/nordlys/orders/{order["id"]}/.*?</tr>', response.content.decode(), re.S)[0]
    assert 'class="badge badge--inactive"' in row and "Inactive" in row


def test_an_old_link_to_the_inactive_tab_shows_all_statuses_with_a_note(sales_client, upstream):
    since = upstream.last_call_id()
    response = sales_client.get("/c/nordlys/orders/", {"status": "Inactive"})
    assert response.status_code == 200
    assert page_ids(response) == upstream_ids(upstream)
    assert "Inactive orders cannot be listed on their own: showing all statuses" in text(response)
    assert re.search(r'class="tab tab--active" href="/c/nordlys/orders/"[^>]*aria-current="true"', response.content.decode())
    fragment = sales_client.get("/c/nordlys/orders/", {"status": "Inactive"}, headers={"HX-Request": "true"})
    assert "Inactive orders cannot be listed on their own" in text(fragment)
    # The ERP was never asked for what its contract does not allow.
    queries = [call["query"] for call in upstream.calls(since) if call["path"] == "/v1/salesorders"]
    assert queries and not any("status=" in query for query in queries)

    unknown = sales_client.get("/c/nordlys/orders/", {"status": "Paid"})
    assert "Unknown status in the link: showing all statuses." in text(unknown)


def test_date_range_narrows_the_list(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    ids = page_ids(response)
    assert ids and ids == upstream_ids(upstream, dateFrom="2026-03-01", dateTo="2026-03-31")
    for order_id in ids[:3]:
        assert "2026-03" in upstream.api("GET", f"/salesorders/{order_id}").json()["date"]


def test_customer_filter_narrows_the_list(sales_client, upstream):
    customer_id = upstream.api("GET", "/salesorders", params={"limit": 1}).json()[0]["customer"]["id"]
    response = sales_client.get("/c/nordlys/orders/", {"customer": customer_id})
    ids = page_ids(response)
    assert ids and ids == upstream_ids(upstream, customerId=customer_id)
    # The filter is a drop-down of the ERP's customers, with this one selected.
    assert re.search(rf'<option value="{customer_id}" selected>', response.content.decode())


def test_invoice_number_finds_one_order(sales_client, upstream):
    invoiced = upstream.api("GET", "/salesorders", params={"limit": 1, "status": "Invoice"}).json()[0]
    response = sales_client.get("/c/nordlys/orders/", {"invoice_number": invoiced["invoice"]["number"]})
    assert page_ids(response) == [invoiced["id"]]


def test_modified_since_narrows_the_list(sales_client, upstream):
    since = "2026-11-14"
    response = sales_client.get("/c/nordlys/orders/", {"modified_since": since, "page_size": 100})
    ids = page_ids(response)
    start_of_day = dt.datetime(2026, 11, 14, tzinfo=dt.timezone(dt.timedelta(hours=1))).isoformat()
    assert ids and ids == upstream_ids(upstream, modifiedFrom=start_of_day, limit=100)
    assert len(ids) < len(page_ids(sales_client.get("/c/nordlys/orders/", {"page_size": 100})))


@pytest.mark.parametrize("size", [10, 50])
def test_page_size(sales_client, upstream, size):
    response = sales_client.get("/c/nordlys/orders/", {"page_size": size})
    assert page_ids(response) == upstream_ids(upstream, limit=size)
    assert len(page_ids(response)) == size


def test_next_then_previous_returns_to_the_first_page(sales_client, upstream):
    first = sales_client.get("/c/nordlys/orders/", {"page_size": 10, "status": "Invoice"})
    second = sales_client.get(link(first, "next"))
    assert second.status_code == 200
    assert page_ids(second) and not set(page_ids(second)) & set(page_ids(first))
    # The filters travel with the cursor.
    assert parse_qs(urlsplit(link(first, "next")).query)["status"] == ["Invoice"]
    back = sales_client.get(link(second, "prev"))
    assert page_ids(back) == page_ids(first)
    assert "First" in text(second)


def test_htmx_request_gets_only_the_table_fragment(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/", {"status": "Confirmed"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="order-filters"' not in body
    assert body.lstrip().startswith('<div id="order-table"')
    assert page_ids(response) == upstream_ids(upstream, status="Confirmed")
    # The tabs are part of the fragment, so they follow the swap.
    assert 'class="tab tab--active" href="/c/nordlys/orders/?status=Confirmed"' in body
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(sales_client, upstream):
    response = sales_client.get(
        "/c/nordlys/orders/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode() and 'id="order-filters"' in response.content.decode()


def test_invalid_date_shows_an_error_next_to_the_field_and_the_table_still_shows(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/", {"date_from": "2026-13-45", "status": "Invoice"})
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'id="id_date_from_error"[^>]*>Enter a valid date\.</p>', body)
    assert page_ids(response) == upstream_ids(upstream, status="Invoice")


def test_invalid_date_in_a_fragment_swaps_the_error_in_out_of_band(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/", {"date_from": "nope"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert re.search(r'id="id_date_from_error"[^>]*data-hx-swap-oob="true">Enter a valid date\.', response.content.decode())


def test_from_after_to_is_an_error(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert "on or after the “from” date" in text(response)
    assert page_ids(response) == upstream_ids(upstream)


def test_empty_state_offers_to_clear_filters(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/", {"invoice_number": "99999999"})
    assert response.status_code == 200
    assert page_ids(response) == []
    assert "No orders match these filters" in text(response)
    assert re.search(r'<a class="button button--primary" href="/c/nordlys/orders/">Clear filters</a>', response.content.decode())


@pytest.mark.parametrize("fault", ["503", "500", "html", "malformed"])
def test_erp_failure_shows_a_friendly_error_with_retry(sales_client, upstream, fault):
    upstream.fault("GET /salesorders", fault, count=5, retry_after=0)
    response = sales_client.get("/c/nordlys/orders/", {"status": "Invoice"})
    assert response.status_code == 503
    body = text(response)
    assert "The ERP is not answering" in body
    assert "Try again" in body and 'data-hx-get="/c/nordlys/orders/?status=Invoice"' in response.content.decode()
    assert "Traceback" not in body and "Trace id" not in body  # ids are for admins
    assert 'id="order-filters"' in response.content.decode()  # the rest of the page is there

    upstream.fault("GET /salesorders", fault, count=5, retry_after=0)
    fragment = sales_client.get("/c/nordlys/orders/", {"status": "Invoice"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200  # htmx swaps 2xx only
    assert "The ERP is not answering" in text(fragment) and "<html" not in fragment.content.decode()


def test_erp_timeout_shows_the_error_state(sales_client, upstream, settings):
    settings.TSO = {**settings.TSO, "READ_TIMEOUT": 0.3, "MAX_RETRIES": 0}
    upstream.fault("GET /salesorders", "timeout", count=2, seconds=1)
    response = sales_client.get("/c/nordlys/orders/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "The ERP is not answering" in text(response) and "Try again" in text(response)


def test_admins_see_the_erp_ids_of_a_failure(admin_client_logged_in, upstream):
    upstream.fault("GET /salesorders", "503", count=5, retry_after=0)
    since = upstream.last_call_id()
    response = admin_client_logged_in.get("/c/nordlys/orders/")
    failed = [call for call in upstream.calls(since) if call["path"] == "/v1/salesorders"]
    assert failed and failed[-1]["status"] == 503
    assert "Trace id" in text(response)
    assert failed[-1]["traceId"] in response.content.decode()


def test_missing_scope_is_named(sales_client, upstream):
    upstream.configure(denied_scopes=["api.invoicing.salesorder:read"])
    response = sales_client.get("/c/nordlys/orders/")
    assert response.status_code == 503
    assert "The ERP refused access" in text(response)
    assert "api.invoicing.salesorder:read" in text(response)


def test_rejected_credentials_say_so(sales_client, upstream, settings):
    settings.TSO = {**settings.TSO, "CLIENT_SECRET": "not-the-secret"}
    response = sales_client.get("/c/nordlys/orders/")
    assert response.status_code == 503
    assert "The dashboard could not sign in to the ERP" in text(response)
    assert "not-the-secret" not in response.content.decode()


def test_customer_filter_degrades_when_the_customer_list_fails(sales_client, upstream):
    upstream.fault("GET /customers", "503", count=5, retry_after=0)
    response = sales_client.get("/c/nordlys/orders/", {"customer": "10024"})
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'<input type="number" name="customer" value="10024"', body)
    assert "The customer list could not be loaded" in text(response)
    assert page_ids(response) == upstream_ids(upstream, customerId=10024)


# --- the detail page -----------------------------------------------------------------------------


def test_detail_shows_header_lines_and_totals(sales_client, upstream):
    invoiced = upstream.api("GET", "/salesorders", params={"limit": 100, "status": "Invoice"}).json()
    # A seeded order with every header field (other tests add bare orders to the shared sandbox).
    order = next(o for o in invoiced if o.get("referenceNumber") and o.get("yourReference")
                 and o["currency"]["code"] == "NOK")
    lines = upstream.api("GET", f"/salesorders/{order['id']}/lines").json()
    response = sales_client.get(f"/c/nordlys/orders/{order['id']}/")
    assert response.status_code == 200
    body = text(response)
    assert f"Order #{order['id']}" in body
    assert STATUS_LABELS[order["status"]] in body
    assert order["referenceNumber"] in body
    assert order["yourReference"]["name"] in body
    assert dt.date.fromisoformat(order["date"]).strftime("%-d %b %Y") in body
    assert str(order["invoice"]["number"]) in body and order["invoice"]["remittanceReference"] in body
    for line in lines:
        assert html.unescape(line["description"]) in body
        if line["type"] == "product":
            assert line["product"]["number"] in body
    assert f"Gross {money(order['grossAmount'])} NOK" in body
    assert f"Net {money(order['netAmount'])} NOK" in body
    assert "do not match" not in body
    # A 24SevenOffice company's times are the dashboard's own (Oslo), unlabelled.
    modified = dt.datetime.fromisoformat(order["modifiedAt"]).astimezone(ZoneInfo("Europe/Oslo"))
    assert f"{modified.day} {modified:%b %Y, %H:%M}</time>" in response.content.decode()
    assert f"{modified:%H:%M} CET" not in body and f"{modified:%H:%M} CEST" not in body


def test_a_fixed_payment_date_reads_like_every_other_date_on_the_page(sales_client, upstream):
    orders = upstream.api("GET", "/salesorders", params={"limit": 100}).json()
    order = next(o for o in orders if (o.get("invoice") or {}).get("paymentTerms", {}).get("type") == "FixedDate")
    due = dt.date.fromisoformat(order["invoice"]["paymentTerms"]["value"])
    body = text(sales_client.get(f"/c/nordlys/orders/{order['id']}/"))
    assert f"Due on {due:%-d %b %Y}" in body
    assert due.isoformat() not in body


def test_detail_highlights_a_customer_whose_record_changed(sales_client, upstream):
    current = {customer["id"]: customer for customer in all_upstream(upstream, "/customers")}

    def moved_or_renamed(order) -> bool:
        snapshot, now = order["customer"], current[order["customer"]["id"]]
        postal_codes = {part.get("postalCode") for part in now["address"].values()}
        return snapshot["name"] != now["name"] or snapshot["postalCode"] not in postal_codes

    changed = next(order for order in all_upstream(upstream, "/salesorders") if moved_or_renamed(order))
    response = sales_client.get(f"/c/nordlys/orders/{changed['id']}/")
    assert response.status_code == 200
    assert "The customer's record has changed since this order was made" in text(response)
    assert 'class="is-changed"' in response.content.decode()


def test_detail_of_an_unchanged_customer_has_no_callout(sales_client, upstream):
    # The newest seeded order: one the builder's tests sent (marked) may carry a customer as typed.
    newest = next(order for order in upstream.api("GET", "/salesorders", params={"limit": 100}).json()
                  if marker_in(order.get("internalMemo")) is None)
    response = sales_client.get(f"/c/nordlys/orders/{newest['id']}/")
    assert "has changed since this order was made" not in text(response)


def test_detail_warns_when_the_erp_totals_disagree_with_the_lines(sales_client, upstream):
    oldest_invoiced = sorted(
        all_upstream(upstream, "/salesorders", status="Invoice"), key=lambda o: (o["invoice"]["date"], o["id"])
    )

    def lines_net(order) -> Decimal:
        total = Decimal(0)
        for line in upstream.api("GET", f"/salesorders/{order['id']}/lines").json():
            # Text lines can carry a price too ("Rigg og drift"); they count like any other line.
            gross = Decimal(str(line.get("quantity") or 0)) * Decimal(str(line.get("price") or 0))
            total += (gross * (100 - Decimal(str(line.get("discountRate") or 0))) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return total

    legacy = next(o for o in oldest_invoiced[:10] if lines_net(o) != Decimal(str(o["netAmount"])))
    response = sales_client.get(f"/c/nordlys/orders/{legacy['id']}/")
    body = text(response)
    assert "The ERP's totals do not match the lines" in body
    assert money(legacy["netAmount"]) in body and money(legacy["grossAmount"]) in body
    assert money(lines_net(legacy)) in body


def test_unknown_order_is_our_404_page(sales_client, upstream):
    response = sales_client.get("/c/nordlys/orders/999999/")
    assert response.status_code == 404
    assert "Order 999999 does not exist" in text(response)
    assert 'href="/c/nordlys/orders/"' in response.content.decode()


def test_detail_when_the_erp_is_down(admin_client_logged_in, upstream):
    upstream.fault("GET /salesorders/*", "503", count=5, retry_after=0)
    response = admin_client_logged_in.get("/c/nordlys/orders/1001/")
    assert response.status_code == 503
    body = text(response)
    assert "The ERP is not answering" in body and "Try again" in body and "Trace id" in body
    assert "Traceback" not in body


def test_admins_see_upstream_data_and_sales_users_do_not(sales_client, admin_client_logged_in, upstream):
    orders = upstream.api("GET", "/salesorders", params={"limit": 100}).json()
    order_id = next(o["id"] for o in orders if o.get("referenceNumber"))
    since = upstream.last_call_id()
    admin_page = admin_client_logged_in.get(f"/c/nordlys/orders/{order_id}/").content.decode()
    traces = [call["traceId"] for call in upstream.calls(since) if call["path"] == f"/v1/salesorders/{order_id}"]
    assert "Upstream data" in admin_page
    assert "&quot;referenceNumber&quot;" in admin_page  # the raw JSON, escaped
    assert traces and traces[0] in admin_page

    sales_page = sales_client.get(f"/c/nordlys/orders/{order_id}/").content.decode()
    assert "Upstream data" not in sales_page and "referenceNumber" not in sales_page
    assert traces[0] not in sales_page


def test_back_link_keeps_the_list_filters_and_stays_on_site(sales_client, upstream):
    order_id = upstream.api("GET", "/salesorders", params={"limit": 1, "status": "Invoice"}).json()[0]["id"]
    listing = sales_client.get("/c/nordlys/orders/", {"status": "Invoice", "page_size": 10}).content.decode()
    assert f'href="/c/nordlys/orders/{order_id}/?back=status%3DInvoice%26page_size%3D10"' in listing

    detail = sales_client.get(f"/c/nordlys/orders/{order_id}/", {"back": "status=Invoice&page_size=10"})
    assert 'class="back-link" href="/c/nordlys/orders/?status=Invoice&amp;page_size=10"' in detail.content.decode()

    for hostile in ("https://evil.example/", "//evil.example", "status=Draft&next=https://evil.example"):
        page = sales_client.get(f"/c/nordlys/orders/{order_id}/", {"back": hostile}).content.decode()
        assert "evil.example" not in page


# --- demo users ----------------------------------------------------------------------------------


def test_demo_users_is_idempotent(settings):
    settings.DEMO_MODE = True
    call_command("demo_users", stdout=StringIO())
    call_command("demo_users", stdout=StringIO())
    sales, admin = User.objects.get(username="sales"), User.objects.get(username="admin")
    assert list(sales.groups.values_list("name", flat=True)) == ["Sales"]
    assert list(admin.groups.values_list("name", flat=True)) == ["Admins"] and admin.is_staff
    assert sales.check_password("demo") and admin.check_password("demo")
    assert User.objects.count() == 2


def test_demo_users_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("demo_users")
    assert not User.objects.exists()


# --- error pages ---------------------------------------------------------------------------------


def test_500_page_renders_without_a_request_or_context_processors():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong on our side" in page and 'href="/orders/"' in page


def test_unknown_url_is_the_styled_404_page(sales_client):
    response = sales_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "This page does not exist" in text(response) and "Sam Seller" in text(response)


def test_a_renamed_customer_is_found_in_the_filter_under_the_name_its_orders_show(upstream, sales_client):
    renamed = next(c for c in upstream.api("GET", "/customers", params={"limit": 100}).json()
                   if c["name"] == "OBR Renhold AS")
    sales_client.get("/c/nordlys/orders/")  # the filter's customer list
    listed = sales_client.get("/c/nordlys/orders/", {"customer": renamed["id"]})  # its orders, made under the old name
    assert "Oslo Byggrengjøring AS" in listed.content.decode()

    page = sales_client.get("/c/nordlys/orders/")

    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page.content.decode())
    assert (str(renamed["id"]), "OBR Renhold AS") in options
    assert (str(renamed["id"]), "Oslo Byggrengjøring AS (now OBR Renhold AS)") in options

    # And the builder's customer search finds it by that name too, saying so.
    found = sales_client.get("/c/nordlys/orders/new/customers/", {"who": "customer", "customer_query": "oslo bygg"},
                             HTTP_HX_REQUEST="true")
    assert re.findall(r'name="pick_customer" value="(\d+)"', found.content.decode()) == [str(renamed["id"])]
    assert "OBR Renhold AS formerly Oslo Byggrengjøring AS" in " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", found.content.decode())).split())
