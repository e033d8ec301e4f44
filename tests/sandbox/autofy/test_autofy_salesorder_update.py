"""PATCH /SalesOrder: changed fields only, line replacement, EditSequence (3200), IsManuallyClosed and
QuickBooks' refusals (3120, 3140, 3170, 3171, 3180, 3070)."""

import pytest

from tests.sandbox.autofy.helpers import (
    CHAIR,
    D,
    create,
    envelope,
    get_order,
    object_error,
    objects,
    patch,
    ref,
    request_error,
    the_object,
)


def two_line_order(autofy) -> dict:
    return create(autofy, lines=[{"Item": {"FullName": CHAIR}, "Quantity": 2, "Rate": 150},
                                 {"Item": {"FullName": "Installation"}, "Quantity": 3}])


def seeded(autofy, matches) -> dict:
    """A seeded order after the closing date, not open in QuickBooks, for which ``matches(order)`` holds."""
    in_use = set(autofy.autofy_state()["inUse"])
    page = 1
    while True:
        body = envelope(autofy.autofy("GET", "/SalesOrder", params={"page": page, "pageSize": 500,
                                                                     "modTimeStart": "2026-06-01T00:00:00Z"}))
        for entry in body["Contents"]:
            order = entry["Object"]
            if order["Date"] > "2026-06" and order["ID"] not in in_use and matches(order):
                return order
        assert body["MoreData"], "no seeded order like that"
        page += 1


# --- What a PATCH changes -----------------------------------------------------------------------------


def test_a_header_change_keeps_the_lines_and_moves_the_edit_sequence(autofy):
    order = two_line_order(autofy)
    changed = the_object(patch(autofy, {"ID": order["ID"], "EditSequence": order["EditSequence"], "Memo": "call first",
                                        "PONumber": ""}))
    assert changed["Memo"] == "call first" and changed["PONumber"] is None
    assert changed["ItemLines"] == order["ItemLines"]
    assert (changed["Amount"], changed["CreatedDate"]) == (order["Amount"], order["CreatedDate"])
    assert int(changed["EditSequence"]) > int(order["EditSequence"])
    assert changed["LastModifiedDate"] >= order["LastModifiedDate"]
    assert get_order(autofy, order["ID"]) == changed


def test_the_id_may_be_in_the_path(autofy):
    order = two_line_order(autofy)
    changed = the_object(autofy.autofy("PATCH", f"/SalesOrder/{order['ID']}", json={"Memo": "by path"}))
    assert changed["Memo"] == "by path"
    response = autofy.autofy("PATCH", f"/SalesOrder/{order['ID']}", json={"ID": "1A00-1700000000", "Memo": "x"})
    assert request_error(response, 400)["Code"] == 4000
    assert request_error(patch(autofy, {"Memo": "no id"}), 400)["Code"] == 4000


def test_a_line_list_replaces_the_lines_matched_by_id(autofy):
    order = two_line_order(autofy)
    chair, installation = order["ItemLines"]
    changed = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [
        {"ID": chair["ID"], "Quantity": 4},  # its negotiated rate stays
        {"ID": "-1", "Item": {"FullName": "Assembly"}, "Quantity": 1},  # new
        {"Item": {"FullName": "Monitor Arm MA-2"}},  # new too
    ]}))  # the installation line is not named: deleted
    lines = changed["ItemLines"]
    assert [line["Item"]["FullName"] for line in lines] == [CHAIR, "Assembly", "Monitor Arm MA-2"]
    assert (lines[0]["ID"], lines[0]["Quantity"], lines[0]["Rate"], lines[0]["Amount"]) == (chair["ID"], D(4), D(150), D(600))
    assert lines[0]["Description"] == chair["Description"]
    assert lines[1]["ID"] not in ("-1", installation["ID"]) and lines[2]["ID"]
    assert len({line["ID"] for line in lines}) == 3
    assert changed["SubTotal"] == D(600 + 65 + 129)


