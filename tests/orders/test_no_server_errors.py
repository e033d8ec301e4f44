"""No input makes a server error: whatever is typed or sent into the builder's fields and buttons, its
searches and the order lists' filters (24SevenOffice's and QuickBooks'), the answer is a page (with a message next to the field) or a
400, never a 5xx (Issue 7). Against the running sandbox, which is up and answering: not even the "ERP
is not answering" 503 may happen here.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders import forms
from orders.forms import qbd_state
from orders.models import Submission
from orders.views import qbd_builder
from orders.views.builder import REGIONS
from tests.orders.test_builder import (
    CONSULTANT,
    CUSTOMER_ID,
    HTMX,
    NEW,
    TAX_25,
    form_of,
    order_state,
    posted,
    press,
    product_line,
    recalculation,
    slot,
    text,
    text_line,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("upstream")]


def builder_with_rows() -> dict:
    """A valid order with a product line, a text line and a dimension row."""
    return order_state(lines=[product_line(), text_line()],
                       dimensions=[{"dimension_type": "1", "dimension_value": "1001"}])


# --- whole numbers: str.isdigit() let "²", "①" and 5,000 digits through to int() ------------------

NOT_NUMBERS = ["²", "①", "9" * 5000]  # str.isdigit() says yes to each; int() refuses each


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("button", ["remove_line", "duplicate_line", "move_line_up", "move_line_down",
                                    "search_product", "remove_dimension"])
def test_a_button_value_that_is_not_a_row_changes_nothing(sales_client, button, value):
    response = press(sales_client, NEW, posted(builder_with_rows()), button, value)

    assert response.status_code == 200
    form = form_of(response)
    assert (form["lines-TOTAL_FORMS"], form["dimensions-TOTAL_FORMS"]) == ("2", "1")
    assert [form["lines-0-description"], form["lines-1-description"]] == ["Seniorkonsulent", "Delivered to the back door"]


@pytest.mark.parametrize("value", [f"{NOT_NUMBERS[0]}:{CONSULTANT}", *(f"1:{bad}" for bad in NOT_NUMBERS)])
def test_a_product_pick_that_names_no_line_or_product_changes_nothing(sales_client, value):
    state = order_state(lines=[product_line(), forms.blank_line(tax_id=TAX_25)])

    response = press(sales_client, NEW, posted(state), "pick_product", value, **HTMX)

    assert response.status_code == 200
    assert 'name="lines-1-product_id" value=""' in response.content.decode()  # the empty line stays empty


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("button", ["pick_customer", "pick_delivery_customer"])
def test_a_customer_pick_that_is_not_an_id_changes_nothing(sales_client, button, value):
    response = press(sales_client, NEW, posted(order_state(customer_name="Typed by hand")), button, value)

    assert response.status_code == 200
    assert form_of(response)["customer_name"] == "Typed by hand"


@pytest.mark.parametrize("value", ["²", "-²", "9" * 5000])
@pytest.mark.parametrize(("button", "button_value"), [("pick_sales_type", ""), ("pick_product", f"0:{CONSULTANT}")])
def test_a_sales_type_that_is_not_an_id_is_taken_as_none_and_refused_on_sending(sales_client, value, button,
                                                                                  button_value):
    state = order_state(sales_type_id=value, lines=[product_line(auto_tax_id=str(TAX_25))])  # follows the sales type

    response = press(sales_client, NEW, posted(state), button, button_value)
    assert response.status_code == 200
    assert form_of(response)["lines-0-tax_id"] == str(TAX_25)  # the first sales type's tax code

    response = press(sales_client, NEW, posted(state), "submit")
    assert "Choose one of the sales types offered." in slot(response, "id_sales_type_id_error")


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_dimension_type_that_is_not_an_id_gets_the_fields_message(sales_client, value):
    state = order_state(dimensions=[{"dimension_type": value, "dimension_value": "1001"}])

    response = press(sales_client, NEW, posted(state), "submit")

    assert response.status_code == 200
    assert "Choose one of the ERP's dimension types." in slot(response, "id_dimensions-0-dimension_type_error")
    assert not Submission.objects.exists()


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_product_search_for_a_line_that_is_not_a_number_is_a_bad_request(sales_client, value):
    response = sales_client.get("/c/nordlys/orders/new/products/", {"line": value, "lines-0-product_query": "kon"}, **HTMX)
    assert response.status_code == 400


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_duplicate_link_whose_order_is_not_an_id_opens_a_new_order(sales_client, value):
    response = sales_client.get(NEW, {"from": value})

    assert response.status_code == 200
    assert "source_order_id" not in form_of(response) and form_of(response)["lines-TOTAL_FORMS"] == "1"
    assert "A copy of" not in text(response)


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_posted_source_order_that_is_not_an_id_is_dropped(sales_client, value):
    form = {**posted(order_state()), "source_order_id": value}

    response = press(sales_client, NEW, form, "add_line")

    assert response.status_code == 200
    assert "source_order_id" not in form_of(response)


@pytest.mark.parametrize("value", ["abc", "²", "9" * 5000])
def test_a_customer_filter_that_is_not_an_id_is_not_offered_as_a_customer(sales_client, value):
    response = sales_client.get("/c/nordlys/orders/", {"customer": value})

    assert response.status_code == 200
    assert slot(response, "id_customer_error") == "Enter a customer id (a whole number)."
    assert "Customer #" not in text(response)
    assert "Customer #999999" in text(sales_client.get("/c/nordlys/orders/", {"customer": "999999"}))  # an id it does not know


# --- numbers too large to price -------------------------------------------------------------------

TOO_LARGE = "10000000000000"


@pytest.mark.parametrize(("field", "message"), [("quantity", "The quantity is too large."),
                                                ("price", "The price is too large.")])
def test_a_number_too_large_to_price_shows_no_amounts_and_its_message_when_sent(sales_client, field, message):
    state = order_state(lines=[product_line(), product_line(**{field: TOO_LARGE})])

    page = press(sales_client, NEW, posted(state), "refresh")
    assert page.status_code == 200
    assert slot(page, "line-1-amounts") == "— — —"  # cannot be priced yet
    assert slot(page, "line-0-amounts") == "2,900.00 725.00 3,625.00"
    assert "3,625.00" in slot(page, "builder-grand-total")  # the total of the lines that can be priced

    recalculated = sales_client.post(NEW, recalculation(state), **HTMX)
    assert recalculated.status_code == 200
    assert slot(recalculated, "line-1-amounts") == "— — —"

    sent = press(sales_client, NEW, posted(state), "submit")
    assert message in slot(sent, f"id_lines-1-{field}_error")
    assert form_of(sent)[f"lines-1-{field}"] == TOO_LARGE
    assert not Submission.objects.exists()


# --- the order list's page links ------------------------------------------------------------------

@pytest.mark.parametrize("cursor", [
    "junk",
    "/salesorders?continuationToken=junk",  # refused by the ERP
    "/salesorders?limit=100000",  # more than the page sizes offered: never sent
    "/salesorders?limit=10&pageSize=100000",  # not a parameter of the API's
    "/customers?limit=10",
])
def test_a_junk_page_link_says_so_and_leads_back_to_the_first_page(sales_client, upstream, caplog, cursor):
    caplog.set_level(logging.WARNING)
    since = upstream.last_call_id()

    response = sales_client.get("/c/nordlys/orders/", {"status": "Invoice", "page_size": "10", "cursor": cursor})

    assert response.status_code == 400
    body = text(response)
    assert "This page link is no longer valid" in body and "Try again" not in body
    assert re.search(r'<a class="button button--primary" href="/c/nordlys/orders/\?status=Invoice&amp;page_size=10" '
                     r'[^>]*>Back to the first page</a>', response.content.decode())
    assert 'id="order-filters"' in response.content.decode()  # the rest of the page is there
    ours = [record for record in caplog.records if record.name.startswith("orders.views")]
    assert [record.levelname for record in ours] == ["WARNING"] and "page link" in ours[0].getMessage()
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    asked = [parse_qs(call["query"]) for call in upstream.calls(since) if call["path"] == "/v1/salesorders"]
    assert all(int(query.get("limit", ["25"])[0]) <= 100 for query in asked)

    fragment = sales_client.get("/c/nordlys/orders/", {"status": "Invoice", "cursor": cursor}, **HTMX)
    assert fragment.status_code == 200  # htmx swaps 2xx only
    assert "This page link is no longer valid" in text(fragment) and "<html" not in fragment.content.decode()


# --- limits ---------------------------------------------------------------------------------------

def test_a_date_before_1900_is_refused_next_to_the_field_and_the_table_still_shows(sales_client):
    response = sales_client.get("/c/nordlys/orders/", {"modified_since": "0001-01-01", "date_from": "1899-12-31"})

    assert response.status_code == 200
    assert slot(response, "id_modified_since_error") == "Enter a date in 1900 or later."
    assert slot(response, "id_date_from_error") == "Enter a date in 1900 or later."
    assert "Showing 25 orders" in text(response)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("your_reference", "r" * 201, "At most 200 characters (this has 201)."),
    ("memo", "m" * 4001, "At most 4000 characters (this has 4001)."),
    ("customer_invoice_emails", "a@example.no, " * 72, "At most 1000 characters (this has 1007)."),
])
def test_long_texts_are_refused_next_to_their_field(sales_client, field, value, message):
    response = press(sales_client, NEW, posted(order_state(**{field: value})), "submit")

    assert message in slot(response, f"id_{field}_error")
    assert form_of(response)[field] == value
    assert not Submission.objects.exists()


def test_a_garbled_product_number_asks_for_the_product_again(sales_client):
    state = order_state(lines=[product_line(product_number="K" * 101)])

    response = press(sales_client, NEW, posted(state), "submit")

    assert slot(response, "id_lines-0-product_id_error") == "Choose a product: search by number or name."
    assert not Submission.objects.exists()


def test_a_long_search_is_cut_before_it_reaches_the_erp(sales_client, upstream):
    since = upstream.last_call_id()

    products = sales_client.get("/c/nordlys/orders/new/products/", {"line": "0", "lines-0-product_query": "Kon" * 3000}, **HTMX)
    customers = sales_client.get("/c/nordlys/orders/new/customers/", {"who": "customer", "customer_query": "9" * 9000}, **HTMX)

    assert products.status_code == customers.status_code == 200
    asked = [(call["path"], parse_qs(call["query"])) for call in upstream.calls(since)]
    assert [len(query["productSearch"][0]) for path, query in asked if path == "/v1/products"] == [102]  # %…%
    assert [len(query["organizationNumber"][0]) for path, query in asked if path == "/v1/customers"
            and "organizationNumber" in query] == [100]


def test_a_full_builder_with_every_text_at_its_limit_fits_and_a_larger_body_is_a_bad_request(sales_client):
    line = product_line(description="€" * 300, product_query="€" * 100, product_number="€" * 100)
    state = order_state(lines=[dict(line) for _ in range(forms.MAX_LINES)], memo="€" * 4000,
                        dimensions=[{"dimension_type": "1", "dimension_value": "€" * 50}] * forms.MAX_DIMENSIONS)
    body = urlencode({**posted(state), "refresh_lines": "1"})
    assert len(body) > 2_000_000

    response = sales_client.post(NEW, body, content_type="application/x-www-form-urlencoded", **HTMX)
    assert response.status_code == 200 and f'id="line-{forms.MAX_LINES - 1}"' in response.content.decode()

    too_large = body + "&x=" + "y" * 1_000_000
    response = sales_client.post(NEW, too_large, content_type="application/x-www-form-urlencoded", **HTMX)
    assert response.status_code == 400


# --- any input (Hypothesis) -----------------------------------------------------------------------

# Each example starts from a valid form and replaces a few of its values, so that it gets past what
# would stop a random form early; a bounded number of examples keeps ``make test`` quick.
# ``FUZZ_EXAMPLES=2000 pytest tests/orders/test_no_server_errors.py`` looks further (minutes).
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    database=None,  # nothing written into the work tree; a failure prints the example that made it
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values the fuzzing of Issue 7 found or that sit on a boundary: digits that are not ASCII, numbers
# too long to convert or too large to price, signs, separators, control characters.
NASTY = (
    "", " ", "0", "1", "-1", "²", "①", "٣", "１２", "-²", "9" * 5000, "9" * 19, "9" * 30, "10000000000000",
    "99999999999.9999", "1e400", "NaN", "Infinity", "-0", "0.00001", "1 234,50", "\u22123", "1_000", "+5",
    "\x00", "a\x00b", "0:101", "0:²", "²:101", "0:" + "9" * 5000, ":", "1:", "x" * 20_000, "\r\n", "' OR 1=1 --",
    "<script>", "%", "%%", "/salesorders", "2026-02-30", "0001-01-01", "9999-12-31", "31.12.2026",
)
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.from_regex(r"-?[0-9]{1,40}([.,][0-9]{0,30})?", fullmatch=True),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Zs"]), min_size=1, max_size=6),
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.dates().map(str),
)
# The value of an action button: a line or row index, an id, or "<line>:<product id>".
ACTION_VALUES = st.one_of(VALUES, st.builds("{}:{}".format, VALUES, VALUES))


def base_form() -> dict[str, str]:
    """``builder_with_rows`` as a browser sends it."""
    form = posted(builder_with_rows())
    form.update({"lines-0-shown": "2900.00 725.00", "lines-1-shown": ""})
    return {key: str(value) for key, value in form.items()}


BASE = base_form()
BUILDER_FIELDS = sorted(BASE) + ["source_order_id", "lines-2-quantity", "dimensions-1-dimension_type"]
ACTIONS = list(REGIONS) + [None]


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, state_title(response)


def state_title(response) -> str:
    """The heading of the page's error state (what a 5xx says), for the failure's message."""
    found = re.search(r'class="state__title">([^<]*)<', response.content.decode())
    return found[1] if found else response.content.decode()[:300]


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(BUILDER_FIELDS), VALUES, min_size=1, max_size=3),
       action=st.sampled_from(ACTIONS), value=ACTION_VALUES, htmx=st.booleans())
def test_no_value_in_a_builder_field_makes_a_server_error(sales_client, changes, action, value, htmx):
    form = {**BASE, **changes}
    if action == "submit":
        # Nothing is sent: the order has no customer (a changed customer id stays only when it is not
        # an id), so every field is checked, each with its own message, and that is all.
        customer_id = form["customer_id"].strip()
        if not changes.get("customer_id") or (customer_id.isascii() and customer_id.isdigit()):
            form["customer_id"] = ""
    if action:
        form[action] = value
    response = sales_client.post(NEW, form, **(HTMX if htmx else {}))
    assert_no_server_error(response)


@FUZZ
@given(action=st.sampled_from(ACTIONS), value=ACTION_VALUES, htmx=st.booleans())
def test_no_value_of_a_builder_button_makes_a_server_error(sales_client, action, value, htmx):
    form = {**BASE, action or "refresh": value}
    response = sales_client.post(NEW, form, **(HTMX if htmx else {}))
    assert_no_server_error(response)


@FUZZ
@given(line=VALUES, query=VALUES, who=VALUES, customer_query=VALUES, order=VALUES)
def test_no_search_or_duplicate_link_makes_a_server_error(sales_client, line, query, who, customer_query, order):
    products = sales_client.get("/c/nordlys/orders/new/products/", {"line": line, f"lines-{line}-product_query": query,
                                                          "lines-0-product_query": query}, **HTMX)
    assert_no_server_error(products)
    customers = sales_client.get("/c/nordlys/orders/new/customers/", {"who": who, "customer_query": customer_query,
                                                           "delivery_query": customer_query}, **HTMX)
    assert_no_server_error(customers)
    assert_no_server_error(sales_client.get(NEW, {"from": order}))


LIST_FILTERS = ("status", "date_from", "date_to", "customer", "invoice_number", "modified_since", "page_size",
                "cursor")
CURSORS = st.one_of(
    VALUES,
    st.builds("/salesorders?{}={}".format, st.sampled_from(["limit", "continuationToken", "status", "foo", ""]),
              VALUES),
)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(LIST_FILTERS), VALUES, max_size=3), cursor=CURSORS,
       with_cursor=st.booleans(), htmx=st.booleans())
def test_no_list_filter_makes_a_server_error(sales_client, changes, cursor, with_cursor, htmx):
    params = {"status": "Invoice", "customer": str(CUSTOMER_ID), "page_size": "10", **changes}
    if with_cursor:
        params["cursor"] = cursor
    response = sales_client.get("/c/nordlys/orders/", params, **(HTMX if htmx else {}))
    assert_no_server_error(response)


QBD_LIST_FILTERS = ("status", "date_from", "date_to", "customer", "number", "po_number", "modified_since",
                    "page_size", "page")
QBD_REQUESTS = st.sampled_from(["page", "fragment", "poll", "refresh", "refresh (htmx)"])


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(QBD_LIST_FILTERS), VALUES, max_size=4), kind=QBD_REQUESTS)
def test_no_quickbooks_list_filter_makes_a_server_error(sales_client, quickbooks_index, changes, kind):
    """The QuickBooks list reads its local index (filled once here by the real sync): every filter value
    gets its field's message or is left out, in the page, its fragment, its poll and a Refresh."""
    params = {"status": "invoiced", "customer": "Addison", "page_size": "10", **changes}
    url = "/c/lakeshore/orders/?" + urlencode(params)
    extra = {"poll": {**HTMX, "HTTP_HX_TARGET": "freshness"}, "fragment": HTMX, "refresh (htmx)": HTMX}.get(kind, {})
    if kind.startswith("refresh"):
        response = sales_client.post(url, {"refresh": "1"}, **extra)
    else:
        response = sales_client.get(url, **extra)
    assert_no_server_error(response)


