"""Query strings: every endpoint accepts exactly the parameters the contract (v0.56.0) declares for it,
with the contract's types, enums, patterns and maxima, and answers 400 ``ValidationError`` otherwise.
That is what makes the dashboard's tests catch a parameter or a value the real API would refuse."""

import pytest


def errors_of(response) -> list[dict]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"]["name"] == "ValidationError" and body["trackingId"]
    return body["error"]["payload"]["validationErrors"]


def test_the_order_list_cannot_be_filtered_by_inactive(sandbox):
    """The contract's ``status`` enum for GET /salesorders leaves out ``Inactive`` (orders can have it)."""
    assert errors_of(sandbox.api("GET", "/salesorders", params={"status": "Inactive"})) == [
        {"path": "query.status", "keyword": "enum"}]
    everything = sandbox.api("GET", "/salesorders", params={"limit": 1000}).json()
    assert "Inactive" in {order["status"] for order in everything}


def test_customers_have_no_name_search(sandbox):
    assert errors_of(sandbox.api("GET", "/customers", params={"name": "fjordkraft"})) == [
        {"path": "query.name", "keyword": "additionalProperties"}]


# Every endpoint the dashboard uses, with parameters the contract does not declare for it.
UNDECLARED = [
    ("/salesorders", {"search": "x"}),
    ("/salesorders", {"customer": "10001"}),  # it is customerId
    ("/salesorders", {"page": "2"}),  # the order list pages by continuation token
    ("/salesorders", {"sortBy": "date:desc"}),
    ("/salesorders/{order}", {"expand": "lines"}),
    ("/salesorders/{order}/lines", {"limit": "10"}),
    ("/customers", {"search": "aker"}),
    ("/customers", {"page": "2"}),
    ("/customers/10001", {"fields": "name"}),
    ("/products", {"name": "kaffe"}),
    ("/products", {"status": "active"}),
    ("/products/1", {"x": "1"}),
    ("/products/1/salestypeOverrides", {"salesTypeId": "1"}),
    ("/accounts", {"number": "3000"}),
    ("/taxes", {"rate": "25"}),
    ("/salestypes", {"limit": "10"}),
    ("/dimensions", {"limit": "10"}),
    ("/dimensions/1/elements", {"page": "2"}),
    ("/organization/people", {"name": "Marte"}),
    ("/currencies", {"code": "EUR"}),
    ("/paymentmethods", {"x": "1"}),
]


@pytest.mark.parametrize(("path", "params"), UNDECLARED)
def test_an_undeclared_parameter_is_a_validation_error(sandbox, path, params):
    if "{order}" in path:
        order_id = sandbox.api("GET", "/salesorders", params={"limit": 1}).json()[0]["id"]
        path = path.replace("{order}", str(order_id))
    [name] = params
    assert errors_of(sandbox.api("GET", path, params=params)) == [
        {"path": f"query.{name}", "keyword": "additionalProperties"}]


def test_every_problem_is_listed_once_in_query_string_order(sandbox):
    response = sandbox.api("GET", "/salesorders?status=Inactive&name=x&limit=0&dateFrom=1.1.2026")
    assert errors_of(response) == [
        {"path": "query.status", "keyword": "enum"},
        {"path": "query.name", "keyword": "additionalProperties"},
        {"path": "query.limit", "keyword": "minimum"},
        {"path": "query.dateFrom", "keyword": "format"},
    ]


def test_a_writes_query_string_is_checked_too(sandbox):
    response = sandbox.api("POST", "/salesorders", params={"dryRun": "true"},
                           json={"customer": {"id": 10001, "name": "Ærø Bøker AS"}})
    assert errors_of(response) == [{"path": "query.dryRun", "keyword": "additionalProperties"}]


