"""The order builder as a user meets it: the Django test client against the running sandbox.

Nothing here mocks the services. A "browser" is simulated by reading the builder's form out of each
page (``form_of``) and posting it back with one named button, as a browser without JavaScript does;
htmx requests add the ``HX-Request`` header. What the ERP ends up with is read from the sandbox's API.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import socket
import subprocess
import sys
import time
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.utils import timezone

from orders import forms
from orders import money as money_module
from orders.erp.tso import reading as tso_reading
from orders.erp.tso.payloads import USER_INTERNAL_MEMO_MAX_LENGTH, marker_in
from orders.models import Submission
from orders.submissions import submission_token
from orders.templatetags.orders_tags import format_amount

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("upstream")]

NEW = "/c/nordlys/orders/new/"
HTMX = {"HTTP_HX_REQUEST": "true"}
TAG = re.compile(r"<[^>]+>")
CUSTOMER_ID = 10006  # Fjordkraft Installasjon AS in the seeded sandbox
CONSULTANT = 101  # KON-1001 Seniorkonsulent, 1 450.00 NOK
COFFEE_NUMBER = "MAT-5001"  # Kaffebønner, 1 kg: a food product (15 % VAT)
TAX_25, TAX_15, TAX_12 = 1, 2, 3  # tax code ids (numbers 3, 31 and 33)


# --- a browser without JavaScript ------------------------------------------------------------------

class _FormReader(HTMLParser):
    """The values the builder form would send: inputs, checked boxes, selected options, text areas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.values[name] = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.values.setdefault(self._select, value)
            if "selected" in attrs:
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            # Django writes a newline after <textarea>; browsers drop it.
            value = self.values[self._textarea] + data
            self.values[self._textarea] = value.removeprefix("\n")


def form_of(response) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.values


def press(client, url, form: dict, button: str, value: str = "", **extra):
    """Send ``form`` with the named button ``button`` (its ``value``) pressed."""
    return client.post(url, {**form, button: value}, **extra)


def text(response) -> str:
    return " ".join(html.unescape(TAG.sub(" ", response.content.decode())).split())


def slot(response, element_id: str) -> str:
    """The text of the element with ``element_id`` (an error slot, an amounts cell, the totals), which
    holds no element of its own kind."""
    pattern = rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>'
    match = re.search(pattern, response.content.decode(), re.S)
    assert match, f"no element #{element_id}"
    return " ".join(html.unescape(TAG.sub(" ", match[2])).split())


def region_html(response, element_id: str, end_id: str) -> str:
    """The page's markup from the element ``element_id`` to the element ``end_id``."""
    content = response.content.decode()
    start = content.index(f'id="{element_id}"')
    return content[start:content.index(f'id="{end_id}"', start)]


def region(response, element_id: str, end_id: str) -> str:
    """The visible text from the element ``element_id`` to the element ``end_id``."""
    return " ".join(html.unescape(TAG.sub(" ", region_html(response, element_id, end_id))).split())


def money(value) -> str:
    return format_amount(Decimal(str(value)))


# --- orders to build --------------------------------------------------------------------------------

def erp_json(sandbox, path: str, **params):
    response = sandbox.api("GET", path, params=params)
    response.raise_for_status()
    return response.json()


def product_line(**changes) -> dict[str, str]:
    line = forms.blank_line(tax_id=TAX_25)
    line.update(product_id=str(CONSULTANT), product_number="KON-1001", product_query="KON-1001",
                description="Seniorkonsulent", quantity="2", price="1450.00")
    line.update(changes)
    return line


def text_line(description: str = "Delivered to the back door") -> dict[str, str]:
    return {**forms.blank_line(tax_id=None), "type": "text", "description": description}


def order_state(**changes) -> dict:
    """A valid builder state: a seeded customer, one product line."""
    state = forms.blank_state(day=timezone.localdate(), tax_id=TAX_25)
    state.update(
        customer_id=str(CUSTOMER_ID), customer_name="Fjordkraft Installasjon AS",
        customer_organization_number="827868388", customer_invoice_emails="faktura@fjordkraftinstallasjon.no",
        customer_street="Kokstadvegen 23", customer_postal_code="5257", customer_postal_area="Kokstad",
        customer_city="Kokstad", customer_country_code="NO", lines=[product_line()],
    )
    state.update(changes)
    return state


def recalculation(state: dict, shown: dict[int, str] | None = None) -> dict:
    """What htmx sends to recalculate: each product line's number fields (a text line has none), what
    each amounts cell shows (``shown``, by line; nothing when not given), the line count, the currency,
    the order date."""
    sent = {"lines-TOTAL_FORMS": len(state["lines"]), "currency_code": state["currency_code"], "recalculate": "1",
            "date": state["date"]}
    for index, line in enumerate(state["lines"]):
        if line["type"] != "text":
            sent.update({f"lines-{index}-{name}": line[name] for name in ("quantity", "price", "discount_rate", "tax_id")})
        if shown is not None:
            sent[f"lines-{index}-shown"] = shown.get(index, "")
    return sent


def posted(state: dict, *, token: str | None = None) -> dict:
    """``state`` as the builder form posts it, with a one-time token."""
    return {**forms.state_to_post(state), "token": token or submission_token()}


def orders_sent(sandbox, since: dt.datetime, customer_id: int = CUSTOMER_ID) -> list[dict]:
    """The ERP's orders made by this test's submissions (found by their markers), since ``since``."""
    markers = {f"[sa:{s.public_id.hex}]" for s in Submission.objects.all()}
    recent = erp_json(sandbox, "/salesorders", customerId=customer_id, limit=100,
                      createdFrom=(since - dt.timedelta(seconds=2)).isoformat())
    return [order for order in recent if marker_in(order.get("internalMemo")) in markers]


# --- the empty builder ------------------------------------------------------------------------------

def test_the_internal_memo_counter_explains_its_limit(sales_client):
    page = sales_client.get(NEW)
    assert f"0 / {USER_INTERNAL_MEMO_MAX_LENGTH} characters" in text(page)
    assert (f"The ERP keeps 300 characters; the dashboard uses {300 - USER_INTERNAL_MEMO_MAX_LENGTH} of them to "
            "recognise the orders it sent") in text(page)


def test_a_new_order_starts_today_in_nok_as_a_draft_with_one_empty_line(sales_client):
    response = sales_client.get(NEW)

    assert response.status_code == 200
    form = form_of(response)
    assert form["date"] == timezone.localdate().isoformat()
    assert (form["currency_code"], form["currency_rate"], form["status"]) == ("NOK", "1", "Draft")
    assert form["lines-TOTAL_FORMS"] == "1" and form["dimensions-TOTAL_FORMS"] == "0"
    assert form["lines-0-type"] == "product" and form["lines-0-quantity"] == "1"
    assert form["lines-0-tax_id"] == str(TAX_25)  # the standard rate
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", form["token"])
    assert form["delivery_same_as_customer"] == "on"
    assert 'href="/c/nordlys/orders/new/" aria-current="page"' in response.content.decode()
    totals = region(response, "builder-totals", "builder-dimensions")
    assert "Net 0.00" in totals and "Tax 25 %" not in totals  # nothing priced yet


def test_the_token_stays_the_same_across_actions(sales_client):
    form = form_of(sales_client.get(NEW))
    again = form_of(press(sales_client, NEW, form, "add_line"))
    assert again["token"] == form["token"]


def test_everyone_sees_new_order_in_the_header_and_only_admins_see_submissions(sales_client, admin_client_logged_in):
    assert 'href="/c/nordlys/orders/new/"' in sales_client.get(NEW).content.decode()
    assert 'href="/submissions/"' not in sales_client.get(NEW).content.decode()
    assert 'href="/submissions/"' in admin_client_logged_in.get(NEW).content.decode()


# --- validation: one rule a row, the message next to its field, the input kept ----------------------

LONG = "x" * 51

ORDER_RULES = [
    # (what the user did to a valid order, the field whose slot shows the message, the message, kept input)
    ({"customer_name": ""}, "customer_name", "The order needs the customer's name.", None),
    ({"customer_name": "N" * 201}, "customer_name", "At most 200 characters (this has 201).", "N" * 201),
    ({"customer_organization_number": "9" * 21}, "customer_organization_number", "At most 20 characters", "9" * 21),
    ({"customer_gln": "12345"}, "customer_gln", "A GLN is exactly 13 digits.", "12345"),
    ({"customer_gln": "12345678901ab"}, "customer_gln", "A GLN is exactly 13 digits.", "12345678901ab"),
    ({"customer_invoice_emails": "ok@example.no, faktura@, x"}, "customer_invoice_emails",
     "“faktura@”, “x” are not valid e-mail addresses.", "ok@example.no, faktura@, x"),
    ({"customer_street": "S" * 251}, "customer_street", "At most 250 characters (this has 251).", "S" * 251),
    ({"customer_postal_code": LONG}, "customer_postal_code", "At most 50 characters (this has 51).", LONG),
    ({"customer_postal_area": LONG}, "customer_postal_area", "At most 50 characters (this has 51).", LONG),
    ({"customer_city": LONG}, "customer_city", "At most 50 characters (this has 51).", LONG),
    ({"customer_country_subdivision": LONG}, "customer_country_subdivision", "At most 50 characters", LONG),
    ({"customer_country_code": "NOR"}, "customer_country_code", "A country code is two letters", "NOR"),
    ({"delivery_same_as_customer": False}, "delivery_name", "Enter who receives the delivery", None),
    # Sent as the delivery address too, where the contract allows 16 characters.
    ({"customer_postal_code": "SW1A 1AA LONDON UK"}, "customer_postal_code",
     "At most 16 characters for a delivery address", "SW1A 1AA LONDON UK"),
    ({"delivery_same_as_customer": False, "delivery_name": "D" * 251}, "delivery_name",
     "At most 250 characters (this has 251).", "D" * 251),
    ({"delivery_same_as_customer": False, "delivery_name": "Lager", "delivery_street": "S" * 251},
     "delivery_street", "At most 250 characters (this has 251).", "S" * 251),
    ({"delivery_same_as_customer": False, "delivery_name": "Lager", "delivery_postal_code": "1" * 17},
     "delivery_postal_code", "At most 16 characters (this has 17).", "1" * 17),
    ({"delivery_same_as_customer": False, "delivery_name": "Lager", "delivery_postal_area": "A" * 201},
     "delivery_postal_area", "At most 200 characters (this has 201).", "A" * 201),
    ({"delivery_same_as_customer": False, "delivery_name": "Lager", "delivery_country_subdivision": "C" * 101},
     "delivery_country_subdivision", "At most 100 characters (this has 101).", "C" * 101),
    ({"delivery_same_as_customer": False, "delivery_name": "Lager", "delivery_country_code": "1x"},
     "delivery_country_code", "A country code is two letters", "1x"),
    ({"date": ""}, "date", "The order needs a date.", None),
    ({"date": "31/02/2026"}, "date", "Enter a date, e.g. 2026-11-16.", "31/02/2026"),
    ({"date": "2026-11-16", "delivery_date": "2026-11-15"}, "delivery_date",
     "The delivery date cannot be before the order date.", "2026-11-15"),
    ({"status": "Inactive"}, "status", "Choose one of the statuses offered.", None),
    ({"currency_code": "XYZ"}, "currency_code", "Choose one of the ERP's currencies.", None),
    ({"currency_code": "EUR", "currency_rate": "0"}, "currency_rate", "The rate must be more than 0.", "0"),
    ({"currency_code": "EUR", "currency_rate": "1 000 000 001"}, "currency_rate",
     "The rate can be at most 1 000 000 000.", "1 000 000 001"),
    ({"currency_code": "EUR", "currency_rate": "elleve"}, "currency_rate", "Enter a number", "elleve"),
    ({"sales_type_id": "777"}, "sales_type_id", "Choose one of the sales types offered.", None),
    ({"our_reference_id": "1"}, "our_reference_id", "Choose one of the people offered.", None),
    ({"reference_number": "P" * 51}, "reference_number", "At most 50 characters (this has 51).", "P" * 51),
    ({"internal_memo": "m" * (USER_INTERNAL_MEMO_MAX_LENGTH + 1)}, "internal_memo",
     f"At most {USER_INTERNAL_MEMO_MAX_LENGTH} characters", "m" * (USER_INTERNAL_MEMO_MAX_LENGTH + 1)),
    ({"payment_terms_type": "NumberOfDays", "payment_terms_value": "14,5"}, "payment_terms_value",
     "Enter the number of days: a whole number, 0 or more.", "14,5"),
    ({"payment_terms_type": "OutMonthPlusDays", "payment_terms_value": "-1"}, "payment_terms_value",
     "Enter the number of days", "-1"),
    ({"payment_terms_type": "FixedDate", "payment_terms_value": "next friday"}, "payment_terms_value",
     "Enter the due date, e.g. 2026-12-31.", "next friday"),
    ({"date": "9999-12-31"}, "date", "Enter a date in 2099 or earlier.", "9999-12-31"),
    ({"delivery_date": "2100-01-01"}, "delivery_date", "Enter a date in 2099 or earlier.", "2100-01-01"),
    ({"payment_terms_type": "FixedDate", "payment_terms_value": "9999-12-31"}, "payment_terms_value",
     "Enter the due date, e.g. 2026-12-31.", "9999-12-31"),
    ({"payment_terms_type": "Whenever"}, "payment_terms_type", "Select a valid choice.", None),
    ({"distribution_method": "pigeon"}, "distribution_method", "Select a valid choice.", None),
]


