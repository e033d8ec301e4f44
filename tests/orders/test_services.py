"""Services against the sandbox over real HTTP: the code path production uses."""

import contextlib
import dataclasses
import datetime as dt
import sqlite3
from decimal import Decimal

import pytest
from django.core.cache import cache

from orders import money, services
from orders.domain import Account, SalesType, TaxCode
from orders.erp.errors import UpstreamForbidden, UpstreamNotFound, UpstreamUnavailable
from orders.erp.tso import reading as tso_reading
from orders.services import OrderFilters

pytestmark = pytest.mark.usefixtures("upstream")


def sandbox_orders(sandbox, **params):
    return sandbox.api("GET", "/salesorders", params={"limit": 1000, **params}).json()


def test_a_page_of_orders_is_the_upstreams_first_page(sandbox):
    page = services.order_list(filters=OrderFilters(page_size=10))
    expected = sandbox_orders(sandbox)[:10]
    assert [o.id for o in page.items] == [o["id"] for o in expected]
    assert page.items[0].customer_name == expected[0]["customer"]["name"]
    assert page.next and page.previous is None


def test_next_then_previous_returns_to_the_same_page():
    first = services.order_list(filters=OrderFilters(page_size=10))
    second = services.order_list(filters=OrderFilters(page_size=10), cursor=first.next)
    back = services.order_list(filters=OrderFilters(page_size=10), cursor=second.previous)
    assert not {o.id for o in first.items} & {o.id for o in second.items}
    assert [o.id for o in back.items] == [o.id for o in first.items]


def test_paging_keeps_the_filters():
    first = services.order_list(filters=OrderFilters(status="Invoice", page_size=10))
    second = services.order_list(filters=OrderFilters(status="Invoice", page_size=10), cursor=first.next)
    assert {o.status for o in first.items + second.items} == {"Invoice"}


def test_filters_narrow_the_list(sandbox):
    some = sandbox_orders(sandbox, status="Invoice")[5]
    customer_id = some["customer"]["id"]

    by_customer = services.order_list(filters=OrderFilters(customer_id=customer_id, page_size=100))
    assert by_customer.items and {o.customer_id for o in by_customer.items} == {customer_id}

    by_invoice = services.order_list(filters=OrderFilters(invoice_number=str(some["invoice"]["number"])))
    assert [o.id for o in by_invoice.items] == [some["id"]]

    day = dt.date.fromisoformat(some["date"])
    by_dates = services.order_list(filters=OrderFilters(date_from=day, date_to=day, page_size=100))
    assert some["id"] in {o.id for o in by_dates.items}
    assert {o.date for o in by_dates.items} == {day}

    since = dt.date(2026, 11, 1)
    recent = services.order_list(filters=OrderFilters(modified_since=since, page_size=100))
    assert recent.items
    assert all(o.modified_at.date() >= since - dt.timedelta(days=1) for o in recent.items)


def test_order_detail_totals_reconcile_with_the_upstream(sandbox):
    order = next(o for o in sandbox_orders(sandbox, status="Invoice") if o["netAmount"] > 0)
    detail = services.order_detail(order_id=order["id"])
    lines = sandbox.api("GET", f"/salesorders/{order['id']}/lines").json()

    assert [line.id for line in detail.lines] == [line["id"] for line in lines]
    assert detail.lines_source == "lines"
    assert detail.totals.net == money.to_decimal(order["netAmount"])
    assert detail.totals.gross == money.to_decimal(order["grossAmount"])
    assert not detail.totals_mismatch
    assert detail.order.customer.name == order["customer"]["name"]


def test_a_detail_costs_three_upstream_calls_once_reference_data_is_cached(sandbox):
    first = services.order_list(filters=OrderFilters(page_size=5)).items[0]
    services.order_detail(order_id=first.id)  # warms reference data
    since = sandbox.last_call_id()
    services.order_detail(order_id=first.id)
    paths = sorted(call["path"] for call in sandbox.calls(since=since))
    assert paths == sorted([f"/v1/salesorders/{first.id}", f"/v1/salesorders/{first.id}/lines",
                            f"/v1/customers/{first.customer_id}"])


