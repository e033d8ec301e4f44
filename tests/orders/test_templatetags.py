import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from orders.templatetags.orders_tags import amount, iso_datetime, money_format, number, percent


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("12345.5"), "NOK", "12,345.50 NOK"),
        (Decimal("0"), "NOK", "0.00 NOK"),
        (Decimal("-1234567.891"), "EUR", "-1,234,567.89 EUR"),
        (Decimal("0.005"), "NOK", "0.01 NOK"),  # half up, like the ERP
        (Decimal("-0.004"), "NOK", "0.00 NOK"),  # never "-0.00"
        (Decimal("999999999999.99"), "NOK", "999,999,999,999.99 NOK"),
        (None, "NOK", "—"),
        ("49.99", "NOK", "49.99 NOK"),
        (7, "SEK", "7.00 SEK"),
    ],
)
def test_money_formats_two_decimals_thousands_and_currency(value, currency, expected):
    assert money_format(value, currency) == expected


def test_money_never_goes_through_float():
    # 0.1 + 0.2 in binary floating point is 0.30000000000000004; a float path would still round to
    # 0.30, so use a value whose float rounding differs: 2.675 is 2.67499999… as a float.
    assert money_format(Decimal("2.675"), "NOK") == "2.68 NOK"
    assert money_format(Decimal("1.005"), "NOK") == "1.01 NOK"
    # Exact beyond float precision: 17 significant digits.
    assert amount(Decimal("12345678901234.565")) == "12,345,678,901,234.57"


def test_money_filter_in_a_template():
    rendered = Template("{% load orders_tags %}{{ value|money:ccy }}").render(
        Context({"value": Decimal("1234.5"), "ccy": "NOK"})
    )
    assert rendered == "1,234.50 NOK"


def test_money_cell_marks_up_number_and_currency():
    rendered = Template("{% load orders_tags %}{% money_cell value 'EUR' %}").render(
        Context({"value": Decimal("99.9")})
    )
    assert rendered == '<span class="money">99.90<span class="money__ccy">EUR</span></span>'


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("2.000"), "2"), (Decimal("1.50"), "1.5"), (Decimal("1250"), "1,250"), (Decimal("100"), "100")],
)
def test_number_drops_trailing_zeros(value, expected):
    assert number(value) == expected


def test_percent():
    assert percent(Decimal("25.00")) == "25 %"
    assert percent(Decimal("12.5")) == "12.5 %"


def test_status_badge_has_a_class_per_status_and_the_label():
    rendered = Template("{% load orders_tags %}{% status_badge 'AdvanceInvoice' %}").render(Context())
    assert 'class="badge badge--advanceinvoice"' in rendered
    assert "Advance invoice" in rendered


def test_form_field_lays_out_label_widget_error_slot_and_help():
    from django import forms
    from django.template import engines

    class Form(forms.Form):
        name = forms.CharField(label="Name & co", help_text="As on <the> invoice", max_length=3)

    form = Form(data={"name": "too <long>"})
    html = engines["django"].from_string("{% load orders_tags %}{% form_field form.name True %}").render({"form": form})
    assert html.startswith('<div class="field field--name field--invalid">')
    assert '<label class="field__label" for="id_name">Name &amp; co</label>' in html
    assert 'value="too &lt;long&gt;"' in html  # what the user typed stays, escaped
    assert '<p class="field__error" id="id_name_error" data-error-for="id_name" data-hx-swap-oob="true">' in html
    assert "Ensure this value has at most 3 characters" in html
    assert '<p class="field__help" id="id_name_helptext">As on &lt;the&gt; invoice</p>' in html


