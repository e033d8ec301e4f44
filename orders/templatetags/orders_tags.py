"""Template filters and tags for the order pages: money, quantities, percentages, status badges.

Money never goes through ``float``: amounts are ``Decimal`` from the domain; anything else is read with
``orders.money.to_decimal`` (exact) before formatting.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from html import escape
from urllib.parse import quote

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from orders import money
from orders.domain import ORDER_STATE_LABELS, STATUS_LABELS, day_text
from orders.forms.fields import far_date_note
from orders.paths import order_path, path_to

register = template.Library()

MISSING = "—"
# Hyphen-minus keeps copied amounts pasteable into spreadsheets; the typography is tabular anyway.
MINUS = "-"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return money.to_decimal(value)


def format_amount(value: object) -> str:
    """``Decimal("12345.5")`` → ``"12,345.50"``: two decimals (half up), comma thousands, no float."""
    amount = _decimal(value)
    if amount is None:
        return MISSING
    rounded = money.round_money(amount)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    text = f"{abs(rounded):,.2f}"
    return f"{MINUS}{text}" if rounded < 0 else text


@register.filter
def amount(value: object) -> str:
    """The number alone, for tables whose currency is shown elsewhere."""
    return format_amount(value)


@register.filter
def money_format(value: object, currency: str = "NOK") -> str:
    """``{{ order.gross_amount|money:order.currency_code }}`` → ``"12,345.50 NOK"``."""
    text = format_amount(value)
    if text == MISSING:
        return MISSING
    return f"{text} {currency}" if currency else text


register.filter("money", money_format)


def money_cell_html(value: object, currency: str = "NOK") -> str:
    """Money as markup (escaped here): the number and a muted currency code (none when ``currency`` is
    empty: the company's own), for table cells."""
    text = format_amount(value)
    if text == MISSING:
        return f'<span class="money money--missing">{MISSING}</span>'
    code = f'<span class="money__ccy">{escape(currency)}</span>' if currency else ""
    return f'<span class="money">{text}{code}</span>'


@register.simple_tag
def money_cell(value: object, currency: str = "NOK") -> str:
    """Money as markup: the number and a muted currency code, for right-aligned table cells."""
    return mark_safe(money_cell_html(value, currency))


@register.filter
def number(value: object) -> str:
    """A quantity or rate without trailing zeros and with thousands separators: ``2``, ``1.5``, ``1,250``."""
    number_value = _decimal(value)
    if number_value is None:
        return MISSING
    normalized = number_value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    if normalized == 0:
        normalized = abs(normalized)
    return f"{normalized:,f}"


@register.filter
def percent(value: object) -> str:
    """``Decimal("25.00")`` → ``"25 %"``; ``Decimal("12.5")`` → ``"12.5 %"``."""
    text = number(value)
    return MISSING if text == MISSING else f"{text} %"


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@register.filter
def state_label(state: str) -> str:
    """A QuickBooks order's state in words (``partly_invoiced`` → "Partly invoiced")."""
    return ORDER_STATE_LABELS.get(state, state)


@register.simple_tag
def status_badge(status: str) -> str:
    return mark_safe(status_badge_html(status))


def status_badge_html(status: str) -> str:
    slug = escape((status or "unknown").lower())
    label = escape(STATUS_LABELS.get(status, status or "Unknown"))
    return f'<span class="badge badge--{slug}"><span class="badge__dot" aria-hidden="true"></span>{label}</span>'


def iso_datetime(value: dt.datetime | dt.date | None) -> str:
    """A moment for ``<time datetime="…">``: ISO 8601 in the current time zone, to the second, or to the
    millisecond when it has a fraction (HTML allows at most three fraction digits; ``|date:"c"`` and
    ``isoformat()`` give six)."""
    if not value:
        return ""
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return _iso_local(value)


def _iso_local(value: dt.datetime) -> str:
    """``iso_datetime`` of a moment already in the current time zone."""
    return value.isoformat(timespec="milliseconds" if value.microsecond >= 1000 else "seconds")


register.filter("datetime_attr", iso_datetime)


@register.filter
def multiline(value: object) -> str:
    """Street addresses carry newlines; join them for one-line cells."""
    if not value:
        return ""
    return ", ".join(part.strip() for part in str(value).splitlines() if part.strip())


@register.simple_tag(takes_context=True)
def path(context, name: str, *args, of=None) -> str:
    """``{% url name %}`` for paths that never change, reversed once per process (see orders.paths).

    An order page (``orders:…``) is one of the page's company, the context's ``connection``, or of
    ``of=`` (a submission's connection); empty when the user has none."""
    if name.startswith("orders:"):
        connection = of or context.get("connection")
        return order_path(name, *args, connection=connection) if connection is not None else ""
    return path_to(name, *args)


@register.filter
def joined(value: object, separator: str = ", ") -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return separator.join(str(item) for item in value if item)
    return str(value)


# The order list's rows are its hot path: through the template engine, 25 rows cost ~20 ms (URL
# reversing, timezone-aware date filters and Django's escaping per cell); built here with the
# standard library's escaping, under a millisecond. Every value from the upstream is escaped.
# A secondary cell's data-label is its column's heading, shown beside it where the table stacks into
# rows (narrow screens, app.css).


def _day(value) -> str:
    return day_text(value) if value else MISSING


@register.simple_tag(takes_context=True)
def order_rows(context, orders, back_param: str = ""):
    """The ``<tr>`` of each order in the list (``domain.ListedOrder``; same markup as a template loop
    would produce)."""
    detail = order_path("orders:detail", 0, connection=context.get("connection"))[: -len("0/")]
    query = escape(f"?{back_param}") if back_param else ""
    zone = timezone.get_current_timezone()
    return mark_safe("\n".join([_order_row(order, detail, query, zone) for order in orders]))


# A row is made from its order (a frozen ``ListedOrder``: equal orders make equal rows), the detail path
# and the list's filters, and the time zone: nothing else, so this process keeps the last rows it made.
# The same orders come back page after page and person after person, and a row costs about 40 µs to make.
ORDER_ROWS_KEPT = 1000


@functools.lru_cache(maxsize=ORDER_ROWS_KEPT)
def _order_row(order, detail: str, query: str, zone) -> str:
    name = escape(order.customer_name)
    customer_id = f'<span class="cell-sub">#{order.customer_id}</span>' if order.customer_id else ""
    currency = order.currency_code
    return (
        f'<tr><td><a class="order-link" href="{detail}{order.id}/{query}">#{order.id}</a></td>'
        f'<td class="nowrap">{_day(order.date)}</td>'
        f'<td class="cell-customer"><span class="truncate" title="{name}">{name or MISSING}</span>{customer_id}</td>'
        f"<td>{status_badge_html(order.status)}</td>"
        f'<td class="num" data-label="Net">{money_cell_html(order.net_amount, currency)}</td>'
        f'<td class="num" data-label="Tax">{money_cell_html(order.tax_amount, currency)}</td>'
        f'<td class="num num--strong">{money_cell_html(order.gross_amount, currency)}</td>'
        f'<td class="num" data-label="Invoice">{MISSING if order.invoice_number is None else order.invoice_number}</td>'
        f'<td class="nowrap muted" data-label="Modified">{_modified_html(order.modified_at, zone)}</td></tr>'
    )


@register.simple_tag
def datalist_options(values) -> str:
    """An ``<option value="…">`` for each of ``values``, a ``<datalist>``'s suggestions; the same markup as
    a template loop, built once per list of values. The QuickBooks list's customer names (kept 30 s,
    ``index.customer_names``) cost half a millisecond a page through the template engine."""
    return mark_safe(_datalist_options(tuple(values)))


@functools.lru_cache(maxsize=16)
def _datalist_options(values: tuple[str, ...]) -> str:
    return "".join(f'<option value="{escape(str(value))}"></option>' for value in values)


@register.simple_tag
def status_tab_nav(tabs) -> str:
    """The list's status tabs (``views.browse._status_tabs``; the QuickBooks list's carry a ``count``),
    each swapping the table region. Built here like the rows: through the template engine the seven
    tabs cost about 0.2 ms a page, here a tenth of that."""
    items = []
    for tab in tabs:
        url = escape(tab["url"])
        active = tab["active"]
        dot = f'<span class="tab__dot {escape(tab["dot"])}" aria-hidden="true"></span>' if tab["value"] else ""
        count = f' <span class="tab__count">{escape(str(tab["count"]))}</span>' if "count" in tab else ""
        items.append(
            f'<li><a class="tab{" tab--active" if active else ""}" href="{url}"{" aria-current=\"true\"" if active else ""}'
            f' data-hx-get="{url}" data-hx-target="#order-table" data-hx-swap="outerHTML" data-hx-push-url="true"'
            f' data-hx-indicator="#results">{dot}{escape(tab["label"])}{count}</a></li>')
    return mark_safe('<nav class="tabs" aria-label="Order status">\n  <ul class="tabs__list">\n    '
                     + "\n    ".join(items) + "\n  </ul>\n</nav>")


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """``{{ value|date:"j M Y" }}`` ("2 Nov 2026", a moment in the current time zone) at a tenth of its cost:
    Django's date filter looks each name up in the translations, and the order page shows seven."""
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return _day(value)


@register.filter
def day_time(value: dt.datetime | None) -> str:
    """``{{ value|date:"j M Y, H:i" }}``, likewise; with the zone's abbreviation ("20:05 CST") on the pages
    of a company whose zone is not the dashboard's (``connections.company_zone``)."""
    if not value:
        return ""
    if not timezone.is_aware(value):
        return f"{_day(value)}, {value:%H:%M}"
    value = timezone.localtime(value)
    suffix = f" {value.tzname()}" if own_zone() else ""
    return f"{_day(value)}, {value:%H:%M}{suffix}"


def own_zone() -> bool:
    """True when this page's times are in a zone of the company's own, not the dashboard's."""
    return timezone.get_current_timezone_name() != timezone.get_default_timezone_name()


@register.simple_tag
def zone_caption() -> str:
    """" (Chicago time)" for a heading over times in a company's own zone; nothing in the dashboard's."""
    if not own_zone():
        return ""
    place = timezone.get_current_timezone_name().rsplit("/", 1)[-1].replace("_", " ")
    return f" ({place} time)"


def _modified_html(moment: dt.datetime | None, zone) -> str:
    if not moment:
        return MISSING
    local = moment.astimezone(zone)  # the list's hot path: localised once, formatted without strftime
    return f'<time datetime="{_iso_local(local)}">{_day(local)}, {local.hour:02}:{local.minute:02}</time>'


def state_badge_html(state: str) -> str:
    """A QuickBooks order's state (open, partly invoiced, invoiced, closed) as a badge."""
    slug = escape(state or "unknown")
    label = escape(ORDER_STATE_LABELS.get(state, state or "Unknown"))
    return f'<span class="badge badge--{slug}"><span class="badge__dot" aria-hidden="true"></span>{label}</span>'


@register.simple_tag(takes_context=True)
def indexed_order_rows(context, orders, back_param: str = "", home_currency: str = ""):
    """The ``<tr>`` of each order of a QuickBooks list (``domain.OrderSummary`` from the local index):
    the number links to the order by its QuickBooks id (``1A2B-1234567890``, as it is); amounts in the
    company's home currency show no currency code, others do."""
    detail = order_path("orders:detail", 0, connection=context.get("connection"))[: -len("0/")]
    query = escape(f"?{back_param}") if back_param else ""
    zone = timezone.get_current_timezone()
    rows = []
    for order in orders:
        name = escape(order.customer.name) if order.customer else ""
        currency = "" if order.currency_code in ("", home_currency) else order.currency_code
        rows.append(
            f'<tr><td><a class="order-link" href="{detail}{quote(order.id, safe="")}/{query}">'
            f"{escape(order.number) or escape(order.id)}</a></td>"
            f'<td class="nowrap">{_day(order.date)}</td>'
            f'<td class="cell-customer"><span class="truncate" title="{name}">{name or MISSING}</span></td>'
            f'<td data-label="PO no.">{escape(order.reference) or MISSING}</td>'
            f"<td>{state_badge_html(order.state)}</td>"
            f'<td class="num num--strong">{money_cell_html(order.total, currency)}</td>'
            f'<td class="nowrap muted" data-label="Modified">{_modified_html(order.modified_at, zone)}</td></tr>'
        )
    return mark_safe("\n".join(rows))


# Form fields: every form here lays a field out the same way. Built in Python rather than through an
# included template, which cost about half a millisecond per field (the builder shows dozens).


def _text(value: object) -> str:
    """Template-style output: safe strings as they are, anything else as escaped text."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape(str(value))


@register.simple_tag
def field_error(field, oob: bool = False) -> str:
    """The slot next to a field where its errors appear (swapped out of band after htmx requests)."""
    swap = ' data-hx-swap-oob="true"' if oob else ""
    errors = " ".join(_text(error) for error in field.errors)
    return mark_safe(
        f'<p class="field__error" id="{_text(field.auto_id)}_error" data-error-for="{_text(field.auto_id)}"{swap}>'
        f"{errors}</p>"
    )


@register.simple_tag
def form_field(field, oob: bool = False, note: str | None = None) -> str:
    """A field with its label, widget, error slot and help text; with ``note`` (even empty), a slot for a
    remark that is no error (``date_note``), announced when it changes."""
    invalid = " field--invalid" if field.errors else ""
    help_text = (f'<p class="field__help" id="{_text(field.auto_id)}_helptext">{_text(field.help_text)}</p>'
                 if field.help_text else "")
    note_slot = (f'<p class="field__note" id="{_text(field.auto_id)}_note" aria-live="polite">{_text(note)}</p>\n'
                 if note is not None else "")
    return mark_safe(
        f'<div class="field field--{_text(field.name)}{invalid}">\n'
        f'  <label class="field__label" for="{_text(field.id_for_label)}">{_text(field.label)}</label>\n'
        f"  {field}\n"
        f"  {field_error(field, oob)}\n{note_slot}\n"
        f"  {help_text}\n"
        "</div>"
    )


@register.filter
def date_note(value) -> str:
    """What ``form_field``'s note says of an order date (a bound field or the posted text): far from today
    on the company's calendar (the page's zone), it asks whether the year is right."""
    if hasattr(value, "value") and hasattr(value, "auto_id"):  # a bound field: the formats it accepts
        return far_date_note(value.value(), timezone.localdate(), value.field.input_formats)
    return far_date_note(value, timezone.localdate())


@register.simple_tag(takes_context=True)
def search_field(context, field, oob: bool = False, placeholder: str = "", inputmode: str = "",
                 options: str = "") -> str:
    """A list filter typed into: it swaps the table region a moment after typing stops (the form's other
    fields do on change). ``options`` names a ``<datalist>`` offering values."""
    url = order_path("orders:list", connection=context.get("connection"))
    auto_id = _text(field.auto_id)
    value = field.value()
    invalid = bool(field.errors)
    attrs = "".join((
        f' inputmode="{_text(inputmode)}"' if inputmode else "",
        f' maxlength="{field.field.max_length}"' if getattr(field.field, "max_length", None) else "",
        f' placeholder="{_text(placeholder)}"' if placeholder else "",
        f' list="{_text(options)}"' if options else "",
    ))
    return mark_safe(
        f'<div class="field field--{_text(field.name)}{" field--invalid" if invalid else ""}">\n'
        f'  <label class="field__label" for="{_text(field.id_for_label)}">{_text(field.label)}</label>\n'
        f'  <input type="search" name="{_text(field.html_name)}" id="{auto_id}" value="{_text("" if value is None else value)}"'
        f' class="input" autocomplete="off"{attrs}\n'
        f'         aria-describedby="{auto_id}_error"{" aria-invalid=\"true\"" if invalid else ""}\n'
        f'         data-hx-get="{url}" data-hx-trigger="input changed delay:400ms, search" data-hx-include="closest form"'
        f' data-hx-target="#order-table" data-hx-swap="outerHTML" data-hx-push-url="true" data-hx-sync="closest form:replace"'
        f' data-hx-indicator="#results">\n'
        f"  {field_error(field, oob)}\n"
        "</div>"
    )


# The order detail's lines and the customer comparison: like the list's rows, built here (an order
# can have dozens of lines; through the template engine each cost ~0.1 ms). Every value is escaped.

PRODUCT_CHIP = '<span class="chip chip--product">Product</span>'
TEXT_CHIP = '<span class="chip">Text</span>'


@register.simple_tag
def detail_line_rows(lines) -> str:
    """The ``<tr>`` of each line on the order detail page."""
    rows = []
    for line in lines:
        description = escape(line.description)
        if line.type == "text" and not line.price:
            rows.append(
                f'<tr class="line--text"><td>{TEXT_CHIP}</td><td class="muted">{MISSING}</td>'
                f'<td colspan="8" class="line__text">{description}</td></tr>'
            )
            continue
        amounts = line.amounts
        discount = percent(line.discount_rate) if line.discount_rate else f'<span class="muted">{MISSING}</span>'
        rows.append(
            f"<tr><td>{TEXT_CHIP if line.type == 'text' else PRODUCT_CHIP}</td>"
            f'<td class="mono nowrap">{escape(line.product_number) or MISSING}</td>'
            f'<td class="line__desc">{description or MISSING}</td>'
            f'<td class="num" data-label="Qty">{number(line.quantity)}</td>'
            f'<td class="num" data-label="Unit price">{format_amount(line.price)}</td>'
            f'<td class="num" data-label="Discount">{discount}</td>'
            f'<td class="num" data-label="Tax rate">{percent(line.tax_rate)}</td>'
            f'<td class="num" data-label="Net">{format_amount(amounts.net)}</td>'
            f'<td class="num" data-label="Tax">{format_amount(amounts.tax)}</td>'
            f'<td class="num num--strong">{format_amount(amounts.gross)}</td></tr>'
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def comparison_rows(comparison) -> str:
    """The customer snapshot next to the current record, one ``<tr>`` per field, changes flagged."""
    rows = []
    for row in comparison:
        changed = row.changed
        if row.current:
            current = escape(row.current)
        elif not row.comparable:
            current = '<span class="muted">Not in the record</span>'
        else:
            current = MISSING
        marker = ' class="is-changed"' if changed else ""
        flag = ' <span class="flag flag--warning">Changed</span>' if changed else ""
        rows.append(
            f"<tr{marker}>"
            f'<th scope="row">{escape(row.label)}{flag}</th>'
            f'<td class="pre-line">{escape(row.snapshot) or MISSING}</td>'
            f'<td class="pre-line">{current}</td></tr>'
        )
    return mark_safe("\n".join(rows))


@register.filter
def ago(value) -> str:
    """How long ago ``value`` (an aware datetime) was, as people say it: "just now", "3 minutes ago"."""
    if not value:
        return ""
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"


# --- the header's company (ERP connection) and the others the user may switch to -------------------
# On every page: built here (as the list's rows are) rather than through a loop of includes, which
# cost a couple of milliseconds a page.


def _agent_status(connection) -> str:
    """A QuickBooks company's agent (its Windows PC) as the last index sync met it (see
    ``orders.context_processors.note_quickbooks_agents``); nothing for other kinds."""
    agent = getattr(connection, "agent", None)
    if agent is None:
        return ""
    if agent.failing:
        return '<span class="company__agent company__agent--down">QuickBooks not answering</span>'
    said = f"answered {ago(agent.agent_answered_at)}" if agent.agent_answered_at else "not reached yet"
    return f'<span class="company__agent">{escape(said)}</span>'


def _company(connection) -> str:
    return (f'<span class="company__name">{escape(connection.name)}</span> '
            f'<span class="company__erp">{escape(connection.get_kind_display())}</span>{_agent_status(connection)}')


@register.simple_tag(takes_context=True)
def company_switcher(context) -> str:
    """The company the page shows, with its ERP; when the user sees more than one, a menu of all (a
    ``<details>``: works without JavaScript and with the keyboard)."""
    current = context.get("connection")
    if current is None:
        return ""
    visible = context.get("erp_connections") or ()
    if len(visible) < 2:
        return mark_safe(f'<div class="company"><span class="company__current">{_company(current)}</span></div>')
    items = "".join(
        f'<li><a href="{escape(order_path("orders:list", connection=other))}"'
        f'{" aria-current=\"true\"" if other.pk == current.pk else ""}>{_company(other)}</a></li>'
        for other in visible)
    return mark_safe(
        '<div class="company"><details class="company__switch"><summary class="company__current">'
        f'<span class="sr-only">Company: </span>{_company(current)}<span class="sr-only">. Switch company</span>'
        f'</summary><ul class="company__menu">{items}</ul></details></div>')


@register.filter
def pretty_json(value: object) -> str:
    """JSON kept for admins (an action's request and answer), indented; "—" when there is none."""
    if value is None:
        return "—"
    from orders.views.common import pretty_json as dumps

    return dumps(value)

register.filter("iso_datetime", iso_datetime)
