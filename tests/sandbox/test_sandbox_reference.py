"""Reference data: customers, products, taxes, sales types, dimensions, people, currencies, payment methods."""

import pytest
import requests


def get_json(sandbox, path: str, **params):
    response = sandbox.api("GET", path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def follow(sandbox, path: str, **params) -> list[dict]:
    response = sandbox.api("GET", path, params=params)
    items = response.json()
    while "next" in response.links:
        response = requests.get(response.links["next"]["url"],
                                headers={"Authorization": f"Bearer {sandbox.token()}"}, timeout=10)
        items += response.json()
    return items


# --- Customers -------------------------------------------------------------------------------------


def test_customers_page_by_25_with_a_lower_case_link_header(sandbox):
    response = sandbox.api("GET", "/customers")

    assert len(response.json()) == 25
    assert "link" in response.raw.headers.keys()
    assert set(response.links) == {"first", "next"}
    everyone = follow(sandbox, "/customers", limit=30)
    assert len(everyone) == len({c["id"] for c in everyone}) >= 64
    assert "Ærø Bøker AS" in {c["name"] for c in everyone}


def test_customer_limit_is_at_most_100(sandbox):
    assert len(get_json(sandbox, "/customers", limit=100)) >= 64
    response = sandbox.api("GET", "/customers", params={"limit": 101})
    assert response.status_code == 400
    assert response.json()["error"]["payload"]["validationErrors"] == [{"path": "query.limit", "keyword": "maximum"}]


def test_customers_sort_by_field_and_direction(sandbox):
    by_name = get_json(sandbox, "/customers", limit=100, sortBy="name:asc")
    assert [c["name"].casefold() for c in by_name] == sorted(c["name"].casefold() for c in by_name)
    newest = get_json(sandbox, "/customers", limit=100, sortBy="createdAt:desc")
    assert [c["createdAt"] for c in newest] == sorted((c["createdAt"] for c in newest), reverse=True)
    by_id = get_json(sandbox, "/customers", limit=5, sortBy="id:desc")
    assert [c["id"] for c in by_id] == sorted((c["id"] for c in by_id), reverse=True)

    response = sandbox.api("GET", "/customers", params={"sortBy": "city:asc"})
    assert response.status_code == 400
    assert response.json()["error"]["payload"]["validationErrors"] == [{"path": "query.sortBy", "keyword": "pattern"}]


def test_customers_filter_by_organization_number_and_dates(sandbox):
    everyone = get_json(sandbox, "/customers", limit=100)
    [aero] = [c for c in everyone if c["name"] == "Ærø Bøker AS"]
    number = aero["organizationNumber"]
    assert [c["id"] for c in get_json(sandbox, "/customers", organizationNumber=number)] == [aero["id"]]

    recent = get_json(sandbox, "/customers", limit=100, modifiedFrom="2026-06-01")
    assert recent and {c["id"] for c in recent} == {c["id"] for c in everyone if c["modifiedAt"] >= "2026-06-01"}
    # The contract's "ISO8601": a date-time works too, with or without an offset (none: UTC).
    assert get_json(sandbox, "/customers", limit=100, modifiedFrom="2026-06-01T02:00:00+02:00") == recent
    assert get_json(sandbox, "/customers", limit=100, modifiedFrom="2026-06-01T00:00:00") == recent
    created = get_json(sandbox, "/customers", limit=100, createdFrom="2024-01-01")
    assert {c["id"] for c in created} == {c["id"] for c in everyone if c["createdAt"] >= "2024-01-01"}
    assert len(get_json(sandbox, "/customers", limit=100, isCompany="false")) == 5


def test_a_customer_is_the_current_record(sandbox):
    company = get_json(sandbox, "/customers/10001")
    assert company["name"] == "Ærø Bøker AS"
    assert company["isCompany"] is True and len(company["organizationNumber"]) == 9
    assert set(company["address"]) == {"visit", "postal", "billing", "delivery"}
    assert company["address"]["visit"]["countrySubdivision"] == "Oslo"
    assert company["email"]["billing"].startswith("faktura@")

    person = next(c for c in get_json(sandbox, "/customers", limit=100) if not c["isCompany"])
    assert person["person"]["firstName"] and "organizationNumber" not in person

    missing = sandbox.api("GET", "/customers/1")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"name": "NotFoundError", "message": "Customer 1 not found"}


# --- Products --------------------------------------------------------------------------------------


