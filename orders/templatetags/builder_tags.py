"""The order builder's line rows and line amounts, built in Python.

A long order is the builder's hot path: through the template engine a line row costs about three
milliseconds (some two hundred tags and variables), so adding a line to a 100-line order took a third
of a second; built here with the standard library's escaping, the whole table takes a few. The markup is
what ``orders/order_builder.html`` would produce; every value typed by a user is escaped. The product
search results under a line stay a template partial (``product-results``).
"""

from __future__ import annotations

from html import escape

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from orders import money
from orders.forms import LineForm
from orders.templatetags.orders_tags import MISSING, format_amount

register = template.Library()

# A product line's number inputs: (field, words for its label).
AMOUNT_INPUTS = (("quantity", "quantity"), ("price", "unit price"), ("discount_rate", "discount %"))
AMOUNT_FIELDS = LineForm.AMOUNT_FIELDS

ICON_UP = ('<svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><path d="m4 10 4-4 4 4" fill="none" '
           'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>')
ICON_DOWN = ('<svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><path d="m4 6 4 4 4-4" fill="none" '
             'stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/></svg>')
ICON_COPY = ('<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="none" stroke="currentColor" '
             'stroke-width="1.5" stroke-linejoin="round"><rect x="5.5" y="5.5" width="8" height="8" rx="1.5"/>'
             '<path d="M10.5 3.5V3a1.5 1.5 0 0 0-1.5-1.5H3A1.5 1.5 0 0 0 1.5 3v6A1.5 1.5 0 0 0 3 10.5h.5"/></svg>')
ICON_REMOVE = ('<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="none" stroke="currentColor" '
               'stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"><path d="M2.5 4.5h11M6.5 4.5V3a1 1 0 '
               '0 1 1-1h1a1 1 0 0 1 1 1v1.5M4 4.5l.7 8.6a1 1 0 0 0 1 .9h4.6a1 1 0 0 0 1-.9l.7-8.6"/></svg>')


def raw(form, name: str) -> str:
    """A line's value for ``name`` as typed (also for fields its form left out, such as a text line's
    quantity, which is kept in a hidden input)."""
    value = form.data.get(form.add_prefix(name), "") if form.is_bound else form.initial.get(name, "")
    return "" if value is None else str(value)


def amounts_shown(amounts: money.LineAmounts | None) -> str:
    """What a line's amounts cell shows, as its hidden ``shown`` input says it: "net tax", or ""."""
    return "" if amounts is None else f"{amounts.net} {amounts.tax}"


def line_amounts_html(index: int, amounts: money.LineAmounts | None, is_text: bool, oob: bool = False) -> str:
    """A line's net, tax and gross (``#line-<index>-amounts``): blank for a text line, dashes while
    its numbers are incomplete.

    A hidden ``lines-<index>-shown`` input carries what the cell shows (``amounts_shown``), so that a
    recalculation swaps in only the cells whose amounts changed: htmx's out-of-band swaps get slow by
    the hundred."""
    swap = ' data-hx-swap-oob="true"' if oob else ""
    if amounts is not None:
        cells = (f"<span>{format_amount(amounts.net)}</span><span>{format_amount(amounts.tax)}</span>"
                 f'<span class="amounts__gross">{format_amount(amounts.gross)}</span>')
    else:
        cells = "" if is_text else f'<span class="muted">{MISSING}</span>' * 3
    shown = f'<input type="hidden" name="lines-{index}-shown" value="{amounts_shown(amounts)}" data-shown>'
    return f'<div id="line-{index}-amounts" class="amounts"{swap}>{shown}{cells}</div>'


@register.simple_tag
def line_amounts(index: int, amounts: money.LineAmounts | None, is_text: bool = False, oob: bool = False) -> str:
    return mark_safe(line_amounts_html(int(index), amounts, is_text, oob))


def position_cell(i: int, url: str, last: int) -> str:
    """A line's number and its move buttons (``url``: the builder's, escaped; ``last``: the last index)."""
    n = i + 1
    return (
        f'<td class="line__pos"><span class="line__number">{n}</span><span class="line__move">'
        f'<button type="submit" name="move_line_up" value="{i}" id="move-up-{i}" class="icon-button" '
        f'aria-label="Move line {n} up" title="Move up" data-hx-post="{url}"{" disabled" if i == 0 else ""}>{ICON_UP}</button>'
        f'<button type="submit" name="move_line_down" value="{i}" id="move-down-{i}" class="icon-button" '
        f'aria-label="Move line {n} down" title="Move down" data-hx-post="{url}"{" disabled" if i == last else ""}>'
        f"{ICON_DOWN}</button></span></td>"
    )


def actions_cell(i: int, url: str, full: bool) -> str:
    """A line's Duplicate and Remove buttons (Duplicate disabled once the order has its most lines)."""
    n = i + 1
    return (
        f'<td class="line__actions">'
        f'<button type="submit" name="duplicate_line" value="{i}" class="icon-button" aria-label="Duplicate line {n}" '
        f'title="Duplicate" data-hx-post="{url}"{" disabled" if full else ""}>{ICON_COPY}</button>'
        f'<button type="submit" name="remove_line" value="{i}" class="icon-button icon-button--danger" '
        f'aria-label="Remove line {n}" title="Remove" data-hx-post="{url}">{ICON_REMOVE}</button></td>'
    )


def _error(form, name: str) -> str:
    return escape(" ".join(form.errors.get(name, ())))


def _invalid(message: str) -> str:
    return ' aria-invalid="true"' if message else ""


