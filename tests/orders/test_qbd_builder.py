"""The order builder of a QuickBooks company (``/c/lakeshore/orders/new/``) as a user meets it, with and without
JavaScript: the Django test client reads the form out of each page and posts it back with one named button, as a
browser without JavaScript does; htmx requests add the ``HX-Request`` header. Customers and items come from the
company's local reference cache; nothing here calls QuickBooks but "Duplicate", which reads the order live from
the Autofy stand-in."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders import connections
from orders.forms import qbd_state
from orders.forms.qbd_builder import QbBuilder
from orders.models import ErpConnection, Submission
from orders.services import qbd_builder as builder_services
from orders.services import qbd_references, quickbooks_order
from orders.templatetags.orders_tags import format_amount
from tests.orders.test_builder import form_of, press, slot, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("qbd_references_cached")]

NEW = "/c/lakeshore/orders/new/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def connection(db):
    return ErpConnection.objects.get(slug="lakeshore")


def customer_named(connection, name):
    return next(c for c in qbd_references.search_customers(connection, name) if c.full_name == name)


def item_named(connection, name):
    return next(i for i in qbd_references.search_items(connection, name) if i.full_name == name)


def money(value) -> str:
    return format_amount(Decimal(str(value)))


# --- steps as a user takes them, without JavaScript ----------------------------------------------------


def pick_customer(client, form, connection, name):
    form = {**form, "customer_query": name.split(":")[-1]}
    found = press(client, NEW, form, "search_customer")
    chosen = customer_named(connection, name)
    assert f'name="pick_customer" value="{chosen.id}"' in found.content.decode()
    return press(client, NEW, form_of(found), "pick_customer", chosen.id)


def pick_item(client, form, connection, index, name):
    form = {**form, f"lines-{index}-item_query": name}
    found = press(client, NEW, form, "search_item", str(index))
    chosen = item_named(connection, name)
    assert f'value="{index}:{chosen.id}"' in found.content.decode()
    return press(client, NEW, form_of(found), "pick_item", f"{index}:{chosen.id}")


def add_line(client, form):
    return press(client, NEW, form, "add_line")


def build(client, connection, customer, *items):
    """A form with ``customer`` picked and a line for each of ``items`` (name, or (name, {field: value}))."""
    page = pick_customer(client, form_of(client.get(NEW)), connection, customer)
    for index, entry in enumerate(items):
        name, typed = entry if isinstance(entry, tuple) else (entry, {})
        if index:
            page = add_line(client, form_of(page))
        page = pick_item(client, form_of(page), connection, index, name)
        if typed:
            page = press(client, NEW, {**form_of(page), **{f"lines-{index}-{k}": v for k, v in typed.items()}},
                         "refresh_lines")
    return page


# --- the page ----------------------------------------------------------------------------------------


def test_a_quickbooks_company_gets_its_own_builder_at_the_same_address(sales_client):
    response = sales_client.get(NEW)
    assert response.status_code == 200
    page = text(response)
    assert "The order reaches QuickBooks when you press “Create order”." in page
    assert "Customer or job" in page and "Bill to" in page and "Ship to" in page
    assert "Optional: left blank, QuickBooks leaves the order without a number." in page
    form = form_of(response)
    assert form["date"] == timezone.localdate(timezone=ZoneInfo("America/Chicago")).isoformat()  # the PC's today
    assert form["lines-TOTAL_FORMS"] == "1" and form["lines-0-item_id"] == ""
    # The company's lists, from the cache, and its custom fields (the connection's setting).
    assert "Net 30" in page and "UPS Ground" in page and "Chicago Combined" in page
    assert [form[f"custom_fields-{k}-name"] for k in range(3)] == ["Contract #", "Delivery Window", "Project Phase"]
    # The 24SevenOffice builder's words are not here.
    assert "reaches 24SevenOffice" not in page and "Dimensions" not in page


def test_the_24sevenoffice_builder_is_unchanged(sales_client, upstream):
    page = text(sales_client.get("/c/nordlys/orders/new/"))
    assert "The order reaches 24SevenOffice" in page and "Dimensions" in page


# --- the customer ----------------------------------------------------------------------------------------


def test_searching_customers_and_jobs_reads_the_local_cache_only(sales_client, connection, sandbox):
    since = sandbox.last_call_id()
    response = sales_client.get("/c/lakeshore/orders/new/customers/", {"customer_query": "bridgeport"}, **HTMX)
    assert response.status_code == 200
    names = re.findall(r'<span class="picker__name">([^<]+)</span>', response.content.decode())
    assert "Bridgeport Builders Inc" in names and "Bridgeport Builders Inc:Halsted Lofts" in names
    assert sandbox.calls(since) == []


def test_picking_a_customer_fills_its_record_and_says_what_it_filled(sales_client, connection):
    customer = customer_named(connection, "Bridgeport Builders Inc:Halsted Lofts")
    response = pick_customer(sales_client, form_of(sales_client.get(NEW)), connection, customer.full_name)
    form = form_of(response)
    assert form["customer_id"] == customer.id and form["customer_name"] == customer.full_name
    assert form["ship_line2"] == customer.shipping_address.lines[1] != form["bill_line2"]
    assert form["bill_city"] == customer.billing_address.city and form["bill_postal_code"] == "60608"
    assert form["terms_id"] == customer.terms.id and form["sales_rep_id"] == customer.sales_rep.id
    assert form["item_sales_tax_id"] == customer.item_sales_tax.id and form["currency_id"] == customer.currency.id
    assert (f"Filled in from {customer.full_name}'s record: bill-to, ship-to, terms {customer.terms.name}, "
            f"sales rep {customer.sales_rep.name}, sales tax {customer.item_sales_tax.name}, currency US Dollar.") in text(response)
    # The addresses are the order's own copy: edited, they stay as typed.
    edited = press(sales_client, NEW, {**form, "ship_line3": "Loading dock B"}, "refresh")
    assert form_of(edited)["ship_line3"] == "Loading dock B"


def test_picking_a_customer_with_htmx_answers_the_form(sales_client, connection):
    customer = customer_named(connection, "Addison Dental Group")
    response = press(sales_client, NEW, form_of(sales_client.get(NEW)), "pick_customer", customer.id, **HTMX)
    assert response["HX-Retarget"] == "#builder-body"
    assert response.content.decode().lstrip().startswith('<div id="builder-body"')
    assert form_of(response)["bill_line2"] == "4410 N Western Ave"


def test_a_customer_billed_in_another_currency_shows_its_currency_and_rate(sales_client, connection):
    response = pick_customer(sales_client, form_of(sales_client.get(NEW)), connection, "Maple Leaf Builders Ltd")
    page = text(response)
    assert "Currency Canadian Dollar (CAD): the customer's, as QuickBooks requires." in page
    assert "Exchange rate" in page and "USD per CAD" in page
    assert "Total in USD at QuickBooks' rate" in page
    typed = press(sales_client, NEW, {**form_of(response), "exchange_rate": "0.73"}, "refresh")
    assert "Total in USD" in text(typed)
    us = pick_customer(sales_client, form_of(sales_client.get(NEW)), connection, "Addison Dental Group")
    assert "Exchange rate" not in text(us)


# --- lines -------------------------------------------------------------------------------------------------


def test_picking_an_item_fills_its_rate_unit_description_and_tax_code(sales_client, connection):
    chair = item_named(connection, "Task Chair TC-100")
    response = build(sales_client, connection, "Addison Dental Group", "Task Chair TC-100")
    form = form_of(response)
    assert form["lines-0-item_id"] == chair.id and form["lines-0-kind"] == ""
    assert form["lines-0-description"] == chair.description and form["lines-0-unit_of_measure"] == "ea"
    assert form["lines-0-quantity"] == "1" and form["lines-0-rate"] == "189.00" and form["lines-0-rate_percent"] == ""
    assert form["lines-0-tax_code_id"] == chair.tax_code.id
    assert slot(response, "line-0-amount") == "189.00"


def test_in_the_evening_in_chicago_a_new_order_is_dated_that_day_not_oslo_s_tomorrow(sales_client, connection, qbd_upstream,
                                                                                    qbd_sample_orders, upstream, monkeypatch):
    evening = dt.datetime(2026, 11, 30, 19, 30, tzinfo=ZoneInfo("America/Chicago"))  # 02:30 on 1 Dec in Oslo
    monkeypatch.setattr(timezone, "now", lambda: evening.astimezone(dt.UTC))
    assert timezone.localdate() == dt.date(2026, 12, 1)

    assert form_of(sales_client.get(NEW))["date"] == "2026-11-30"
    copied = sales_client.get(NEW, {"from": qbd_sample_orders["group"]["ID"]})
    assert form_of(copied)["date"] == "2026-11-30"
    # The 24SevenOffice company keeps the dashboard's own calendar.
    assert form_of(sales_client.get("/c/nordlys/orders/new/"))["date"] == "2026-12-01"


def test_a_connection_s_time_zone_must_be_one(connection):
    from django.core.exceptions import ValidationError

    from orders import connections

    connection.settings = {**connection.settings, "time_zone": "Mars/Olympus"}
    with pytest.raises(ValidationError, match="Not a time zone: Mars/Olympus"):
        connections.validate(connection)
    assert connections.company_zone(connection) == timezone.get_default_timezone()  # a row saved before: no 500


def test_a_non_taxable_customer_gets_its_own_tax_code_on_new_lines(sales_client, connection):
    customer = customer_named(connection, "Maple Leaf Builders Ltd")
    form = form_of(build(sales_client, connection, customer.full_name, "Task Chair TC-100"))
    assert form["lines-0-tax_code_id"] == customer.tax_code.id  # "Out", not the chair's "Tax"


def test_a_discount_has_no_quantity_and_a_percentage_of_the_line_above(sales_client, connection):
    response = build(sales_client, connection, "Addison Dental Group",
                     ("Task Chair TC-100", {"quantity": "10"}), "Volume Discount")
    form = form_of(response)
    assert form["lines-1-kind"] == "discount" and form["lines-1-quantity"] == "" and form["lines-1-rate_percent"] == "10"
    assert 'id="id_lines-1-quantity"' not in response.content.decode()  # nothing to type it into
    assert slot(response, "line-1-amount") == money(-189)


def test_a_group_expands_into_its_sub_lines_nested_and_editable(sales_client, connection):
    bundle = item_named(connection, "Workstation Bundle")
    members = qbd_references.items_by_id(connection, [m.item.id for m in bundle.members])
    response = build(sales_client, connection, "Addison Dental Group", "Workstation Bundle")
    form = form_of(response)
    assert form["lines-0-kind"] == "group" and form["lines-0-quantity"] == "1"
    assert form["lines-0-sub_lines-TOTAL_FORMS"] == str(len(bundle.members)) == "4"
    for j, member in enumerate(bundle.members):
        item = members[member.item.id]
        assert form[f"lines-0-sub_lines-{j}-item_id"] == item.id
        assert form[f"lines-0-sub_lines-{j}-rate"] == format_amount(item.rate)
        assert form[f"lines-0-sub_lines-{j}-tax_code_id"] == item.tax_code.id
    page = response.content.decode()
    # Nested: the group's body holds its own row, then a row per sub-line.
    group = re.search(r'<tbody id="line-0"[^>]*>(.*?)</tbody>', page, re.S)[1]
    assert len(re.findall(r'<tr id="line-0-sub-\d"', group)) == 4
    total = sum(members[m.item.id].rate for m in bundle.members)
    assert slot(response, "line-0-amount") == money(total)
    # A sub-line's quantity and rate are typed like any line's.
    edited = press(sales_client, NEW, {**form, "lines-0-sub_lines-1-quantity": "2"}, "refresh_lines")
    assert slot(edited, "line-0-sub-1-amount") == money(members[bundle.members[1].item.id].rate * 2)
    assert slot(edited, "line-0-amount") == money(total + members[bundle.members[1].item.id].rate)


def test_a_group_offers_no_description_or_class_quickbooks_would_not_take(sales_client, connection):
    bundle = item_named(connection, "Workstation Bundle")
    response = build(sales_client, connection, "Addison Dental Group", "Workstation Bundle", "Installation")
    page = response.content.decode()
    group = re.search(r'<tbody id="line-0"[^>]*>(.*?)</tbody>', page, re.S)[1]
    assert '<input type="hidden" name="lines-0-description"' in group
    assert 'name="lines-0-class_id"' in group and '<select name="lines-0-class_id"' not in group
    assert "A group keeps its item's description" in text(response)
    assert bundle.description and bundle.description in unescape(group)
    assert '<select name="lines-0-site_id"' in group  # a group's site is sent (FromInventorySite)
    # An ordinary line keeps both. Unchosen, each says which it is: the column holds one or two of them.
    assert '<select name="lines-1-class_id"' in page and 'type="text" name="lines-1-description"' in page
    def unchosen(index: int) -> list[str]:
        """What the "Class and site" cell of line ``index`` (its own row) says with nothing chosen."""
        block = re.search(rf'<tbody id="line-{index}"[^>]*>(.*?)</tbody>', page, re.S)[1]
        cell = re.search(r'<td class="line__where">(.*?)</td>', block, re.S)[1]
        return re.findall(r'<option value="">([^<]*)</option>', cell)

    assert unchosen(0) == ["No site"] and unchosen(1) == ["No class", "No site"]


def test_a_groups_quantity_scales_its_sub_lines(sales_client, connection):
    pack = item_named(connection, "Safety Starter Pack")
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Safety Starter Pack"))
    response = press(sales_client, NEW, {**form, "lines-0-quantity": "3"}, "refresh_lines")
    scaled = form_of(response)
    assert [scaled[f"lines-0-sub_lines-{j}-quantity"] for j in range(4)] == \
        [str(int(m.quantity * 3)) for m in pack.members]
    assert scaled["lines-0-group_quantity"] == "3"
    again = form_of(press(sales_client, NEW, scaled, "refresh"))  # nothing changed: nothing scaled again
    assert again["lines-0-sub_lines-0-quantity"] == scaled["lines-0-sub_lines-0-quantity"]


def test_add_duplicate_move_and_remove_lines(sales_client, connection):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Workstation Bundle", "Installation"))
    duplicated = form_of(press(sales_client, NEW, form, "duplicate_line", "0"))
    assert duplicated["lines-TOTAL_FORMS"] == "3" and duplicated["lines-1-kind"] == "group"
    assert duplicated["lines-1-sub_lines-TOTAL_FORMS"] == "4"
    moved = form_of(press(sales_client, NEW, duplicated, "move_line_up", "2"))
    assert moved["lines-1-item_name"] == "Installation" and moved["lines-2-kind"] == "group"
    removed = form_of(press(sales_client, NEW, moved, "remove_line", "0"))
    assert removed["lines-TOTAL_FORMS"] == "2" and removed["lines-0-item_name"] == "Installation"
    assert removed["lines-1-sub_lines-TOTAL_FORMS"] == "4"


@pytest.mark.parametrize("count", [None, "abc", "0", "-1"])
def test_a_line_or_sub_line_count_missing_or_garbled_drops_nothing(sales_client, connection, count):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Workstation Bundle", "Installation"))
    for name in ("lines-TOTAL_FORMS", "lines-0-sub_lines-TOTAL_FORMS"):
        if count is None:
            del form[name]
        else:
            form[name] = count

    state = qbd_state.state_from_post(form)

    assert [line["item_name"] for line in state["lines"]] == ["Workstation Bundle", "Installation"]
    assert len(state["lines"][0]["sub_lines"]) == 4


def test_the_most_lines_allowed_fit_in_one_post_even_when_every_line_is_a_group(sales_client, connection):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Workstation Bundle"))
    line = {key[len("lines-0-"):]: value for key, value in form.items() if key.startswith("lines-0-")}
    full = {key: value for key, value in form.items() if not key.startswith("lines-")}
    for index in range(qbd_state.MAX_LINES):
        full.update({f"lines-{index}-{name}": value for name, value in line.items()})
    full["lines-TOTAL_FORMS"] = str(qbd_state.MAX_LINES)
    assert len(full) > 25_000  # 4 sub-lines each: far beyond Django's default of 1,000 fields

    response = press(sales_client, NEW, full, "refresh_lines", **HTMX)

    assert response.status_code == 200
    assert f'id="line-{qbd_state.MAX_LINES - 1}-sub-3"' in response.content.decode()


def test_with_htmx_adding_a_line_answers_only_the_rows_that_changed(sales_client, connection):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Workstation Bundle", "Installation"))
    response = press(sales_client, NEW, form, "add_line", **HTMX, HTTP_X_BUILDER_ROWS="1")
    assert response["X-Builder-Rows"] == '{"added": 2, "first": 1, "count": 3}'
    page = response.content.decode()
    assert re.findall(r'<tbody id="(line-\d+)"', page) == ["line-1", "line-2"]
    assert 'id="builder-totals"' in page and 'id="id_lines-TOTAL_FORMS"' in page


# --- amounts -------------------------------------------------------------------------------------------------


def test_the_totals_are_quickbooks_own_with_a_group_a_discount_and_a_non_taxable_line(sales_client, connection):
    response = build(sales_client, connection, "Addison Dental Group", "Workstation Bundle",
                     ("Task Chair TC-100", {"quantity": "4"}), "Volume Discount", ("Freight", {"rate": "85"}))
    customer = customer_named(connection, "Addison Dental Group")
    lookups = qbd_references.lookups(connection)
    bundle = item_named(connection, "Workstation Bundle")
    members = qbd_references.items_by_id(connection, [m.item.id for m in bundle.members])
    group = sum(members[m.item.id].rate for m in bundle.members)
    chairs = Decimal("189.00") * 4
    discount = -(chairs * Decimal("0.10")).quantize(Decimal("0.01"))
    freight = Decimal("85.00")
    subtotal = group + chairs + discount + freight
    taxable = group + chairs + discount  # freight's code is "Non"
    rate = lookups.tax_rates[customer.item_sales_tax.id]
    tax = (taxable * rate / 100).quantize(Decimal("0.01"))
    totals = slot(response, "builder-totals")
    assert f"Subtotal {money(subtotal)}" in totals and f"Taxable {money(taxable)}" in totals
    assert f"Sales tax Chicago Combined, 10.25 % {money(tax)}" in totals
    assert '<span class="nowrap">10.25 %</span>' in response.content.decode()  # the "%" never alone on a line
    assert f"Total {money(subtotal + tax)}" in totals
    assert slot(response, "builder-grand-total") == money(subtotal + tax)


def test_the_totals_are_the_order_pages_for_the_same_lines(connection, qbd_upstream, qbd_seeded):
    """Every seeded order with a group, a discount or a subtotal, duplicated into the builder: the builder's
    totals are what the order page works out for it (and what QuickBooks reported)."""
    orders = [o for o in qbd_seeded["orders"] if any(line["SubLines"] or line["Item"]["FullName"] in
                                                     ("Subtotal", "Volume Discount", "Loyalty Discount")
                                                     for line in o["ItemLines"])][-3:]
    reference = builder_services.builder_reference(connection)
    for order in orders:
        draft, _ = builder_services.draft_from_order(connection, order["ID"])
        state = qbd_state.state_from_data(qbd_state_data(draft))
        builder = QbBuilder(state, reference, validate=False)
        page = quickbooks_order.order_page(connection, order["ID"])
        assert builder.figures.totals.subtotal == page.totals.computed.subtotal == Decimal(str(order["SubTotal"]))
        assert builder.figures.totals.tax == page.totals.computed.tax == Decimal(str(order["SalesTaxAmount"]))
        assert builder.figures.totals.total == page.totals.computed.total


def qbd_state_data(draft):
    from orders.qbd_draft import draft_to_data

    return draft_to_data(draft)


def test_recalculating_answers_the_totals_and_the_cells_that_changed(sales_client, connection):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Workstation Bundle", "Task Chair TC-100"))
    sent = {name: value for name, value in form.items()
            if re.fullmatch(r"lines-\d+-(kind|quantity|rate|rate_percent|amount|tax_code_id|shown|sub_lines-TOTAL_FORMS"
                            r"|sub_lines-\d+-(kind|quantity|rate|amount|tax_code_id|shown))|lines-TOTAL_FORMS", name)
            or name in ("item_sales_tax_id", "currency_id", "currency_name", "exchange_rate")}
    response = sales_client.post(NEW, {**sent, "lines-1-quantity": "3", "recalculate": "1"}, **HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<dl id="builder-totals"')
    assert re.findall(r'<div id="(line-[\w-]+-amount)"', page) == ["line-1-amount"]
    assert slot(response, "line-1-amount") == "567.00"
    # A number QuickBooks cannot keep is said at once, next to its field.
    wrong = sales_client.post(NEW, {**sent, "lines-1-rate": "1.123456", "recalculate": "1"}, **HTMX)
    assert slot(wrong, "id_lines-1-rate_error") == "QuickBooks keeps at most 5 decimals of a rate."
    # The order date goes along (data-recalc): a date years from the company's today is remarked on, not refused.
    date_box = re.search(r'<input[^>]*id="id_date"[^>]*>', sales_client.get(NEW).content.decode())[0]
    assert 'name="date"' in date_box and "data-recalc" in date_box
    today = connections.company_today(connection)
    far = sales_client.post(NEW, {**sent, "date": today.replace(year=today.year - 3, day=1).isoformat(), "recalculate": "1"},
                            **HTMX)
    assert slot(far, "id_date_note") == "That is 3 years ago: is the year right?"
    near = sales_client.post(NEW, {**sent, "date": today.isoformat(), "recalculate": "1"}, **HTMX)
    assert slot(near, "id_date_note") == ""


def test_a_us_thousands_comma_is_read_as_people_mean_it(sales_client, connection):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Special Order Furniture"))
    response = press(sales_client, NEW, {**form, "lines-0-rate": "1,234", "lines-0-quantity": "2"}, "refresh_lines")
    assert slot(response, "line-0-amount") == "2,468.00"
    response = press(sales_client, NEW, {**form, "lines-0-rate": "12,5", "lines-0-quantity": "2"}, "refresh_lines")
    assert slot(response, "line-0-amount") == "25.00"


# --- QuickBooks' limits --------------------------------------------------------------------------------------


LIMITS = [
    ("po_number", "P" * 26, "At most 25 characters (this has 26)."),
    ("fob", "F" * 14, "At most 13 characters (this has 14)."),
    ("number", "1" * 12, "At most 11 characters (this has 12)."),
    ("memo", "m" * 4096, "At most 4095 characters (this has 4096)."),
    ("bill_line1", "L" * 42, "At most 41 characters (this has 42)."),
    ("ship_city", "C" * 32, "At most 31 characters (this has 32)."),
    ("bill_state", "S" * 22, "At most 21 characters (this has 22)."),
    ("ship_postal_code", "9" * 14, "At most 13 characters (this has 14)."),
    ("custom_fields-0-value", "X" * 16, "At most 15 characters (this has 16)."),
]


@pytest.mark.parametrize("name, value, message", LIMITS)
def test_header_limits_are_checked_before_sending_next_to_the_field_keeping_what_was_typed(
        sales_client, connection, name, value, message):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Task Chair TC-100"))
    response = press(sales_client, NEW, {**form, name: value}, "submit")
    assert response.status_code == 200
    assert slot(response, f"id_{name}_error") == message
    assert form_of(response)[name] == value
    assert "The order was not sent: check the marked fields" in text(response)


LINE_LIMITS = [
    ({"lines-0-amount": "10.123"}, "id_lines-0-amount_error", "QuickBooks keeps at most 2 decimals of an amount."),
    ({"lines-0-amount": "12345678901234"}, "id_lines-0-amount_error",
     "Too large for QuickBooks: at most 13 digits before the point."),
    ({"lines-0-rate": "1.123456"}, "id_lines-0-rate_error", "QuickBooks keeps at most 5 decimals of a rate."),
    ({"lines-0-quantity": "12345678901"}, "id_lines-0-quantity_error",
     "Too large for QuickBooks: at most 10 digits before the point."),
    ({"lines-0-rate_percent": "5"}, "id_lines-0-rate_percent_error", "Give a rate or a percentage, not both."),
    ({"lines-0-rate": ""}, "id_lines-0-rate_error", "Enter a rate, a percentage or an amount."),
    ({"lines-0-quantity": "abc"}, "id_lines-0-quantity_error", "Enter a number, e.g. 1,234.50."),
    ({"lines-0-description": "d" * 4096}, "id_lines-0-description_error", "At most 4095 characters (this has 4096)."),
    ({"lines-0-sub_lines-0-rate": "1.1234567"}, None, None),
    ({"date": "9999-12-31"}, "id_date_error", "Enter a date in 2099 or earlier."),
    ({"ship_date": "2100-01-01"}, "id_ship_date_error", "Enter a date in 2099 or earlier."),
]


@pytest.mark.parametrize("typed, slot_id, message", LINE_LIMITS)
def test_line_limits_are_checked_next_to_the_line_keeping_what_was_typed(sales_client, connection, typed, slot_id,
                                                                         message):
    if slot_id is None:  # a sub-line's rate
        form = form_of(build(sales_client, connection, "Addison Dental Group", "Workstation Bundle"))
        slot_id, message = "id_lines-0-sub_lines-0-rate_error", "QuickBooks keeps at most 5 decimals of a rate."
    else:
        form = form_of(build(sales_client, connection, "Addison Dental Group", "Task Chair TC-100"))
    response = press(sales_client, NEW, {**form, **typed}, "submit")
    assert slot(response, slot_id) == message
    kept = form_of(response)
    assert all(kept[name] == value for name, value in typed.items())


def test_a_discount_line_with_a_quantity_is_refused_next_to_it(sales_client, connection):
    form = form_of(build(sales_client, connection, "Addison Dental Group", "Task Chair TC-100", "Volume Discount"))
    response = press(sales_client, NEW, {**form, "lines-1-quantity": "2"}, "submit")
    assert slot(response, "id_lines-1-quantity_error").startswith("A discount line has no quantity in QuickBooks")


@pytest.mark.parametrize("percent", ["150", "-150", "100.01"])
def test_a_discount_over_100_percent_is_refused_next_to_it_and_never_sent(sales_client, connection, percent):
    form = form_of(build(sales_client, connection, "Badger State Cheese Co", ("Executive Chair EX-300", {"quantity": "10"}),
                         "Loyalty Discount"))
    since = Submission.objects.count()

    response = press(sales_client, NEW, {**form, "lines-1-rate_percent": percent}, "submit")

    assert response.status_code == 200 and Submission.objects.count() == since  # nothing sent to QuickBooks
    assert slot(response, "id_lines-1-rate_percent_error") == "A discount is between 0 and 100 %."
    assert form_of(response)["lines-1-rate_percent"] == percent
    # While typing: said at once, and no total below zero is shown for it.
    sent = {name: value for name, value in form.items()
            if re.fullmatch(r"lines-\d+-(kind|quantity|rate|rate_percent|amount|tax_code_id|shown)|lines-TOTAL_FORMS", name)
            or name in ("item_sales_tax_id", "currency_id", "currency_name", "exchange_rate")}
    typed = sales_client.post(NEW, {**sent, "lines-1-rate_percent": percent, "recalculate": "1"}, **HTMX)
    assert slot(typed, "id_lines-1-rate_percent_error") == "A discount is between 0 and 100 %."
    assert "−" not in slot(typed, "builder-grand-total") and "-" not in slot(typed, "builder-grand-total")


@pytest.mark.parametrize("second", [{"rate_percent": "100"}, {"rate_percent": "", "rate": "500"},
                                    {"rate_percent": "", "amount": "500"}])
def test_discounts_that_take_the_order_below_zero_are_refused(sales_client, connection, second):
    form = form_of(build(sales_client, connection, "Badger State Cheese Co", ("Task Chair TC-100", {"quantity": "1"}),
                         ("Loyalty Discount", {"rate_percent": "100"}), "Volume Discount"))
    since = Submission.objects.count()

    response = press(sales_client, NEW, {**form, **{f"lines-2-{k}": v for k, v in second.items()}}, "submit")

    assert response.status_code == 200 and Submission.objects.count() == since
    assert "The order's total is below zero" in slot(response, "builder-lines-notes")


def test_a_discount_of_100_percent_is_sent(sales_client, connection):
    form = form_of(build(sales_client, connection, "Badger State Cheese Co", "Executive Chair EX-300", "Loyalty Discount"))
    response = press(sales_client, NEW, {**form, "lines-1-rate_percent": "100"}, "refresh_lines")
    assert slot(response, "line-1-amount") == money(-449)
    assert not slot(response, "id_lines-1-rate_percent_error")


def test_a_customer_and_a_line_are_required(sales_client):
    response = press(sales_client, NEW, form_of(sales_client.get(NEW)), "submit")
    page = text(response)
    assert "Choose a customer or job: search by name." in page
    assert "Add at least one line: QuickBooks takes no order without an item." in page


def test_a_line_without_an_item_says_so(sales_client, connection):
    form = form_of(pick_customer(sales_client, form_of(sales_client.get(NEW)), connection, "Addison Dental Group"))
    response = press(sales_client, NEW, {**form, "lines-0-description": "Something"}, "submit")
    assert slot(response, "id_lines-0-item_id_error") == "Choose an item: search by name."
    assert form_of(response)["lines-0-description"] == "Something"


# --- Duplicate ---------------------------------------------------------------------------------------------


def test_duplicate_on_a_quickbooks_order_opens_the_builder_filled_in(sales_client, connection, qbd_upstream,
                                                                     qbd_sample_orders):
    order = qbd_sample_orders["group"]
    detail = sales_client.get(f"/c/lakeshore/orders/{order['ID']}/").content.decode()
    assert f'href="/c/lakeshore/orders/new/?from={order["ID"]}"' in detail
    response = sales_client.get(NEW, {"from": order["ID"]})
    assert response.status_code == 200
    form = form_of(response)
    assert form["customer_id"] == order["Customer"]["ID"] and form["number"] == ""
    assert form["date"] == timezone.localdate(timezone=ZoneInfo("America/Chicago")).isoformat()
    assert form["po_number"] == (order["PONumber"] or "")
    assert form["source_order_id"] == order["ID"]
    lines = order["ItemLines"]
    assert form["lines-TOTAL_FORMS"] == str(len(lines))
    for i, line in enumerate(lines):
        assert form[f"lines-{i}-item_id"] == line["Item"]["ID"]
        assert form[f"lines-{i}-sub_lines-TOTAL_FORMS"] == str(len(line["SubLines"] or []))
    assert "Other" not in form and not any(order.get("Other") and v == order["Other"] for v in form.values())
    assert f"A copy of order {order['Number']}" in text(response)


def test_duplicating_an_order_quickbooks_does_not_have_is_a_404(sales_client, qbd_upstream):
    response = sales_client.get(NEW, {"from": "FFFF-1234567890"})
    assert response.status_code == 404



def test_the_quickbooks_companys_pages_lead_to_its_builder(sales_client, connection):
    page = sales_client.get("/c/lakeshore/orders/").content.decode()
    assert '<a href="/c/lakeshore/orders/new/">New order</a>' in page
    builder = sales_client.get(NEW).content.decode()
    assert '<a href="/c/lakeshore/orders/new/" aria-current="page">New order</a>' in builder