def test_order_rows_escape_what_the_upstream_sends():
    import datetime as dt
    from decimal import Decimal

    from orders.domain import ListedOrder
    from orders.templatetags.orders_tags import order_rows

    order = ListedOrder(id=7, status='Draft"><script>', customer_id=3, customer_name="<b>Ærø</b>",
                        date=dt.date(2026, 11, 2), currency_code="<x>", net_amount=Decimal("1"))
    from orders.models import ErpConnection

    html = order_rows({"connection": ErpConnection(slug="nordlys")}, [order], "back=status%3DDraft")
    assert "<script>" not in html and "<b>" not in html and "<x>" not in html
    assert "&lt;b&gt;Ærø&lt;/b&gt;" in html
    assert 'href="/c/nordlys/orders/7/?back=status%3DDraft"' in html
    assert "2 Nov 2026" in html


def test_path_tag_gives_the_same_paths_as_url_and_follows_the_script_prefix():
    from django.template import engines
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from orders.models import ErpConnection

    nordlys, lakeshore = ErpConnection(slug="nordlys"), ErpConnection(slug="lakeshore")
    template = engines["django"].from_string(
        "{% load orders_tags %}{% path 'orders:list' %} {% path 'orders:detail' 1572 %} "
        "{% url 'orders:list' 'nordlys' %} {% path 'orders:detail' '1A2B-1234567890' of=other %} {% path 'logout' %}")
    context = {"connection": nordlys, "other": lakeshore}
    assert template.render(context) == (
        f"{reverse('orders:list', args=['nordlys'])} {reverse('orders:detail', args=['nordlys', 1572])} "
        f"{reverse('orders:list', args=['nordlys'])} /c/lakeshore/orders/1A2B-1234567890/ {reverse('logout')}")
    assert template.render({}).startswith("  ")  # no company: no order links
    before = get_script_prefix()
    set_script_prefix("/sales/")
    try:
        assert template.render(context) == ("/sales/c/nordlys/orders/ /sales/c/nordlys/orders/1572/ "
                                            "/sales/c/nordlys/orders/ /sales/c/lakeshore/orders/1A2B-1234567890/ "
                                            "/sales/accounts/logout/")
    finally:
        set_script_prefix(before)


def test_detail_line_rows_show_each_line_with_its_amounts_and_escape_what_the_erp_sent():
    from orders.domain import Line
    from orders.templatetags.orders_tags import detail_line_rows

    html = detail_line_rows([
        Line(id=1, type="product", description="Konsulent <b>senior</b>", quantity=Decimal("1.5"),
             price=Decimal("1200"), discount_rate=Decimal("10"), tax_rate=Decimal("25"), product_number="KON-1001"),
        Line(id=2, type="text", description="Levering avtalt & bekreftet"),
        Line(id=3, type="text", description="Rigg og drift", quantity=Decimal(1), price=Decimal("500"),
             tax_rate=Decimal("25")),
    ])
    first, second, third = html.split("\n")
    assert "Konsulent &lt;b&gt;senior&lt;/b&gt;" in first and "<b>" not in first
    assert ">KON-1001<" in first and ">1.5<" in first and ">1,200.00<" in first and ">10 %<" in first
    assert ">1,620.00<" in first and ">405.00<" in first and ">2,025.00<" in first  # net, tax, gross
    assert 'class="line--text"' in second and 'colspan="8"' in second and "Levering avtalt &amp; bekreftet" in second
    # A text line with a price counts like any other line, so it shows its amounts.
    assert 'class="line--text"' not in third and '<span class="chip">Text</span>' in third and ">625.00<" in third
    assert '<span class="muted">—</span>' in third  # no discount