def test_a_wrong_customer_hint_still_shows_the_right_customer(sandbox):
    order = sandbox_orders(sandbox)[3]
    services.customer_hints.remember([(order["id"], 999999)])
    detail = services.order_detail(order_id=order["id"])
    assert detail.current_customer.id == order["customer"]["id"]


def test_a_customer_whose_record_changed_is_flagged(sandbox):
    for order in sandbox_orders(sandbox)[:400]:
        current = tso_reading.customer(sandbox.api("GET", f"/customers/{order['customer']['id']}").json())
        snapshot = tso_reading.order(order).customer
        rows = services.snapshot_comparison(snapshot, current)
        if any(row.changed for row in rows):
            break
    else:
        pytest.fail("the sandbox has no order whose customer changed since")
    detail = services.order_detail(order_id=order["id"])
    assert detail.customer_changed
    assert [row.label for row in detail.customer_comparison if row.changed] == [
        row.label for row in rows if row.changed]


def test_legacy_totals_that_disagree_are_flagged(sandbox):
    orders = sandbox_orders(sandbox)
    # The sandbox marks its legacy imports; look there first, then everywhere.
    marked = [o for o in orders if o.get("internalMemo") == "Importert fra tidligere fakturasystem"]
    for order in marked + orders:
        lines = tso_reading.lines(sandbox.api("GET", f"/salesorders/{order['id']}/lines").json())
        computed = money.totals((line.tax_rate, line.amounts) for line in lines)
        if abs(computed.gross - Decimal(str(order["grossAmount"]))) > money.tolerance(len(lines)):
            break
    else:
        pytest.fail("the sandbox has no order whose totals disagree with its lines")
    assert services.order_detail(order_id=order["id"]).totals_mismatch


def test_unknown_order_is_not_found():
    with pytest.raises(UpstreamNotFound):
        services.order_detail(order_id=999_999_999)


def test_the_page_survives_when_the_current_customer_cannot_be_read(sandbox):
    order = sandbox_orders(sandbox)[0]
    sandbox.fault("GET /customers/*", "500", count=5)
    detail = services.order_detail(order_id=order["id"])
    assert detail.current_customer is None
    assert isinstance(detail.customer_error, UpstreamUnavailable)
    assert detail.order.id == order["id"]


@pytest.mark.parametrize("fault", ["500", "503", "malformed", "html"])
def test_a_failing_upstream_becomes_unavailable(sandbox, fault):
    sandbox.fault("GET /salesorders", fault, count=5, retry_after=0)
    with pytest.raises(UpstreamUnavailable):
        services.order_list(filters=OrderFilters())


def test_a_slow_upstream_times_out(sandbox, settings):
    settings.TSO = {**settings.TSO, "READ_TIMEOUT": 0.3, "MAX_RETRIES": 0}
    sandbox.fault("GET /salesorders", "timeout", count=1, seconds=2)
    with pytest.raises(UpstreamUnavailable) as caught:
        services.order_list(filters=OrderFilters())
    assert "too long" in str(caught.value)


def test_a_transient_503_is_retried_transparently(sandbox):
    sandbox.fault("GET /salesorders", "503", count=1, retry_after=0)
    assert services.order_list(filters=OrderFilters(page_size=5)).items


def test_expired_tokens_are_refreshed_once(sandbox):
    services.order_list(filters=OrderFilters(page_size=5))
    sandbox.expire_tokens()
    since = sandbox.last_call_id()
    assert services.order_list(filters=OrderFilters(page_size=5)).items
    paths = [call["path"] for call in sandbox.calls(since=since)]
    assert paths.count("/oauth/token") == 1


