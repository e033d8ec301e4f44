"""A QuickBooks order's page (``/c/lakeshore/orders/<TxnID>/``) against the Autofy stand-in over HTTP:
the order read live with groups, closed lines, currencies, custom fields, addresses beside the customer's
current record and totals worked out again; the index's copy while the agent is off; 404s; the raw object
for admins only."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from zoneinfo import ZoneInfo
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from orders import domain
from orders.models import ErpConnection, IndexSyncState
from orders.services import index, quickbooks_order
from tests.conftest import qbd_address_moved
from tests.conftest import qbd_group_and_closed_line as with_group_and_closed_line
from tests.orders.conftest import make_user, signed_in

SLUG = "lakeshore"


@pytest.fixture
def quickbooks(qbd_upstream, db):
    return qbd_upstream


@pytest.fixture
def seeded(qbd_seeded):
    return qbd_seeded


def find(seeded, test) -> dict:
    return next(order for order in reversed(seeded["orders"]) if test(order))


def url(order_id: str) -> str:
    return f"/c/{SLUG}/orders/{order_id}/"


def text_of(response) -> str:
    """The page's text, tags dropped and spaces folded (for phrases split over markup)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_a_group_order_nests_its_sub_lines_and_flags_the_closed_line(quickbooks, seeded, sales_client):
    order = find(seeded, with_group_and_closed_line)
    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 200
    page = response.content.decode()
    group = next(line for line in order["ItemLines"] if line["SubLines"])
    closed = next(line for line in order["ItemLines"] if line["IsManuallyClosed"])
    # The group's row, then each sub-line marked as its child, in order.
    rows = re.findall(r"<tr( class=\"[^\"]*\")?>(.*?)</tr>", page, re.S)
    names = [(css, unescape(re.sub(r"<[^>]+>", " ", cells))) for css, cells in rows]
    start = next(i for i, (css, cells) in enumerate(names) if "line--group" in css and group["Item"]["FullName"] in cells)
    for offset, sub in enumerate(group["SubLines"], start=1):
        css, cells = names[start + offset]
        assert "line--sub" in css and sub["Item"]["FullName"] in cells
        assert f"In group {group['Item']['FullName']}" in cells
    closed_row = next((css, cells) for css, cells in names if closed["Item"]["FullName"] in cells and "line--sub" not in css)
    assert "line--closed" in closed_row[0] and "Closed" in closed_row[1]
    text = text_of(response)
    assert f"Order {order['Number']}" in text
    assert "1 line closed" in text
    # Totals as QuickBooks reports them, and no mismatch: the stand-in prices as QuickBooks does.
    assert f"{Decimal(str(order['Amount'])):,.2f}" in text
    assert f"{Decimal(str(order['SalesTaxAmount'])):,.2f}" in text
    assert "do not match" not in text
    assert order["ItemSalesTax"]["FullName"] in text


def test_totals_are_worked_out_again_from_the_lines(quickbooks, seeded):
    order = find(seeded, with_group_and_closed_line)
    connection = ErpConnection.objects.get(slug=SLUG)
    page = quickbooks_order.order_page(connection, order["ID"])
    computed = page.totals.computed
    assert computed.subtotal == Decimal(str(order["SubTotal"]))
    assert computed.tax == Decimal(str(order["SalesTaxAmount"]))
    assert computed.total == Decimal(str(order["Amount"]))
    assert computed.tax_rate == Decimal(str(order["SalesTaxPercentage"]))
    # Only the taxable lines, a group's taxable sub-lines among them, are taxed.
    taxable = sum(Decimal(str(leaf["Amount"])) for line in order["ItemLines"]
                  for leaf in (line["SubLines"] or [line]) if (leaf["SalesTaxCode"] or {}).get("FullName") == "Tax")
    assert computed.taxable == taxable
    assert all(isinstance(value, Decimal) for value in (computed.subtotal, computed.tax, computed.total))
    assert not page.totals.mismatch