@pytest.fixture
def quickbooks_index(quickbooks, monkeypatch):
    from orders.views import qbd_list

    monkeypatch.setattr(qbd_list, "REFRESH_WAIT_SECONDS", 0)  # no worker runs here
    quickbooks.sync()
    return quickbooks


def test_the_base_form_is_a_valid_order(sales_client, upstream):
    """The examples start from an order that is right in every field (else they test little)."""
    from orders import services

    state = forms.state_from_post(BASE)
    builder = forms.OrderBuilder(state, services.builder_reference(dimension_types=[1]), validate=True, may_invoice=True)
    assert builder.is_valid(), (builder.order.errors, [f.errors for f in builder.lines.forms])
    assert state["lines"][0]["product_id"] == str(CONSULTANT) and state["customer_id"] == str(CUSTOMER_ID)


# --- the QuickBooks builder -------------------------------------------------------------------------

QBD_NEW = "/c/lakeshore/orders/new/"
QBD_FIELDS = sorted({
    *qbd_state.HEADER_FIELDS, "custom_fields-TOTAL_FORMS", "custom_fields-0-name", "custom_fields-0-value",
    "lines-TOTAL_FORMS", "source_order_id", "token", "lines-0-sub_lines-TOTAL_FORMS",
    *(f"lines-{i}-{name}" for i in range(4) for name in (*qbd_state.LINE_FIELDS, "shown")),
    *(f"lines-0-sub_lines-{j}-{name}" for j in range(2) for name in (*qbd_state.SUB_LINE_FIELDS, "shown")),
})
QBD_ACTIONS = list(qbd_builder.REGIONS) + [None]