def test_a_line_whose_item_changes_takes_the_new_item_s_price(autofy):
    order = two_line_order(autofy)
    chair, installation = order["ItemLines"]
    changed = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [
        {"ID": chair["ID"], "Item": {"FullName": "Executive Chair EX-300"}}, {"ID": installation["ID"]}]}))
    line = changed["ItemLines"][0]
    assert (line["Item"]["FullName"], line["Quantity"], line["Rate"], line["Amount"]) == \
        ("Executive Chair EX-300", D(2), D(449), D(898))
    assert line["Description"].startswith("Executive chair")
    assert changed["ItemLines"][1] == installation


def test_an_amount_sent_for_a_line_sets_its_rate(autofy):
    order = two_line_order(autofy)
    chair, installation = order["ItemLines"]
    changed = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": chair["ID"], "Amount": 250},
                                                                         {"ID": installation["ID"]}]}))
    assert (changed["ItemLines"][0]["Rate"], changed["ItemLines"][0]["Amount"]) == (D(125), D(250))


def test_a_group_s_sub_lines_follow_its_quantity(autofy):
    order = create(autofy, lines=[{"Item": {"FullName": "Safety Starter Pack"}, "Quantity": 1}])
    [group] = order["ItemLines"]
    assert [sub["Quantity"] for sub in group["SubLines"]] == [D(4), D(4), D(1), D(6)]
    changed = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": group["ID"], "Quantity": 2}]}))
    [group2] = changed["ItemLines"]
    assert [sub["Quantity"] for sub in group2["SubLines"]] == [D(8), D(8), D(2), D(12)]
    assert group2["Amount"] == 2 * group["Amount"]
    assert [sub["ID"] for sub in group2["SubLines"]] == [sub["ID"] for sub in group["SubLines"]]

    first = group2["SubLines"][0]
    fewer = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [
        {"ID": group["ID"], "SubLines": [{"ID": first["ID"], "Quantity": 1}]}]}))
    assert [(sub["ID"], sub["Quantity"]) for sub in fewer["ItemLines"][0]["SubLines"]] == [(first["ID"], D(1))]
    assert fewer["ItemLines"][0]["Amount"] == first["Rate"]


def test_a_customer_change_keeps_its_currency_rule(autofy):
    order = two_line_order(autofy)
    changed = the_object(patch(autofy, {"ID": order["ID"], "Customer": {"FullName": "Loop Legal Partners LLP"}}))
    assert changed["Customer"]["FullName"] == "Loop Legal Partners LLP"
    error = object_error(patch(autofy, {"ID": order["ID"], "Customer": {"FullName": "Rheinland Logistik GmbH"},
                                        "Currency": {"FullName": "US Dollar"}}))
    assert error["Code"] == 3180


# --- EditSequence and other refusals ------------------------------------------------------------------


def test_a_stale_edit_sequence_is_3200_and_changes_nothing(autofy):
    order = two_line_order(autofy)
    the_object(patch(autofy, {"ID": order["ID"], "EditSequence": order["EditSequence"], "Memo": "first"}))

    error = object_error(patch(autofy, {"ID": order["ID"], "EditSequence": order["EditSequence"], "Memo": "second"}))
    assert error == {"Code": 3200, "Message": f'The provided edit sequence "{order["EditSequence"]}" is out-of-date.'}
    assert get_order(autofy, order["ID"])["Memo"] == "first"


def test_an_edit_made_in_quickbooks_makes_the_edit_sequence_stale(autofy):
    order = two_line_order(autofy)
    edited = autofy.control("POST", f"/autofy/salesorders/{order['ID']}/edit", json={"Memo": "changed in QuickBooks"})
    assert int(edited["EditSequence"]) > int(order["EditSequence"])

    assert object_error(patch(autofy, {"ID": order["ID"], "EditSequence": order["EditSequence"],
                                       "Memo": "mine"}))["Code"] == 3200
    # Without an EditSequence, the current one is used (as Autofy must do itself).
    assert the_object(patch(autofy, {"ID": order["ID"], "Memo": "mine"}))["Memo"] == "mine"


def test_an_edit_sequence_longer_than_16_is_3070(autofy):
    order = two_line_order(autofy)
    assert object_error(patch(autofy, {"ID": order["ID"], "EditSequence": "1" * 17}))["Code"] == 3070


