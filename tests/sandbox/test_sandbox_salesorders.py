"""Sales orders and lines: shapes, creation, validation, business rules, invoicing, conflicts, totals."""

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

CUSTOMER = {"id": 10001, "name": "Ærø Bøker AS", "organizationNumber": "912345674", "street": "Thorvald Meyers gate 52",
            "postalCode": "0552", "postalArea": "Oslo", "city": "Oslo", "countryCode": "NO"}
LEGACY_MEMO = "Importert fra tidligere fakturasystem"


def decimal_json(response):
    return response.json(parse_float=Decimal)


def create_order(sandbox, **fields) -> dict:
    response = sandbox.api("POST", "/salesorders", json={"customer": CUSTOMER, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def add_line(sandbox, order_id: int, **fields) -> dict:
    """POST a line: a product line for product 101 unless ``type`` is given."""
    body = fields if "type" in fields else {"type": "product", "product": {"id": 101}, **fields}
    response = sandbox.api("POST", f"/salesorders/{order_id}/lines", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def validation_errors(response) -> list[dict]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"]["name"] == "ValidationError"
    assert body["trackingId"]
    return body["error"]["payload"]["validationErrors"]


def business_errors(response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"]["name"] == "BadRequestError"
    return [error["type"] for error in body["error"]["payload"]["errors"]]


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_totals(lines: list[dict]) -> tuple[Decimal, Decimal]:
    net = tax = Decimal(0)
    for line in lines:
        quantity, price, discount = (Decimal(line[key]) for key in ("quantity", "price", "discountRate"))
        rate = Decimal(line["tax"]["rate"])
        line_net = money(quantity * price * (1 - discount / 100))
        net += line_net
        tax += money(line_net * rate / 100)
    return net, tax


# --- Reading ---------------------------------------------------------------------------------------


def test_the_list_is_a_bare_array_of_sales_orders(sandbox):
    response = sandbox.api("GET", "/salesorders", params={"limit": 5})

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    orders = response.json()
    assert isinstance(orders, list) and len(orders) == 5
    for order in orders:
        assert {"id", "customer", "currency", "status", "date", "createdAt", "modifiedAt",
                "grossAmount", "netAmount", "taxAmount"} <= set(order)
        assert "dimensions" not in order  # the list's items are SalesOrder, not SalesOrderExtended
        assert None not in order.values()


def test_one_order_is_sales_order_extended_with_its_dimensions(sandbox):
    invoiced = sandbox.api("GET", "/salesorders", params={"status": "Invoice", "limit": 200}).json()
    project_order = next(o for o in invoiced if o["salesType"]["id"] == 3)

    order = sandbox.api("GET", f"/salesorders/{project_order['id']}").json()

    assert order["id"] == project_order["id"]
    assert any(d["dimensionType"] == 1 for d in order["dimensions"])
    assert set(order["invoice"]) >= {"number", "date", "dueDate", "paymentTerms", "remittanceReference", "transaction"}
    assert uuid.UUID(order["invoice"]["transaction"]["id"])
    assert order["customer"]["id"] and order["customer"]["name"]
    assert "_embedded" not in order


def test_hal_accept_embeds_the_lines(sandbox):
    order_id = sandbox.api("GET", "/salesorders", params={"status": "Invoice", "limit": 1}).json()[0]["id"]
    lines = sandbox.api("GET", f"/salesorders/{order_id}/lines").json()

    order = sandbox.api("GET", f"/salesorders/{order_id}", headers={"Accept": "application/hal+json"}).json()

    assert order["_embedded"]["lines"] == lines
    assert lines and {"id", "type", "description", "quantity", "price", "discountRate", "tax", "account"} <= set(lines[0])


def test_an_unknown_order_is_404_with_the_envelope(sandbox):
    response = sandbox.api("GET", "/salesorders/999999")

    assert response.status_code == 404
    body = response.json()
    assert body["error"] == {"name": "NotFoundError", "message": "Sales order 999999 not found"}
    assert body["trackingId"]
    assert response.headers["X-Trace-Id"]


def test_unknown_routes_and_methods_answer_with_envelopes(sandbox):
    missing = sandbox.api("GET", "/invoices")
    assert missing.status_code == 404 and missing.json()["error"]["name"] == "NotFoundError"

    wrong = sandbox.api("PUT", "/salesorders")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["name"] == "MethodNotAllowedError"
    assert wrong.headers["Allow"] == "GET, POST"


# --- Creating --------------------------------------------------------------------------------------


def test_post_answers_200_with_the_new_order_without_lines(sandbox):
    order = create_order(sandbox, referenceNumber="PO-2026-0001", dimensions=[
        {"dimensionType": 2, "value": "10", "name": "Salg"}])

    assert order["status"] == "Draft"
    assert order["customer"] == CUSTOMER
    assert order["currency"] == {"code": "NOK", "rate": 1}
    assert (order["netAmount"], order["taxAmount"], order["grossAmount"]) == (0, 0, 0)
    assert order["referenceNumber"] == "PO-2026-0001"
    assert order["dimensions"] == [{"dimensionType": 2, "value": "10", "name": "Salg"}]
    assert sandbox.api("GET", f"/salesorders/{order['id']}").json() == order
    assert sandbox.api("GET", f"/salesorders/{order['id']}/lines").json() == []


def test_post_keeps_a_full_body(sandbox):
    body = {
        "customer": {**CUSTOMER, "gln": "7080000000017", "invoiceEmailAddresses": ["faktura@aero.no"]},
        "currency": {"code": "EUR", "rate": 11.5},
        "status": "Proposal",
        "deliveryCustomer": {"id": 10001, "name": "Ærø Bøker AS", "street": "Hovedgata 1"},
        "invoice": {"paymentTerms": {"type": "OutMonthPlusDays", "value": 20}, "distributionMethod": "ehfdistribution"},
        "date": "2026-11-10",
        "deliveryDate": "2026-11-20",
        "internalMemo": "Intern", "memo": "Takk", "yourReference": {"id": 1, "name": "Kari"},
        "ourReference": {"id": 201}, "paymentMethod": {"id": 1}, "salesType": {"id": -100},
        "accrual": {"startDate": "2026-12-01", "length": 12},
        "createdAt": "2020-01-01T00:00:00Z",
    }
    order = sandbox.api("POST", "/salesorders", json=body).json()

    assert order["customer"] == body["customer"]
    assert order["currency"] == {"code": "EUR", "rate": 11.5}
    assert order["invoice"] == {"distributionMethod": "ehfdistribution",
                                "paymentTerms": {"type": "OutMonthPlusDays", "value": 20}}
    assert order["salesType"] == {"id": -100} and order["paymentMethod"] == {"id": 1}
    assert order["accrual"] == {"startDate": "2026-12-01", "length": 12}
    assert order["createdAt"] != "2020-01-01T00:00:00Z"  # read-only


def test_creating_with_status_invoice_is_no_lines(sandbox):
    response = sandbox.api("POST", "/salesorders", json={"customer": CUSTOMER, "status": "Invoice"})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == {"name": "BadRequestError", "payload": {"errors": [
        {"type": "NoLines", "message": "No lines in the sales order", "arguments": ["lineItems"]}]}}
    assert body["trackingId"]


def test_a_missing_customer_name_is_the_documented_validation_error(sandbox):
    response = sandbox.api("POST", "/salesorders", json={"customer": {"id": 10001}})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == {"name": "ValidationError",
                             "payload": {"validationErrors": [{"path": "customer.name", "keyword": "required"}]}}
    assert body["trackingId"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"customer": {}}, [{"path": "customer.id", "keyword": "required"},
                            {"path": "customer.name", "keyword": "required"}]),
        ({}, [{"path": "customer", "keyword": "required"}]),
        ({"customer": {**CUSTOMER, "name": "x" * 201}}, [{"path": "customer.name", "keyword": "maxLength"}]),
        ({"customer": {**CUSTOMER, "organizationNumber": "1" * 21}},
         [{"path": "customer.organizationNumber", "keyword": "maxLength"}]),
        ({"customer": {**CUSTOMER, "gln": "123456789012"}}, [{"path": "customer.gln", "keyword": "minLength"}]),
        ({"customer": {**CUSTOMER, "gln": "12345678901234"}}, [{"path": "customer.gln", "keyword": "maxLength"}]),
        ({"customer": {**CUSTOMER, "countryCode": "NOR"}}, [{"path": "customer.countryCode", "keyword": "maxLength"}]),
        ({"customer": {**CUSTOMER, "street": "x" * 251}}, [{"path": "customer.street", "keyword": "maxLength"}]),
        ({"customer": {**CUSTOMER, "street": ["Storgata 1"]}}, [{"path": "customer.street", "keyword": "type"}]),
        ({"customer": CUSTOMER, "deliveryCustomer": {"name": "x" * 251}},
         [{"path": "deliveryCustomer.name", "keyword": "maxLength"}]),
        ({"customer": CUSTOMER, "status": "Paid"}, [{"path": "status", "keyword": "enum"}]),
        ({"customer": CUSTOMER, "internalMemo": "x" * 301}, [{"path": "internalMemo", "keyword": "maxLength"}]),
        ({"customer": CUSTOMER, "referenceNumber": "x" * 51}, [{"path": "referenceNumber", "keyword": "maxLength"}]),
        ({"customer": CUSTOMER, "currency": {"code": "nok"}}, [{"path": "currency.code", "keyword": "pattern"}]),
        ({"customer": CUSTOMER, "currency": {"code": "NOK", "rate": 0}},
         [{"path": "currency.rate", "keyword": "minimum"}]),
        ({"customer": CUSTOMER, "invoice": {"distributionMethod": "fax"}},
         [{"path": "invoice.distributionMethod", "keyword": "enum"}]),
        ({"customer": CUSTOMER, "invoice": {"paymentTerms": {"type": "Weekly", "value": 1}}},
         [{"path": "invoice.paymentTerms", "keyword": "oneOf"}]),
        ({"customer": CUSTOMER, "date": "2026-13-01"}, [{"path": "date", "keyword": "format"}]),
        ({"customer": CUSTOMER, "dimensions": [{"dimensionType": 1, "value": "1001", "name": "P", "extra": 1}]},
         [{"path": "dimensions.0.extra", "keyword": "additionalProperties"}]),
        ({"customer": CUSTOMER, "dimensions": [{"dimensionType": 1, "value": "1001"}]},
         [{"path": "dimensions.0.name", "keyword": "required"}]),
        ({"customer": {**CUSTOMER, "id": 1}}, [{"path": "customer.id", "keyword": "enum"}]),
        ({"customer": CUSTOMER, "salesType": {"id": 77}}, [{"path": "salesType.id", "keyword": "enum"}]),
    ],
)
def test_invalid_bodies_name_the_path_and_keyword(sandbox, body, expected):
    assert validation_errors(sandbox.api("POST", "/salesorders", json=body)) == expected


def test_a_body_that_is_not_json_is_a_bad_request(sandbox):
    response = sandbox.api("POST", "/salesorders", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "BadRequestError"


# --- Business rules --------------------------------------------------------------------------------


def test_invoicing_without_lines_is_no_lines(sandbox):
    order = create_order(sandbox)
    response = sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": "Invoice"})
    assert business_errors(response) == ["NoLines"]
    assert sandbox.api("GET", f"/salesorders/{order['id']}").json()["status"] == "Draft"


def test_a_project_sales_type_needs_a_project_to_be_confirmed(sandbox):
    order = create_order(sandbox, salesType={"id": 3})
    add_line(sandbox, order["id"])

    response = sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": "Confirmed"})
    assert business_errors(response) == ["ProjectMissing"]
    assert response.json()["error"]["payload"]["errors"][0]["message"]

    project = [{"dimensionType": 1, "value": "1001", "name": "Nytt økonomisystem Fjordkraft"}]
    response = sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": "Confirmed", "dimensions": project})
    assert response.status_code == 200
    assert response.json()["status"] == "Confirmed"


def test_a_service_sales_type_needs_a_department(sandbox):
    response = sandbox.api("POST", "/salesorders", json={"customer": CUSTOMER, "salesType": {"id": 4},
                                                         "status": "Confirmed"})
    assert business_errors(response) == ["DepartmentMissing"]

    order = create_order(sandbox, salesType={"id": 4}, status="Confirmed",
                         dimensions=[{"dimensionType": 2, "value": "30", "name": "Drift og support"}])
    assert order["status"] == "Confirmed"


def test_every_broken_rule_is_listed(sandbox):
    response = sandbox.api("POST", "/salesorders", json={"customer": CUSTOMER, "salesType": {"id": 3},
                                                         "status": "Invoice"})
    assert business_errors(response) == ["NoLines", "ProjectMissing"]


# --- Updating, invoicing, deleting -----------------------------------------------------------------


def test_patch_updates_only_what_is_sent(sandbox):
    order = create_order(sandbox, memo="Først", referenceNumber="PO-1")

    response = sandbox.api("PATCH", f"/salesorders/{order['id']}",
                           json={"memo": "Så", "customer": {"city": "Bergen"}, "paymentMethod": {"id": None}})

    assert response.status_code == 200
    updated = response.json()
    assert updated["memo"] == "Så"
    assert updated["referenceNumber"] == "PO-1"
    assert updated["customer"] == {**CUSTOMER, "city": "Bergen"}
    assert "paymentMethod" not in updated
    assert validation_errors(sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": "Done"})) == [
        {"path": "status", "keyword": "enum"}]


def test_invoicing_assigns_number_dates_kid_and_transaction(sandbox):
    order = create_order(sandbox, invoice={"paymentTerms": {"type": "NumberOfDays", "value": 10}})
    add_line(sandbox, order["id"], quantity=2)

    response = sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": "Invoice"})

    assert response.status_code == 200, response.text
    invoice = response.json()["invoice"]
    seeded_max = max(o["invoice"]["number"] for o in
                     sandbox.api("GET", "/salesorders", params={"status": "Invoice", "limit": 1000}).json()
                     if o["id"] != order["id"])
    assert invoice["number"] > seeded_max >= 24001
    assert date.fromisoformat(invoice["dueDate"]) == date.fromisoformat(invoice["date"]) + timedelta(days=10)
    kid = invoice["remittanceReference"]
    assert kid.isdigit() and kid.startswith("10001")
    assert uuid.UUID(invoice["transaction"]["id"])

    found = sandbox.api("GET", "/salesorders", params={"invoiceNumber": invoice["number"]}).json()
    assert [o["id"] for o in found] == [order["id"]]


def test_an_invoiced_order_is_locked_except_its_memos(sandbox):
    order = create_order(sandbox)
    line = add_line(sandbox, order["id"])
    assert sandbox.api("PATCH", f"/salesorders/{order['id']}", json={"status": "Invoice"}).status_code == 200
    path = f"/salesorders/{order['id']}"

    memo = sandbox.api("PATCH", path, json={"memo": "Betalt kontant", "internalMemo": "ok"})
    assert memo.status_code == 200 and memo.json()["memo"] == "Betalt kontant"

    for response in (
        sandbox.api("PATCH", path, json={"referenceNumber": "PO-9"}),
        sandbox.api("DELETE", path),
        sandbox.api("POST", f"{path}/lines", json={"type": "text", "description": "Ekstra"}),
        sandbox.api("PATCH", f"{path}/lines/{line['id']}", json={"quantity": 3}),
        sandbox.api("DELETE", f"{path}/lines/{line['id']}"),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["error"]["name"] == "ConflictError"
        assert response.json()["error"]["message"]
        assert response.json()["trackingId"]


def test_delete_answers_204_then_404(sandbox):
    order = create_order(sandbox)
    add_line(sandbox, order["id"])

    deleted = sandbox.api("DELETE", f"/salesorders/{order['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert sandbox.api("GET", f"/salesorders/{order['id']}").status_code == 404
    assert sandbox.api("DELETE", f"/salesorders/{order['id']}").status_code == 404


def test_deleting_a_seeded_invoiced_order_is_409(sandbox):
    invoiced = sandbox.api("GET", "/salesorders", params={"status": "Invoice", "limit": 1}).json()[0]
    response = sandbox.api("DELETE", f"/salesorders/{invoiced['id']}")
    assert response.status_code == 409
    assert response.json()["error"]["name"] == "ConflictError"


# --- Lines and totals ------------------------------------------------------------------------------


def test_lines_fill_in_product_and_tax_and_the_totals_follow(sandbox):
    order = create_order(sandbox)
    order_id = order["id"]

    consultant = add_line(sandbox, order_id, product={"id": 101}, quantity=2.5, discountRate=10, tax={"id": 1})
    assert consultant["product"] == {"id": 101, "number": "KON-1001"}
    assert consultant["description"] == "Seniorkonsulent"
    assert consultant["price"] == 1450
    assert consultant["tax"] == {"id": 1, "number": 3, "rate": 25}
    assert consultant["account"]["number"] == 3000

    coffee = add_line(sandbox, order_id, product={"id": 149}, quantity=3, price=289.45)  # food: 15 %
    assert coffee["tax"] == {"id": 2, "number": 31, "rate": 15}
    note = add_line(sandbox, order_id, type="text", description="Levering avtalt uke 12", price=0)
    assert note["type"] == "text" and "product" not in note
    travel = add_line(sandbox, order_id, type="text", description="Reisetid", quantity=1.5, price=649.99,
                      tax={"number": 33})
    assert travel["tax"] == {"id": 3, "number": 33, "rate": 12}

    lines = decimal_json(sandbox.api("GET", f"/salesorders/{order_id}/lines"))
    assert [line["id"] for line in lines] == [consultant["id"], coffee["id"], note["id"], travel["id"]]
    net, tax = expected_totals(lines)
    updated = decimal_json(sandbox.api("GET", f"/salesorders/{order_id}"))
    assert (updated["netAmount"], updated["taxAmount"], updated["grossAmount"]) == (net, tax, net + tax)
    assert net == Decimal("3262.5") + Decimal("868.35") + Decimal("974.99")


@pytest.mark.parametrize(
    ("sales_type", "product_number", "tax", "account"),
    [
        (None, "HW-3001", {"id": 1, "number": 3, "rate": 25}, 3000),  # no sales type: the first one listed
        (2, "HW-3001", {"id": 1, "number": 3, "rate": 25}, 3010),  # Tjenestesalg's own account
        (1, "MAT-5001", {"id": 2, "number": 31, "rate": 15}, 3050),  # the food product's override
        (2, "MAT-5001", {"id": 1, "number": 3, "rate": 25}, 3010),  # served food: no override
        (-100, "TR-6002", {"id": 3, "number": 33, "rate": 12}, 3060),
        (4, "KURS-7001", {"id": 4, "number": 5, "rate": 0}, 3100),
        (1, "TR-6012", {"id": 5, "number": 52, "rate": 0}, 3200),
    ],
)
def test_a_line_sent_without_tax_gets_its_posting_accounts_tax_code(sandbox, sales_type, product_number, tax, account):
    [product] = sandbox.api("GET", "/products", params={"productNumber": product_number}).json()
    order = create_order(sandbox, **({"salesType": {"id": sales_type}} if sales_type is not None else {}))
    line = add_line(sandbox, order["id"], product={"id": product["id"]})
    assert line["tax"] == tax
    assert line["account"]["number"] == account


def test_a_line_sent_with_another_tax_code_is_posted_to_that_codes_account(sandbox):
    order = create_order(sandbox, salesType={"id": 2})
    line = add_line(sandbox, order["id"], product={"id": 101}, tax={"id": 4})
    assert line["tax"]["rate"] == 0 and line["account"]["number"] == 3100
    same = add_line(sandbox, order["id"], product={"id": 101}, tax={"id": 1})
    assert same["account"]["number"] == 3010


def test_changing_and_deleting_lines_recomputes_the_totals(sandbox):
    order_id = create_order(sandbox)["id"]
    first = add_line(sandbox, order_id, quantity=1, price=100)
    second = add_line(sandbox, order_id, quantity=1, price=50)

    patched = sandbox.api("PATCH", f"/salesorders/{order_id}/lines/{first['id']}", json={"quantity": 3, "id": first["id"]})
    assert patched.status_code == 200 and patched.json()["quantity"] == 3
    assert decimal_json(sandbox.api("GET", f"/salesorders/{order_id}"))["grossAmount"] == Decimal("437.5")

    assert sandbox.api("DELETE", f"/salesorders/{order_id}/lines/{second['id']}").status_code == 204
    assert sandbox.api("GET", f"/salesorders/{order_id}/lines/{second['id']}").status_code == 404
    order = decimal_json(sandbox.api("GET", f"/salesorders/{order_id}"))
    assert (order["netAmount"], order["taxAmount"], order["grossAmount"]) == (300, 75, 375)
    assert sandbox.api("GET", f"/salesorders/{order_id}/lines/{first['id']}").json()["quantity"] == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "product", "product": {"id": 101}, "colour": "red"},
         [{"path": "colour", "keyword": "additionalProperties"}]),
        ({"type": "product", "product": {"id": 101}, "discountRate": 101},
         [{"path": "discountRate", "keyword": "maximum"}]),
        ({"type": "product", "product": {"id": 101}, "discountRate": -1},
         [{"path": "discountRate", "keyword": "minimum"}]),
        ({"type": "service", "description": "x"}, [{"path": "type", "keyword": "enum"}]),
        ({"type": "text", "description": ""}, [{"path": "description", "keyword": "minLength"}]),
        ({"type": "text", "description": "x" * 301}, [{"path": "description", "keyword": "maxLength"}]),
        ({"type": "product", "product": {"id": 101}, "costPrice": 1.00001},
         [{"path": "costPrice", "keyword": "multipleOf"}]),
        ({"type": "product", "product": {"id": 101}, "tax": {"id": 1, "rate": 125}},
         [{"path": "tax.rate", "keyword": "maximum"}]),
        ({"type": "product", "product": {"id": 101},
          "dimensions": [{"dimensionType": 1, "value": "1001", "name": "P", "x": 1}]},
         [{"path": "dimensions.0.x", "keyword": "additionalProperties"}]),
        ({"type": "product", "product": {"id": 99999}}, [{"path": "product.id", "keyword": "enum"}]),
        ({"type": "product"}, [{"path": "product.id", "keyword": "required"}]),
        ({"type": "text"}, [{"path": "description", "keyword": "required"}]),
        ({"type": "product", "product": {"id": 101}, "tax": {"id": 42}}, [{"path": "tax.id", "keyword": "enum"}]),
    ],
)
def test_invalid_lines_name_the_path_and_keyword(sandbox, body, expected):
    order_id = create_order(sandbox)["id"]
    assert validation_errors(sandbox.api("POST", f"/salesorders/{order_id}/lines", json=body)) == expected
    assert sandbox.api("GET", f"/salesorders/{order_id}/lines").json() == []


def test_lines_of_an_unknown_order_are_404(sandbox):
    assert sandbox.api("GET", "/salesorders/999999/lines").status_code == 404
    response = sandbox.api("POST", "/salesorders/999999/lines", json={"type": "text", "description": "x"})
    assert response.status_code == 404


def test_seeded_totals_match_their_lines_except_the_legacy_imports(sandbox):
    orders = decimal_json(sandbox.api("GET", "/salesorders", params={"status": "Invoice", "limit": 1000}))
    legacy = [o for o in orders if o.get("internalMemo") == "Importert fra tidligere fakturasystem"]
    assert len(legacy) == 3
    for order in legacy + orders[:20]:
        lines = decimal_json(sandbox.api("GET", f"/salesorders/{order['id']}/lines"))
        net, tax = expected_totals(lines)
        gap = Decimal("10.00") if order in legacy else Decimal(0)
        assert order["netAmount"] - net == gap
        assert order["grossAmount"] == order["netAmount"] + order["taxAmount"]