@pytest.fixture
def qbd_base(qbd_references_cached) -> dict[str, str]:
    """A QuickBooks order that is right in every field, as a browser sends it: a customer, a group with its
    sub-lines, an item line and a discount."""
    from orders.models import ErpConnection
    from orders.services import qbd_builder as services

    connection = ErpConnection.objects.get(slug="lakeshore")
    reference = services.builder_reference(connection)
    state = qbd_state.blank_state(day=dt.date(2026, 11, 16), reference=reference)
    customer = services.search_customers(connection, "Addison Dental Group")[0]
    qbd_state.fill_customer(state, customer)
    state["lines"] = []
    for name in ("Workstation Bundle", "Task Chair TC-100", "Volume Discount"):
        item, members = services.item_with_members(connection, services.search_items(connection, name)[0].id)
        row = qbd_state.blank_line()
        qbd_state.fill_item(row, item, members=members, customer=customer, lookups=reference.lookups)
        state["lines"].append(row)
    from orders.forms.qbd_builder import QbBuilder

    assert QbBuilder(state, reference, validate=True).is_valid()
    return {key: str(value) for key, value in {**qbd_state.state_to_post(state), "token": "t" * 20}.items()}


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(QBD_FIELDS), VALUES, min_size=1, max_size=3),
       action=st.sampled_from(QBD_ACTIONS), value=ACTION_VALUES, htmx=st.booleans())