def test_an_order_or_a_line_that_does_not_exist_is_3120(autofy):
    assert object_error(patch(autofy, {"ID": "FFFF-1700000000", "Memo": "x"}))["Code"] == 3120
    order = two_line_order(autofy)
    error = object_error(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": "FFFF-1700000000", "Quantity": 1}]}))
    assert error["Code"] == 3120
    assert get_order(autofy, order["ID"]) == order


def test_a_deleted_order_cannot_be_changed(autofy):
    order = two_line_order(autofy)
    autofy.control("POST", f"/autofy/salesorders/{order['ID']}/delete", json={})
    assert object_error(patch(autofy, {"ID": order["ID"], "Memo": "x"}))["Code"] == 3120


def test_an_order_open_in_quickbooks_is_3170_until_it_is_closed_there(autofy):
    [seeded_in_use, *_] = autofy.autofy_state()["inUse"]
    error = object_error(patch(autofy, {"ID": seeded_in_use, "Memo": "x"}))
    assert error["Code"] == 3170 and seeded_in_use in error["Message"]

    order = two_line_order(autofy)
    autofy.control("POST", f"/autofy/salesorders/{order['ID']}/in-use", json={"in_use": True})
    assert object_error(patch(autofy, {"ID": order["ID"], "Memo": "x"}))["Code"] == 3170
    autofy.control("POST", f"/autofy/salesorders/{order['ID']}/in-use", json={"in_use": False})
    assert the_object(patch(autofy, {"ID": order["ID"], "Memo": "x"}))["Memo"] == "x"


def test_an_order_in_the_closed_period_cannot_be_changed_and_none_can_move_into_it(autofy):
    old = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))[0]
    assert old["Date"] < "2026-05-31"
    assert object_error(patch(autofy, {"ID": old["ID"], "Memo": "x"}))["Code"] == 3171

    order = two_line_order(autofy)
    assert object_error(patch(autofy, {"ID": order["ID"], "Date": "2026-05-01"}))["Code"] == 3171
    assert the_object(patch(autofy, {"ID": order["ID"], "Date": "2026-06-01"}))["Date"] == "2026-06-01T00:00:00Z"


def test_a_patch_over_the_credit_limit_is_3180_unless_it_lowers_the_total(autofy):
    order = create(autofy, customer="Kenosha Marine Supply", lines=[{"Item": {"FullName": CHAIR}, "Quantity": 1}])
    [line] = order["ItemLines"]
    assert object_error(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": line["ID"], "Quantity": 2}]}))["Code"] == 3180
    assert the_object(patch(autofy, {"ID": order["ID"], "Memo": "same total"}))["Amount"] == order["Amount"]


def test_an_invalid_reference_in_a_patch_is_3140(autofy):
    order = two_line_order(autofy)
    assert object_error(patch(autofy, {"ID": order["ID"], "SalesRep": {"FullName": "XYZ"}}))["Code"] == 3140
    assert object_error(patch(autofy, {"ID": order["ID"], "Customer": {"ID": ""}}))["Code"] == 3140


def test_a_field_too_long_in_a_patch_is_3070(autofy):
    order = two_line_order(autofy)
    assert object_error(patch(autofy, {"ID": order["ID"], "Other": "o" * 30}))["Code"] == 3070
    assert get_order(autofy, order["ID"]) == order


def test_an_invoiced_line_cannot_be_deleted(autofy):
    order = seeded(autofy, lambda o: o["LinkedTransactions"] and not o["IsManuallyClosed"] and len(o["ItemLines"]) > 1
                   and any(line["Invoiced"] for line in o["ItemLines"]))
    invoiced = next(line for line in order["ItemLines"] if line["Invoiced"])
    others = [{"ID": line["ID"]} for line in order["ItemLines"] if line["ID"] != invoiced["ID"]]
    error = object_error(patch(autofy, {"ID": order["ID"], "ItemLines": others}))
    assert error["Code"] == 3180 and "invoiced" in error["Message"]


# --- IsManuallyClosed ---------------------------------------------------------------------------------


def closed_flags(order: dict) -> tuple[bool, list[bool]]:
    return order["IsManuallyClosed"], [line["IsManuallyClosed"] for line in order["ItemLines"]]


def test_closing_the_header_closes_every_line_and_reopening_it_reopens_them(autofy):
    order = two_line_order(autofy)
    closed = the_object(patch(autofy, {"ID": order["ID"], "IsManuallyClosed": True}))
    assert closed_flags(closed) == (True, [True, True])
    reopened = the_object(patch(autofy, {"ID": order["ID"], "IsManuallyClosed": False}))
    assert closed_flags(reopened) == (False, [False, False])


def test_lines_are_closed_one_by_one_without_the_header_and_all_closed_closes_it(autofy):
    order = two_line_order(autofy)
    first, second = order["ItemLines"]
    one = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": first["ID"], "IsManuallyClosed": True},
                                                                     {"ID": second["ID"]}]}))
    assert closed_flags(one) == (False, [True, False])
    both = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": first["ID"]},
                                                                      {"ID": second["ID"], "IsManuallyClosed": True}]}))
    assert closed_flags(both) == (True, [True, True])
    again = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": [{"ID": first["ID"], "IsManuallyClosed": False},
                                                                       {"ID": second["ID"]}]}))
    assert closed_flags(again) == (False, [False, True])