@pytest.mark.parametrize(("changes", "field", "message", "kept"), ORDER_RULES,
                         ids=[f"{rule[1]}-{index}" for index, rule in enumerate(ORDER_RULES)])
def test_an_order_field_rule_shows_its_message_next_to_the_field(sales_client, changes, field, message, kept):
    response = press(sales_client, NEW, posted(order_state(**changes)), "submit")

    assert response.status_code == 200
    assert message in slot(response, f"id_{field}_error")
    assert "The order was not sent: check the marked fields" in text(response)
    if kept is not None:
        assert form_of(response)[field] == kept
    assert not Submission.objects.exists()


LINE_RULES = [
    ({"description": ""}, "description", "Describe the line.", None),
    ({"description": "d" * 301}, "description", "At most 300 characters (this has 301).", "d" * 301),
    ({"product_id": "", "product_query": "konsul"}, "product_id", "Choose a product: search by number or name.", None),
    ({"quantity": "to"}, "quantity", "Enter a number, e.g. 2 or 1,5.", "to"),
    ({"quantity": "0,00"}, "quantity", "The quantity cannot be 0.", "0,00"),
    ({"quantity": ""}, "quantity", "Enter a quantity.", None),
    ({"quantity": "1.23456"}, "quantity", "Use at most 4 decimals.", "1.23456"),
    ({"quantity": "2,000"}, "quantity", "2000 or 2? Type the one you mean.", "2,000"),
    ({"price": "1,450"}, "price", "1450 or 1.45? Type the one you mean.", "1,450"),
    ({"quantity": "+2,000"}, "quantity", "2000 or 2? Type the one you mean.", "+2,000"),
    ({"price": "-10"}, "price", "The price cannot be negative: to credit, use a negative quantity.", "-10"),
    ({"price": "12,3,4"}, "price", "Enter a number", "12,3,4"),
    ({"discount_rate": "101"}, "discount_rate", "A discount is between 0 and 100 %.", "101"),
    ({"discount_rate": "-5"}, "discount_rate", "A discount is between 0 and 100 %.", "-5"),
    ({"tax_id": ""}, "tax_id", "Choose a tax code.", None),
    ({"tax_id": "99"}, "tax_id", "Choose one of the ERP's tax codes.", None),
]


@pytest.mark.parametrize(("changes", "field", "message", "kept"), LINE_RULES,
                         ids=[f"{rule[1]}-{index}" for index, rule in enumerate(LINE_RULES)])
def test_a_line_rule_shows_its_message_on_the_line(sales_client, changes, field, message, kept):
    state = order_state(lines=[product_line(), product_line(**changes)])

    response = press(sales_client, NEW, posted(state), "submit")

    assert response.status_code == 200
    assert message in slot(response, f"id_lines-1-{field}_error")
    assert slot(response, f"id_lines-0-{field}_error") == ""  # the other line is fine
    assert 'id="line-1" class="line line--invalid"' in response.content.decode()
    if kept is not None:
        assert form_of(response)[f"lines-1-{field}"] == kept


def test_a_text_line_is_its_description_alone_and_untouched_lines_are_left_out(sales_client):
    untouched = forms.blank_line(tax_id=TAX_25)
    state = order_state(customer_name="", lines=[product_line(), untouched, {**text_line("Note"), "quantity": "junk"}])
    response = press(sales_client, NEW, posted(state), "submit")
    form = form_of(response)
    assert form["lines-TOTAL_FORMS"] == "2" and form["lines-1-description"] == "Note"
    assert "id_lines-1-quantity_error" not in response.content.decode()
    assert form["lines-1-quantity"] == "junk"  # kept (hidden) should it become a product line again


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"discount_rate": "150"}, "discount_rate", "A discount is between 0 and 100 %."),
    ({"quantity": "3"}, "product_id", "Choose a product: search by number or name."),
    ({"product_query": "kaffe"}, "product_id", "Choose a product: search by number or name."),
])
def test_a_line_with_anything_typed_in_it_is_kept_and_checked(sales_client, typed, field, message):
    line = {**forms.blank_line(tax_id=TAX_25), **typed}
    response = press(sales_client, NEW, posted(order_state(lines=[line])), "submit")

    form = form_of(response)
    assert form["lines-TOTAL_FORMS"] == "1"
    assert all(form[f"lines-0-{name}"] == value for name, value in typed.items())  # nothing typed was lost
    assert message in slot(response, f"id_lines-0-{field}_error")
    assert not Submission.objects.exists()


def test_an_invoice_needs_a_line_and_says_so_next_to_the_lines(admin_client_logged_in):
    state = order_state(status="Invoice", lines=[forms.blank_line(tax_id=TAX_25)])

    response = press(admin_client_logged_in, NEW, posted(state), "submit")

    assert "An order sent as Invoiced needs at least one line" in region(response, "builder-lines", "builder-totals")
    assert not Submission.objects.exists()


@pytest.mark.parametrize("status", ["Invoice", "AdvanceInvoice"])
def test_only_admins_create_an_order_that_is_invoiced_at_once(sales_client, admin_client_logged_in, status):
    """As on an existing order, where invoicing is for admins: a sales person was offered "Invoiced" and
    "Advance invoice" in the builder, and an order sent so was invoiced and booked at once."""
    offered = lambda client: re.findall(r'<option value="(\w+)"', region_html(  # noqa: E731
        client.get(NEW), "id_status", "id_currency_code"))
    assert status not in offered(sales_client) and "Confirmed" in offered(sales_client)
    assert status in offered(admin_client_logged_in)
    state = order_state(status=status, customer_name="Kept AS")

    response = press(sales_client, NEW, posted(state), "submit")

    assert "Choose one of the statuses offered." in slot(response, "id_status_error")
    assert form_of(response)["customer_name"] == "Kept AS"
    assert not Submission.objects.exists()


def test_no_customer_is_explained_in_the_customer_section(sales_client):
    state = order_state(customer_id="", customer_name="Someone")
    response = press(sales_client, NEW, posted(state), "submit")
    assert "Choose a customer: search by name or organization number." in region(
        response, "builder-customer", "id_customer_query")


@pytest.mark.parametrize(("rows", "row", "field", "message"), [
    ([{"dimension_type": "9", "dimension_value": "1"}], 0, "dimension_type", "Choose one of the ERP's dimension types."),
    ([{"dimension_type": "1", "dimension_value": "10"}], 0, "dimension_value",
     "Choose one of this dimension type's values."),
    ([{"dimension_type": "1", "dimension_value": ""}], 0, "dimension_value", "Choose a value."),
    ([{"dimension_type": "1", "dimension_value": "1001"}, {"dimension_type": "1", "dimension_value": "1002"}], 1,
     "dimension_type", "Project is already on row 1: an order has one value per dimension type."),
])
def test_a_dimension_rule_shows_its_message_on_the_row(sales_client, rows, row, field, message):
    response = press(sales_client, NEW, posted(order_state(dimensions=rows)), "submit")
    assert message in slot(response, f"id_dimensions-{row}-{field}_error")
    if rows[row]["dimension_type"] == "1":  # an unknown type cannot be shown chosen in the list
        assert form_of(response)[f"dimensions-{row}-dimension_type"] == "1"


def test_numbers_typed_the_norwegian_way_are_read_right():
    for typed, value in [("1 234,50", "1234.50"), ("1234.50", "1234.50"), ("1.234,50", "1234.50"),
                         ("1,234.50", "1234.50"), ("12,5", "12.5"), ("\u22123", "-3"), ("1\u00a0000", "1000")]:
        assert forms.parse_number(typed) == Decimal(value), typed
    for refused in ("12 kr", "٣", "１２", "1,٢٣٤", "²"):  # digits not ASCII: as orders/parsing.py
        with pytest.raises(ValueError):
            forms.parse_number(refused)


def test_a_lone_comma_before_three_digits_is_asked_about_not_guessed():
    # The dashboard writes 1,450.00 for money; a Norwegian writes 1,450 for one and 45 hundredths.
    for typed, grouped, decimal in [("2,000", "2000", "2"), ("1,234", "1234", "1.234"), ("-12,500", "-12500", "-12.5"),
                                    ("999,999", "999999", "999.999")]:
        with pytest.raises(forms.AmbiguousNumber) as refused:
            forms.parse_number(typed)
        assert refused.value.message == f"{grouped} or {decimal}? Type the one you mean."
    # A comma that cannot group thousands is a decimal comma; with a point as well, the text says which is which.
    for typed, value in [("0,125", "0.125"), ("1,25", "1.25"), ("1,2345", "1.2345"), ("1234,567", "1234.567"),
                         ("2,000.00", "2000.00"), ("2.000,00", "2000.00"), ("2 000", "2000"), ("1.234", "1.234")]:
        assert forms.parse_number(typed) == Decimal(value), typed