def test_no_value_in_a_quickbooks_builder_field_makes_a_server_error(sales_client, qbd_base, changes, action, value,
                                                                    htmx):
    form = {**qbd_base, **changes}
    if action == "submit":
        form["customer_id"] = ""  # every field is checked, nothing is sent
    if action:
        form[action] = value
    assert_no_server_error(sales_client.post(QBD_NEW, form, **(HTMX if htmx else {})))


@FUZZ
@given(line=VALUES, query=VALUES, customer_query=VALUES)
def test_no_quickbooks_search_makes_a_server_error(sales_client, qbd_references_cached, line, query, customer_query):
    items = sales_client.get(f"{QBD_NEW}products/", {"line": line, f"lines-{line}-item_query": query,
                                                       "lines-0-item_query": query}, **HTMX)
    assert_no_server_error(items)
    assert_no_server_error(sales_client.get(f"{QBD_NEW}customers/", {"customer_query": customer_query}, **HTMX))


@pytest.mark.parametrize("value", [*NOT_NUMBERS, "", "-", "a b", "<x>", "1A2B-123456789012345678901234567890123456", "1A2B-12x4"])
def test_a_quickbooks_duplicate_link_that_is_no_order_id_opens_a_new_order(sales_client, value):
    response = sales_client.get(QBD_NEW, {"from": value})
    assert response.status_code == 200
    assert "source_order_id" not in form_of(response) and "A copy of" not in text(response)