def test_products_page_by_page(sandbox):
    first = sandbox.api("GET", "/products")
    assert len(first.json()) == 25 and set(first.links) == {"first", "next"}
    everything = follow(sandbox, "/products", limit=40)
    assert len(everything) == len({p["id"] for p in everything}) >= 84

    last = sandbox.api("GET", "/products", params={"limit": 40, "page": 3})
    assert set(last.links) == {"first", "previous"}
    assert "page=2" in last.links["previous"]["url"] and "limit=40" in last.links["previous"]["url"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("Togbillett", ["TR-6005"]),
        ("togbillett", ["TR-6005"]),
        ("Togbill", []),
        ("KON-10%", ["KON-1001", "KON-1002", "KON-1003", "KON-1004", "KON-1005", "KON-1006", "KON-1007",
                     "KON-1008", "KON-1009", "KON-1010", "KON-1011", "KON-1012"]),
        ("%, dobbeltrom", ["TR-6003"]),
        ("%toner%", ["KR-4002", "KR-4003"]),
    ],
)
def test_product_search_wildcards(sandbox, search, expected):
    found = get_json(sandbox, "/products", productSearch=search, limit=100)
    assert [p["number"] for p in found] == expected


def test_a_product(sandbox):
    [laptop] = get_json(sandbox, "/products", productNumber="HW-3001")
    product = get_json(sandbox, f"/products/{laptop['id']}")
    assert product == laptop
    assert product["salesPrice"] == 14990 and product["costPrice"] == 11200
    assert product["status"] == "active"
    assert product["units"]["symbol"] == "stk" and product["category"]["name"] == "Maskinvare"
    assert sandbox.api("GET", "/products/99999").status_code == 404


def test_a_product_at_another_rate_overrides_its_sales_types_accounts(sandbox):
    [coffee] = get_json(sandbox, "/products", productNumber="MAT-5001")  # food: 15 %, served food 25 %
    overrides = get_json(sandbox, f"/products/{coffee['id']}/salestypeOverrides")
    sales_types = [s["id"] for s in get_json(sandbox, "/salestypes")]
    assert [o["salesTypeId"] for o in overrides] == sorted(set(sales_types) - {2})  # not under Tjenestesalg
    assert {(o["productId"], o["accountNumber"]) for o in overrides} == {(coffee["id"], 3050)}
    [laptop] = get_json(sandbox, "/products", productNumber="HW-3001")  # 25 %: the sales type's own account
    assert get_json(sandbox, f"/products/{laptop['id']}/salestypeOverrides") == []
    assert sandbox.api("GET", "/products/99999/salestypeOverrides").status_code == 404


def test_a_sales_type_override_is_set_changed_and_removed(sandbox):
    [laptop] = get_json(sandbox, "/products", productNumber="HW-3002")
    path = f"/products/{laptop['id']}/salestypeOverrides"
    try:
        set_ = sandbox.api("PUT", f"{path}/2", json={"accountNumber": 3100})
        assert set_.status_code == 200
        assert set_.json() == {"productId": laptop["id"], "salesTypeId": 2, "accountNumber": 3100}
        sandbox.api("PUT", f"{path}/-100", json={"accountNumber": 3200}).raise_for_status()
        assert [o["salesTypeId"] for o in get_json(sandbox, path)] == [-100, 2]
        assert sandbox.api("PUT", f"{path}/2", json={"accountNumber": None}).status_code == 204
        assert sandbox.api("DELETE", f"{path}/-100").status_code == 204
        assert get_json(sandbox, path) == []
        invalid = sandbox.api("PUT", f"{path}/2", json={"accountNumber": "3000"})
        assert invalid.status_code == 400 and invalid.json()["error"]["name"] == "ValidationError"
        assert sandbox.api("PUT", f"{path}/99", json={"accountNumber": 3000}).status_code == 404
    finally:
        sandbox.api("DELETE", f"{path}/2")
        sandbox.api("DELETE", f"{path}/-100")


