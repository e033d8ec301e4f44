"""The QuickBooks builder's line rows, built in Python as the 24SevenOffice builder's are
(``builder_tags``: a long order is the hot path), with that builder's move, duplicate and remove cells.

Each line is a ``<tbody id="line-<i>">``: its own row, then a group's sub-lines as rows nested under it, so
that "only the rows that changed" (``builder.js``) moves a group with its sub-lines. What a line offers
depends on its item's kind: a discount has no quantity, a subtotal and a group nothing to price of their own
(a group's sub-lines have a quantity, rate and tax code each). Every value typed by a user is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from orders.templatetags.builder_tags import actions_cell, position_cell
from orders.templatetags.orders_tags import MISSING, format_amount

register = template.Library()

ITEM_RESULTS = "orders/qbd/order_builder.html#item-results"


def shown_amount(priced) -> str:
    """What an amount cell shows, as its hidden ``shown`` input says it ("" while it cannot be priced)."""
    return "" if priced is None or priced.amount is None else str(priced.amount)


def amount_html(cell_id: str, name: str, priced, oob: bool = False) -> str:
    """A line's (or sub-line's) amount as QuickBooks will work it out, with a hidden copy of what it shows
    (a recalculation swaps in only the cells that changed)."""
    swap = ' data-hx-swap-oob="true"' if oob else ""
    shown = shown_amount(priced)
    figure = format_amount(priced.amount) if shown else f'<span class="muted">{MISSING}</span>'
    return (f'<div id="{cell_id}" class="qbd-amount"{swap}><input type="hidden" name="{name}-shown" value="{shown}" '
            f'data-shown>{figure}</div>')


@register.simple_tag
def qbd_amount(cell_id: str, name: str, priced, oob: bool = False) -> str:
    return mark_safe(amount_html(cell_id, name, priced, oob))


def _select(name: str, label: str, choices: Sequence[tuple[str, str]], chosen: str, error: str, *,
            recalc: bool = False, empty: str = MISSING) -> str:
    options = "".join(f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(text)}</option>'
                      for value, text in choices)
    if chosen and chosen not in {value for value, _ in choices}:
        options += f'<option value="{escape(chosen)}" selected>{escape(chosen)} (no longer in QuickBooks)</option>'
    return (f'<select name="{name}" id="id_{name}" class="input input--sm" aria-label="{escape(label)}"'
            f'{" data-recalc" if recalc else ""} aria-describedby="id_{name}_error"{_invalid(error)}>'
            f'<option value="">{escape(empty)}</option>{options}</select>'
            f'<p class="field__error" id="id_{name}_error">{error}</p>')


def _input(name: str, label: str, value: str, error: str, *, number: bool = True, recalc: bool = True,
           extra: str = "", placeholder: str = "") -> str:
    kind = ' inputmode="decimal"' if number else ""
    css = "input input--sm input--num" if number else "input input--sm"
    hint = f' placeholder="{escape(placeholder)}"' if placeholder else ""
    return (f'<input type="text" name="{name}" id="id_{name}" class="{css}" value="{escape(value)}"{kind} '
            f'autocomplete="off" aria-label="{escape(label)}"{" data-recalc" if recalc else ""}{hint} '
            f'aria-describedby="id_{name}_error"{_invalid(error)}{extra}>'
            f'<p class="field__error" id="id_{name}_error">{error}</p>')


def _hidden(name: str, value: str, *, recalc: bool = False) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}"{" data-recalc" if recalc else ""}>'


def _unit_name(unit: str) -> str:
    """A line's unit of measure as shown (an element of its own, so that a card labels it only when there is one)."""
    return f'<span class="line__unit-name">{escape(unit)}</span>' if unit else ""


def _invalid(message: str) -> str:
    return ' aria-invalid="true"' if message else ""


def _errors(found: Mapping[str, list[str]]) -> dict[str, str]:
    return {name: escape(" ".join(messages)) for name, messages in found.items()}


