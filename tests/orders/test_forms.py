import datetime as dt

from django.http import QueryDict

from orders.forms import IdInput, OrderFilterForm
from orders.services import OrderFilters


def bound(query: str, **kwargs) -> OrderFilterForm:
    form = OrderFilterForm(QueryDict(query), **kwargs)
    form.is_valid()
    return form


def test_no_filters_means_defaults():
    form = bound("")
    assert form.is_valid()
    assert form.to_filters() == OrderFilters(page_size=25)


def test_every_filter_reaches_the_service_filters():
    form = bound(
        "status=Invoice&date_from=2025-01-01&date_to=2025-01-31&customer=1004"
        "&invoice_number=10023&modified_since=2025-02-01&page_size=50"
    )
    assert form.errors == {}
    assert form.to_filters() == OrderFilters(
        status="Invoice",
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 1, 31),
        customer_id=1004,
        invoice_number="10023",
        modified_since=dt.date(2025, 2, 1),
        page_size=50,
    )


def test_a_bad_date_is_an_error_on_its_field_and_the_other_filters_still_apply():
    form = bound("status=Draft&date_from=2025-13-45&page_size=10")
    assert list(form.errors) == ["date_from"]
    assert form.to_filters() == OrderFilters(status="Draft", page_size=10)


def test_from_after_to_is_an_error_and_the_range_is_dropped():
    form = bound("date_from=2025-03-01&date_to=2025-02-01&customer=7")
    assert "date_to" in form.errors
    assert "on or after" in form.errors["date_to"][0]
    filters = form.to_filters()
    assert (filters.date_from, filters.date_to, filters.customer_id) == (None, None, 7)


def test_unknown_status_and_page_size_fall_back():
    form = bound("status=Bogus&page_size=1000")
    assert set(form.errors) == {"status", "page_size"}
    assert form.to_filters() == OrderFilters(status="", page_size=25)


def test_invoice_number_is_digits_only():
    form = bound("invoice_number=12a")
    assert "invoice_number" in form.errors
    assert form.to_filters().invoice_number == ""


def test_customer_is_a_select_when_the_list_loads():
    form = bound("customer=2", customer_choices=((1, "Acme AS"), (2, "Bergen Bygg AS")))
    html = str(form["customer"])
    assert "<select" in html
    assert '<option value="2" selected>Bergen Bygg AS</option>' in html
    assert form.to_filters().customer_id == 2


def test_the_customer_filtered_by_is_the_one_shown_however_its_id_was_written():
    form = bound("customer=+0002+", customer_choices=((1, "Acme AS"), (2, "Bergen Bygg AS")))
    assert form.to_filters().customer_id == 2
    assert '<option value="2" selected>Bergen Bygg AS</option>' in str(form["customer"])


def test_customer_not_in_the_list_stays_visible():
    form = bound("customer=99", customer_choices=((1, "Acme AS"),))
    assert '<option value="99" selected>Customer #99</option>' in str(form["customer"])


def test_customer_degrades_to_a_number_input_with_a_note():
    form = bound("customer=abc", customers_unavailable=True)
    html = str(form["customer"])
    assert 'type="number"' in html
    assert "could not be loaded" in form["customer"].help_text
    assert "customer" in form.errors


def test_a_date_or_id_that_html_cannot_hold_is_shown_as_typed_in_a_text_box_or_empty():
    """A date box cannot hold "junk" (invalid HTML; the browser would show it empty): it is shown in a
    text box, as typed, with its error. A number box for an id shows it empty, as a browser would."""
    form = bound("date_from=junk&date_to=2026-02-30&modified_since=2026-01-05")
    assert not form.is_valid()
    assert '<input type="text" name="date_from" value="junk"' in str(form["date_from"])
    assert '<input type="text" name="date_to" value="2026-02-30"' in str(form["date_to"])
    assert '<input type="date" name="modified_since" value="2026-01-05"' in str(form["modified_since"])
    assert form.errors["date_from"] and form.errors["date_to"]
    widget = IdInput()
    assert '<input type="number" name="customer" value="10024"' in widget.render("customer", "10024")
    assert "value=" not in widget.render("customer", "abc")
