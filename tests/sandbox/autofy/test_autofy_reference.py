"""The reference lists a builder needs: customers with jobs, items of each kind, sales tax codes and
items, terms, sales reps, classes, ship methods, templates, customer messages, currencies, sites."""

from collections import Counter
from datetime import datetime, timedelta

import pytest

from tests.sandbox.autofy.helpers import D, envelope, find, objects, request_error

LISTS = ["Customer", "Item", "ItemSalesTax", "SalesTaxCode", "Terms", "SalesRep", "Class", "ShippingMethod",
         "Template", "CustomerMessage", "Currency", "InventorySite"]


def every(autofy, kind: str, **params) -> list[dict]:
    return objects(autofy.autofy("GET", f"/{kind}", params={"pageSize": 500, **params}))


@pytest.mark.parametrize("kind", LISTS)
def test_each_list_answers_in_the_envelope_by_full_name(autofy, kind):
    records = every(autofy, kind)
    assert records
    names = [record["FullName"] for record in records]
    assert names == sorted(names, key=str.casefold)
    for record in records:
        assert {"ID", "Name", "FullName", "IsActive", "EditSequence", "CreatedDate", "LastModifiedDate"} <= set(record)
    one = records[len(records) // 2]
    body = envelope(autofy.autofy("GET", f"/{kind}/{one['ID']}"))
    assert body["Contents"][0]["Object"] == one
    assert body["Contents"][0]["Self"] == f"{autofy.autofy_url}/{kind}/{one['ID']}"


def test_customers_and_their_jobs(autofy):
    customers = every(autofy, "Customer")
    jobs = [c for c in customers if c["Parent"]]
    assert len(customers) >= 50 and len(jobs) >= 10
    by_id = {c["ID"]: c for c in customers}
    for job in jobs:
        parent = by_id[job["Parent"]["ID"]]
        assert job["FullName"] == f"{parent['FullName']}:{job['Name']}" and job["Sublevel"] == 1
        assert job["JobStatus"] in ("InProgress", "Closed")
        assert job["Currency"] == parent["Currency"]
    lofts = find(autofy, "Customer", "Bridgeport Builders Inc:Halsted Lofts")
    assert lofts["ShippingAddress"]["Line2"] == "1130 S Halsted St"
    assert lofts["BillingAddress"] == find(autofy, "Customer", "Bridgeport Builders Inc")["BillingAddress"]
    assert {c["Currency"]["FullName"] for c in customers} == {"US Dollar", "Canadian Dollar", "Euro"}


def test_items_of_every_kind(autofy):
    items = every(autofy, "Item")
    kinds = Counter(item["Type"] for item in items)
    assert set(kinds) == {"Inventory", "InventoryAssembly", "NonInventory", "Service", "OtherCharge", "Discount",
                          "Subtotal", "Group", "SalesTax", "SalesTaxGroup"}
    assert len(items) >= 60 and kinds["Group"] >= 3 and kinds["Discount"] >= 1
    bundle = find(autofy, "Item", "Workstation Bundle")
    assert [(line["Item"]["FullName"], line["Quantity"]) for line in bundle["GroupLines"]] == [
        ("Standing Desk SD-60", D(1)), ("Task Chair TC-100", D(1)), ("Monitor Arm MA-2", D(1)),
        ("LED Desk Lamp DL-10", D(1))]
    discount = find(autofy, "Item", "Volume Discount")
    assert (discount["SalesPricePercent"], discount["SalesPrice"]) == (D(10), None)
    chair = find(autofy, "Item", "Task Chair TC-100")
    assert (chair["SalesPrice"], chair["SalesTaxCode"]["FullName"], chair["UnitOfMeasure"]) == (D(189), "Tax", "ea")


def test_sales_tax_items_and_codes(autofy):
    tax_items = every(autofy, "ItemSalesTax")
    assert {item["Type"] for item in tax_items} == {"SalesTax", "SalesTaxGroup"}
    assert [item["ID"] for item in tax_items] == [item["ID"] for item in every(autofy, "Item")
                                                  if item["Type"] in ("SalesTax", "SalesTaxGroup")]
    rates = {item["FullName"]: item["TaxRate"] for item in tax_items}
    assert rates["IL Sales Tax"] == D("6.25") and rates["WI Sales Tax"] == D(5)
    assert rates["Chicago Combined"] == D("10.25")
    assert len([name for name in rates if name.endswith("Sales Tax")]) >= 10
    codes = {code["Name"]: code["IsTaxable"] for code in every(autofy, "SalesTaxCode")}
    assert codes["Tax"] is True and codes["Non"] is False and len(codes) >= 4


def test_terms_reps_classes_and_the_rest(autofy):
    terms = {t["Name"]: t for t in every(autofy, "Terms")}
    assert terms["Net 30"]["DueDays"] == 30 and terms["Due 10th next month"]["Type"] == "DateDriven"
    reps = every(autofy, "SalesRep")
    assert {rep["Initial"] for rep in reps} >= {"JRV", "MKO"} and not all(rep["IsActive"] for rep in reps)
    assert "Contract:Installation" in [c["FullName"] for c in every(autofy, "Class")]
    assert "UPS Ground" in [m["Name"] for m in every(autofy, "ShippingMethod")]
    templates = {t["Name"]: t["TemplateType"] for t in every(autofy, "Template")}
    assert templates["Custom Sales Order"] == "SalesOrder" and "Invoice" in templates.values()
    assert every(autofy, "CustomerMessage")
    currencies = {c["CurrencyCode"]: c["ExchangeRate"] for c in every(autofy, "Currency")}
    assert currencies["USD"] == D(1) and currencies["CAD"] < 1 < currencies["EUR"]
    assert [s["Name"] for s in every(autofy, "InventorySite") if s["IsDefaultSite"]] == ["Main Warehouse"]


def test_name_is_the_full_name_without_regard_to_case(autofy):
    [found] = objects(autofy.autofy("GET", "/Customer", params={"name": "bridgeport builders inc:halsted lofts"}))
    assert found["Name"] == "Halsted Lofts"
    assert objects(autofy.autofy("GET", "/Customer", params={"name": "Halsted Lofts"})) == []


def test_is_active_narrows_the_list(autofy):
    everything, active, inactive = (every(autofy, "Item"), every(autofy, "Item", isActive="true"),
                                    every(autofy, "Item", isActive="false"))
    assert inactive and all(not item["IsActive"] for item in inactive)
    assert len(active) + len(inactive) == len(everything)
    assert "Fax Machine FX-1" in [item["Name"] for item in inactive]


def test_ids_and_paging(autofy):
    first = envelope(autofy.autofy("GET", "/Customer", params={"pageSize": 10}))
    second = envelope(autofy.autofy("GET", "/Customer", params={"pageSize": 10, "page": 2}))
    assert first["MoreData"] is True and second["Page"] == 2
    wanted = [second["Contents"][3]["Object"]["ID"], first["Contents"][0]["Object"]["ID"]]
    assert [c["ID"] for c in objects(autofy.autofy("GET", "/Customer", params={"Id": wanted}))] == wanted
    body = envelope(autofy.autofy("GET", "/Customer", params={"Id": ["80FFFFFF-1700000000"]}))
    assert body["HasErrors"] and body["Contents"][0]["Errors"][0]["Code"] == 1507


def test_the_modified_time_window(autofy):
    customers = every(autofy, "Customer")
    changed = max(customers, key=lambda c: c["LastModifiedDate"])  # a customer who moved
    start = (datetime.fromisoformat(changed["LastModifiedDate"]) - timedelta(seconds=1)).isoformat()
    recent = every(autofy, "Customer", modTimeStart=start)
    assert changed["ID"] in [c["ID"] for c in recent] and len(recent) < len(customers)
    assert every(autofy, "Customer", modTimeEnd="2020-01-01T00:00:00Z") == []


def test_a_record_that_does_not_exist_or_is_of_another_list_is_1507(autofy):
    chair = find(autofy, "Item", "Task Chair TC-100")
    assert request_error(autofy.autofy("GET", f"/Customer/{chair['ID']}"), 404)["Code"] == 1507
    assert request_error(autofy.autofy("GET", f"/ItemSalesTax/{chair['ID']}"), 404)["Code"] == 1507


@pytest.mark.parametrize("params", [{"isDeleted": "true"}, {"number": "1"}, {"isActive": "yes"}, {"Name": "x"}])
def test_lists_take_only_their_parameters(autofy, params):
    assert request_error(autofy.autofy("GET", "/Customer", params=params), 400)["Code"] == 4000


def test_a_list_record_edited_or_deleted_through_the_knobs(autofy, seed_restored):
    builders = find(autofy, "Customer", "Bridgeport Builders Inc")
    edited = autofy.control("POST", f"/autofy/lists/{builders['ID']}/edit",
                            json={"Name": "Bridgeport Bâtiments Inc", "at": "2026-11-20T15:00:00Z"})
    assert edited["FullName"] == "Bridgeport Bâtiments Inc" and edited["LastModifiedDate"] == "2026-11-20T15:00:00Z"
    assert edited["EditSequence"] != builders["EditSequence"]
    # Its jobs follow the new name, changed at the same moment.
    lofts = find(autofy, "Customer", "Bridgeport Bâtiments Inc:Halsted Lofts")
    assert lofts["Parent"]["FullName"] == "Bridgeport Bâtiments Inc"
    assert lofts["LastModifiedDate"] == "2026-11-20T15:00:00Z"
    recent = every(autofy, "Customer", modTimeStart="2026-11-20T15:00:00Z")
    assert {c["FullName"].split(":")[0] for c in recent} == {"Bridgeport Bâtiments Inc"}

    chair = find(autofy, "Item", "Task Chair TC-100")
    assert autofy.control("POST", f"/autofy/lists/{chair['ID']}/edit", json={"IsActive": False})["IsActive"] is False
    assert chair["ID"] in [item["ID"] for item in every(autofy, "Item", isActive="false")]
    autofy.control("POST", f"/autofy/lists/{chair['ID']}/delete")
    assert chair["ID"] not in [item["ID"] for item in every(autofy, "Item")]
    assert request_error(autofy.autofy("GET", f"/Item/{chair['ID']}"), 404)["Code"] == 1507