def test_subtotal_and_discount_lines_count_as_quickbooks_counts_them(quickbooks, seeded, sales_client):
    order = find(seeded, lambda o: any(line["Item"]["FullName"] == "Subtotal" for line in o["ItemLines"]))
    connection = ErpConnection.objects.get(slug=SLUG)
    page = quickbooks_order.order_page(connection, order["ID"])
    assert any(check.line.is_subtotal for check in page.totals.lines)
    assert page.totals.computed.subtotal == Decimal(str(order["SubTotal"]))
    assert not page.totals.mismatch
    assert "do not match" not in text_of(sales_client.get(url(order["ID"])))


@pytest.mark.parametrize("currency, code", [("Canadian Dollar", "CAD"), ("Euro", "EUR")])
def test_an_order_in_another_currency_shows_its_rate_and_the_total_in_home_currency(
        quickbooks, seeded, sales_client, currency, code):
    order = find(seeded, lambda o: (o["Currency"] or {}).get("FullName") == currency)
    text = text_of(sales_client.get(url(order["ID"])))
    rate = Decimal(str(order["ExchangeRate"]))
    assert f"{currency} ({code})" in text
    assert f"{rate.normalize():f} USD per {code}" in text
    assert f"Total in USD at {rate.normalize():f}" in text
    assert f"{Decimal(str(order['TotalAmountInHomeCurrency'])):,.2f} USD" in text
    assert f"amounts in {code}" in text


def test_custom_fields_and_header_references_are_shown(quickbooks, seeded, sales_client):
    order = find(seeded, lambda o: o["CustomFields"] and o["Terms"] and o["SalesRep"] and o["Class"])
    text = text_of(sales_client.get(url(order["ID"])))
    for field in order["CustomFields"]:
        assert f"{field['FullName']} {field['Value']}" in text
    for name in ("Terms", "SalesRep", "Class", "ShippingMethod"):
        if order[name]:
            assert order[name]["FullName"] in text


def test_addresses_that_differ_from_the_customers_current_record_are_highlighted(quickbooks, seeded, sales_client):
    order = find(seeded, qbd_address_moved(seeded["customers"]))
    current = seeded["customers"][order["Customer"]["ID"]]["BillingAddress"]
    response = sales_client.get(url(order["ID"]))
    text = text_of(response)
    assert "The order's addresses differ from the customer's current record" in text
    assert "Bill to: Address" in text
    changed = re.findall(r'<tr class="is-changed">(.*?)</tr>', response.content.decode(), re.S)
    assert any(order["BillingAddress"]["Line2"] in row and current["Line2"] in row and "Differs" in row
               for row in map(unescape, changed))


def test_an_order_at_the_customers_address_flags_nothing(quickbooks, seeded, sales_client):
    def same(order):
        customer = seeded["customers"].get(order["Customer"]["ID"])
        return customer and order["BillingAddress"] == customer["BillingAddress"] \
            and order["ShippingAddress"] == customer["ShippingAddress"]

    response = sales_client.get(url(find(seeded, same)["ID"]))
    assert "is-changed" not in response.content.decode() and "differ from the customer" not in text_of(response)


@pytest.fixture
def tampered(quickbooks, qbd_tampered):
    return qbd_tampered


def test_totals_that_do_not_match_the_lines_are_flagged(tampered, seeded, sales_client):
    order = find(seeded, with_group_and_closed_line)
    tax = Decimal(str(order["SalesTaxAmount"]))
    tampered(order, SalesTaxAmount=float(tax + 1), Amount=float(Decimal(str(order["Amount"])) + 1))
    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 200
    text = text_of(response)
    assert "QuickBooks' totals do not match the lines" in text
    warning = response.content.decode().split("totals-warning", 1)[1].split("</div>", 1)[0]
    different = re.findall(r'class="num is-different">(.*?)</td>', warning, re.S)
    assert len(different) == 2  # sales tax and total (the total in home currency was left right)
    assert f"{tax + 1:,.2f}" in different[0] and f"{tax:,.2f}" in unescape(warning)