def test_a_missing_scope_is_named(sandbox):
    sandbox.configure(denied_scopes=["api.invoicing.salesorder:read"])
    with pytest.raises(UpstreamForbidden) as caught:
        services.order_list(filters=OrderFilters())
    assert caught.value.scope == "api.invoicing.salesorder:read"


def test_customer_choices_are_every_customer_sorted(sandbox):
    choices = services.customer_choices()
    names = [name for _, name in choices]
    assert len(choices) >= 60
    assert names == sorted(names, key=str.casefold)
    assert "Ærø Bøker AS" in names


def test_cached_data_is_kept_in_the_process_and_read_from_the_cache_once_in_a_while(sandbox, monkeypatch):
    from orders.services import common, references

    choices = services.customer_choices()
    services.order_detail(order_id=services.order_list(filters=OrderFilters(page_size=1)).items[0].id)
    reads = []

    class Emptied:  # the shared cache, emptied: what is read from it is noted
        def get(self, key, default=None):
            reads.append(key)

        def get_many(self, keys):
            reads.extend(keys)
            return {}

        def set(self, key, value, timeout=None):
            pass

    monkeypatch.setattr(references, "cache", Emptied())
    monkeypatch.setattr(common, "cache", Emptied())
    since = sandbox.last_call_id()
    assert services.customer_choices() == choices  # this process's copy
    assert services.reference("people")
    assert all(future.result() for future in services.references_async(("sales_types", "people")).values())
    assert [key for key in reads if "customer-choices" in key or "reference" in key] == []
    assert sandbox.calls(since=since) == []
    monkeypatch.setattr(common, "KEPT_SECONDS", 0.0)
    assert services.customer_choices() == choices  # read again: not in the cache any more, so from the ERP
    assert [call["path"] for call in sandbox.calls(since=since) if call["path"] != "/oauth/token"] == ["/v1/customers"]


# --- the builder's customer search: documented calls only (the API has no name search) -----------

def upstream_queries(sandbox, since: int) -> list[str]:
    """The query strings of the ``GET /customers`` calls after call ``since``."""
    return [call["query"] for call in sandbox.calls(since=since) if call["path"] == "/v1/customers"]


def test_customer_search_by_part_of_a_name_ignores_case_and_accents(sandbox):
    since = sandbox.last_call_id()
    assert [c.name for c in services.customer_search(query="ærø")] == ["Ærø Bøker AS"]  # the cache was cold
    assert [c.name for c in services.customer_search(query="AERO boker")] == ["Ærø Bøker AS"]
    assert [c.name for c in services.customer_search(query="bøker ærø")] == ["Ærø Bøker AS"]  # words in any order
    found = services.customer_search(query="bygg")
    assert found and all("bygg" in c.name.casefold() for c in found)
    starting = [c.name.casefold().startswith("bygg") for c in found]
    assert starting == sorted(starting, reverse=True)  # names starting with the query come first
    assert services.customer_search(query="zzzz") == ()
    # The whole list was read once through the documented paging; every search after it is local.
    queries = upstream_queries(sandbox, since)
    assert queries and all(q.startswith("limit=100&sortBy=name%3Aasc") or "continuationToken=" in q for q in queries)


def test_customer_search_results_carry_what_the_picker_shows(sandbox):
    [aero] = services.customer_search(query="Ærø Bøker")
    record = tso_reading.customer(sandbox.api("GET", f"/customers/{aero.id}").json())
    assert (aero.id, aero.name, aero.organization_number, aero.postal_area, aero.city, aero.country_code) == (
        record.id, record.name, record.organization_number, record.postal_area, record.city, record.country_code)


def test_customer_search_by_organization_number_asks_the_api(sandbox):
    everyone = sandbox.api("GET", "/customers", params={"limit": 100}).json()
    [aero] = [c for c in everyone if c["name"] == "Ærø Bøker AS"]
    number = aero["organizationNumber"]
    since = sandbox.last_call_id()
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert [c.id for c in services.customer_search(query=spaced)] == [aero["id"]]
    assert upstream_queries(sandbox, since) == [f"organizationNumber={number}&limit={services.SEARCH_LIMIT}"]
    # No customer has these digits as its number: names and the starts of numbers are searched instead.
    assert [c.id for c in services.customer_search(query=number[:6])] == [aero["id"]]