@register.simple_tag(takes_context=True)
def line_rows(context, rows, first: int = 0) -> str:
    """The ``<tr>`` of each line: ``rows`` are ``OrderBuilder.rows`` (form, amounts); from row ``first``
    on (an answer of only the rows that changed, see ``views.builder._row_change``)."""
    url = escape(context["builder_url"])
    products_url = escape(context["products_url"])
    tax_choices = context["tax_choices"]
    search = context.get("product_search")
    full = len(rows) >= context["max_lines"]
    last = len(rows) - 1
    html = []
    for i, (line, amounts) in enumerate(rows[first:], start=first):
        n, p, is_text = i + 1, f"lines-{i}", line.is_text
        value = {name: escape(raw(line, name)) for name in line.base_fields if name != "type"}
        errors = {name: _error(line, name) for name in ("product_id", "description", *AMOUNT_FIELDS)}
        classes = "line" + (" line--text" if is_text else "") + (" line--invalid" if line.errors else "")
        html.append(
            f'<tr id="line-{i}" class="{classes}">{position_cell(i, url, last)}'
            f'<td class="line__type"><select name="{p}-type" id="id_{p}-type" class="input input--sm" '
            f'aria-label="Line {n} type" data-hx-post="{url}" data-hx-trigger="change" data-hx-vals=\'{{"refresh_lines": "1"}}\'>'
            f'<option value="product"{"" if is_text else " selected"}>Product</option>'
            f'<option value="text"{" selected" if is_text else ""}>Text</option></select></td>'
        )
        hidden = (f'<input type="hidden" name="{p}-product_id" value="{value["product_id"]}">'
                  f'<input type="hidden" name="{p}-product_number" value="{value["product_number"]}">'
                  f'<input type="hidden" name="{p}-auto_tax_id" value="{value["auto_tax_id"]}">')
        if is_text:
            html.append(f'<td class="line__product">{hidden}<input type="hidden" name="{p}-product_query" '
                        f'value="{value["product_query"]}"><span class="muted">{MISSING}</span></td>')
        else:
            results = render_to_string("orders/order_builder.html#product-results", {
                "index": i, "search": search if search and search.get("index") == i else None,
                "builder_url": context["builder_url"],
            }) if search else f'<div id="line-{i}-products" class="picker__results" hidden></div>'
            error = errors["product_id"]
            html.append(
                f'<td class="line__product{" is-invalid" if error else ""}">{hidden}'
                f'<div class="picker picker--line"><div class="picker__row">'
                f'<input type="search" name="{p}-product_query" id="id_{p}-product_query" class="input input--sm" '
                f'value="{value["product_query"]}" placeholder="Search products" autocomplete="off" '
                f'aria-label="Line {n} product" aria-describedby="id_{p}-product_id_error"{_invalid(error)} '
                f'data-picker="line-{i}-products" data-hx-get="{products_url}" data-hx-trigger="input changed delay:250ms, search" '
                f'data-hx-vals=\'{{"line": "{i}"}}\' data-hx-target="#line-{i}-products" data-hx-swap="outerHTML" data-hx-sync="this:replace">'
                f'<button type="submit" name="search_product" value="{i}" class="button button--sm nojs-only">Find</button>'
                f'</div>{results}</div><p class="field__error" id="id_{p}-product_id_error">{error}</p></td>'
            )
        error = errors["description"]
        placeholder = "Text printed on the order" if is_text else "Description"
        kept = "".join(  # a text line keeps its numbers, should it become a product line again
            f'<input type="hidden" name="{p}-{name}" value="{value[name]}">' for name in AMOUNT_FIELDS
        ) if is_text else ""
        colspan = ' colspan="5"' if is_text else ""
        html.append(
            f'<td class="line__desc"{colspan}>'
            f'<input type="text" name="{p}-description" id="id_{p}-description" class="input input--sm" '
            f'value="{value["description"]}" autocomplete="off" aria-label="Line {n} description" '
            f'aria-describedby="id_{p}-description_error"{_invalid(error)} placeholder="{placeholder}">'
            f'<p class="field__error" id="id_{p}-description_error">{error}</p>{kept}</td>'
        )
        if not is_text:
            for name, label in AMOUNT_INPUTS:
                error = errors[name]
                html.append(
                    f'<td class="line__num line__{name}"><input type="text" name="{p}-{name}" id="id_{p}-{name}" '
                    f'class="input input--sm input--num" value="{value[name]}" inputmode="decimal" autocomplete="off" '
                    f'aria-label="Line {n} {label}" data-recalc aria-describedby="id_{p}-{name}_error"{_invalid(error)}>'
                    f'<p class="field__error" id="id_{p}-{name}_error">{error}</p></td>'
                )
            chosen, error = raw(line, "tax_id"), errors["tax_id"]
            options = "".join(
                f'<option value="{escape(tax)}"{" selected" if tax == chosen else ""}>{escape(label)}</option>'
                for tax, label in tax_choices
            )
            html.append(
                f'<td class="line__tax"><select name="{p}-tax_id" id="id_{p}-tax_id" class="input input--sm" '
                f'aria-label="Line {n} tax code" data-recalc aria-describedby="id_{p}-tax_id_error"{_invalid(error)}>'
                f'<option value="">{MISSING}</option>{options}</select>'
                f'<p class="field__error" id="id_{p}-tax_id_error">{error}</p></td>'
            )
        html.append(f'<td class="line__amounts">{line_amounts_html(i, amounts, is_text)}</td>'
                    f'{actions_cell(i, url, full)}</tr>')
    return mark_safe("\n".join(html))
