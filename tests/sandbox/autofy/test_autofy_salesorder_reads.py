"""Reading sales orders: paging, ``Id``, ``number``, the modified-time window, ``isDeleted``, one by ID,
and the strict query string."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.sandbox.autofy.helpers import create, envelope, get_order, objects, request_error


def all_orders(autofy, **params) -> list[dict]:
    found, page = [], 1
    while True:
        body = envelope(autofy.autofy("GET", "/SalesOrder", params={**params, "page": page, "pageSize": 500}))
        found += [entry["Object"] for entry in body["Contents"]]
        if not body["MoreData"]:
            return found
        page += 1


def test_a_list_is_paged_with_page_pagesize_and_moredata(autofy):
    first = envelope(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 7}))
    second = envelope(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 7, "page": 2}))
    both = envelope(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 14}))

    assert (first["Page"], second["Page"]) == (1, 2)
    assert first["MoreData"] is True and first["HasErrors"] is False
    assert [entry["Object"]["ID"] for entry in first["Contents"] + second["Contents"]] == \
        [entry["Object"]["ID"] for entry in both["Contents"]]
    for entry in first["Contents"]:
        assert entry["Errors"] is None and entry["Kind"] == "collection"
        assert entry["Self"] == f"{autofy.autofy_url}/SalesOrder/{entry['Object']['ID']}"
    assert first["Self"] == f"{autofy.autofy_url}/SalesOrder?pageSize=7"


def test_the_default_page_holds_100_and_the_last_page_says_no_more(autofy):
    everything = all_orders(autofy)
    pages = -(-len(everything) // 100)
    assert len(objects(autofy.autofy("GET", "/SalesOrder"))) == 100
    last = envelope(autofy.autofy("GET", "/SalesOrder", params={"page": pages}))
    assert last["MoreData"] is False and 0 < len(last["Contents"]) <= 100
    beyond = envelope(autofy.autofy("GET", "/SalesOrder", params={"page": pages + 1}))
    assert (beyond["Contents"], beyond["MoreData"], beyond["HasErrors"]) == ([], False, False)


def test_orders_are_listed_in_the_order_they_were_made(autofy):
    everything = all_orders(autofy)
    created = [order["CreatedDate"] for order in everything]
    assert created == sorted(created)
    assert len({order["ID"] for order in everything}) == len(everything)


def test_id_can_repeat_and_the_order_asked_is_kept(autofy):
    some = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 3, "page": 5}))
    wanted = [some[2]["ID"], some[0]["ID"], some[2]["ID"]]
    found = objects(autofy.autofy("GET", "/SalesOrder", params={"Id": wanted}))
    assert [order["ID"] for order in found] == [some[2]["ID"], some[0]["ID"]]
    assert found[0] == some[2]


def test_an_id_that_does_not_exist_gets_an_item_with_its_error(autofy):
    [known] = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))
    body = envelope(autofy.autofy("GET", "/SalesOrder", params={"Id": [known["ID"], "FFFF-1700000000"]}))
    assert body["HasErrors"] is True and body["Errors"] == []
    found, missing = body["Contents"]
    assert found["Object"] == known and found["Errors"] is None
    assert missing["Object"] is None
    assert [error["Code"] for error in missing["Errors"]] == [1507]


def test_id_overrides_the_other_filters(autofy):
    [known] = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))
    found = objects(autofy.autofy("GET", "/SalesOrder", params={"Id": known["ID"], "number": "no such number"}))
    assert [order["ID"] for order in found] == [known["ID"]]


def test_number_is_exact_and_may_match_several_orders(autofy):
    everything = all_orders(autofy)
    numbers = [order["Number"] for order in everything if order["Number"]]
    twice = next(number for number in numbers if numbers.count(number) == 2)

    found = objects(autofy.autofy("GET", "/SalesOrder", params={"number": twice}))
    assert len(found) == 2 and {order["Number"] for order in found} == {twice}
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": twice[:-1]})) == []


def test_number_is_case_sensitive(autofy):
    created = create(autofy, Number="aB-77")
    assert [o["ID"] for o in objects(autofy.autofy("GET", "/SalesOrder", params={"number": "aB-77"}))] == [created["ID"]]
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": "AB-77"})) == []


def test_the_modified_time_window_is_inclusive_and_in_utc(autofy):
    created = create(autofy)
    moment = created["LastModifiedDate"]
    exact = objects(autofy.autofy("GET", "/SalesOrder", params={"modTimeStart": moment, "modTimeEnd": moment}))
    assert created["ID"] in [order["ID"] for order in exact]
    assert all(order["LastModifiedDate"] == moment for order in exact)

    later = (datetime.fromisoformat(moment) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert created["ID"] not in [o["ID"] for o in objects(autofy.autofy("GET", "/SalesOrder",
                                                                        params={"modTimeStart": later}))]


def test_a_window_without_offset_is_the_pc_local_time(autofy):
    created = create(autofy)
    utc = datetime.fromisoformat(created["LastModifiedDate"])
    chicago = utc.astimezone(__import__("zoneinfo").ZoneInfo("America/Chicago")).replace(tzinfo=None)
    naive = chicago.isoformat(timespec="seconds")
    found = objects(autofy.autofy("GET", "/SalesOrder", params={"modTimeStart": naive, "modTimeEnd": naive}))
    assert created["ID"] in [order["ID"] for order in found]
    # The same clock reading taken as UTC is hours away: nothing made then.
    as_utc = objects(autofy.autofy("GET", "/SalesOrder", params={"modTimeStart": naive + "Z", "modTimeEnd": naive + "Z"}))
    assert created["ID"] not in [order["ID"] for order in as_utc]


def test_a_date_alone_covers_that_whole_local_day(autofy):
    orders = all_orders(autofy, modTimeStart="2026-06-01", modTimeEnd="2026-06-30")
    assert orders
    for order in orders:
        local = datetime.fromisoformat(order["LastModifiedDate"]).astimezone(
            __import__("zoneinfo").ZoneInfo("America/Chicago"))
        assert local.year == 2026 and local.month == 6


def test_one_order_by_id(autofy):
    [listed] = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1, "page": 9}))
    body = envelope(autofy.autofy("GET", f"/SalesOrder/{listed['ID']}"))
    assert (body["Page"], body["MoreData"], body["HasErrors"]) == (1, None, False)
    assert body["Contents"][0]["Object"] == listed


def test_an_order_that_does_not_exist_is_1507(autofy):
    error = request_error(autofy.autofy("GET", "/SalesOrder/FFFF-1700000000"), 404)
    assert error["Code"] == 1507


# --- Deleted orders -----------------------------------------------------------------------------------


def deleted(autofy, **params) -> list[dict]:
    return all_orders(autofy, isDeleted="true", **params)


def test_an_order_deleted_in_quickbooks_is_listed_with_isdeleted_only(autofy):
    order = create(autofy)
    autofy.control("POST", f"/autofy/salesorders/{order['ID']}/delete", json={})

    assert order["ID"] not in [o["ID"] for o in all_orders(autofy)]
    assert request_error(autofy.autofy("GET", f"/SalesOrder/{order['ID']}"), 404)["Code"] == 1507
    [gone] = [o for o in deleted(autofy) if o["ID"] == order["ID"]]
    assert (gone["Number"], gone["CreatedDate"]) == (order["Number"], order["CreatedDate"])
    assert gone["DeletedDate"] >= order["CreatedDate"]
    # QuickBooks keeps only that much of a deleted order.
    assert gone["Customer"] is None and gone["ItemLines"] == [] and gone["Amount"] is None


def test_deleted_orders_are_listed_for_90_days(autofy):
    recent, old = create(autofy), create(autofy)
    now = datetime.now(UTC)
    for order, days in ((recent, 89), (old, 91)):
        at = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        autofy.control("POST", f"/autofy/salesorders/{order['ID']}/delete", json={"at": at})

    listed = [o["ID"] for o in deleted(autofy)]
    assert recent["ID"] in listed and old["ID"] not in listed
    [entry] = envelope(autofy.autofy("GET", "/SalesOrder", params={"isDeleted": "true", "Id": old["ID"]}))["Contents"]
    assert entry["Object"] is None and entry["Errors"][0]["Code"] == 1507


def test_the_window_of_deleted_orders_is_on_their_deletion_time(autofy):
    order = create(autofy)
    at = "2026-11-25T15:00:00Z"
    autofy.control("POST", f"/autofy/salesorders/{order['ID']}/delete", json={"at": at})
    inside = deleted(autofy, modTimeStart="2026-11-25T14:59:59Z", modTimeEnd=at)
    assert order["ID"] in [o["ID"] for o in inside]
    assert order["ID"] not in [o["ID"] for o in deleted(autofy, modTimeStart="2026-11-25T15:00:01Z")]


def test_isdeleted_false_is_the_ordinary_list(autofy):
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"isDeleted": "false", "pageSize": 5})) == \
        objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 5}))


# --- The query string ---------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"customer": "x"},  # not a parameter Autofy has
    {"id": "1A00-1700000000"},  # names are case-sensitive
    {"pageSize": "0"},
    {"pageSize": "501"},
    {"page": "0"},
    {"page": "two"},
    {"isDeleted": "yes"},
    {"modTimeStart": "yesterday"},
    {"modTimeEnd": "2026-13-01"},
    {"number": ["1", "2"]},
    {"Id": ""},
])
def test_a_bad_query_is_400_with_4000(autofy, params):
    error = request_error(autofy.autofy("GET", "/SalesOrder", params=params), 400)
    assert error["Code"] == 4000


def test_a_get_by_id_takes_no_parameters(autofy):
    [order] = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))
    assert request_error(autofy.autofy("GET", f"/SalesOrder/{order['ID']}", params={"page": 1}), 400)["Code"] == 4000


def test_the_shape_is_seed_002s(autofy):
    order = get_order(autofy, create(autofy)["ID"])
    template = ["ID", "Number", "PONumber", "SubTotal", "SalesTaxAmount", "DueDate", "Date", "DateShipped",
                "ToBePrinted", "ToBeEmailed", "ShippingMethod", "ItemLines", "Terms", "Other", "Memo", "Class",
                "SalesRep", "ItemSalesTax", "Customer", "CustomFields", "BillingAddress", "ShippingAddress", "FOB",
                "Currency", "Template", "Message", "ExchangeRate", "IsManuallyClosed", "Amount", "LastModifiedDate",
                "DeletedDate", "LinkedTransactions", "CreatedDate", "IsFullyInvoiced", "TotalAmountInHomeCurrency"]
    assert set(order) == set(template) | {"EditSequence", "SalesTaxPercentage"}
    line_template = ["Item", "SalesTaxCode", "Amount", "Quantity", "Rate", "RatePercent", "Description",
                     "FromInventorySite", "FromInventorySiteLocation", "CustomFields", "SerialNumber", "LotNumber",
                     "Class", "IsManuallyClosed", "UnitOfMeasure", "Other1", "Other2", "ID", "SubLines", "Account"]
    assert set(order["ItemLines"][0]) == set(line_template) | {"Invoiced"}
    assert set(order["BillingAddress"]) == {"Line1", "Line2", "Line3", "Line4", "Line5", "City", "State",
                                            "PostalCode", "Country", "Notes"}
    assert set(order["Customer"]) == {"ID", "FullName"}
    for name in ("Date", "DueDate", "CreatedDate", "LastModifiedDate"):
        assert order[name].endswith("Z") and len(order[name]) == 20
    assert order["Date"] == "2026-11-20T00:00:00Z"