def test_comparison_rows_flag_changes_and_fields_the_record_lacks():
    from orders.services import FieldComparison
    from orders.templatetags.orders_tags import comparison_rows

    html = comparison_rows([
        FieldComparison(label="Name", snapshot="Ærø Bøker AS", current="Ærø Bøker & Co AS"),
        FieldComparison(label="City", snapshot="Oslo", current="Oslo"),
        FieldComparison(label="GLN", snapshot="7080000000001", current="", comparable=False),
    ])
    name, city, gln = html.split("\n")
    assert name.startswith('<tr class="is-changed">') and "Changed</span>" in name and "Ærø Bøker &amp; Co AS" in name
    assert city.startswith("<tr>") and "Changed" not in city
    assert "Not in the record" in gln and "Changed" not in gln


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # HTML's <time datetime> takes at most three fraction digits ("c" and isoformat() give six).
        (dt.datetime(2026, 11, 30, 12, 2, 29, 484071, tzinfo=dt.UTC), "2026-11-30T13:02:29.484+01:00"),
        (dt.datetime(2026, 11, 30, 12, 2, 29, tzinfo=dt.UTC), "2026-11-30T13:02:29+01:00"),
        (dt.datetime(2026, 7, 1, 12, 0, 0, 999, tzinfo=dt.UTC), "2026-07-01T14:00:00+02:00"),
        (dt.datetime(2026, 7, 1, 12, 0, 0, 120000), "2026-07-01T12:00:00.120"),
        (dt.date(2026, 7, 1), "2026-07-01"),
        (None, ""),
    ],
)
def test_a_moment_for_a_time_element_is_local_and_to_the_millisecond_at_most(value, expected, settings):
    settings.TIME_ZONE = "Europe/Oslo"
    assert iso_datetime(value) == expected
    assert Template("{% load orders_tags %}{{ value|datetime_attr }}").render(Context({"value": value})) == expected


def test_ago_says_just_now_for_the_last_minute_then_how_long():
    import datetime as dt

    from django.utils import timezone

    from orders.templatetags.orders_tags import ago

    now = timezone.now()
    assert ago(now - dt.timedelta(seconds=20)) == "just now"
    assert ago(now - dt.timedelta(minutes=3, seconds=5)) == "3\xa0minutes ago"
    assert ago(None) == ""


def test_day_and_day_time_read_as_django_s_date_filter():
    import datetime as dt

    from django.template import engines

    engine = engines["django"]
    dates = [None] + [dt.date(2026, month, month * 2) for month in range(1, 13)]
    moments = [None, dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
               dt.datetime(2026, 6, 1, 8, 5, tzinfo=dt.timezone(dt.timedelta(hours=-6))), dt.datetime(2026, 9, 9, 9, 9)]

    def both(ours: str, django: str, value) -> tuple[str, str]:
        return (engine.from_string("{% load orders_tags %}" + ours).render({"v": value}),
                engine.from_string(django).render({"v": value}))

    for value in dates + moments:
        ours, django = both("{{ v|day }}", '{{ v|date:"j M Y" }}', value)
        assert ours == django, value
    for value in moments:
        ours, django = both("{{ v|day_time }}", '{{ v|date:"j M Y, H:i" }}', value)
        assert ours == django, value


def test_a_listed_order_s_modified_cell_reads_as_the_date_filter_with_a_millisecond_time_attribute(settings):
    from django.template import engines

    from orders.domain import ListedOrder
    from orders.models import ErpConnection
    from orders.templatetags.orders_tags import order_rows

    settings.TIME_ZONE = "Europe/Oslo"
    engine = engines["django"]
    for moment in (dt.datetime(2026, 3, 29, 0, 30, 5, 484071, tzinfo=dt.UTC),  # the night clocks go forward
                   dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
                   dt.datetime(2026, 6, 1, 8, 5, tzinfo=dt.timezone(dt.timedelta(hours=-6)))):
        order = ListedOrder(id=7, status="Draft", customer_id=3, customer_name="Ærø", date=dt.date(2026, 11, 2),
                            currency_code="NOK", net_amount=Decimal("1"), modified_at=moment)
        html = order_rows({"connection": ErpConnection(slug="nordlys")}, [order])
        shown = engine.from_string('{{ v|date:"j M Y, H:i" }}').render({"v": moment})
        assert f'<time datetime="{iso_datetime(moment)}">{shown}</time>' in html, moment


