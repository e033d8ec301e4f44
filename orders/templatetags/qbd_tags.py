"""The QuickBooks order page's hot markup: its lines (groups with their sub-lines nested under them) and
its state badge. Built here like the 24SevenOffice page's lines (``orders_tags``); every value is escaped."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django import template
from django.utils.safestring import mark_safe

from orders.domain import ORDER_STATE_LABELS
from orders.templatetags.orders_tags import MISSING, format_amount, number, percent

register = template.Library()

CENT = Decimal("0.01")


@register.simple_tag
def order_state_badge(state: str) -> str:
    slug = escape((state or "unknown").lower())
    label = escape(ORDER_STATE_LABELS.get(state, state or "Unknown"))
    return mark_safe(f'<span class="badge badge--{slug}"><span class="badge__dot" aria-hidden="true"></span>{label}</span>')


DASH = f'<span class="muted">{MISSING}</span>'


def _ref(ref) -> str:
    return escape(str(ref)) if ref else DASH


def _rate(line) -> str:
    if line.rate_percent is not None:
        return percent(line.rate_percent)
    if line.rate is not None:
        # Rates have up to 5 decimals: cents as money, finer rates as they are.
        return format_amount(line.rate) if line.rate == line.rate.quantize(CENT) else number(line.rate)
    return DASH


def _state(line) -> str:
    flags = []
    if line.closed:
        flags.append('<span class="flag flag--neutral">Closed</span>')
    if line.invoiced_quantity:
        flags.append(f'<span class="flag flag--success">Invoiced {number(line.invoiced_quantity)}</span>')
    return " ".join(flags) or DASH


def _cell(label: str, content: str, css: str = "") -> str:
    """A line's cell that a narrow screen shows after its label; one holding only a dash is marked ``is-empty``
    (left out there: a row of "Unit —  Class —  Site —" says nothing)."""
    classes = f"{css} is-empty".strip() if content in (MISSING, DASH) else css
    attribute = f' class="{classes}"' if classes else ""
    return f'<td{attribute} data-label="{label}">{content}</td>'


def _description(line) -> str:
    parts = [f'<span class="pre-line">{escape(line.description)}</span>' if line.description else MISSING]
    extras = [(field.name, field.value) for field in line.custom_fields]
    extras += [("Serial number", line.serial_number), ("Lot", line.lot_number)]
    details = "".join(f'<span class="line__extra">{escape(name)}: {escape(value)}</span>'
                      for name, value in extras if value)
    return "".join(parts) + details


@register.simple_tag
def qbd_line_rows(checks) -> str:
    """The ``<tr>`` of each line (``quickbooks_order.LineCheck``): a group's sub-lines follow it,
    marked as its children; a line whose amount does not come out of its quantity and rate is flagged."""
    rows = []
    group = ""
    for check in checks:
        line = check.line
        classes = []
        item = _ref(line.item)
        if check.depth:
            classes.append("line--sub")
            item = (f'<span class="line__branch" aria-hidden="true">↳</span>'
                    f'<span class="sr-only">In group {group}: </span>{item}')
        else:
            group = escape(str(line.item or "")) if line.is_group else ""
        if line.is_group:
            classes.append("line--group")
            item += ' <span class="chip">Group</span>'
        elif line.is_subtotal:
            classes.append("line--subtotal")
        elif line.kind == "discount":
            item += ' <span class="chip">Discount</span>'
        if line.closed:
            classes.append("line--closed")
        amount = format_amount(line.amount)
        if check.differs:
            classes.append("is-different")
            amount += (f'<span class="cell-sub text-danger">From quantity and rate: '
                       f'{format_amount(check.expected)}</span>')
        css = f' class="{" ".join(classes)}"' if classes else ""
        # QuickBooks' own codes are "Tax" and "Non": the code, then what it means for this line.
        taxable = ' <span class="cell-sub">(taxable)</span>' if line.taxable else ""
        rows.append(
            f"<tr{css}>"
            f'<td class="line__item">{item}</td>'
            f'<td class="line__desc">{_description(line)}</td>'
            + _cell("Qty", number(line.quantity) if line.quantity is not None else MISSING, "num")
            + _cell("Unit", escape(line.unit) or MISSING)
            + _cell("Rate", _rate(line), "num")
            + _cell("Amount", amount, "num num--strong")
            + _cell("Tax code", f"{_ref(line.tax_code)}{taxable}")
            + _cell("Class", _ref(line.class_ref))
            + _cell("Site", _ref(line.site))
            + _cell("State", _state(line))
            + "</tr>"
        )
    return mark_safe("\n".join(rows))