@pytest.mark.parametrize(
    ("path", "params", "name", "keyword"),
    [
        ("/salesorders", {"status": "draft"}, "status", "enum"),  # enums are case-sensitive
        ("/salesorders", {"status": ""}, "status", "enum"),
        ("/salesorders", {"limit": "2.5"}, "limit", "type"),
        ("/salesorders", {"dateTo": "2026-11-01T00:00:00Z"}, "dateTo", "format"),  # a date, not a date-time
        # date-times: RFC 3339 with an offset; a plain date or a local time is not one
        ("/salesorders", {"modifiedFrom": "2026-11-01"}, "modifiedFrom", "format"),
        ("/salesorders", {"modifiedFrom": "2026-11-01T00:00:00"}, "modifiedFrom", "format"),
        # "+" not encoded in the URL arrives as a space
        ("/salesorders?createdFrom=2026-11-01T00:00:00+01:00", None, "createdFrom", "format"),
        ("/customers", {"limit": "0"}, "limit", "minimum"),
        ("/customers", {"sortBy": "name"}, "sortBy", "pattern"),
        ("/customers", {"sortBy": "name:ASC"}, "sortBy", "pattern"),
        ("/customers", {"isCompany": "yes"}, "isCompany", "type"),
        ("/customers", {"modifiedFrom": "last week"}, "modifiedFrom", "format"),
        ("/customers", {"continuationToken": "nonsense"}, "continuationToken", "format"),
        ("/products", {"page": "0"}, "page", "minimum"),
        ("/products", {"limit": "many"}, "limit", "type"),
        ("/products", {"supplierIds": "1,b"}, "supplierIds", "type"),
        ("/dimensions/1/elements", {"limit": "0"}, "limit", "minimum"),
        ("/organization/people/201", {"personType": "Robot"}, "personType", "enum"),
    ],
)
def test_an_invalid_value_is_a_validation_error(sandbox, path, params, name, keyword):
    assert errors_of(sandbox.api("GET", path, params=params)) == [{"path": f"query.{name}", "keyword": keyword}]


def test_a_parameter_given_twice_is_a_validation_error(sandbox):
    response = sandbox.api("GET", "/salesorders", params=[("status", "Draft"), ("status", "Invoice")])
    assert errors_of(response) == [{"path": "query.status", "keyword": "type"}]


def test_every_declared_parameter_is_accepted(sandbox):
    """The parameters of the contract, all at once, with valid values (also those the dashboard does not use)."""
    declared = {
        "/salesorders": {
            "limit": 5, "date": "2026-11-02", "dateFrom": "2026-01-01", "dateTo": "2026-11-16", "status": "Invoice",
            "customerId": "10001", "invoiceNumber": "24001", "createdFrom": "2025-01-01T00:00:00Z",
            "createdTo": "2026-11-16T23:59:59+01:00", "modifiedFrom": "2025-01-01T00:00:00.000Z",
            "modifiedTo": "2026-11-17T00:00:00z",
        },
        "/customers": {
            "limit": 100, "organizationNumber": "912345674", "isCompany": "true", "isSupplier": "false",
            "modifiedFrom": "2020-01-01", "createdFrom": "2020-01-01 00:00:00.000Z", "sortBy": "organizationNumber:desc",
        },
        "/products": {"page": 1, "limit": 1000, "productSearch": "%kaffe%", "categoryIds": "1,2",
                      "productNumber": "KAF-100"},
        "/accounts": {"query": "salg"},
        "/dimensions/1/elements": {"limit": 1000},
        "/organization/people": {"personType": "Organization"},
        "/organization/people/201": {"personType": "Organization"},
    }
    for path, params in declared.items():
        response = sandbox.api("GET", path, params=params)
        assert response.status_code == 200, (path, response.text)


def test_the_paging_parameters_of_the_sandboxs_own_links_are_accepted(sandbox):
    customers = sandbox.api("GET", "/customers", params={"limit": 10})
    products = sandbox.api("GET", "/products", params={"limit": 10})
    elements = sandbox.api("GET", "/dimensions/1/elements", params={"limit": 2})
    for response in (customers, products, elements):
        following = sandbox.session.get(response.links["next"]["url"], timeout=10,
                                        headers={"Authorization": f"Bearer {sandbox.token()}"})
        assert following.status_code == 200 and following.json()


def test_an_invoice_number_is_text_in_the_contract(sandbox):
    """``invoiceNumber`` is a string: one that is no invoice's number finds nothing rather than failing."""
    for number in ("A-17", "99999999999999999999"):
        response = sandbox.api("GET", "/salesorders", params={"invoiceNumber": number})
        assert response.status_code == 200 and response.json() == []


def test_no_supplier_has_products_in_the_sandbox(sandbox):
    response = sandbox.api("GET", "/products", params={"supplierIds": "1,3"})
    assert response.status_code == 200 and response.json() == []


def test_the_control_api_checks_its_parameters_too(sandbox):
    response = sandbox.session.get(f"{sandbox.url}/_sandbox/calls", params={"after": "1"}, timeout=10)
    assert errors_of(response) == [{"path": "query.after", "keyword": "additionalProperties"}]