def test_country_codes_are_upper_cased_and_memo_line_breaks_count_once(sales_client):
    memo = "a\r\n" * (USER_INTERNAL_MEMO_MAX_LENGTH // 2)  # too long with CRLF, just fits with LF
    response = press(sales_client, NEW, posted(order_state(customer_country_code="se", internal_memo=memo,
                                                           customer_name="")), "submit")
    form = form_of(response)
    assert slot(response, "id_internal_memo_error") == ""
    assert slot(response, "id_customer_country_code_error") == ""
    assert form["customer_country_code"] == "se"  # shown as typed; sent upper-cased (see the submit test)


# --- actions without JavaScript ----------------------------------------------------------------------

def test_add_duplicate_move_and_remove_lines_without_javascript(sales_client):
    state = order_state(lines=[product_line(description="First"), text_line("Second")])
    page = press(sales_client, NEW, posted(state), "add_line")
    form = form_of(page)
    assert page.status_code == 200 and form["lines-TOTAL_FORMS"] == "3"
    assert form["lines-2-description"] == "" and form["lines-2-quantity"] == "1"
    assert form["lines-0-description"] == "First"  # nothing typed is lost

    form = form_of(press(sales_client, NEW, form, "duplicate_line", "0"))
    assert [form[f"lines-{i}-description"] for i in range(4)] == ["First", "First", "Second", ""]

    form["lines-1-description"] = "Copy"
    form = form_of(press(sales_client, NEW, form, "move_line_down", "1"))
    assert [form[f"lines-{i}-description"] for i in range(4)] == ["First", "Second", "Copy", ""]
    assert form["lines-1-type"] == "text"

    form = form_of(press(sales_client, NEW, form, "move_line_up", "2"))
    assert [form[f"lines-{i}-description"] for i in range(4)] == ["First", "Copy", "Second", ""]

    form = form_of(press(sales_client, NEW, form, "remove_line", "0"))
    assert form["lines-TOTAL_FORMS"] == "3"
    assert [form[f"lines-{i}-description"] for i in range(3)] == ["Copy", "Second", ""]


@pytest.mark.parametrize("count", [None, "", "abc", "-1", "0", "1", "1e309", "²"])
def test_a_line_count_missing_garbled_or_out_of_date_drops_no_line(sales_client, count):
    state = order_state(lines=[product_line(description="First"), text_line("Second")])
    form = posted(state)
    if count is None:
        del form["lines-TOTAL_FORMS"]
    else:
        form["lines-TOTAL_FORMS"] = count

    kept = form_of(press(sales_client, NEW, form, "refresh_lines"))

    assert kept["lines-TOTAL_FORMS"] == "2"
    assert [kept["lines-0-description"], kept["lines-1-description"]] == ["First", "Second"]


def test_a_full_builder_posted_as_a_browser_posts_it_is_accepted(sales_client):
    """Browsers (and htmx) send the form URL-encoded, every field of every line: Django's default limit
    of 1000 fields would refuse an order of about 90 lines with a bare 400."""
    lines = [product_line(description=f"Line {number}", auto_tax_id=str(TAX_25)) for number in range(forms.MAX_LINES)]
    state = order_state(lines=lines, dimensions=[forms.blank_dimension() for _ in range(forms.MAX_DIMENSIONS)])
    body = urlencode({**posted(state), "refresh_lines": "1"})
    response = sales_client.post(NEW, body, content_type="application/x-www-form-urlencoded", **HTMX)
    assert response.status_code == 200
    assert f'id="line-{forms.MAX_LINES - 1}"' in response.content.decode()


def test_a_line_changed_to_text_hides_its_amounts_and_keeps_them(sales_client):
    form = form_of(sales_client.get(NEW))
    form.update({"lines-0-type": "text", "lines-0-description": "Just words", "lines-0-price": "99"})
    page = press(sales_client, NEW, form, "refresh")
    assert 'id="line-0" class="line line--text"' in page.content.decode()
    assert 'type="hidden" name="lines-0-price" value="99"' in page.content.decode()


def test_dimension_rows_without_javascript(sales_client, upstream):
    form = form_of(press(sales_client, NEW, form_of(sales_client.get(NEW)), "add_dimension"))
    assert form["dimensions-TOTAL_FORMS"] == "1"

    form["dimensions-0-dimension_type"] = "1"
    page = press(sales_client, NEW, form, "refresh_dimensions")
    projects = erp_json(upstream, "/dimensions/1/elements")
    assert all(f'<option value="{p["value"]}">' in page.content.decode() for p in projects)

    form = form_of(page)
    form["dimensions-0-dimension_value"] = projects[0]["value"]
    form = form_of(press(sales_client, NEW, form, "add_dimension"))
    assert form["dimensions-TOTAL_FORMS"] == "2" and form["dimensions-0-dimension_value"] == projects[0]["value"]

    form = form_of(press(sales_client, NEW, form, "remove_dimension", "0"))
    assert form["dimensions-TOTAL_FORMS"] == "1" and form["dimensions-0-dimension_type"] == ""


def test_customer_search_and_pick_without_javascript(sales_client, upstream):
    expected = erp_json(upstream, f"/customers/{CUSTOMER_ID}")
    address = tso_reading.customer(expected).as_snapshot()  # billing address, else postal, else visiting
    form = form_of(sales_client.get(NEW))
    form["customer_query"] = "fjordkraft inst"

    page = press(sales_client, NEW, form, "search_customer")
    assert f'name="pick_customer" value="{CUSTOMER_ID}"' in page.content.decode()

    form = form_of(page)
    form["lines-0-description"] = "typed before picking"
    form = form_of(press(sales_client, NEW, form, "pick_customer", str(CUSTOMER_ID)))
    assert form["customer_id"] == str(CUSTOMER_ID)
    assert form["customer_name"] == expected["name"]
    assert form["customer_organization_number"] == expected["organizationNumber"]
    assert form["customer_invoice_emails"] == expected["email"]["billing"]
    assert (form["customer_street"], form["customer_postal_code"], form["customer_country_code"]) == (
        address.street, address.postal_code, address.country_code) != ("", "", "")
    assert form["customer_query"] == ""
    assert form["lines-0-description"] == "typed before picking"


def test_a_picked_customer_stays_editable_and_the_edit_is_what_is_kept(sales_client):
    form = form_of(press(sales_client, NEW, form_of(sales_client.get(NEW)), "pick_customer", str(CUSTOMER_ID)))
    form["customer_name"] = "Fjordkraft Installasjon AS, avd. Bergen"
    assert form_of(press(sales_client, NEW, form, "add_line"))["customer_name"] == form["customer_name"]


def test_another_delivery_customer_fills_the_delivery_address(sales_client, upstream):
    [other] = [c for c in erp_json(upstream, "/customers", limit=100) if "aker brygge" in c["name"].casefold()]
    form = form_of(press(sales_client, NEW, form_of(sales_client.get(NEW)), "pick_delivery_customer", str(other["id"])))
    assert "delivery_same_as_customer" not in form
    assert form["delivery_customer_id"] == str(other["id"]) and form["delivery_name"] == other["name"]


def test_product_search_and_pick_fill_the_line_without_javascript(sales_client, upstream):
    product = erp_json(upstream, "/products", productNumber=COFFEE_NUMBER)[0]
    form = form_of(sales_client.get(NEW))
    form["lines-0-product_query"] = "kaffe"

    page = press(sales_client, NEW, form, "search_product", "0")
    assert f'name="pick_product" value="0:{product["id"]}"' in page.content.decode()

    form = form_of(press(sales_client, NEW, form_of(page), "pick_product", f"0:{product['id']}"))
    assert form["lines-0-product_id"] == str(product["id"])
    assert form["lines-0-product_number"] == COFFEE_NUMBER
    assert form["lines-0-description"] == product["name"]
    assert form["lines-0-price"] == forms.money_input(Decimal(str(product["salesPrice"])))  # as money reads everywhere
    assert form["lines-0-tax_id"] == str(TAX_15)  # food: the account its sales type override names


def test_money_in_the_inputs_reads_as_everywhere_else_and_any_spelling_is_accepted(sales_client):
    page = press(sales_client, NEW, form_of(sales_client.get(NEW)), "pick_product", f"0:{CONSULTANT}")
    form = form_of(page)
    assert form["lines-0-price"] == "1,450.00" == slot(page, "line-0-amounts").split()[0]

    for typed in ("24 900,00", "24900", "24,900.00", "24.900,00", "24\u00a0900,00"):
        state = order_state(lines=[product_line(quantity="1", price=typed)])
        response = sales_client.post(NEW, recalculation(state), **HTMX)
        assert slot(response, "line-0-amounts") == "24,900.00 6,225.00 31,125.00", typed


@pytest.mark.parametrize(("sales_type", "number", "rate"), [
    ("", "HW-3001", 25),  # no sales type: the ERP's first (Standard salg), whose account is at 25 %
    ("2", "HW-3001", 25),  # Tjenestesalg's own account
    ("1", "MAT-5001", 15),  # the product's override for Varesalg
    ("2", "MAT-5001", 25),  # served food: Tjenestesalg has no override for it
    ("-100", "TR-6002", 12),  # hotel nights
    ("4", "KURS-7001", 0),  # courses are exempt
])
def test_a_picked_product_gets_the_tax_code_of_the_account_it_is_posted_to(sales_client, upstream, sales_type,
                                                                           number, rate):
    product = erp_json(upstream, "/products", productNumber=number)[0]
    taxes = {str(t["id"]): t["rate"] for t in erp_json(upstream, "/taxes")}
    form = form_of(sales_client.get(NEW))
    form["sales_type_id"] = sales_type
    form = form_of(press(sales_client, NEW, form, "pick_product", f"0:{product['id']}"))
    assert taxes[form["lines-0-tax_id"]] == rate


def test_the_tax_code_a_product_brought_follows_the_sales_type_but_a_chosen_one_stays(sales_client, upstream):
    """Food posts at 15 %, but at 25 % under Tjenestesalg (2: served food). A line follows the sales
    type; a line whose tax code the user chose does not."""
    coffee = erp_json(upstream, "/products", productNumber=COFFEE_NUMBER)[0]
    form = form_of(sales_client.get(NEW))
    form = form_of(press(sales_client, NEW, form, "add_line"))
    form = form_of(press(sales_client, NEW, form, "pick_product", f"0:{coffee['id']}"))
    form = form_of(press(sales_client, NEW, form, "pick_product", f"1:{coffee['id']}"))
    assert form["lines-0-tax_id"] == form["lines-1-tax_id"] == str(TAX_15)
    form["sales_type_id"] = "2"
    form = form_of(press(sales_client, NEW, form, "pick_sales_type"))
    assert form["lines-0-tax_id"] == form["lines-1-tax_id"] == str(TAX_25)  # both followed the sales type
    form["lines-1-tax_id"] = str(TAX_12)  # the user's own choice
    form["sales_type_id"] = "1"
    form = form_of(press(sales_client, NEW, form, "pick_sales_type"))
    assert form["lines-0-tax_id"] == str(TAX_15)  # back at 15 % under Varesalg
    assert form["lines-1-tax_id"] == str(TAX_12)  # the user's choice stays
    form["sales_type_id"] = "2"
    form = form_of(press(sales_client, NEW, form, "pick_sales_type"))
    assert (form["lines-0-tax_id"], form["lines-1-tax_id"]) == (str(TAX_25), str(TAX_12))


def test_changing_the_sales_type_with_htmx_redraws_the_lines_and_totals(sales_client, upstream):
    coffee = erp_json(upstream, "/products", productNumber=COFFEE_NUMBER)[0]
    form = form_of(press(sales_client, NEW, form_of(sales_client.get(NEW)), "pick_product", f"0:{coffee['id']}"))
    form["sales_type_id"] = "2"
    response = press(sales_client, NEW, form, "pick_sales_type", "1", **HTMX)
    content = response.content.decode()
    assert 'id="builder-lines"' in content.split(">", 1)[0]
    assert 'id="builder-totals"' in content and "Tax 25 %" in slot(response, "builder-totals")
    assert "Tax 15 %" not in slot(response, "builder-totals")


def test_a_product_is_filled_in_when_the_erp_cannot_say_its_tax_code(sales_client, upstream):
    upstream.configure(denied_scopes=["api.accounting.account:read"])
    form = form_of(sales_client.get(NEW))
    form["lines-0-tax_id"] = str(TAX_25)
    page = press(sales_client, NEW, form, "pick_product", f"0:{CONSULTANT}")
    form = form_of(page)
    assert form["lines-0-description"] == "Seniorkonsulent" and form["lines-0-tax_id"] == str(TAX_25)
    assert "the ERP did not say which tax code Seniorkonsulent takes" in text(page)


def test_a_sales_type_change_says_so_when_the_tax_codes_cannot_be_looked_up(sales_client, upstream):
    coffee = erp_json(upstream, "/products", productNumber=COFFEE_NUMBER)[0]
    form = form_of(press(sales_client, NEW, form_of(sales_client.get(NEW)), "pick_product", f"0:{coffee['id']}"))
    cache.clear()
    upstream.fault("GET /accounts", "503", count=10)
    form["sales_type_id"] = "1"
    page = press(sales_client, NEW, form, "pick_sales_type")
    assert form_of(page)["lines-0-tax_id"] == str(TAX_15)
    assert "the lines' tax codes were not updated for the new sales type" in text(page)


def test_a_product_picked_on_a_foreign_currency_order_is_priced_at_the_rate(sales_client):
    form = form_of(sales_client.get(NEW))
    form.update({"currency_code": "EUR", "currency_rate": "10"})
    form = form_of(press(sales_client, NEW, form, "pick_product", f"0:{CONSULTANT}"))
    assert form["lines-0-price"] == "145.00"


def test_choosing_a_currency_fills_the_erps_rate(sales_client, upstream):
    rates = {c["code"]: Decimal(str(c["rate"])) for c in erp_json(upstream, "/currencies")}
    form = form_of(sales_client.get(NEW))
    form["currency_code"] = "EUR"
    form = form_of(press(sales_client, NEW, form, "pick_currency"))
    assert Decimal(form["currency_rate"]) == rates["EUR"]
    form["currency_code"] = "NOK"
    assert form_of(press(sales_client, NEW, form, "pick_currency"))["currency_rate"] == "1"


def test_enter_in_a_field_shows_the_form_again_with_everything_typed(sales_client):
    form = form_of(sales_client.get(NEW))
    form.update({"memo": "Ring før levering", "lines-0-quantity": "3"})
    page = press(sales_client, NEW, form, "refresh")
    assert page.status_code == 200
    assert form_of(page)["memo"] == "Ring før levering" and form_of(page)["lines-0-quantity"] == "3"


def test_the_page_shows_each_lines_amounts_and_the_totals_per_rate(sales_client):
    state = order_state(lines=[product_line(quantity="2", price="1 450,00", discount_rate="10"),
                               product_line(quantity="3", price="49.99", tax_id=str(TAX_15)), text_line()])
    page = press(sales_client, NEW, posted(state), "refresh")
    assert slot(page, "line-0-amounts") == "2,610.00 652.50 3,262.50"
    assert slot(page, "line-1-amounts") == "149.97 22.50 172.47"
    assert slot(page, "line-2-amounts") == ""
    totals = slot(page, "builder-totals")
    assert "Net 2,759.97 NOK" in totals and "Gross 3,434.97 NOK" in totals
    assert "Tax 15 % on 149.97 22.50 NOK" in totals and "Tax 25 % on 2,610.00 652.50 NOK" in totals


# --- htmx ---------------------------------------------------------------------------------------------

def test_recalculate_answers_only_the_amounts_computed_on_the_server(sales_client):
    state = order_state(currency_code="EUR", lines=[
        product_line(quantity="1,5", price="1 000", discount_rate="12.5"),
        text_line(),
        product_line(quantity="3", price="19.99", tax_id=str(TAX_15)),
        product_line(quantity="x"),
    ])

    response = sales_client.post(NEW, recalculation(state), **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<select" not in content and 'type="text"' not in content  # the amounts, not the form
    assert content.lstrip().startswith('<dl id="builder-totals"')
    assert slot(response, "line-0-amounts") == "1,312.50 328.13 1,640.63"  # 1.5 × 1000 − 12.5 %, 25 % tax
    assert slot(response, "line-1-amounts") == ""
    assert slot(response, "line-2-amounts") == "59.97 9.00 68.97"
    assert slot(response, "line-3-amounts") == "— — —"  # not a number (and nothing shown before)
    assert slot(response, "id_lines-3-quantity_error") == "Enter a number, e.g. 2 or 1,5."
    # Four lines, the action bar's total and the message next to the quantity that is not a number.
    assert content.count('data-hx-swap-oob="true"') == 6
    totals = slot(response, "builder-totals")
    assert "Net 1,372.47 EUR" in totals
    assert "Tax 15 % on 59.97 9.00 EUR" in totals and "Tax 25 % on 1,312.50 328.13 EUR" in totals
    assert "Tax 337.13 EUR" in totals and "Gross 1,709.60 EUR" in totals
    assert slot(response, "builder-grand-total") == "1,709.60 EUR"


def test_recalculate_swaps_only_the_lines_whose_amounts_changed(sales_client):
    """What htmx sends: each product line's numbers and what its amounts cell shows now."""
    state = order_state(lines=[product_line(quantity=str(n)) for n in range(1, 41)])
    shown = form_of(press(sales_client, NEW, posted(state), "refresh"))  # the page as the browser has it
    state["lines"][7]["quantity"] = "100"

    response = sales_client.post(
        NEW, recalculation(state, {i: shown[f"lines-{i}-shown"] for i in range(40)}), **HTMX)

    assert re.findall(r'id="(line-\d+-amounts)"', response.content.decode()) == ["line-7-amounts"]
    assert slot(response, "line-7-amounts") == "145,000.00 36,250.00 181,250.00"
    assert 'name="lines-7-shown" value="145000.00 36250.00"' in response.content.decode()
    net = sum(n * 1450 for n in range(1, 41)) - 8 * 1450 + 100 * 1450
    assert f"Net {money(net)} NOK" in slot(response, "builder-totals")


def test_a_discount_over_100_says_so_at_once_and_the_line_keeps_its_last_figures(sales_client):
    state = order_state(lines=[product_line(quantity="2", price="100"), product_line(quantity="1", price="50")])
    shown = form_of(press(sales_client, NEW, posted(state), "refresh"))  # the page as the browser has it
    state["lines"][0]["discount_rate"] = "150"

    response = sales_client.post(NEW, recalculation(state, {i: shown[f"lines-{i}-shown"] for i in range(2)}),
                                 **HTMX)

    assert slot(response, "id_lines-0-discount_rate_error") == "A discount is between 0 and 100 %."
    assert 'id="line-0-amounts"' not in response.content.decode()  # the line keeps what it showed
    assert slot(response, "builder-grand-total") == "312.50 NOK"  # (200 + 50) + 25 % tax, as before
    # The totals say which figures they hold: no total passes for the form's as typed.
    assert "Line 1 keeps its last figures until its numbers can be read." in slot(response, "builder-totals")
    state["lines"][0]["discount_rate"] = "15"
    fixed = sales_client.post(NEW, recalculation(state, {i: shown[f"lines-{i}-shown"] for i in range(2)}), **HTMX)
    assert "id_lines-0-discount_rate_error" not in fixed.content.decode()
    assert slot(fixed, "line-0-amounts") == "170.00 42.50 212.50"
    assert slot(fixed, "builder-grand-total") == "275.00 NOK"
    assert "last figures" not in slot(fixed, "builder-totals") and "not counted" not in slot(fixed, "builder-totals")
    # Checked on Create order, a line that cannot be priced is left out of the totals, and they say so.
    state["lines"][0]["discount_rate"] = "150"
    checked = press(sales_client, NEW, posted(state), "submit")
    assert slot(checked, "line-0-amounts") == "— — —" and slot(checked, "builder-grand-total") == "62.50 NOK"
    assert "Line 1 is not counted until its numbers can be read." in slot(checked, "builder-totals")


def test_recalculate_uses_the_same_decimal_arithmetic_as_the_detail_page(sales_client):
    lines = [product_line(quantity="0,3333", price="0.15"), product_line(quantity="7", price="0,07", tax_id=str(TAX_15))]
    response = sales_client.post(NEW, recalculation(order_state(lines=lines)), **HTMX)
    for index, (quantity, price, rate) in enumerate([("0.3333", "0.15", 25), ("7", "0.07", 15)]):
        expected = money_module.line_amounts(Decimal(quantity), Decimal(price), Decimal(0), Decimal(rate))
        assert slot(response, f"line-{index}-amounts") == f"{money(expected.net)} {money(expected.tax)} {money(expected.gross)}"
    assert slot(response, "line-0-amounts") == "0.05 0.01 0.06"  # øre rounding, half up


@pytest.mark.parametrize(("button", "value", "region_id"), [
    ("add_line", "", "builder-lines"), ("remove_line", "0", "builder-lines"), ("duplicate_line", "0", "builder-lines"),
    ("move_line_down", "0", "builder-lines"), ("add_dimension", "", "builder-dimensions"),
    ("pick_customer", str(CUSTOMER_ID), "builder-customer"), ("pick_currency", "", "builder-currency"),
])
def test_an_htmx_action_answers_only_its_region(sales_client, button, value, region_id):
    state = order_state(lines=[product_line(), text_line()])
    response = press(sales_client, NEW, posted(state), button, value, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="{region_id}"' in content.split(">", 1)[0]  # the region's root comes first
    assert 'id="builder-body"' not in content and "<html" not in content
    if region_id in ("builder-lines", "builder-currency"):
        assert '<dl id="builder-totals" class="totals builder-totals" aria-label="Totals" data-hx-swap-oob="true">' in content


ROWS = {"HTTP_X_BUILDER_ROWS": "1", **HTMX}


def row_ids(response) -> list[str]:
    return re.findall(r'<tr id="(line-\d+)"', response.content.decode())


@pytest.mark.parametrize(("button", "value", "change", "rows"), [
    ("add_line", "", {"added": 5, "first": 4, "count": 6}, ["line-4", "line-5"]),
    ("duplicate_line", "1", {"added": 2, "first": 1, "count": 6}, [f"line-{i}" for i in range(1, 6)]),
    ("remove_line", "2", {"removed": 2, "first": 1, "count": 4}, ["line-1", "line-2", "line-3"]),
    ("remove_line", "0", {"removed": 0, "first": 0, "count": 4}, [f"line-{i}" for i in range(4)]),
    ("remove_line", "4", {"removed": 4, "first": 3, "count": 4}, ["line-3"]),
])
def test_adding_or_removing_a_line_answers_only_the_rows_that_changed(sales_client, button, value, change, rows):
    lines = [product_line(description=f"Line {number}") for number in range(5)]
    response = press(sales_client, NEW, posted(order_state(lines=lines)), button, value, **ROWS)
    content = response.content.decode()
    assert json.loads(response["X-Builder-Rows"]) == change
    assert response["HX-Reswap"] == "builder-rows settle:0ms"
    assert row_ids(response) == rows and 'id="builder-lines"' not in content
    # Renumbered: a row's fields are named after its place now, and carry the line that is there.
    descriptions = [line["description"] for line in lines]
    if button == "remove_line":
        del descriptions[int(value)]
    elif button == "duplicate_line":
        descriptions.insert(int(value) + 1, descriptions[int(value)])
    else:
        descriptions.append("")
    for row in rows:
        index = int(row.removeprefix("line-"))
        assert f'name="lines-{index}-description" id="id_lines-{index}-description"' in content
        assert f'value="{descriptions[index]}" autocomplete="off" aria-label="Line {index + 1} description"' in content
    count = change["count"]
    assert f'name="lines-TOTAL_FORMS" value="{count}" id="id_lines-TOTAL_FORMS" data-hx-swap-oob="true"' in content
    assert f'{count} lines</span>' in content and 'id="builder-lines-notes" data-hx-swap-oob="true"' in content
    assert '<dl id="builder-totals" class="totals builder-totals" aria-label="Totals" data-hx-swap-oob="true">' in content


@pytest.mark.parametrize(("count", "button", "value"), [
    (1, "remove_line", "0"),  # the table goes
    (0, "add_line", ""),  # the table comes
    (forms.MAX_LINES - 1, "add_line", ""),  # every row's Duplicate button goes
    (forms.MAX_LINES, "remove_line", "3"),  # and comes back
    (2, "remove_line", "9"),  # nothing happens
])
def test_a_row_action_that_changes_more_than_rows_answers_the_whole_lines_region(sales_client, count, button, value):
    state = order_state(lines=[product_line() for _ in range(count)])
    response = press(sales_client, NEW, posted(state), button, value, **ROWS)
    assert "X-Builder-Rows" not in response and "HX-Reswap" not in response
    assert 'id="builder-lines"' in response.content.decode().split(">", 1)[0]


def test_an_htmx_action_names_the_element_to_focus(sales_client):
    response = press(sales_client, NEW, posted(order_state()), "add_line", **HTMX)
    assert '"builder:focus": {"id": "id_lines-1-product_query", "target": "body"}' in response["HX-Trigger-After-Settle"]
    # A drop-down whose change re-renders its region keeps the focus.
    state = order_state(lines=[product_line(), text_line()])
    response = press(sales_client, NEW, posted(state), "refresh_lines", "1", HTTP_HX_TRIGGER="id_lines-1-type", **HTMX)
    assert '"id": "id_lines-1-type"' in response["HX-Trigger-After-Settle"]


def test_customer_search_as_you_type_by_name_or_organization_number(sales_client, upstream):
    customer = erp_json(upstream, f"/customers/{CUSTOMER_ID}")
    by_name = sales_client.get("/c/nordlys/orders/new/customers/", {"who": "customer", "customer_query": "FJORDKRAFT"}, **HTMX)
    assert f'value="{CUSTOMER_ID}"' in by_name.content.decode() and "<html" not in by_name.content.decode()
    assert all("fjordkraft" in name.casefold() for name in re.findall(r'picker__name">([^<]+)', by_name.content.decode()))

    number = customer["organizationNumber"]
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    by_number = sales_client.get("/c/nordlys/orders/new/customers/", {"who": "delivery", "delivery_query": spaced}, **HTMX)
    assert re.findall(r'name="pick_delivery_customer" value="(\d+)"', by_number.content.decode()) == [str(CUSTOMER_ID)]

    nothing = sales_client.get("/c/nordlys/orders/new/customers/", {"who": "customer", "customer_query": "zzzz"}, **HTMX)
    assert "No customers match “zzzz”." in text(nothing)


def test_product_search_as_you_type_offers_active_products_only(sales_client):
    response = sales_client.get("/c/nordlys/orders/new/products/", {"line": "2", "lines-2-product_query": "integrasjon"}, **HTMX)
    assert "No products match “integrasjon”." in text(response)  # the only match is inactive
    response = sales_client.get("/c/nordlys/orders/new/products/", {"line": "2", "lines-2-product_query": "kon-100"}, **HTMX)
    assert 'id="line-2-products"' in response.content.decode()
    assert len(re.findall(r'name="pick_product" value="2:\d+"', response.content.decode())) == 9


# --- duplicate --------------------------------------------------------------------------------------

def test_duplicate_fills_the_builder_from_an_order_with_its_lines_and_dimensions(sales_client, upstream):
    order = next(o for o in (erp_json(upstream, f"/salesorders/{o['id']}")
                             for o in erp_json(upstream, "/salesorders", status="Invoice", limit=50))
                 if o.get("dimensions") and o["currency"]["code"] == "NOK")
    lines = erp_json(upstream, f"/salesorders/{order['id']}/lines")
    detail = sales_client.get(f"/c/nordlys/orders/{order['id']}/")
    assert f'href="/c/nordlys/orders/new/?from={order["id"]}"' in detail.content.decode()

    page = sales_client.get(NEW, {"from": order["id"]})

    assert page.status_code == 200
    assert f"A copy of order #{order['id']}" in text(page)
    form = form_of(page)
    assert form["source_order_id"] == str(order["id"])
    assert form["customer_id"] == str(order["customer"]["id"]) and form["customer_name"] == order["customer"]["name"]
    assert form["status"] == "Draft" and form["date"] == timezone.localdate().isoformat()
    assert int(form["lines-TOTAL_FORMS"]) == len(lines)
    for index, line in enumerate(lines):
        assert form[f"lines-{index}-type"] == line["type"]
        assert form[f"lines-{index}-description"] == line["description"]
        if line["type"] == "product":
            assert Decimal(form[f"lines-{index}-quantity"]) == Decimal(str(line["quantity"]))
            assert forms.parse_number(form[f"lines-{index}-price"]) == Decimal(str(line["price"]))
            assert form[f"lines-{index}-tax_id"] == str(line["tax"]["id"])
    assert [(form[f"dimensions-{i}-dimension_type"], form[f"dimensions-{i}-dimension_value"])
            for i in range(int(form["dimensions-TOTAL_FORMS"]))] == [
        (str(d["dimensionType"]), d["value"]) for d in order["dimensions"]]
    assert slot(page, "builder-grand-total") == f"{money(order['grossAmount'])} NOK"


@pytest.fixture
def order_to_copy(upstream):
    """An ERP order delivered to its customer's own address, with a contact and a fixed due date
    that has passed."""
    customer = tso_reading.customer(erp_json(upstream, f"/customers/{CUSTOMER_ID}")).as_snapshot()
    body = {
        "customer": {"id": customer.id, "name": customer.name, "street": customer.street,
                     "postalCode": customer.postal_code, "city": customer.city, "countryCode": customer.country_code},
        "deliveryCustomer": {"name": customer.name, "street": customer.street, "postalCode": customer.postal_code,
                             "city": customer.city, "countryCode": customer.country_code},
        "yourReference": {"name": "Kari Kontakt"},
        "invoice": {"paymentTerms": {"type": "FixedDate", "value": "2026-01-15"}},
        "date": "2026-01-02",
    }
    response = upstream.api("POST", "/salesorders", json=body)
    response.raise_for_status()
    return response.json()


def test_a_copy_keeps_delivering_to_the_customers_address_and_flags_a_passed_due_date(sales_client, order_to_copy):
    page = sales_client.get(NEW, {"from": order_to_copy["id"]})

    form = form_of(page)
    assert form.get("delivery_same_as_customer") == "on"
    assert form["your_reference"] == "Kari Kontakt"
    assert "The original order was due on a fixed date, 2026-01-15, which is before this copy's date" in text(page)
    sent = press(sales_client, NEW, form, "submit")
    assert "The due date 15.01.2026 is before the order date" in slot(sent, "id_payment_terms_value_error")
    assert not Submission.objects.exists()


def test_a_copy_is_for_the_customer_as_they_are_today_and_says_what_changed(sales_client, upstream):
    """The original was made when the customer had another name and invoice e-mail (its snapshot); a copy
    made today takes the customer's current record, says so, and keeps what the record does not carry."""
    current = tso_reading.customer(erp_json(upstream, f"/customers/{CUSTOMER_ID}")).as_snapshot()
    original = upstream.api("POST", "/salesorders", json={"customer": {
        **customer_as_ordered(current), "name": "Fjordkraft Gamle Navn AS",
        "invoiceEmailAddresses": ["gammel@fjordkraft.example"], "gln": "7080000000017"}}).json()

    page = sales_client.get(NEW, {"from": original["id"]})

    form = form_of(page)
    assert form["customer_name"] == current.name and form["customer_name"] != "Fjordkraft Gamle Navn AS"
    assert form["customer_invoice_emails"] == ", ".join(current.invoice_email_addresses)
    assert form["customer_street"] == current.street
    assert form["customer_gln"] == "7080000000017"  # the record has none: kept as the order had it
    assert (f"The customer's details are from their current record: Name and Invoice e-mail changed since order "
            f"#{original['id']}.") in text(page)

    # The ERP does not answer for the customer: the copy has the original's details, and says so.
    upstream.fault(f"GET /customers/{CUSTOMER_ID}", "503", count=5)
    page = sales_client.get(NEW, {"from": original["id"]})
    assert form_of(page)["customer_name"] == "Fjordkraft Gamle Navn AS"
    assert "The customer's current record could not be read" in text(page)


def test_a_copy_of_an_order_whose_customer_is_gone_asks_for_one(sales_client, upstream):
    current = tso_reading.customer(erp_json(upstream, f"/customers/{CUSTOMER_ID}")).as_snapshot()
    original = upstream.api("POST", "/salesorders", json={"customer": customer_as_ordered(current)}).json()
    upstream.fault(f"GET /customers/{CUSTOMER_ID}", "404")  # deleted in the ERP since

    page = sales_client.get(NEW, {"from": original["id"]})

    assert f"The customer of order #{original['id']} is no longer in 24SevenOffice" in text(page)


def test_a_copy_of_an_order_for_an_unchanged_customer_says_nothing_of_it(sales_client, upstream):
    current = tso_reading.customer(erp_json(upstream, f"/customers/{CUSTOMER_ID}")).as_snapshot()
    original = upstream.api("POST", "/salesorders", json={"customer": customer_as_ordered(current)}).json()
    page = sales_client.get(NEW, {"from": original["id"]})
    assert form_of(page)["customer_name"] == current.name
    assert "current record" not in text(page)


def customer_as_ordered(snapshot) -> dict:
    """The customer of an order body, as ``snapshot`` has it."""
    return {"id": snapshot.id, "name": snapshot.name, "organizationNumber": snapshot.organization_number,
            "invoiceEmailAddresses": list(snapshot.invoice_email_addresses), "street": snapshot.street,
            "postalCode": snapshot.postal_code, "postalArea": snapshot.postal_area, "city": snapshot.city,
            "countrySubdivision": snapshot.country_subdivision, "countryCode": snapshot.country_code}


def test_another_customer_takes_what_belonged_to_the_old_one_with_it_and_says_so(sales_client, order_to_copy,
                                                                                 upstream):
    form = form_of(sales_client.get(NEW, {"from": order_to_copy["id"]}))
    # The delivery was typed out as the old customer's address (not "the customer's address").
    form.pop("delivery_same_as_customer")
    form.update(delivery_customer_id=str(CUSTOMER_ID), delivery_name="Fjordkraft Installasjon AS",
                delivery_street="Kokstadvegen 23")
    other = erp_json(upstream, "/customers/10001")

    page = press(sales_client, NEW, form, "pick_customer", "10001")

    form = form_of(page)
    assert form["customer_id"] == "10001" and form["customer_name"] == other["name"]
    assert form.get("delivery_same_as_customer") == "on" and form["delivery_name"] == ""
    assert form["your_reference"] == "" and form["payment_terms_type"] == ""
    note = text(page)
    assert f"the delivery goes to {other['name']}'s address, no longer to Fjordkraft Installasjon AS's" in note
    assert "“Your reference” (Kari Kontakt, Fjordkraft Installasjon AS's contact) was cleared" in note
    assert "the payment terms are the ERP's default for the customer again" in note


def test_duplicating_an_unknown_order_is_a_404(sales_client):
    assert sales_client.get(NEW, {"from": 999999}).status_code == 404


# --- sending ----------------------------------------------------------------------------------------

def test_an_order_date_far_from_today_is_remarked_on_and_the_order_can_still_be_sent(sales_client, upstream):
    """A slip of the year (2016 for 2026) is easy in a date box; back-entry is legitimate, so it is asked, not refused."""
    started = timezone.now()
    today = timezone.localdate()
    years_ago = today.replace(year=today.year - 10, day=min(today.day, 28))
    state = order_state(date=years_ago.isoformat())

    page = press(sales_client, NEW, posted(state), "refresh")
    assert slot(page, "id_date_note") == "That is 10 years ago: is the year right?"
    assert slot(page, "id_date_error") == ""
    # Typed in the date box, it is said at once (the date goes with each recalculation)...
    live = sales_client.post(NEW, recalculation(state), **HTMX)
    assert '<p id="id_date_note" data-hx-swap-oob="innerHTML">That is 10 years ago: is the year right?</p>' in live.content.decode()
    # ...and goes when the year is put right.
    live = sales_client.post(NEW, recalculation({**state, "date": today.isoformat()}), **HTMX)
    assert '<p id="id_date_note" data-hx-swap-oob="innerHTML"></p>' in live.content.decode()

    response = press(sales_client, NEW, form_of(page), "submit")
    (order,) = orders_sent(upstream, started)
    assert response.status_code == 302 and order["date"].startswith(years_ago.isoformat())


def test_a_discount_with_a_lone_comma_is_read_the_only_way_it_can_be(sales_client):
    """At most 100 %: "12,500" cannot be twelve thousand five hundred, so it is 12.5, priced at once."""
    state = order_state(lines=[product_line(quantity="2", price="100", discount_rate="12,500")])
    live = sales_client.post(NEW, recalculation(state), **HTMX)
    assert "discount_rate_error" not in live.content.decode()
    assert slot(live, "line-0-amounts") == "175.00 43.75 218.75"  # 200 − 12.5 %, 25 % tax
    checked = press(sales_client, NEW, posted(state), "refresh")
    assert slot(checked, "id_lines-0-discount_rate_error") == ""


def test_far_date_note_counts_whole_months_and_years_either_way():
    today = dt.date(2026, 12, 1)
    assert forms.far_date_note("2025-12-01", today) == ""  # a year ago: back-entry, said nothing
    assert forms.far_date_note("2027-12-01", today) == ""
    assert forms.far_date_note("2025-11-30", today) == "That is 12 months ago: is the year right?"
    assert forms.far_date_note("2028-06-01", today) == "That is in 18 months: is the year right?"
    assert forms.far_date_note("2016-12-01", today) == "That is 10 years ago: is the year right?"
    assert forms.far_date_note(dt.date(2030, 1, 1), today) == "That is in 3 years: is the year right?"
    assert forms.far_date_note("01.12.2016", today, ("%Y-%m-%d", "%d.%m.%Y")) == "That is 10 years ago: is the year right?"
    for not_a_date in ("01.12.2016", "junk", "", None, "2016-02-30"):  # no date in the formats given: nothing to say
        assert forms.far_date_note(not_a_date, today) == ""


def test_submit_creates_one_order_with_the_same_lines_and_totals_and_shows_it(sales_client, upstream):
    started = timezone.now()
    state = order_state(
        customer_country_code="no", reference_number="PO-77", memo="Takk for handelen",
        internal_memo="Kunden ringte", payment_terms_type="NumberOfDays", payment_terms_value="30",
        dimensions=[{"dimension_type": "2", "dimension_value": "20"}],
        lines=[product_line(quantity="2,5", price="1 450,00", discount_rate="10"), text_line(),
               product_line(quantity="3", price="49.90", tax_id=str(TAX_15), description="Kaffe")],
    )
    page = press(sales_client, NEW, posted(state), "refresh")
    expected_total = slot(page, "builder-grand-total")

    response = press(sales_client, NEW, form_of(page), "submit")

    (order,) = orders_sent(upstream, started)
    assert response.status_code == 302 and response["Location"] == f"/c/nordlys/orders/{order['id']}/"
    lines = erp_json(upstream, f"/salesorders/{order['id']}/lines")
    assert [(l["type"], l["description"]) for l in lines] == [
        ("product", "Seniorkonsulent"), ("text", "Delivered to the back door"), ("product", "Kaffe")]
    assert [(Decimal(str(l["quantity"])), Decimal(str(l["price"])), Decimal(str(l["discountRate"])), l["tax"]["id"])
            for l in lines if l["type"] == "product"] == [
        (Decimal("2.5"), Decimal("1450"), Decimal("10"), TAX_25), (Decimal("3"), Decimal("49.9"), Decimal("0"), TAX_15)]
    assert f"{money(order['grossAmount'])} NOK" == expected_total == "4,250.29 NOK"
    order = erp_json(upstream, f"/salesorders/{order['id']}")  # with its dimensions
    assert order["customer"]["countryCode"] == "NO" and order["referenceNumber"] == "PO-77"
    assert order["invoice"]["paymentTerms"] == {"type": "NumberOfDays", "value": 30}
    assert order["dimensions"] == [{"dimensionType": 2, "value": "20", "name": "Konsulent"}]
    assert order["internalMemo"].startswith("Kunden ringte\n") and marker_in(order["internalMemo"])

    detail = sales_client.get(response["Location"])
    assert f"Order #{order['id']} was created in 24SevenOffice with 3 lines." in text(detail)
    # The dashboard's marker is its own business: the memo shows as it was typed.
    assert "Kunden ringte" in text(detail) and "[sa:" not in text(detail)
    assert Submission.objects.get().state == Submission.State.SUCCEEDED
    # Its page says the dashboard made it (found by the marker), and by whom.
    assert re.search(r"Created from the dashboard · Succeeded \S+", text(detail))


def test_a_double_submit_creates_one_order(sales_client, upstream):
    started = timezone.now()
    form = posted(order_state())

    first = press(sales_client, NEW, form, "submit")
    second = press(sales_client, NEW, form, "submit")  # double click, or back and submit again

    (order,) = orders_sent(upstream, started)
    assert first["Location"] == second["Location"] == f"/c/nordlys/orders/{order['id']}/"
    assert Submission.objects.count() == 1
    assert f"This form was already sent: it is order #{order['id']}." in text(sales_client.get(second["Location"]))


def test_an_htmx_submit_redirects_the_browser_to_the_new_order(sales_client, upstream):
    started = timezone.now()
    response = press(sales_client, NEW, posted(order_state()), "submit", **HTMX)
    (order,) = orders_sent(upstream, started)
    assert response.status_code == 200 and response["HX-Redirect"] == f"/c/nordlys/orders/{order['id']}/"
    # The form's history entry becomes the sent form's address (Back leads to the order, see builder.js).
    sent_form = response["X-Sent-Form-Url"]
    assert sent_form == f"/c/nordlys/orders/new/{Submission.objects.get().public_id}/"
    assert sales_client.get(sent_form)["Location"] == f"/c/nordlys/orders/{order['id']}/"


def test_an_invalid_htmx_submit_answers_the_form_with_its_errors(sales_client):
    response = press(sales_client, NEW, posted(order_state(customer_name="")), "submit", **HTMX)
    assert response.content.decode().lstrip().startswith('<div id="builder-body"')
    assert "The order needs the customer's name." in slot(response, "id_customer_name_error")


def test_an_erp_rejection_is_shown_in_the_section_it_concerns(sales_client, upstream):
    started = timezone.now()
    state = order_state(status="Confirmed", sales_type_id="3")  # Prosjektsalg needs a project

    response = press(sales_client, NEW, posted(state), "submit")

    submission = Submission.objects.get()
    assert submission.state == Submission.State.FAILED
    assert response.status_code == 302 and response["Location"] == f"/c/nordlys/orders/new/{submission.public_id}/"
    page = sales_client.get(response["Location"])
    dimensions = region(page, "builder-dimensions", "add-dimension")
    assert "The ERP needs a project for this order's sales type" in dimensions
    assert submission.last_tracking_id and f"ERP tracking id {submission.last_tracking_id}" in dimensions
    assert f"ERP tracking id {submission.last_tracking_id}" in region(page, "builder-banner", "builder-customer")
    assert form_of(page)["sales_type_id"] == "3" and form_of(page)["status"] == "Confirmed"  # the form is kept
    (order,) = orders_sent(upstream, started)
    assert order["status"] == "Draft"  # created, lines added, the status refused

    # Corrected (a project added) and sent again: the same order gets its project and status.
    projects = erp_json(upstream, "/dimensions/1/elements")
    form = form_of(press(sales_client, response["Location"], form_of(page), "add_dimension"))
    form.update({"dimensions-0-dimension_type": "1", "dimensions-0-dimension_value": projects[0]["value"]})
    again = press(sales_client, response["Location"], form, "submit")

    assert again["Location"] == f"/c/nordlys/orders/{order['id']}/"
    (order,) = orders_sent(upstream, started)
    order = erp_json(upstream, f"/salesorders/{order['id']}")  # with its dimensions
    assert order["status"] == "Confirmed" and order["dimensions"][0]["value"] == projects[0]["value"]
    assert len(erp_json(upstream, f"/salesorders/{order['id']}/lines")) == 1


def test_a_failure_half_way_keeps_the_form_and_try_again_finishes_without_a_duplicate_line(sales_client, upstream):
    started = timezone.now()
    state = order_state(lines=[product_line(description="One"), product_line(description="Two"),
                               product_line(description="Three")])
    upstream.fault("POST /salesorders/*/lines", "503", count=1)

    response = press(sales_client, NEW, posted(state), "submit")

    submission = Submission.objects.get()
    assert response["Location"] == f"/c/nordlys/orders/new/{submission.public_id}/"
    page = sales_client.get(response["Location"])
    banner = region(page, "builder-banner", "builder-customer")
    assert "The order is in 24SevenOffice, but not complete" in banner
    assert "Nothing was lost. Press Try again to continue from line 1." in banner  # once, not "press" twice
    assert banner.count("Try again") == 2  # the sentence and its button
    # One button to press, beside what went wrong: the action bar does not offer it a second time.
    whole = page.content.decode()
    assert whole.count(">Try again</button>") == 1 and 'id="builder-submit"' not in whole
    assert f"#{submission.upstream_order_id}" in banner
    form = form_of(page)
    assert [form[f"lines-{i}-description"] for i in range(3)] == ["One", "Two", "Three"]
    assert 'name="submit"' in region_html(page, "builder-banner", "builder-customer")  # "Try again"

    done = press(sales_client, response["Location"], form, "submit")

    (order,) = orders_sent(upstream, started)
    assert done["Location"] == f"/c/nordlys/orders/{order['id']}/"
    assert [l["description"] for l in erp_json(upstream, f"/salesorders/{order['id']}/lines")] == ["One", "Two", "Three"]


def test_a_sent_submission_opened_again_leads_to_its_order(sales_client, upstream):
    press(sales_client, NEW, posted(order_state()), "submit")
    submission = Submission.objects.get()
    response = sales_client.get(f"/c/nordlys/orders/new/{submission.public_id}/")
    assert response["Location"] == f"/c/nordlys/orders/{submission.upstream_order_id}/"


def test_only_its_sender_or_an_admin_opens_a_stored_submission(sales_client, admin_client_logged_in,
                                                               other_sales_client):
    press(sales_client, NEW, posted(order_state(status="Confirmed", sales_type_id="3")), "submit")
    url = f"/c/nordlys/orders/new/{Submission.objects.get().public_id}/"

    assert sales_client.get(url).status_code == 200
    assert admin_client_logged_in.get(url).status_code == 200
    assert other_sales_client.get(url).status_code == 403
    assert other_sales_client.post(url, {"submit": ""}).status_code == 403


def test_the_builder_explains_when_the_erp_cannot_give_its_lists(sales_client, upstream):
    upstream.fault("GET /taxes", "503", count=10)
    response = sales_client.get(NEW)
    assert response.status_code == 503
    body = text(response)
    assert "The ERP is not answering" in body
    assert "The order form needs the ERP's tax codes" in body
    assert "Try again" in body and 'href="/c/nordlys/orders/"' in response.content.decode()


# --- submissions (admins) -----------------------------------------------------------------------------

@pytest.fixture
def failed_submission(sales_client, upstream) -> Submission:
    press(sales_client, NEW, posted(order_state(status="Confirmed", sales_type_id="3")), "submit")
    return Submission.objects.get()


def test_admins_list_submissions_newest_first_and_filter_by_state(admin_client_logged_in, sales_client, failed_submission):
    press(sales_client, NEW, posted(order_state(customer_name="Fjordkraft, andre ordre")), "submit")

    page = admin_client_logged_in.get("/submissions/")

    assert page.status_code == 200
    content = page.content.decode()
    assert content.index("Fjordkraft, andre ordre") < content.index("Fjordkraft Installasjon AS")
    assert re.search(r'<tr class="needs-attention">\s*<td><a[^>]*href="/submissions/' + str(failed_submission.public_id),
                     content)
    failed_only = admin_client_logged_in.get("/submissions/", {"state": "failed"})
    assert str(failed_submission.public_id) in failed_only.content.decode()
    assert "Fjordkraft, andre ordre" not in text(failed_only)


def test_the_journal_says_an_order_in_doubt_is_being_checked_not_failed(admin_client_logged_in, sales_client, upstream,
                                                                      failed_submission, settings):
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
    upstream.fault("POST /salesorders", "drop_after_commit")
    press(sales_client, NEW, posted(order_state(customer_name="Fjordkraft, i tvil")), "submit")
    doubt = Submission.objects.get(payload__customer_name="Fjordkraft, i tvil")
    assert doubt.state == Submission.State.FAILED  # stopped: nothing more is sent before its settle time

    badge = r'<span class="badge badge--{}"><span class="badge__dot" aria-hidden="true"></span>{}</span>'
    for page in (admin_client_logged_in.get("/submissions/"), admin_client_logged_in.get("/submissions/failed/")):
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Fjordkraft, i tvil(?:(?!</tr>).)*</tr>", page.content.decode(), re.S)[0]
        assert re.search(badge.format("in_progress", "Being checked"), row)
        failed_row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{failed_submission.public_id}(?:(?!</tr>).)*</tr>",
                               page.content.decode(), re.S)[0]
        assert re.search(badge.format("failed", "Failed"), failed_row)  # a definite failure stays one
    detail = admin_client_logged_in.get(f"/submissions/{doubt.public_id}/")
    assert re.search(badge.format("in_progress", "Being checked"), detail.content.decode())
    assert "The dashboard checks the ERP before it sends anything again" in text(detail)


def test_admins_see_a_submissions_steps_and_can_open_it_or_try_again(admin_client_logged_in, failed_submission):
    page = admin_client_logged_in.get(f"/submissions/{failed_submission.public_id}/")

    assert page.status_code == 200
    body = text(page)
    assert "Create the order" in body and "Add line 1" in body and "Set the status" in body
    assert failed_submission.last_tracking_id in body
    assert "ProjectMissing" in page.content.decode()  # the ERP's answer, in the step's JSON
    assert f'href="/c/nordlys/orders/new/{failed_submission.public_id}/"' in page.content.decode()

    retried = admin_client_logged_in.post(f"/submissions/{failed_submission.public_id}/retry/", follow=True)
    assert "Still not sent." in text(retried)  # the project is still missing
    failed_submission.refresh_from_db()
    assert failed_submission.steps.get(kind="set_status").attempts == 2
    history = region(retried, "history-set_status", "steps-end")
    assert "Every attempt (2)" in history
    assert history.count("Failed 400") == 2


def test_admins_find_the_failed_orders_from_the_navigation_with_a_count(admin_client_logged_in, sales_client,
                                                                         failed_submission):
    press(sales_client, NEW, posted(order_state(customer_name="Sendt uten feil")), "submit")  # this one succeeds
    Submission.objects.filter(pk=failed_submission.pk).update(state=Submission.State.NEEDS_ATTENTION)

    page = admin_client_logged_in.get("/c/nordlys/orders/")

    assert re.search(r'href="/submissions/failed/"[^>]*>Failed orders <span class="nav-badge">1<span class="sr-only"> to '
                     r'look at</span>', page.content.decode())  # not "waiting": that is QuickBooks' own state
    failed = admin_client_logged_in.get("/submissions/failed/")
    assert failed.status_code == 200 and "Failed orders" in text(failed)
    assert str(failed_submission.public_id) in failed.content.decode()
    assert "Sendt uten feil" not in text(failed)  # the journal has it, not the failed orders
    # Opened from the failed orders, a submission leads back to them; it was entered, it never reached the ERP.
    link = re.search(rf'href="(/submissions/{failed_submission.public_id}/[^"]*)"', failed.content.decode())[1]
    opened = admin_client_logged_in.get(html.unescape(link))
    assert re.search(r'<a class="back-link" href="/submissions/failed/">.*Back to failed orders</a>',
                     opened.content.decode())
    assert "Entered by Sam Seller on" in text(opened) and "Sent by" not in text(opened)
    assert "Back to submissions" in text(admin_client_logged_in.get(f"/submissions/{failed_submission.public_id}/"))
    # Closed from there, it still leads back to the failed orders.
    closed = admin_client_logged_in.post(f"/submissions/{failed_submission.public_id}/close/?from=failed",
                                         {"note": "Entered by hand in 24SevenOffice as order 4711."}, follow=True)
    assert closed.redirect_chain[-1][0].endswith("?from=failed") and "Back to failed orders" in text(closed)
    assert "Sendt uten feil" in text(admin_client_logged_in.get("/submissions/"))
    assert sales_client.get("/submissions/failed/").status_code == 403
    assert "Failed orders" not in text(sales_client.get("/c/nordlys/orders/"))


def test_the_journal_says_what_happened_without_the_builders_instructions(admin_client_logged_in, sales_client,
                                                                          upstream):
    upstream.fault("POST /salesorders", "503", retry_after=0)
    press(sales_client, NEW, posted(order_state()), "submit")
    submission = Submission.objects.get()
    # Stored: what happened. The builder adds its own next step; the journal has no Try again button to press.
    assert submission.last_error.endswith("Nothing was lost.")

    row = text(admin_client_logged_in.get("/submissions/failed/"))

    assert "Nothing was lost." in row and "press Try again" not in row.casefold()
    sent = text(sales_client.get(f"/c/nordlys/orders/new/{submission.public_id}/"))
    assert "Nothing was lost. Press Try again." in sent
    assert "Entered by Sam Seller on" in sent and "Sent by" not in sent


def test_sales_users_do_not_see_the_submissions_pages(sales_client, failed_submission):
    assert sales_client.get("/submissions/").status_code == 403
    assert sales_client.get(f"/submissions/{failed_submission.public_id}/").status_code == 403
    assert sales_client.post(f"/submissions/{failed_submission.public_id}/retry/").status_code == 403
    assert sales_client.post(f"/submissions/{failed_submission.public_id}/close/", {"note": "x"}).status_code == 403
    failed_submission.refresh_from_db()
    assert failed_submission.state == Submission.State.FAILED


@pytest.mark.parametrize("action", ["close", "retry"])
def test_an_actions_address_opened_leads_back_to_the_submission_not_to_a_blank_405(admin_client_logged_in, sales_client,
                                                                                 failed_submission, action):
    """The page shown after "Close" without a note has the close address; reloading it was a bare 405."""
    url = f"/submissions/{failed_submission.public_id}/"
    assert sales_client.get(f"{url}{action}/").status_code == 403
    opened = admin_client_logged_in.get(f"{url}{action}/?from=failed")
    assert (opened.status_code, opened["Location"]) == (303, f"{url}?from=failed")
    assert admin_client_logged_in.get(f"{url}{action}/")["Location"] == url
    failed_submission.refresh_from_db()
    assert failed_submission.state == Submission.State.FAILED  # nothing was done


def test_an_admin_closes_a_submission_with_a_note_and_its_sender_is_told(admin_client_logged_in, sales_client,
                                                                         failed_submission):
    url = f"/submissions/{failed_submission.public_id}/"
    page = admin_client_logged_in.get(url)
    assert "Settled by hand in the ERP? Close it" in text(page)

    empty = admin_client_logged_in.post(f"{url}close/", {"note": " "})
    assert empty.status_code == 400
    assert slot(empty, "id_close_note_error") == "Say what was done in the ERP, so the next person knows."
    long = admin_client_logged_in.post(f"{url}close/", {"note": "x" * 1001})
    assert slot(long, "id_close_note_error") == "Keep it to 1 000 characters (it has 1 001)."
    assert "x" * 1001 in long.content.decode()  # what was typed is kept

    closed = admin_client_logged_in.post(f"{url}close/", {"note": "Confirmed by hand with project 1001"},
                                         follow=True)
    body = text(closed)
    assert "Closed. Nothing more will be sent for this order." in body
    assert "Closed by Ada Admin on" in body and "Confirmed by hand with project 1001" in body
    assert "Try again" not in body and "Open in builder" not in body and "Close it" not in body
    assert "Closed 1" in text(admin_client_logged_in.get("/submissions/"))
    again = admin_client_logged_in.post(f"{url}close/", {"note": "Once more"}, follow=True)
    assert "This order is closed: only one that failed or needs attention can be closed." in text(again)

    # Its sender, opening the form again, is told and taken away from it.
    sent_again = sales_client.get(f"/c/nordlys/orders/new/{failed_submission.public_id}/", follow=True)
    assert "An admin closed this order after settling it in the ERP: Confirmed by hand with project 1001" in text(sent_again)
    assert sent_again.redirect_chain[-1][0] == f"/c/nordlys/orders/{failed_submission.upstream_order_id}/"


def test_a_submission_that_needs_attention_is_checked_again_on_request(admin_client_logged_in, failed_submission,
                                                                       upstream):
    """The project was added in the ERP by hand; "Check the ERP again" carries on and sends the rest."""
    Submission.objects.filter(pk=failed_submission.pk).update(state=Submission.State.NEEDS_ATTENTION)
    url = f"/submissions/{failed_submission.public_id}/"
    assert "Check the ERP again" in text(admin_client_logged_in.get(url))
    order_id = failed_submission.upstream_order_id
    upstream.api("PATCH", f"/salesorders/{order_id}", json={
        "dimensions": [{"dimensionType": 1, "value": "1001", "name": "x"}]}).raise_for_status()

    checked = admin_client_logged_in.post(f"{url}retry/", follow=True)

    assert f"Sent: order #{order_id} is in 24SevenOffice." in text(checked)
    assert upstream.api("GET", f"/salesorders/{order_id}").json()["status"] == "Confirmed"


# --- sending: never refused, never stuck ----------------------------------------------------------------

def banner_of(response) -> str:
    """The banner's text, on a whole page or as the banner alone (the page's own look answers that)."""
    if 'id="builder-customer"' not in response.content.decode():
        return text(response)
    return region(response, "builder-banner", "builder-customer")


def test_try_again_with_the_form_as_shown_finishes_an_order_whose_status_answer_was_lost(sales_client, upstream):
    """The form comes back with its numbers spelled anew (2385 as 2385.00, 2,50 as 2.5): that is the
    same order, not a correction, so Try again carries on instead of refusing it."""
    started = timezone.now()
    state = order_state(status="Confirmed", lines=[product_line(quantity="2,50", price="2385"),
                                                   product_line(quantity="1", price="99.9", description="Two")])
    upstream.fault("PATCH /salesorders/*", "500")  # the final status change: its answer is lost

    response = press(sales_client, NEW, posted(state), "submit")

    submission = Submission.objects.get()
    page = sales_client.get(response["Location"])
    assert "Checking with 24SevenOffice" in banner_of(page)
    form = form_of(page)
    assert (form["lines-0-quantity"], form["lines-0-price"]) != ("2,50", "2385")  # spelled anew
    done = press(sales_client, response["Location"], form, "submit")

    (order,) = orders_sent(upstream, started)
    assert done.status_code == 302 and done["Location"] == f"/c/nordlys/orders/{order['id']}/"
    assert erp_json(upstream, f"/salesorders/{order['id']}")["status"] == "Confirmed"
    assert [l["description"] for l in erp_json(upstream, f"/salesorders/{order['id']}/lines")] == [
        "Seniorkonsulent", "Two"]
    assert submission.steps.count() == 4  # nothing was planned again


def test_a_second_click_while_the_first_is_sending_waits_and_is_then_shown_the_outcome(sales_client, upstream,
                                                                                      monkeypatch):
    from orders.views import builder as views

    monkeypatch.setattr(views, "SENDING_WAIT_SECONDS", 0.3)
    upstream.fault("POST /salesorders/*/lines", "503")
    failed = press(sales_client, NEW, posted(order_state()), "submit")
    submission = Submission.objects.get()
    form = form_of(sales_client.get(failed["Location"]))
    # The first "Try again" is still sending, in another (live) process.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.IN_PROGRESS, claimed_by=f"{socket.gethostname()}:{holder.pid}:1")

        second = press(sales_client, failed["Location"], form, "submit", **HTMX)

        banner = banner_of(second)
        assert "Sending to 24SevenOffice…" in banner and "This page updates by itself." in banner
        assert "can only be corrected after a failure" not in text(second)
        assert re.search(rf'data-hx-post="/c/nordlys/orders/new/{submission.public_id}/check/"\s+data-hx-trigger="load delay:1s"',
                         second.content.decode())
    finally:
        holder.kill()
        holder.wait()
    # The first sender is gone: the page's next look takes over and shows the outcome, the new order.
    outcome = sales_client.post(f"/c/nordlys/orders/new/{submission.public_id}/check/", **HTMX)
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUCCEEDED
    assert outcome["HX-Redirect"] == f"/c/nordlys/orders/{submission.upstream_order_id}/"


def test_an_htmx_submit_of_a_form_an_admin_closed_leads_to_the_order(sales_client, failed_submission):
    Submission.objects.filter(pk=failed_submission.pk).update(state=Submission.State.CLOSED, close_note="By hand")
    form = posted(order_state(status="Confirmed", sales_type_id="3"), token=failed_submission.token)

    response = press(sales_client, NEW, form, "submit", **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/c/nordlys/orders/{failed_submission.upstream_order_id}/"


def test_a_write_in_doubt_is_checked_by_the_page_itself_once_it_has_settled(sales_client, upstream, settings):
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 1}
    upstream.fault("POST /salesorders", "drop_after_commit")
    response = press(sales_client, NEW, posted(order_state()), "submit")
    submission = Submission.objects.get()
    page = sales_client.get(response["Location"])
    banner = banner_of(page)
    assert "Checking with 24SevenOffice" in banner and "may still be working on it" not in banner
    assert "The dashboard checks the ERP before it sends anything again" in banner
    assert "Try again" not in banner  # nothing for the user to do: the page looks again by itself
    # Said by the heading too, and the form is shown as it was sent, not for changing, meanwhile.
    assert '<h1 id="builder-title" class="page-title">Checking the order</h1>' in page.content.decode()
    assert '<fieldset class="builder__fields" disabled' in page.content.decode()
    check = f"/c/nordlys/orders/new/{submission.public_id}/check/"
    assert f'data-hx-post="{check}"' in page.content.decode()
    since = upstream.last_call_id()

    early = sales_client.post(check, **HTMX)  # before the first write can no longer land

    assert "may still be working on it" in banner_of(early) and upstream.calls(since) == []
    time.sleep(1.1)
    done = sales_client.post(check, **HTMX)
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUCCEEDED
    assert done["HX-Redirect"] == f"/c/nordlys/orders/{submission.upstream_order_id}/"
    assert len(orders_sent(upstream, submission.created_at)) == 1


def test_without_javascript_check_now_looks_and_leads_on(sales_client, upstream):
    upstream.fault("POST /salesorders", "drop_after_commit")
    response = press(sales_client, NEW, posted(order_state()), "submit")
    submission = Submission.objects.get()

    checked = sales_client.post(f"/c/nordlys/orders/new/{submission.public_id}/check/")

    submission.refresh_from_db()
    assert checked.status_code == 302 and checked["Location"] == f"/c/nordlys/orders/{submission.upstream_order_id}/"
    assert response["Location"] == f"/c/nordlys/orders/new/{submission.public_id}/"


def test_a_long_order_is_sent_over_several_requests_showing_how_far_it_got(sales_client, upstream, monkeypatch):
    from orders.views import builder as views

    monkeypatch.setattr(views, "SEND_BUDGET_SECONDS", 0)  # one step per request
    state = order_state(lines=[product_line(description=f"Line {n}") for n in range(1, 4)])

    response = press(sales_client, NEW, posted(state), "submit", **HTMX)

    submission = Submission.objects.get()
    assert "1 of 4 steps done. This page updates by itself." in banner_of(response)
    check = f"/c/nordlys/orders/new/{submission.public_id}/check/"
    looks = [sales_client.post(check, **HTMX) for _ in range(3)]
    assert "2 of 4 steps done." in banner_of(looks[0]) and "3 of 4 steps done." in banner_of(looks[1])
    submission.refresh_from_db()
    assert looks[2]["HX-Redirect"] == f"/c/nordlys/orders/{submission.upstream_order_id}/"
    assert [l["description"] for l in erp_json(upstream, f"/salesorders/{submission.upstream_order_id}/lines")] \
        == ["Line 1", "Line 2", "Line 3"]


def test_the_page_reloads_when_its_order_leaves_the_state_it_shows(sales_client, upstream, monkeypatch):
    """Its look swapped only the banner: an order that failed while "Sending the order" kept that heading, and
    its form stayed locked, until the user reloaded."""
    from orders.views import builder as views

    monkeypatch.setattr(views, "SEND_BUDGET_SECONDS", 0)  # one step per request
    state = order_state(lines=[product_line(description=f"Line {n}") for n in range(1, 3)])
    sending = press(sales_client, NEW, posted(state), "submit", **HTMX)
    submission = Submission.objects.get()
    assert '<h1 id="builder-title" class="page-title">Sending the order</h1>' in sending.content.decode()
    assert '<fieldset class="builder__fields" disabled' in sending.content.decode()
    assert """data-hx-vals='{"shown": "sending"}'""" in sending.content.decode()
    check = f"/c/nordlys/orders/new/{submission.public_id}/check/"
    still = sales_client.post(check, {"shown": "sending"}, **HTMX)
    assert "2 of 3 steps done." in banner_of(still) and "HX-Refresh" not in still
    upstream.fault("POST /salesorders/*/lines", "503")

    failed = sales_client.post(check, {"shown": "sending"}, **HTMX)

    assert failed["HX-Refresh"] == "true"
    page = sales_client.get(f"/c/nordlys/orders/new/{submission.public_id}/").content.decode()
    assert '<h1 id="builder-title" class="page-title">Send order again</h1>' in page
    assert '<fieldset class="builder__fields">' in page and "Try again" in page


def test_a_look_that_finds_the_order_in_another_locked_state_answers_the_banner_and_heading(sales_client, upstream,
                                                                                           settings):
    """From one locked state to another (sent, then in doubt; for QuickBooks, waiting, then taken by the worker)
    the page is not loaded again: the banner and the heading change in place."""
    settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 30}
    upstream.fault("POST /salesorders", "drop_after_commit")
    press(sales_client, NEW, posted(order_state()), "submit")
    submission = Submission.objects.get()

    look = sales_client.post(f"/c/nordlys/orders/new/{submission.public_id}/check/", {"shown": "sending"}, **HTMX)

    assert "HX-Refresh" not in look and "Checking with 24SevenOffice" in banner_of(look)
    assert re.search(r'<h1 id="builder-title" class="page-title" data-hx-swap-oob="true">Checking the order</h1>',
                     look.content.decode())
    same = sales_client.post(f"/c/nordlys/orders/new/{submission.public_id}/check/", {"shown": "checking"}, **HTMX)
    assert 'id="builder-title"' not in same.content.decode()


def test_its_sender_can_have_an_order_that_needs_attention_checked_again(sales_client, failed_submission, upstream):
    Submission.objects.filter(pk=failed_submission.pk).update(state=Submission.State.NEEDS_ATTENTION)
    url = f"/c/nordlys/orders/new/{failed_submission.public_id}/"
    assert "Check the ERP again" in banner_of(sales_client.get(url))
    upstream.api("PATCH", f"/salesorders/{failed_submission.upstream_order_id}", json={
        "dimensions": [{"dimensionType": 1, "value": "1001", "name": "x"}]}).raise_for_status()

    checked = sales_client.post(f"{url}check/", {"recheck": "1"}, **HTMX)

    assert checked["HX-Redirect"] == f"/c/nordlys/orders/{failed_submission.upstream_order_id}/"


def test_messages_stored_before_lose_the_builder_s_next_step_so_it_is_said_once(failed_submission, sales_client):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("orders.migrations.0012_submission_messages_without_next_steps")
    old = {
        "The order could not be sent to the ERP. Busy. Nothing was lost: press Try again.":
            "The order could not be sent to the ERP. Busy. Nothing was lost.",
        "The order was created in the ERP (#7), but line 3 could not be added. Busy. Nothing was lost: press Try "
        "again to continue from line 3.": "The order was created in the ERP (#7), but line 3 could not be added. "
                                          "Busy. Nothing was lost.",
        "It will be sent when the PC running QuickBooks answers. Offline. Nothing was lost. You can leave this page.":
            "It will be sent when the PC running QuickBooks answers. Offline. Nothing was lost.",
        # Not the builder's words: kept.
        "Nothing was created in QuickBooks; once the connection is put right, press Try again.":
            "Nothing was created in QuickBooks; once the connection is put right, press Try again.",
    }
    for before, after in old.items():
        Submission.objects.filter(pk=failed_submission.pk).update(last_error=before)
        migration.without_next_steps(apps, None)
        assert Submission.objects.get(pk=failed_submission.pk).last_error == after
    Submission.objects.filter(pk=failed_submission.pk).update(  # a failure to send again, not a rejection
        last_error="The order could not be sent to the ERP. Busy. Nothing was lost: press Try again.", form_errors={})
    migration.without_next_steps(apps, None)
    banner = region(sales_client.get(f"/c/nordlys/orders/new/{failed_submission.public_id}/"), "builder-banner",
                    "builder-customer")
    assert "Nothing was lost. Press Try again." in banner and banner.count("Try again") == 2  # the sentence, its button


@pytest.mark.parametrize(("field", "typed"), [("quantity", "٣"), ("price", "1e999"), ("quantity", "99999999999999999999")])
def test_a_number_that_cannot_be_used_says_so_at_once_and_the_line_keeps_its_last_figures(sales_client, field, typed):
    state = order_state(lines=[product_line(quantity="2", price="100"), product_line(quantity="1", price="50")])
    shown = form_of(press(sales_client, NEW, posted(state), "refresh"))
    state["lines"][0][field] = typed

    response = sales_client.post(NEW, recalculation(state, {i: shown[f"lines-{i}-shown"] for i in range(2)}),
                                 **HTMX)

    assert slot(response, f"id_lines-0-{field}_error")  # said next to the field while typing, not at Create order
    assert slot(response, "builder-grand-total") == "312.50 NOK"  # the last figures that could be worked out


def test_the_totals_note_never_says_a_line_is_both_kept_and_not_counted():
    from types import SimpleNamespace

    taxes = [SimpleNamespace(id=TAX_25, rate=Decimal(25))]
    unknown_tax = {"type": "product", "quantity": "x", "price": "100", "discount_rate": "", "tax_id": "99"}
    being_typed = {**unknown_tax, "tax_id": str(TAX_25)}
    figures = forms.figures([unknown_tax, being_typed], taxes, shown=["100.00 25.00", "100.00 25.00"])
    assert (figures.kept, figures.uncounted) == ((2,), (1,))
    assert figures.note == "Line 2 keeps its last figures and line 1 is not counted until their numbers can be read."
    assert figures.totals.gross == Decimal("125.00")