def test_a_line_whose_amount_is_not_its_quantity_times_its_rate_is_flagged(tampered, seeded, sales_client):
    order = find(seeded, with_group_and_closed_line)
    lines = json.loads(json.dumps(order["ItemLines"]))
    plain = next(line for line in lines if not line["SubLines"] and line["Rate"] and line["Quantity"])
    plain["Amount"] = float(Decimal(str(plain["Amount"])) + Decimal("10.00"))
    tampered(order, ItemLines=lines)
    response = sales_client.get(url(order["ID"]))
    text = text_of(response)
    assert "QuickBooks' totals do not match the lines" in text
    assert "1 line and the totals below differ" in text
    expected = Decimal(str(plain["Quantity"])) * Decimal(str(plain["Rate"]))
    assert f"From quantity and rate: {expected:,.2f}" in text


def test_admins_see_the_raw_object_and_the_request_id(quickbooks, seeded, admin_client_logged_in, sales_client):
    order = find(seeded, with_group_and_closed_line)
    admin_page = admin_client_logged_in.get(url(order["ID"])).content.decode()
    assert "Upstream data" in admin_page and "RequestId" in admin_page
    request_id = re.search(r"<dt>RequestId</dt><dd class=\"mono\">([0-9A-F]{32})</dd>", admin_page)
    assert request_id, "the order's RequestId"
    raw = unescape(admin_page.split('<pre class="json" tabindex="0"><code>', 1)[1].split("</code>", 1)[0])
    assert json.loads(raw)["ID"] == order["ID"] and '\n  "EditSequence"' in raw  # pretty, in full

    sales_page = sales_client.get(url(order["ID"])).content.decode()
    assert "Upstream data" not in sales_page and "RequestId" not in sales_page
    assert request_id[1] not in sales_page and "EditSequence" not in sales_page


@pytest.mark.parametrize("offline", [{}, {"offline_status": 200, "offline_code": 1302},
                                     {"offline_status": 200, "offline_code": 1600}],
                         ids=["http-error", "1302-in-a-200", "1600-in-a-200"])
def test_offline_the_indexed_copy_is_shown_with_a_banner(quickbooks, seeded, sales_client, offline):
    order = find(seeded, with_group_and_closed_line)
    connection = ErpConnection.objects.get(slug=SLUG)
    summary = domain.OrderSummary(id=order["ID"], number=order["Number"], state="open",
                                  customer=domain.Ref(id=order["Customer"]["ID"], name=order["Customer"]["FullName"]),
                                  reference="PO-COPY-1", total=Decimal(str(order["Amount"])), currency_code="USD",
                                  modified_at=timezone.now() - timezone.timedelta(hours=3))
    index.upsert(connection, [summary])
    synced = timezone.now().replace(microsecond=0) - timezone.timedelta(minutes=7)
    IndexSyncState.objects.update_or_create(connection=connection, defaults={"last_success_at": synced})
    quickbooks.autofy_configure(agent_offline=True, **offline)  # Autofy may say so inside an HTTP 200

    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 200
    text = text_of(response)
    assert "QuickBooks is not answering: this is the dashboard's copy as of" in text
    # In the company's time (its PC's zone, America/Chicago here), labelled: not the dashboard's Oslo time.
    assert synced.astimezone(ZoneInfo("America/Chicago")).strftime("%-d %b %Y, %H:%M %Z") in text
    assert "PO-COPY-1" in text and order["Customer"]["FullName"] in text
    assert f"{Decimal(str(order['Amount'])):,.2f}" in text
    assert "Lines" not in text  # what the index does not keep is not pretended


def test_offline_without_a_copy_says_quickbooks_is_not_answering(quickbooks, seeded, sales_client):
    quickbooks.autofy_configure(agent_offline=True)
    response = sales_client.get(url(seeded["orders"][0]["ID"]))
    assert response.status_code == 503
    assert "QuickBooks is not answering" in text_of(response)


def test_a_slow_agent_past_the_page_deadline_falls_back_to_the_copy(quickbooks, seeded, sales_client, settings):
    order = find(seeded, with_group_and_closed_line)
    index.upsert(ErpConnection.objects.get(slug=SLUG), [domain.OrderSummary(id=order["ID"], number=order["Number"])])
    settings.ERP_PAGE_DEADLINE_SECONDS = 1
    quickbooks.autofy_configure(agent_latency_ms=2500)
    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 200
    assert "QuickBooks is not answering: this is the dashboard's copy" in text_of(response)


