"""The sales order list: limit, continuation links, ordering and every filter."""

from datetime import date, datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests


def all_orders(sandbox, **params) -> list[dict]:
    response = sandbox.api("GET", "/salesorders", params={"limit": 1000, **params})
    assert response.status_code == 200
    assert "next" not in response.links
    return response.json()


def follow(sandbox, **params) -> list[list[dict]]:
    """Every page, following rel="next" links as given."""
    response = sandbox.api("GET", "/salesorders", params=params)
    pages = [response.json()]
    while "next" in response.links:
        response = sandbox.session.get(response.links["next"]["url"],
                                       headers={"Authorization": f"Bearer {sandbox.token()}"}, timeout=10)
        assert response.status_code == 200
        pages.append(response.json())
    return pages


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_the_first_page_has_25_orders_and_first_and_next_links(sandbox):
    response = sandbox.api("GET", "/salesorders")

    assert len(response.json()) == 25
    assert set(response.links) == {"first", "next"}
    assert response.links["next"]["url"].startswith(f"{sandbox.api_url}/salesorders?")
    assert "continuationToken" not in query_of(response.links["first"]["url"])


def test_orders_are_newest_first_by_date_then_id(sandbox):
    orders = all_orders(sandbox)
    keys = [(order["date"], order["id"]) for order in orders]
    assert keys == sorted(keys, reverse=True)


def test_following_next_yields_every_order_exactly_once(sandbox):
    pages = follow(sandbox, limit=100)

    ids = [order["id"] for page in pages for order in page]
    assert len(ids) == len(set(ids))
    assert ids == [order["id"] for order in all_orders(sandbox)]
    assert all(len(page) == 100 for page in pages[:-1])


def test_previous_leads_back_and_is_absent_on_the_first_page(sandbox):
    first = sandbox.api("GET", "/salesorders", params={"limit": 10})
    assert "previous" not in first.links
    headers = {"Authorization": f"Bearer {sandbox.token()}"}
    second = requests.get(first.links["next"]["url"], headers=headers, timeout=10)
    third = requests.get(second.links["next"]["url"], headers=headers, timeout=10)

    back = requests.get(third.links["previous"]["url"], headers=headers, timeout=10)
    assert back.json() == second.json()
    back_again = requests.get(back.links["previous"]["url"], headers=headers, timeout=10)
    assert back_again.json() == first.json()
    assert requests.get(third.links["first"]["url"], headers=headers, timeout=10).json() == first.json()


def test_links_keep_the_filters_and_the_limit(sandbox):
    response = sandbox.api("GET", "/salesorders", params={"status": "Invoice", "dateFrom": "2026-01-01", "limit": 40})

    for rel in ("first", "next"):
        query = query_of(response.links[rel]["url"])
        assert (query["status"], query["dateFrom"], query["limit"]) == ("Invoice", "2026-01-01", "40")
    pages = follow(sandbox, status="Invoice", dateFrom="2026-01-01", limit=40)
    followed = [order for page in pages for order in page]
    assert followed == all_orders(sandbox, status="Invoice", dateFrom="2026-01-01")
    assert all(o["status"] == "Invoice" and o["date"] >= "2026-01-01" for o in followed)


def test_a_page_size_up_to_1000(sandbox):
    assert len(sandbox.api("GET", "/salesorders", params={"limit": 7}).json()) == 7
    assert len(all_orders(sandbox)) >= 520


@pytest.mark.parametrize(
    ("params", "path", "keyword"),
    [
        ({"limit": 1001}, "query.limit", "maximum"),
        ({"limit": 0}, "query.limit", "minimum"),
        ({"limit": "ten"}, "query.limit", "type"),
        ({"status": "Paid"}, "query.status", "enum"),
        ({"date": "2026-02-30"}, "query.date", "format"),
        ({"dateFrom": "yesterday"}, "query.dateFrom", "format"),
        ({"createdFrom": "2026-11-01T25:00:00Z"}, "query.createdFrom", "format"),
        ({"modifiedTo": "soon"}, "query.modifiedTo", "format"),
        ({"customerId": "abc"}, "query.customerId", "type"),
        ({"continuationToken": "not-a-token"}, "query.continuationToken", "format"),
    ],
)
def test_invalid_query_values_are_validation_errors(sandbox, params, path, keyword):
    response = sandbox.api("GET", "/salesorders", params=params)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == {"name": "ValidationError",
                             "payload": {"validationErrors": [{"path": path, "keyword": keyword}]}}
    assert body["trackingId"]


def test_filter_by_status_date_and_date_range(sandbox):
    orders = all_orders(sandbox)
    for status in ("Draft", "Confirmed", "AdvanceInvoice"):
        assert all_orders(sandbox, status=status) == [o for o in orders if o["status"] == status]
    day = orders[40]["date"]
    assert all_orders(sandbox, date=day) == [o for o in orders if o["date"] == day]
    expected = [o for o in orders if "2026-03-01" <= o["date"] <= "2026-03-31"]
    assert expected and all_orders(sandbox, dateFrom="2026-03-01", dateTo="2026-03-31") == expected


def test_filter_by_customer_and_invoice_number(sandbox):
    orders = all_orders(sandbox)
    assert all_orders(sandbox, customerId=10007) == [o for o in orders if o["customer"]["id"] == 10007]
    assert [o["invoice"]["number"] for o in all_orders(sandbox, invoiceNumber=24001)] == [24001]
    assert all_orders(sandbox, invoiceNumber=1) == []


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def test_filter_by_created_and_modified_date_times(sandbox):
    orders = all_orders(sandbox)

    since = datetime(2026, 11, 1, tzinfo=timezone.utc)
    expected = [o for o in orders if parse(o["createdAt"]) >= since]
    assert expected and all_orders(sandbox, createdFrom="2026-11-01T00:00:00Z") == expected
    until = datetime(2026, 6, 30, 23, 59, 59, tzinfo=timezone.utc)
    expected = [o for o in orders if parse(o["createdAt"]) <= until]
    assert expected and all_orders(sandbox, createdTo="2026-07-01T01:59:59+02:00") == expected

    moment = "2026-11-10T12:00:00+00:00"
    expected = [o for o in orders if parse(o["modifiedAt"]) >= parse(moment)]
    assert expected and all_orders(sandbox, modifiedFrom=moment) == expected
    expected = [o for o in orders if parse(o["modifiedAt"]) <= parse("2025-12-31T23:00:00Z")]
    assert all_orders(sandbox, modifiedTo="2025-12-31T23:00:00Z") == expected


def test_filters_combine(sandbox):
    orders = all_orders(sandbox)
    expected = [o for o in orders if o["status"] == "Invoice" and o["customer"]["id"] == 10029
                and o["date"] >= date(2026, 1, 1).isoformat()]
    assert all_orders(sandbox, status="Invoice", customerId=10029, dateFrom="2026-01-01") == expected