def age_customer_list(seconds: float) -> None:
    kept = cache.get(services.scoped(services.CUSTOMER_LIST_KEY))
    older = dt.timedelta(seconds=seconds)
    cache.set(services.scoped(services.CUSTOMER_LIST_KEY), dataclasses.replace(kept, read_at=kept.read_at - older))


@contextlib.contextmanager
def customer_changed_in_the_erp(sandbox, customer_id: int, name: str):
    """A customer created (or renamed, when ``customer_id`` exists) in the ERP just now, behind the API's
    back: the sandbox has no call that creates customers. Undone afterwards."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(sandbox.db_path) as db:
        before = db.execute("SELECT name, name_folded, modified_at FROM sandbox_customer WHERE id = ?",
                            (customer_id,)).fetchone()
        if before:
            db.execute("UPDATE sandbox_customer SET name = ?, name_folded = ?, modified_at = ? WHERE id = ?",
                       (name, name.casefold(), now, customer_id))
        else:
            db.execute("INSERT INTO sandbox_customer (id, name, name_folded, organization_number, is_company, "
                       "is_supplier, details, created_at, modified_at) VALUES (?, ?, ?, NULL, 1, 0, '{}', ?, ?)",
                       (customer_id, name, name.casefold(), now, now))
    try:
        yield
    finally:
        with sqlite3.connect(sandbox.db_path) as db:
            if before:
                db.execute("UPDATE sandbox_customer SET name = ?, name_folded = ?, modified_at = ? WHERE id = ?",
                           (*before, customer_id))
            else:
                db.execute("DELETE FROM sandbox_customer WHERE id = ?", (customer_id,))


def test_a_customer_created_or_renamed_a_minute_ago_is_found(sandbox):
    [aero] = services.customer_search(query="Ærø Bøker")
    with (customer_changed_in_the_erp(sandbox, 99_001, "Nyoppstartet Fiskeoppdrett AS"),
          customer_changed_in_the_erp(sandbox, aero.id, "Ærø Bøker og Papir AS")):
        # Searches within CUSTOMER_TOP_UP_SECONDS of the last look use the kept list as it is.
        since = sandbox.last_call_id()
        assert services.customer_search(query="fiskeoppdrett") == ()
        assert upstream_queries(sandbox, since) == []

        age_customer_list(services.CUSTOMER_TOP_UP_SECONDS)
        since = sandbox.last_call_id()
        assert [c.id for c in services.customer_search(query="fiskeoppdrett")] == [99_001]
        assert [c.name for c in services.customer_search(query="papir")] == ["Ærø Bøker og Papir AS"]
        # Brought up to date with what was created or modified since the last look, not read again.
        queries = sorted(q.split("=")[0] for q in upstream_queries(sandbox, since))
        assert queries == ["createdFrom", "modifiedFrom"]


def test_a_customer_list_that_cannot_be_brought_up_to_date_is_searched_as_it_is(sandbox):
    assert services.customer_search(query="ærø")
    age_customer_list(services.CUSTOMER_TOP_UP_SECONDS)
    sandbox.fault("GET /customers", "500", count=2)
    assert [c.name for c in services.customer_search(query="ærø")] == ["Ærø Bøker AS"]


def test_the_customer_list_is_read_in_full_again_after_an_hour(sandbox):
    assert services.customer_search(query="ærø")
    kept = cache.get(services.scoped(services.CUSTOMER_LIST_KEY))
    hour = dt.timedelta(seconds=services.CUSTOMER_LIST_SECONDS)
    cache.set(services.scoped(services.CUSTOMER_LIST_KEY), dataclasses.replace(kept, read_at=kept.read_at - hour,
                                                               complete_at=kept.complete_at - hour))
    since = sandbox.last_call_id()
    assert services.customer_search(query="ærø")
    assert upstream_queries(sandbox, since)[0].startswith("limit=100&sortBy=name%3Aasc")


def test_folding_for_the_search():
    assert services.folded("  Ærø  Bøker AS ") == "aero boker as"
    assert services.folded("Café Åsane") == "cafe asane"
    assert services.folded("STRAßE") == "strasse"


@pytest.mark.django_db
def test_health(sandbox):
    assert services.health().ok
    cache.clear()
    sandbox.configure(failure_rate=1.0)
    health = services.health()
    assert health.database_ok and not health.ok
    assert [(erp.slug, erp.ok, erp.required) for erp in health.connections] == [
        ("lakeshore", True, False), ("nordlys", False, True)]  # QuickBooks: as its last sync met the agent


@pytest.mark.django_db
def test_health_reports_a_database_that_is_down(sandbox, monkeypatch):
    from django.db import OperationalError

    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services.healthcheck.connection, "cursor", broken_cursor)
    health = services.health()
    assert not health.database_ok and health.database_detail == "OperationalError"
    assert not health.ok


# --- a product line's tax code ------------------------------------------------------------------------

SALES_TYPES = (SalesType(-100, "Standard salg", account_id=1), SalesType(2, "Tjenestesalg", account_id=2))
ACCOUNTS = (Account(1, 3000, "Salg", tax_id=10), Account(2, 3010, "Tjenester", tax_id=10),
            Account(3, 3050, "Mat", tax_id=20), Account(4, 1500, "Kunder", tax_id=0), Account(5, 3900, "Annet"))
TAXES = (TaxCode(10, 3, "Høy", Decimal(25)), TaxCode(20, 31, "Middels", Decimal(15)))


@pytest.mark.parametrize(("sales_type", "overrides", "expected"), [
    (None, {}, 10),  # no sales type: the first one listed
    (2, {}, 10),  # the sales type's account
    (2, {2: 3050}, 20),  # the product's override for that sales type
    (-100, {2: 3050}, 10),  # an override for another sales type does not count
    (7, {}, None),  # a sales type the ERP does not list
    (2, {2: 4000}, None),  # an override to an account the ERP does not list
    (2, {2: 1500}, None),  # an account whose tax code (0) is not one of the ERP's tax codes
    (2, {2: 3900}, None),  # an account without a tax code
])
def test_the_tax_code_of_a_product_line_is_its_posting_accounts(sales_type, overrides, expected):
    assert services.posting_tax_id(sales_type_id=sales_type, overrides=overrides, sales_types=SALES_TYPES,
                                   accounts=ACCOUNTS, tax_codes=TAXES) == expected


def test_a_product_line_from_the_erp(sandbox):
    [coffee] = sandbox.api("GET", "/products", params={"productNumber": "MAT-5001"}).json()
    found = services.product_line(product_id=coffee["id"], sales_type_id=1)
    assert found.product.number == "MAT-5001" and found.tax_id == 2  # food, sold as goods: 15 %
    assert services.product_line(product_id=coffee["id"], sales_type_id=2).tax_id == 1  # served: 25 %
    assert services.posting_tax_ids(product_ids=[coffee["id"], 101, 99999], sales_type_id=None) == {
        coffee["id"]: 2, 101: 1, 99999: None}
    with pytest.raises(UpstreamNotFound):
        services.product_line(product_id=99999, sales_type_id=None)


def test_a_product_line_without_the_accounts_scope_has_no_tax_code(sandbox):
    sandbox.configure(denied_scopes=["api.accounting.account:read"])
    found = services.product_line(product_id=101, sales_type_id=None)
    assert found.product.number == "KON-1001" and found.tax_id is None
    with pytest.raises(UpstreamForbidden) as raised:
        services.posting_tax_ids(product_ids=[101], sales_type_id=None)
    assert raised.value.scope == "api.accounting.account:read"