def test_a_nonsense_answer_is_an_error_state(quickbooks, seeded, sales_client):
    order = find(seeded, with_group_and_closed_line)
    quickbooks.autofy_fault(f"GET /SalesOrder/{order['ID']}", "malformed", count=5)
    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 503
    assert "cannot read" in text_of(response)


def test_a_gateway_error_page_counts_as_quickbooks_not_answering(quickbooks, seeded, sales_client):
    order = find(seeded, with_group_and_closed_line)
    quickbooks.autofy_fault(f"GET /SalesOrder/{order['ID']}", "html", count=5)
    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 503
    assert "QuickBooks is not answering" in text_of(response)


def test_absurd_numbers_are_an_error_state_not_a_server_error(tampered, seeded, sales_client):
    order = find(seeded, with_group_and_closed_line)
    tampered(order, Amount=1e300)
    response = sales_client.get(url(order["ID"]))
    assert response.status_code == 503
    assert "cannot read" in text_of(response)


def test_an_unknown_order_is_a_404_page(quickbooks, sales_client):
    response = sales_client.get(url("FFFF-1234567890"))
    assert response.status_code == 404
    assert "has no sales order with id FFFF-1234567890" in text_of(response)


def test_an_id_quickbooks_could_not_have_is_a_404_even_offline(quickbooks, sales_client):
    quickbooks.autofy_configure(agent_offline=True)
    assert sales_client.get(url("not-an-id")).status_code == 404


def test_a_user_who_cannot_see_the_connection_gets_a_404(quickbooks, seeded):
    only_norway = Group.objects.create(name="Norway only")
    ErpConnection.objects.get(slug="nordlys").groups.add(only_norway)
    client = signed_in(make_user("nora", groups=("Norway only",)))
    order = find(seeded, with_group_and_closed_line)
    before = quickbooks.autofy_state()
    response = client.get(url(order["ID"]))
    assert response.status_code == 404
    assert order["Number"] not in response.content.decode()
    assert quickbooks.autofy_state() == before


def test_a_second_look_at_an_order_asks_quickbooks_once_the_customer_is_kept_a_while(quickbooks, seeded,
                                                                                      sales_client):
    order = find(seeded, with_group_and_closed_line)
    assert sales_client.get(url(order["ID"])).status_code == 200
    since = quickbooks.last_call_id()
    assert sales_client.get(url(order["ID"])).status_code == 200
    paths = [call["path"] for call in quickbooks.calls(since)]
    assert len(paths) == 1 and f"/SalesOrder/{order['ID']}" in paths[0]  # the agent takes one call at a time:
    # one round trip, not two


def test_numbers_too_large_to_multiply_make_an_unreadable_order_not_a_500():
    huge = Decimal("9999999999999999")
    line = domain.OrderLine(id="1", item=None, description="", quantity=huge, unit="", rate=huge, rate_percent=None,
                            amount=Decimal("1"), tax_code=None, taxable=True, closed=False, invoiced_quantity=None,
                            class_ref=None, site=None, serial_number="", lot_number="", custom_fields=(),
                            sub_lines=(), kind="")
    order = domain.Order(id="1A2B-1", number="1", lines=(line,), exchange_rate=huge)
    with pytest.raises(quickbooks_order.UnreadableOrder):
        quickbooks_order.check_totals(order)


def test_a_company_whose_key_is_not_set_says_so_and_its_sync_records_it(db, sales_client, settings, monkeypatch):
    settings.DEMO_MODE = False
    monkeypatch.delenv("AUTOFY_API_KEY", raising=False)
    lakeshore = ErpConnection.objects.get(slug=SLUG)
    response = sales_client.get(url("1A2B-1234567890"))
    assert response.status_code == 503
    assert "Set the environment variable AUTOFY_API_KEY" in text_of(response)
    result = index.sync(lakeshore)
    assert "AUTOFY_API_KEY" in result.error
    assert "AUTOFY_API_KEY" in IndexSyncState.objects.get(connection=lakeshore).last_error