def _value(row: Mapping, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


@register.simple_tag(takes_context=True)
def qbd_line_rows(context, first: int = 0) -> str:
    """Each line's ``<tbody>`` (its row and its sub-lines' rows), from line ``first`` on."""
    builder = context["builder"]
    url = escape(context["builder_url"])
    rows = builder.state["lines"]
    full, last = len(rows) >= context["max_lines"], len(rows) - 1
    html = [_line(context, builder, i, rows[i], url, full, last) for i in range(first, len(rows))]
    return mark_safe("\n".join(html))


def _line(context, builder, i: int, row: Mapping, url: str, full: bool, last: int) -> str:
    n, p = i + 1, f"lines-{i}"
    kind = _value(row, "kind")
    errors = _errors(builder.line_errors(i))
    priced = builder.figures.lines[i] if i < len(builder.figures.lines) else None
    subs = row.get("sub_lines") or []
    classes = f"line line--qbd{f' line--{kind}' if kind else ''}{' line--invalid' if errors else ''}"
    html = [f'<tbody id="line-{i}" class="line-block"><tr class="{classes}">{position_cell(i, url, last)}']
    html.append(f'<td class="line__item">{_item_cell(context, i, n, p, row, errors.get("item_id", ""))}</td>')
    if kind == "group":  # QuickBooks takes neither a description nor a class for a group (qbXML's LineGroup)
        description = _value(row, "description")
        html.append(f'<td class="line__desc">{_hidden(f"{p}-description", description)}'
                    f'<span class="line__fixed">{escape(description)}</span>'
                    f'<p class="field__help">A group keeps its item\'s description; its lines below take their own.</p></td>')
    else:
        html.append(f'<td class="line__desc">{_input(f"{p}-description", f"Line {n} description", _value(row, "description"), errors.get("description", ""), number=False, recalc=False)}</td>')
    quantity, error = _value(row, "quantity"), errors.get("quantity", "")
    if kind in ("discount", "subtotal"):
        cell = f'{_hidden(f"{p}-quantity", quantity, recalc=True)}<span class="muted">{MISSING}</span>' \
               f'<p class="field__error" id="id_{p}-quantity_error">{error}</p>'
    elif kind == "group":  # its sub-lines follow it: the lines are drawn again
        cell = _input(f"{p}-quantity", f"Line {n} quantity", quantity, error, recalc=False,
                      extra=f' data-hx-post="{url}" data-hx-trigger="change" data-hx-vals=\'{{"refresh_lines": "1"}}\'')
    else:
        cell = _input(f"{p}-quantity", f"Line {n} quantity", quantity, error)
    html.append(f'<td class="line__num line__quantity">{cell}</td>')
    unit = _value(row, "unit_of_measure")
    html.append(f'<td class="line__unit">{_hidden(f"{p}-unit_of_measure", unit)}{_unit_name(unit)}</td>')
    priced_alone = kind not in ("group", "subtotal")
    if priced_alone:
        cell = (_input(f"{p}-rate", f"Line {n} rate", _value(row, "rate"), errors.get("rate", ""))
                + _input(f"{p}-rate_percent", f"Line {n} rate percent", _value(row, "rate_percent"),
                         errors.get("rate_percent", ""), placeholder="%"))
        amount = _input(f"{p}-amount", f"Line {n} typed amount, if not worked out", _value(row, "amount"),
                        errors.get("amount", ""), placeholder="Amount")
    else:
        cell = _hidden(f"{p}-rate", "") + _hidden(f"{p}-rate_percent", "") + f'<span class="muted">{MISSING}</span>'
        amount = _hidden(f"{p}-amount", "")
    html.append(f'<td class="line__num line__rate">{cell}</td>')
    html.append(f'<td class="line__num line__amount">{amount}{amount_html(f"line-{i}-amount", p, priced)}</td>')
    tax = _select(f"{p}-tax_code_id", f"Line {n} tax code", context["tax_choices"], _value(row, "tax_code_id"),
                  errors.get("tax_code_id", ""), recalc=True) if priced_alone else _hidden(f"{p}-tax_code_id", "")
    html.append(f'<td class="line__tax">{tax}</td>')
    # Unchosen, each select says which it is: under "Class and site" two "—" could not be told apart, and a
    # group (no class) has the site alone.
    where = "" if kind == "subtotal" else (
        (_hidden(f"{p}-class_id", "") if kind == "group" else
         _select(f"{p}-class_id", f"Line {n} class", context["class_choices"], _value(row, "class_id"),
                 errors.get("class_id", ""), empty="No class"))
        + _select(f"{p}-site_id", f"Line {n} site", context["site_choices"], _value(row, "site_id"),
                  errors.get("site_id", ""), empty="No site"))
    html.append(f'<td class="line__where">{where}</td>{actions_cell(i, url, full)}</tr>')
    for j, sub in enumerate(subs):
        html.append(_sub_line(context, builder, i, j, sub, priced.sub_lines[j] if priced and j < len(priced.sub_lines) else None))
    html.append("</tbody>")
    return "".join(html)


def _item_cell(context, i: int, n: int, p: str, row: Mapping, error: str) -> str:
    search = context.get("item_search")
    results = render_to_string(ITEM_RESULTS, {
        "index": i, "search": search if search and search.get("index") == i else None,
        "builder_url": context["builder_url"],
    }) if search else f'<div id="line-{i}-items" class="picker__results" hidden></div>'
    items_url = escape(context["items_url"])
    return (
        _hidden(f"{p}-item_id", _value(row, "item_id")) + _hidden(f"{p}-item_name", _value(row, "item_name"))
        + _hidden(f"{p}-kind", _value(row, "kind"), recalc=True) + _hidden(f"{p}-group_quantity", _value(row, "group_quantity"))
        + _hidden(f"{p}-sub_lines-TOTAL_FORMS", str(len(row.get("sub_lines") or ())), recalc=True)
        + f'<div class="picker picker--line"><div class="picker__row">'
        f'<input type="search" name="{p}-item_query" id="id_{p}-item_query" class="input input--sm" '
        f'value="{escape(_value(row, "item_query"))}" placeholder="Search items" autocomplete="off" '
        f'aria-label="Line {n} item" aria-describedby="id_{p}-item_id_error"{_invalid(error)} '
        f'data-picker="line-{i}-items" data-hx-get="{items_url}" data-hx-trigger="input changed delay:250ms, search" '
        f'data-hx-vals=\'{{"line": "{i}"}}\' data-hx-target="#line-{i}-items" data-hx-swap="outerHTML" data-hx-sync="this:replace">'
        f'<button type="submit" name="search_item" value="{i}" class="button button--sm nojs-only">Find</button>'
        f'</div>{results}</div><p class="field__error" id="id_{p}-item_id_error">{error}</p>'
    )


def _sub_line(context, builder, i: int, j: int, sub: Mapping, priced) -> str:
    n, m, p = i + 1, j + 1, f"lines-{i}-sub_lines-{j}"
    errors = _errors(builder.line_errors(i, j))
    label = f"Line {n}, part {m}"
    name = _value(sub, "item_name")
    return (
        f'<tr id="line-{i}-sub-{j}" class="line line--sub{" line--invalid" if errors else ""}">'
        f'<td class="line__pos"><span class="line__branch" aria-hidden="true">└</span></td>'
        f'<td class="line__item">{_hidden(f"{p}-item_id", _value(sub, "item_id"))}'
        f'{_hidden(f"{p}-item_name", name)}{_hidden(f"{p}-kind", _value(sub, "kind"), recalc=True)}'
        f'<span class="line__sub-item">{escape(name)}</span><span class="sr-only"> (in the group on line {n})</span>'
        f'<p class="field__error" id="id_{p}-item_id_error">{errors.get("item_id", "")}</p></td>'
        f'<td class="line__desc">{_input(f"{p}-description", f"{label} description", _value(sub, "description"), errors.get("description", ""), number=False, recalc=False)}</td>'
        f'<td class="line__num line__quantity">{_input(f"{p}-quantity", f"{label} quantity", _value(sub, "quantity"), errors.get("quantity", ""))}</td>'
        f'<td class="line__unit">{_hidden(f"{p}-unit_of_measure", _value(sub, "unit_of_measure"))}{_unit_name(_value(sub, "unit_of_measure"))}</td>'
        f'<td class="line__num line__rate">{_input(f"{p}-rate", f"{label} rate", _value(sub, "rate"), errors.get("rate", ""))}</td>'
        f'<td class="line__num line__amount">{_hidden(f"{p}-amount", _value(sub, "amount"), recalc=True)}'
        f'{amount_html(f"line-{i}-sub-{j}-amount", p, priced)}</td>'
        f'<td class="line__tax">{_select(f"{p}-tax_code_id", f"{label} tax code", context["tax_choices"], _value(sub, "tax_code_id"), errors.get("tax_code_id", ""), recalc=True)}</td>'
        f'<td class="line__where"></td><td class="line__actions"></td></tr>'
    )