TAB_LOOP = """<nav class="tabs" aria-label="Order status">
  <ul class="tabs__list">
    {% for tab in status_tabs %}<li><a class="tab{% if tab.active %} tab--active{% endif %}" href="{{ tab.url }}"\
{% if tab.active %} aria-current="true"{% endif %} data-hx-get="{{ tab.url }}" data-hx-target="#order-table" \
data-hx-swap="outerHTML" data-hx-push-url="true" data-hx-indicator="#results">{% if tab.value %}<span class="tab__dot \
{{ tab.dot }}" aria-hidden="true"></span>{% endif %}{{ tab.label }}{% if "count" in tab %} <span class="tab__count">\
{{ tab.count }}</span>{% endif %}</a></li>{% if not forloop.last %}
    {% endif %}{% endfor %}
  </ul>
</nav>"""


@pytest.mark.parametrize("with_counts", [False, True])
def test_status_tabs_are_the_markup_a_template_loop_gives_and_escape_their_links(with_counts):
    from django.template import engines

    from orders.templatetags.orders_tags import status_tab_nav

    tabs = [{"value": "", "label": "All", "dot": "tab__dot--", "url": "?a=1&b=<2>", "active": False},
            {"value": "Draft", "label": "Draft & <new>", "dot": "tab__dot--draft", "url": "?status=Draft",
             "active": True}]
    if with_counts:
        for count, tab in enumerate(tabs, start=1234):
            tab["count"] = count
    expected = engines["django"].from_string(TAB_LOOP).render({"status_tabs": tabs})
    html = status_tab_nav(tabs)
    assert html == expected
    assert 'href="?a=1&amp;b=&lt;2&gt;"' in html and "Draft &amp; &lt;new&gt;" in html
    assert ('<span class="tab__count">1234</span>' in html) is with_counts


def test_datalist_options_are_the_markup_of_a_template_loop():
    names = ("Addison Dental Group", "O'Hare Freight & Co", 'The "Best" <Chairs>', "Ærø Bøker AS")
    loop = Template('{% for name in names %}<option value="{{ name }}"></option>{% endfor %}')
    tag = Template("{% load orders_tags %}{% datalist_options names %}")

    assert tag.render(Context({"names": names})) == loop.render(Context({"names": names}))
    assert tag.render(Context({"names": list(names)})) == loop.render(Context({"names": names}))
    assert tag.render(Context({"names": ()})) == ""


def test_a_kept_order_row_is_never_another_orders_or_another_lists():
    import dataclasses

    from django.utils import timezone

    from orders.domain import ListedOrder
    from orders.models import ErpConnection
    from orders.templatetags.orders_tags import _order_row, order_rows

    context = {"connection": ErpConnection(slug="nordlys")}
    order = ListedOrder(id=7, status="Draft", customer_id=3, customer_name="Ærø Bøker AS", date=dt.date(2026, 11, 2),
                        net_amount=Decimal("100"), gross_amount=Decimal("125"),
                        modified_at=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC))
    first = order_rows(context, [order])
    assert order_rows(context, [dataclasses.replace(order)]) == first  # an equal order: the kept row
    _order_row.cache_clear()
    assert order_rows(context, [order]) == first  # the kept row is the row made afresh

    # Anything the row shows, changed, makes a new row.
    for changed in ({"status": "Confirmed"}, {"customer_name": "OBR Renhold AS"}, {"gross_amount": Decimal("125.01")},
                    {"invoice_number": 10006}, {"modified_at": dt.datetime(2026, 11, 2, 9, 31, tzinfo=dt.UTC)}):
        assert order_rows(context, [dataclasses.replace(order, **changed)]) != first, changed
    assert "?back=status%3DDraft" in order_rows(context, [order], "back=status%3DDraft")
    assert "/c/lakeshore/orders/7/" in order_rows({"connection": ErpConnection(slug="lakeshore")}, [order])
    with timezone.override("America/New_York"):
        assert "2 Nov 2026, 04:30" in order_rows(context, [order])
    assert "2 Nov 2026, 10:30" in order_rows(context, [order])  # Oslo again
