"""The seeded data: deterministic, big enough, and with the oddities the dashboard must cope with."""

import time
from collections import Counter
from datetime import date

from sandbox import seed

ANCHOR = date(2026, 11, 16)  # as in tests/conftest.py
STATUSES = {"Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive"}


def all_orders(sandbox) -> list[dict]:
    return sandbox.api("GET", "/salesorders", params={"limit": 1000}).json()


def test_generation_is_deterministic_and_depends_on_the_seed_and_anchor():
    first, again = seed.generate(ANCHOR, 1), seed.generate(ANCHOR, 1)
    assert first == again
    assert seed.generate(ANCHOR, 2).orders != first.orders
    later = seed.generate(date(2026, 12, 16), 1)
    assert max(o["date"] for o in later.orders) > max(o["date"] for o in first.orders)


def test_reset_restores_identical_data_quickly(sandbox):
    started = time.monotonic()
    state = sandbox.reset()
    assert time.monotonic() - started < 3
    assert (state["anchor"], state["seed"]) == (ANCHOR.isoformat(), 1)
    before = all_orders(sandbox)
    lines_before = sandbox.api("GET", f"/salesorders/{before[0]['id']}/lines").json()

    created = sandbox.api("POST", "/salesorders", json={"customer": {"id": 10001, "name": "Ærø Bøker AS"}}).json()
    sandbox.fault("GET /taxes", "500")
    sandbox.configure(latency_ms=5)
    sandbox.reset()

    assert all_orders(sandbox) == before
    assert sandbox.api("GET", f"/salesorders/{before[0]['id']}/lines").json() == lines_before
    assert sandbox.api("GET", f"/salesorders/{created['id']}").status_code == 404
    assert sandbox.control("GET", "/faults") == []
    assert sandbox.control("GET", "/config")["latency_ms"] == 0


def test_the_seed_has_enough_of_everything(sandbox):
    orders = all_orders(sandbox)
    assert len(orders) >= 520
    assert set(Counter(o["status"] for o in orders)) == STATUSES
    customers = sandbox.api("GET", "/customers", params={"limit": 100}).json()
    assert len(customers) >= 64
    assert {"Ærø Bøker AS", "Bølgen & Moi AS", "Fjørå Fisk AS", "Tromsø Økologiske Gård"} <= {c["name"] for c in customers}
    assert {c["address"]["visit"]["countryCode"] for c in customers} >= {"NO", "SE", "DK", "DE"}
    products = sandbox.api("GET", "/products", params={"limit": 1000}).json()
    assert len(products) >= 84
    assert {o["currency"]["code"] for o in orders} >= {"NOK", "EUR", "SEK", "USD"}
    assert {o["invoice"]["paymentTerms"]["type"] for o in orders} == {"NumberOfDays", "OutMonthPlusDays", "FixedDate"}


def test_the_seed_covers_history_and_overdue_invoices(sandbox):
    orders = all_orders(sandbox)
    dates = sorted(o["date"] for o in orders)
    assert dates[0] >= "2025-05-17" and dates[-1] <= ANCHOR.isoformat()
    invoices = [o["invoice"] for o in orders if o["status"] == "Invoice"]
    assert any(i["dueDate"] < ANCHOR.isoformat() for i in invoices)
    assert any(i["dueDate"] >= ANCHOR.isoformat() for i in invoices)
    numbers = sorted(i["number"] for i in invoices)
    assert len(numbers) == len(set(numbers)) and numbers[0] >= 24001


def test_some_orders_have_thirty_lines_or_more(sandbox):
    line_counts = Counter(line["order_id"] for line in seed.generate(ANCHOR, 1).lines)
    big = [order_id for order_id, count in line_counts.items() if count >= 30]
    assert len(big) >= 5
    for order_id in big:
        assert len(sandbox.api("GET", f"/salesorders/{order_id}/lines").json()) >= 30


def test_changed_customers_differ_from_their_older_order_snapshots(sandbox):
    orders = all_orders(sandbox)
    customers = {c["id"]: c for c in sandbox.api("GET", "/customers", params={"limit": 100}).json()}
    names = [row[0] for row in seed.CUSTOMERS]
    changed = set()
    for name in seed.CUSTOMER_CHANGES:
        current = customers[seed.FIRST_CUSTOMER_ID + names.index(name)]
        visit = current["address"]["visit"]
        for order in (o for o in orders if o["customer"]["id"] == current["id"]):
            snapshot = order["customer"]
            if (snapshot["name"] != current["name"] or snapshot["street"] != visit["street"]
                    or snapshot.get("organizationNumber") != current.get("organizationNumber")
                    or snapshot["invoiceEmailAddresses"] != [current["email"]["billing"]]):
                changed.add(current["id"])
    assert len(changed) >= 8


def test_a_few_snapshots_carry_the_street_as_an_array(sandbox):
    arrays = {o["customer"]["name"] for o in all_orders(sandbox) if isinstance(o["customer"]["street"], list)}
    assert arrays == set(seed.STREET_AS_ARRAY)


def test_recent_seeded_orders_demonstrate_the_dimension_rules(sandbox):
    for customer_id, sales_type, dimension_type, rule in ((10006, 3, 1, "ProjectMissing"),
                                                          (10018, 4, 2, "DepartmentMissing")):
        orders = sandbox.api("GET", "/salesorders", params={"customerId": customer_id, "dateFrom": "2026-11-01"}).json()
        candidates = [sandbox.api("GET", f"/salesorders/{o['id']}").json() for o in orders
                      if o["salesType"]["id"] == sales_type and o["status"] in ("Draft", "Proposal")]
        [lacking] = [o for o in candidates
                     if not any(d["dimensionType"] == dimension_type for d in o.get("dimensions", []))]
        response = sandbox.api("PATCH", f"/salesorders/{lacking['id']}", json={"status": "Confirmed"})
        assert response.status_code == 400
        assert [e["type"] for e in response.json()["error"]["payload"]["errors"]] == [rule]


def test_seeded_lines_follow_the_posting_accounts_of_their_sales_type_and_product():
    """What a client works out from /salestypes, the product's overrides and /accounts is what every
    seeded line for a Norwegian customer has; lines for foreign ones use code 52 on the export account."""
    data = seed.generate(ANCHOR, 1)
    accounts_by_id = {a["id"]: a for a in data.accounts}
    accounts_by_number = {a["number"]: a for a in data.accounts}
    sales_types = {s["id"]: s for s in data.sales_types}
    overrides = {(o["product_id"], o["sales_type_id"]): o["account_number"] for o in data.product_overrides}
    orders = {o["id"]: o for o in data.orders}
    checked = Counter()
    for line in data.lines:
        order = orders[line["order_id"]]
        if order["customer"]["countryCode"] != "NO":
            assert line["tax_id"] == seed.EXPORT_TAX_ID and line["account"]["number"] == 3200
            continue
        sales_type = order["sales_type_id"]
        number = overrides.get((line["product_id"], sales_type))
        account = accounts_by_number[number] if number else accounts_by_id[sales_types[sales_type]["account_id"]]
        assert line["tax_id"] == account["tax_id"], line
        assert line["account"] == {"id": account["id"], "number": account["number"], "name": account["name"]}
        checked[account["number"]] += 1
    assert {3000, 3010, 3020, 3030, 3050, 3060, 3100} <= set(checked)