def test_the_header_value_wins_over_the_lines(autofy):
    order = two_line_order(autofy)
    first, second = order["ItemLines"]
    closed = the_object(patch(autofy, {"ID": order["ID"], "IsManuallyClosed": True, "ItemLines": [
        {"ID": first["ID"], "IsManuallyClosed": False}, {"ID": second["ID"]}]}))
    assert closed_flags(closed) == (True, [True, True])


def test_an_order_can_be_created_closed(autofy):
    order = create(autofy, IsManuallyClosed=True, lines=[{"Item": {"FullName": CHAIR}}, {"Item": {"FullName": "Assembly"}}])
    assert closed_flags(order) == (True, [True, True])


def test_a_fully_invoiced_line_cannot_be_reopened(autofy):
    order = seeded(autofy, lambda o: o["LinkedTransactions"] and not o["IsManuallyClosed"] and any(
        line["Quantity"] and line["Invoiced"] >= line["Quantity"] and not line["SubLines"] for line in o["ItemLines"]))
    done = next(line for line in order["ItemLines"]
                if line["Quantity"] and line["Invoiced"] >= line["Quantity"] and not line["SubLines"])
    lines = [{"ID": line["ID"]} for line in order["ItemLines"]]
    closing = [{**entry, "IsManuallyClosed": True} if entry["ID"] == done["ID"] else entry for entry in lines]
    reopening = [{**entry, "IsManuallyClosed": False} if entry["ID"] == done["ID"] else entry for entry in lines]

    closed = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": closing}))
    assert next(line for line in closed["ItemLines"] if line["ID"] == done["ID"])["IsManuallyClosed"] is True
    still = the_object(patch(autofy, {"ID": order["ID"], "ItemLines": reopening}))
    assert next(line for line in still["ItemLines"] if line["ID"] == done["ID"])["IsManuallyClosed"] is True
    # The lines keep what QuickBooks knows of their invoicing.
    assert [line["Invoiced"] for line in still["ItemLines"]] == [line["Invoiced"] for line in order["ItemLines"]]
    assert still["LinkedTransactions"] == order["LinkedTransactions"]


@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_nothing_is_left_half_written_by_a_refused_write(autofy, method):
    order = two_line_order(autofy)
    body = {"ID": order["ID"], "Memo": "half", "ItemLines": [{"Item": {"FullName": "No Such Item"}}]}
    response = patch(autofy, body) if method == "PATCH" else autofy.autofy(
        "POST", "/SalesOrder", json={"Customer": ref(autofy, "Customer", "Addison Dental Group"), "Number": "HALF-1",
                                     "Date": "2026-11-20", "ItemLines": body["ItemLines"]})
    assert object_error(response)["Code"] == 3140
    assert get_order(autofy, order["ID"]) == order
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": "HALF-1"})) == []