def test_accounts_carry_the_tax_code_lines_get(sandbox):
    accounts = {a["number"]: a for a in get_json(sandbox, "/accounts")}
    taxes = {t["id"]: t for t in get_json(sandbox, "/taxes")}
    assert {number: taxes[accounts[number]["taxId"]]["rate"] for number in (3000, 3050, 3060, 3100, 3200)} == {
        3000: 25, 3050: 15, 3060: 12, 3100: 0, 3200: 0}
    assert taxes[accounts[3200]["taxId"]]["number"] == 52
    assert accounts[1500]["taxId"] == 0  # not a sales account: no tax code
    for sales_type in get_json(sandbox, "/salestypes"):
        account = get_json(sandbox, f"/accounts/{sales_type['account']['id']}")
        assert taxes[account["taxId"]]["rate"] == 25
    assert [a["number"] for a in get_json(sandbox, "/accounts", query="salgsinntekt avgiftsfri")] == [3100]
    assert [a["number"] for a in get_json(sandbox, "/accounts", query="1940")] == [1940]
    assert sandbox.api("GET", "/accounts/1").status_code == 404


def test_accounts_need_their_scope(sandbox):
    sandbox.configure(denied_scopes=["api.accounting.account:read"])
    response = sandbox.api("GET", "/accounts")
    assert response.status_code == 403
    assert sandbox.api("GET", "/taxes").status_code == 200


# --- Small lists -----------------------------------------------------------------------------------


def test_taxes_are_the_norwegian_codes(sandbox):
    taxes = get_json(sandbox, "/taxes")
    assert taxes[0] == {"id": 1, "number": 3, "name": "Utgående mva, høy sats", "rate": 25}
    assert {t["number"]: t["rate"] for t in taxes} == {3: 25, 31: 15, 33: 12, 5: 0, 52: 0}
    assert get_json(sandbox, "/taxes/3") == {"id": 3, "number": 33, "name": "Utgående mva, lav sats", "rate": 12}


def test_sales_types_include_system_ones_with_negative_ids(sandbox):
    sales_types = {s["id"]: s for s in get_json(sandbox, "/salestypes")}
    assert sales_types[-100]["name"] == "Standard salg"
    assert sales_types[3]["name"] == "Prosjektsalg" and sales_types[4]["name"] == "Serviceavtale"
    assert all(s["account"]["id"] for s in sales_types.values())
    assert get_json(sandbox, "/salestypes/-100") == sales_types[-100]
    assert sandbox.api("GET", "/salestypes/99").status_code == 404


def test_dimensions_and_their_elements(sandbox):
    assert get_json(sandbox, "/dimensions") == [{"id": 1, "name": "Project"}, {"id": 2, "name": "Department"},
                                                {"id": 101, "name": "Region"}]
    assert get_json(sandbox, "/dimensions/2") == {"id": 2, "name": "Department"}

    first = sandbox.api("GET", "/dimensions/1/elements", params={"limit": 5})
    assert len(first.json()) == 5 and set(first.links) == {"next"}
    projects = follow(sandbox, "/dimensions/1/elements", limit=5)
    assert len(projects) == len({p["value"] for p in projects}) >= 12
    assert all(p["dimensionType"] == 1 and p["name"] for p in projects)
    assert len(get_json(sandbox, "/dimensions/2/elements")) >= 6
    assert len(get_json(sandbox, "/dimensions/101/elements")) >= 5
    assert get_json(sandbox, "/dimensions/1/elements/1001") == projects[0]
    assert sandbox.api("GET", "/dimensions/1/elements/nope").status_code == 404
    assert sandbox.api("GET", "/dimensions/7/elements").status_code == 404


def test_people_filter_by_person_type(sandbox):
    people = get_json(sandbox, "/organization/people")
    assert len(people) >= 8
    assert set(people[0]) == {"id", "identityId", "firstName", "lastName", "personType", "hasLicense"}
    external = get_json(sandbox, "/organization/people", personType="External")
    assert external and all(p["personType"] == "External" for p in external)
    assert get_json(sandbox, "/organization/people/201")["firstName"] == "Marte"
    bad = sandbox.api("GET", "/organization/people", params={"personType": "Robot"})
    assert bad.status_code == 400
    assert bad.json()["error"]["payload"]["validationErrors"] == [{"path": "query.personType", "keyword": "enum"}]


def test_currencies_and_payment_methods(sandbox):
    currencies = {c["code"]: c["rate"] for c in get_json(sandbox, "/currencies")}
    assert currencies["NOK"] == 1 and {"EUR", "SEK", "DKK", "USD", "GBP"} <= set(currencies)
    methods = get_json(sandbox, "/paymentmethods")
    assert {m["name"] for m in methods} == {"Faktura", "Kort", "Vipps", "Kontant"}
    assert all(m["account"]["id"] for m in methods)
