"""POST /SalesOrder: what QuickBooks computes and fills in, and what it refuses."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.sandbox.autofy.helpers import (
    CHAIR,
    D,
    create,
    envelope,
    find,
    get_order,
    object_error,
    objects,
    order_body,
    ref,
    request_error,
)


def lines_of(order: dict) -> list[tuple]:
    return [(line["Item"]["FullName"], line["Quantity"], line["Rate"], line["RatePercent"], line["Amount"])
            for line in order["ItemLines"]]


def item(autofy, name: str, **fields) -> dict:
    return {"Item": ref(autofy, "Item", name), **fields}


def test_a_created_order_has_an_id_an_edit_sequence_and_quickbooks_amounts(autofy):
    order = create(autofy, Number="C-1", lines=[item(autofy, CHAIR, Quantity=2)])

    assert re.fullmatch(r"[0-9A-F]+-\d{10}", order["ID"])
    assert re.fullmatch(r"\d{1,16}", order["EditSequence"])
    assert re.fullmatch(r"[0-9A-F]+-\d{10}", order["ItemLines"][0]["ID"])
    assert lines_of(order) == [(CHAIR, D(2), D(189), None, D("378.0"))]
    # Chicago: 10.25 % on the taxable 378.00 = 38.745, rounded half up.
    assert (order["SubTotal"], order["SalesTaxAmount"], order["SalesTaxPercentage"]) == (D(378), D("38.75"), D("10.25"))
    assert order["Amount"] == order["TotalAmountInHomeCurrency"] == D("416.75")
    assert order["CreatedDate"] == order["LastModifiedDate"]
    assert (order["IsManuallyClosed"], order["IsFullyInvoiced"], order["LinkedTransactions"]) == (False, False, [])
    assert get_order(autofy, order["ID"]) == order


def test_what_quickbooks_fills_in_from_the_customer(autofy):
    body = order_body(autofy)
    del body["Date"]
    order = objects(autofy.autofy("POST", "/SalesOrder", json=body))[0]
    customer = find(autofy, "Customer", "Addison Dental Group")

    today = datetime.now(ZoneInfo("America/Chicago")).date()
    assert order["Date"] == f"{today.isoformat()}T00:00:00Z"
    for name in ("Terms", "SalesRep", "ItemSalesTax", "Currency", "BillingAddress", "ShippingAddress"):
        assert order[name] == customer[name], name
    assert order["Terms"]["FullName"] == "Net 30"
    assert (datetime.fromisoformat(order["DueDate"]).date() - today).days == 30
    assert order["Template"]["FullName"] == "Custom Sales Order"
    assert order["Number"] is None  # QuickBooks does not number an order made without one
    assert order["ExchangeRate"] == D(1)
    line = order["ItemLines"][0]
    assert line["Description"] == find(autofy, "Item", CHAIR)["Description"]
    assert line["UnitOfMeasure"] == {"FullName": "ea"}
    assert line["SalesTaxCode"]["FullName"] == "Tax"


@pytest.mark.parametrize("sent, expected", [
    ({"Quantity": 3, "Amount": 500}, (D(3), D("166.66667"), None, D(500))),  # quantity and amount: rate computed
    ({"Quantity": 2, "Rate": 100, "Amount": 250}, (D(2), D(125), None, D(250))),  # rate and amount: rate ignored
    ({}, (D(1), D(189), None, D(189))),  # nothing: one at the item's price
    ({"Quantity": 2.5, "Rate": 10.125}, (D("2.5"), D("10.125"), None, D("25.31"))),  # 25.3125
    ({"Rate": 80}, (None, D(80), None, D(80))),  # a rate alone: the line is worth it
])
def test_quantity_rate_and_amount(autofy, sent, expected):
    order = create(autofy, lines=[item(autofy, CHAIR, **sent)])
    assert lines_of(order)[0][1:] == expected


def test_a_percentage_discount_after_a_subtotal_and_tax_on_the_taxable_lines_only(autofy):
    order = create(autofy, lines=[
        item(autofy, CHAIR, Quantity=2),  # 378.00, taxable
        item(autofy, "Installation", Quantity=4),  # 340.00 of labour, not taxable
        item(autofy, "Subtotal"),
        item(autofy, "Volume Discount"),  # 10 % of the subtotal, taxable
    ])
    assert lines_of(order) == [
        (CHAIR, D(2), D(189), None, D(378)),
        ("Installation", D(4), D(85), None, D(340)),
        ("Subtotal", None, None, None, D(718)),
        ("Volume Discount", None, None, D(10), D("-71.8")),
    ]
    assert [line["SalesTaxCode"]["FullName"] if line["SalesTaxCode"] else None for line in order["ItemLines"]] == \
        ["Tax", "Non", None, "Tax"]
    assert order["SubTotal"] == D("646.2")  # the Subtotal line is not counted
    assert order["SalesTaxAmount"] == D("31.39")  # 10.25 % of 378.00 - 71.80
    assert order["Amount"] == D("677.59")


def test_a_discount_applies_to_the_line_above_and_a_surcharge_too(autofy):
    order = create(autofy, lines=[
        item(autofy, CHAIR, Quantity=1),
        item(autofy, "Loyalty Discount"),  # 5 % of 189.00
        item(autofy, "Freight", Rate=200),
        item(autofy, "Fuel Surcharge"),  # 3.5 % of the freight
        item(autofy, "Promo Credit"),  # 50.00 off
    ])
    assert [line[4] for line in lines_of(order)] == [D(189), D("-9.45"), D(200), D(7), D(-50)]
    assert order["SubTotal"] == D("336.55")


def test_a_group_is_filled_with_its_items_and_is_their_sum(autofy):
    order = create(autofy, lines=[item(autofy, "Workstation Bundle", Quantity=2)])
    [group] = order["ItemLines"]
    assert [(sub["Item"]["FullName"], sub["Quantity"], sub["Rate"], sub["Amount"]) for sub in group["SubLines"]] == [
        ("Standing Desk SD-60", D(2), D(689), D(1378)),
        (CHAIR, D(2), D(189), D(378)),
        ("Monitor Arm MA-2", D(2), D(129), D(258)),
        ("LED Desk Lamp DL-10", D(2), D("44.95"), D("89.9")),
    ]
    assert (group["Quantity"], group["Rate"], group["Amount"]) == (D(2), None, D("2103.9"))
    assert all(re.fullmatch(r"[0-9A-F]+-\d{10}", sub["ID"]) for sub in group["SubLines"])
    assert order["SalesTaxAmount"] == D("215.65")  # 10.25 % of the taxable sub-lines


def test_a_group_with_its_own_sub_lines(autofy):
    order = create(autofy, lines=[item(autofy, "Workstation Bundle", SubLines=[
        {"Item": ref(autofy, "Item", "Standing Desk SD-60"), "Quantity": 1, "Rate": 600},
        {"Item": ref(autofy, "Item", CHAIR), "Quantity": 2, "Desc": "Black"},
    ])])
    [group] = order["ItemLines"]
    desk = find(autofy, "Item", "Standing Desk SD-60")
    assert [(sub["Amount"], sub["Desc"]) for sub in group["SubLines"]] == [(D(600), desk["Description"]),
                                                                          (D(378), "Black")]
    assert group["Amount"] == D(978)


def test_a_customer_that_pays_no_tax_makes_the_lines_non_taxable(autofy):
    order = create(autofy, customer="Lincoln Park Montessori", lines=[item(autofy, CHAIR, Quantity=2)])
    assert order["ItemLines"][0]["SalesTaxCode"]["FullName"] == "Gov"
    assert (order["SalesTaxAmount"], order["Amount"]) == (D(0), D(378))


def test_a_line_s_own_tax_code_wins(autofy):
    order = create(autofy, lines=[item(autofy, CHAIR, Quantity=2, SalesTaxCode={"FullName": "Non"})])
    assert order["ItemLines"][0]["SalesTaxCode"]["FullName"] == "Non"
    assert order["SalesTaxAmount"] == D(0)


def test_an_order_in_canadian_dollars_at_the_currency_s_rate_or_the_one_sent(autofy):
    lines = [item(autofy, CHAIR, Quantity=10)]
    order = create(autofy, customer="Maple Leaf Builders Ltd", lines=lines)
    assert order["Currency"]["FullName"] == "Canadian Dollar"
    assert order["ExchangeRate"] == D("0.7315")
    assert order["ItemSalesTax"]["FullName"] == "Out of State" and order["SalesTaxAmount"] == D(0)
    assert (order["Amount"], order["TotalAmountInHomeCurrency"]) == (D(1890), D("1382.54"))  # 1382.535

    fixed = create(autofy, customer="Maple Leaf Builders Ltd", lines=lines, ExchangeRate=0.75)
    assert (fixed["ExchangeRate"], fixed["TotalAmountInHomeCurrency"]) == (D("0.75"), D("1417.5"))


def test_an_order_in_another_currency_than_its_customer_s_is_refused(autofy):
    error = object_error(autofy.autofy("POST", "/SalesOrder", json=order_body(
        autofy, Currency={"FullName": "Euro"})))
    assert error["Code"] == 3180
    assert "US Dollar" in error["Message"]


def test_references_by_full_name_ignore_case(autofy):
    order = create(autofy, lines=[{"Item": {"FullName": CHAIR.upper()}, "Quantity": 1}],
                   Terms={"FullName": "net 15"}, Class={"FullName": "contract:installation"})
    assert order["ItemLines"][0]["Item"] == ref(autofy, "Item", CHAIR)
    assert (order["Terms"]["FullName"], order["Class"]["FullName"]) == ("Net 15", "Contract:Installation")


def test_an_id_wins_over_a_full_name(autofy):
    chair = ref(autofy, "Item", CHAIR)
    order = create(autofy, lines=[{"Item": {"ID": chair["ID"], "FullName": "whatever"}, "Quantity": 1}])
    assert order["ItemLines"][0]["Item"] == chair


def test_the_other_header_fields_are_kept(autofy):
    order = create(
        autofy, PONumber="PO-1", Other="SOA:abc", Memo="memo", FOB="Origin", ToBePrinted=True, ToBeEmailed=False,
        DateShipped="2026-11-25T00:00:00Z", DueDate="2026-12-31", Message={"FullName": "Thank you for your business."},
        ShippingMethod={"FullName": "UPS Ground"}, SalesRep={"FullName": "MKO"},
        Template={"FullName": "Rep Sales Order"},
        CustomFields=[{"FullName": "Contract #", "Value": "C-2026-001"}, {"FullName": "delivery window",
                                                                         "Value": "After 4 pm only"}],
        ShippingAddress={"Line1": "Addison Dental Group", "Line2": "900 N Michigan Ave", "City": "Chicago",
                         "State": "IL", "PostalCode": "60611"},
        lines=[item(autofy, CHAIR, Quantity=1, Other1="o1", CustomFields=[{"FullName": "Color", "Value": "Navy"}],
                    FromInventorySite={"FullName": "Joliet DC"}, Class={"FullName": "Retail"})],
    )
    assert (order["PONumber"], order["Other"], order["Memo"], order["FOB"]) == ("PO-1", "SOA:abc", "memo", "Origin")
    assert (order["ToBePrinted"], order["ToBeEmailed"]) == (True, False)
    assert (order["DateShipped"], order["DueDate"]) == ("2026-11-25T00:00:00Z", "2026-12-31T00:00:00Z")
    assert order["CustomFields"] == [{"FullName": "Contract #", "Value": "C-2026-001"},
                                     {"FullName": "Delivery Window", "Value": "After 4 pm only"}]
    assert order["ShippingAddress"]["Line2"] == "900 N Michigan Ave" and order["ShippingAddress"]["Line3"] is None
    assert order["BillingAddress"] != order["ShippingAddress"]
    line = order["ItemLines"][0]
    assert (line["Other1"], line["CustomFields"], line["FromInventorySite"]["FullName"], line["Class"]["FullName"]) == \
        ("o1", [{"FullName": "Color", "Value": "Navy"}], "Joliet DC", "Retail")


def test_a_posted_template_s_placeholders_that_quickbooks_computes_are_ignored(autofy):
    order = create(autofy, ID="", EditSequence="", SubTotal=0.0, Amount=0.0, IsFullyInvoiced=True,
                   LinkedTransactions=[{"ID": "", "Type": "", "Date": "2023-01-11T16:08:00Z", "Number": "",
                                        "Amount": 0.0}],
                   CreatedDate="2023-01-11T16:08:00Z", TotalAmountInHomeCurrency=0.0)
    assert order["ID"] and order["Amount"] == D("416.75") and order["LinkedTransactions"] == []
    assert order["IsFullyInvoiced"] is False and order["CreatedDate"] != "2023-01-11T16:08:00Z"


# --- Refusals -----------------------------------------------------------------------------------------


def refused(autofy, **kwargs) -> dict:
    body = order_body(autofy, **kwargs)
    number = f"R-{datetime.now().strftime('%H%M%S%f')[:8]}"
    body["Number"] = number
    error = object_error(autofy.autofy("POST", "/SalesOrder", json=body))
    # Nothing was created.
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": number})) == []
    return error


@pytest.mark.parametrize("customer", [{"ID": "80FFFFFF-1700000000"}, {"FullName": "Nobody Inc"}, {"ID": "", "FullName": ""}])
def test_an_unknown_customer_is_an_invalid_reference(autofy, customer):
    error = refused(autofy, Customer=customer)
    assert error["Code"] == 3140
    assert error["Message"].startswith("There is an invalid reference to QuickBooks Customer")


def test_an_order_without_a_customer_is_an_invalid_reference(autofy):
    body = order_body(autofy)
    del body["Customer"]
    assert object_error(autofy.autofy("POST", "/SalesOrder", json=body))["Code"] == 3140


@pytest.mark.parametrize("field, value", [
    ("Terms", {"FullName": "Net 90"}),
    ("SalesRep", {"FullName": "TWC"}),  # inactive
    ("ItemSalesTax", {"FullName": CHAIR}),  # not a sales tax item
    ("Template", {"FullName": "Intuit Product Invoice"}),  # an invoice template
    ("Class", {"ID": "80FFFFFF-1700000000"}),
    ("ShippingMethod", {"FullName": "Carrier Pigeon"}),
    ("Message", {"FullName": "Thanks!"}),
    ("Currency", {"FullName": "Bitcoin"}),
])
def test_an_invalid_header_reference_is_3140(autofy, field, value):
    assert refused(autofy, **{field: value})["Code"] == 3140


@pytest.mark.parametrize("line", [
    {"Item": {"FullName": "No Such Item"}, "Quantity": 1},
    {"Item": {"FullName": "Fax Machine FX-1"}, "Quantity": 1},  # inactive
    {"Item": {"FullName": "IL Sales Tax"}, "Quantity": 1},  # a sales tax item is not a line item
    {"Quantity": 1},  # no item
    {"Item": {"FullName": CHAIR}, "SalesTaxCode": {"FullName": "Exempt"}},
    {"Item": {"FullName": CHAIR}, "FromInventorySite": {"FullName": "Moon Base"}},
    {"Item": {"FullName": CHAIR}, "UnitOfMeasure": {"FullName": "box"}},  # the chair is sold by the each
    {"Item": {"FullName": CHAIR}, "CustomFields": [{"FullName": "Size", "Value": "L"}]},
])
def test_an_invalid_line_reference_is_3140(autofy, line):
    assert refused(autofy, lines=[line])["Code"] == 3140


def test_an_unknown_custom_field_is_3140(autofy):
    assert refused(autofy, CustomFields=[{"FullName": "Color", "Value": "x"}])["Code"] == 3140  # a line field


def test_inventory_site_locations_are_not_turned_on(autofy):
    line = {"Item": {"FullName": CHAIR}, "Quantity": 1, "FromInventorySiteLocation": {"FullName": "Bin 1"}}
    assert refused(autofy, lines=[line])["Code"] == 3250


def test_a_date_in_the_closed_period_is_3171(autofy):
    closing = autofy.autofy_state()["closingDate"]
    assert closing == "2026-05-31"
    error = refused(autofy, Date=closing)
    assert error["Code"] == 3171
    assert "closing date" in error["Message"]
    assert create(autofy, Date="2026-06-01")["Date"] == "2026-06-01T00:00:00Z"


def test_a_due_date_past_the_calendar_is_refused_not_a_crash(autofy):
    error = refused(autofy, Date="9999-12-31", Terms={"FullName": "Net 30"})
    assert "past the last date QuickBooks can hold" in error["Message"]


def test_an_order_over_the_customer_s_credit_limit_is_3180(autofy):
    kenosha = find(autofy, "Customer", "Kenosha Marine Supply")
    assert (kenosha["CreditLimit"], kenosha["Balance"]) == (D(5000), D(4620))
    # 2 chairs: 378.00 + 5 % Wisconsin tax = 396.90, and 4,620 + 396.90 > 5,000.
    error = refused(autofy, customer="Kenosha Marine Supply", lines=[item(autofy, CHAIR, Quantity=2)])
    assert error == {"Code": 3180, "Message": "There was an error when saving a SalesOrder. QuickBooks error "
                                              "message: The credit limit for the name on this transaction has been "
                                              "exceeded."}
    assert create(autofy, customer="Kenosha Marine Supply", lines=[item(autofy, CHAIR, Quantity=1)])["Amount"] == \
        D("198.45")


@pytest.mark.parametrize("lines, words", [
    ([], "at least one line"),
    ([{"Item": {"FullName": "Promo Credit"}, "Quantity": 2}], "quantity cannot be entered"),
    ([{"Item": {"FullName": CHAIR}, "Rate": 1, "RatePercent": 5}], "both a rate and a percentage"),
    ([{"Item": {"FullName": CHAIR}, "SubLines": [{"Item": {"FullName": CHAIR}}]}], "Only a group item"),
    ([{"Item": {"FullName": "Workstation Bundle"}, "SubLines": [{"Item": {"FullName": "New Hire Kit"}}]}],
     "cannot be part of a group"),
])
def test_lines_quickbooks_cannot_save_are_3180(autofy, lines, words):
    error = refused(autofy, lines=lines)
    assert error["Code"] == 3180
    assert words in error["Message"]


# --- Field limits -------------------------------------------------------------------------------------


def nested(path: str, value) -> dict:
    """``{"BillingAddress": {"City": value}}`` from ``"BillingAddress.City"``."""
    head, _, rest = path.partition(".")
    return {head: nested(rest, value) if rest else value}


HEADER_LIMITS = [("Number", 11, "RefNumber"), ("PONumber", 25, "PONumber"), ("Other", 29, "Other"),
                 ("FOB", 13, "FOB"), ("Memo", 4095, "Memo"), ("BillingAddress.Line1", 41, "Addr1"),
                 ("ShippingAddress.Line5", 41, "Addr5"), ("BillingAddress.City", 31, "City"),
                 ("BillingAddress.State", 21, "State"), ("BillingAddress.PostalCode", 13, "PostalCode"),
                 ("BillingAddress.Country", 31, "Country"), ("ShippingAddress.Notes", 41, "Note")]
LINE_LIMITS = [("Description", 4095, "Desc"), ("Other1", 29, "Other1"), ("Other2", 29, "Other2"),
               ("LotNumber", 40, "LotNumber")]


@pytest.mark.parametrize("path, limit, qb_name", HEADER_LIMITS)
def test_header_texts_up_to_quickbooks_limits(autofy, path, limit, qb_name):
    fields = nested(path, "x" * limit)
    assert create(autofy, **fields)["ID"]
    body = order_body(autofy, **nested(path, "x" * (limit + 1)))
    error = object_error(autofy.autofy("POST", "/SalesOrder", json=body))
    assert error["Code"] == 3070
    assert error["Message"] == f'The string "{"x" * (limit + 1)}" in the field "{qb_name}" is too long.'


@pytest.mark.parametrize("field, limit, qb_name", LINE_LIMITS)
def test_line_texts_up_to_quickbooks_limits(autofy, field, limit, qb_name):
    assert create(autofy, lines=[{"Item": {"FullName": CHAIR}, field: "y" * limit}])["ID"]
    error = object_error(autofy.autofy("POST", "/SalesOrder", json=order_body(
        autofy, lines=[{"Item": {"FullName": CHAIR}, field: "y" * (limit + 1)}])))
    assert (error["Code"], f'"{qb_name}"' in error["Message"]) == (3070, True)


@pytest.mark.parametrize("fields", [
    {"Customer": {"FullName": "c" * 210}},
    {"lines": [{"Item": {"FullName": CHAIR}, "UnitOfMeasure": {"FullName": "u" * 32}}]},
    {"lines": [{"Item": {"FullName": CHAIR}, "Amount": 1.001}]},  # 2 decimals
    {"lines": [{"Item": {"FullName": CHAIR}, "Rate": 1.000001}]},  # 5 decimals
    {"lines": [{"Item": {"FullName": CHAIR}, "Amount": 10 ** 13}]},  # 13 digits
    {"lines": [{"Item": {"FullName": CHAIR}, "Rate": 10 ** 10}]},  # 10 digits
    {"lines": [{"Item": {"FullName": CHAIR}, "Quantity": 10 ** 9, "Rate": 9999}]},  # an amount of 14 digits
    {"CustomFields": [{"FullName": "Contract #", "Value": "C" * 16}]},  # the field holds 15
])
def test_values_that_do_not_fit_their_field_are_3070(autofy, fields):
    assert refused(autofy, **fields)["Code"] == 3070


@pytest.mark.parametrize("fields, words", [
    ({"ShipMethod": {"FullName": "UPS Ground"}}, "no field 'ShipMethod'"),  # the template calls it ShippingMethod
    ({"ExternalGUID": "{0B5E0C2D-1234-4AB8-9B2A-1D2E3F4A5B6C}"}, "no field 'ExternalGUID'"),
    ({"lines": [{"Item": {"FullName": CHAIR}, "Quantity": "2"}]}, "must be a number"),
    ({"lines": [{"Item": {"FullName": CHAIR}, "Qty": 2}]}, "no field 'Qty'"),
    ({"ToBePrinted": "yes"}, "true or false"),
    ({"Date": "tomorrow"}, "must be a date"),
    ({"Customer": "Addison Dental Group"}, "must be an object"),
    ({"Customer": {"Name": "Addison Dental Group"}}, "no field 'Name'"),
    ({"ItemLines": {}}, "must be a list"),
])
def test_a_body_quickbooks_cannot_read_is_400_with_4000(autofy, fields, words):
    body = order_body(autofy)
    if "lines" in fields:
        body["ItemLines"] = fields.pop("lines")
    body.update(fields)
    error = request_error(autofy.autofy("POST", "/SalesOrder", json=body), 400)
    assert error["Code"] == 4000 and words in error["Message"]


def test_a_body_that_is_not_json_is_400_with_4000(autofy):
    response = autofy.autofy("POST", "/SalesOrder", data="{not json", headers={"Content-Type": "application/json"})
    assert request_error(response, 400)["Code"] == 4000
    assert request_error(autofy.autofy("POST", "/SalesOrder", json=[]), 400)["Code"] == 4000


def test_a_write_answer_is_the_envelope_with_the_object_s_url(autofy):
    body = envelope(autofy.autofy("POST", "/SalesOrder", json=order_body(autofy)))
    [entry] = body["Contents"]
    assert body["Self"] == f"{autofy.autofy_url}/SalesOrder"
    assert entry["Self"] == f"{autofy.autofy_url}/SalesOrder/{entry['Object']['ID']}"
    assert (body["Page"], body["MoreData"], body["HasErrors"], body["Errors"]) == (1, None, False, [])
