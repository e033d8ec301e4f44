"""How QuickBooks Desktop prices a sales order's lines and adds up its totals, in ``Decimal``: one place for
the QuickBooks order page (which works a read order's totals out again, ``orders.services.quickbooks_order``)
and the QuickBooks builder (which works a new order's out while it is typed, ``orders.forms.qbd_builder``).
Pure: no I/O.

QuickBooks' rules (AUTOFY.md §0.8, §2.4-§2.6), with the gaps decided as the sandbox decides them
(``sandbox/autofy/decisions.py`` 12, ``sandbox/autofy/pricing.py``):

* a line is ``quantity × rate`` rounded half up to cents; a rate without a quantity prices the line at
  that rate; a percentage (``rate_percent``) is that share of the line directly above; an amount typed
  by the user is taken as it is (QuickBooks then works the rate out of it); a discount is negative;
* a group line is the sum of its sub-lines; a subtotal line adds up the lines since the last subtotal
  and is not counted itself;
* the subtotal is the sum of the other lines; the sales tax is the taxable lines (a group's taxable
  sub-lines) times the sales tax item's rate, rounded half up; the total is their sum, and the total in
  home currency the total times the exchange rate, rounded half up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from orders import money

HUNDRED = Decimal(100)


def line_amount(*, kind: str, quantity: Decimal | None, rate: Decimal | None, rate_percent: Decimal | None,
                above: Decimal | None) -> Decimal | None:
    """What a line (not a group or a subtotal) comes to; ``above`` is the amount of the line directly
    above it, which a percentage applies to. None when nothing prices it (no rate, no percentage), or a
    percentage has no amount above it to apply to."""
    if rate_percent is not None:
        if above is None:
            return None
        amount = money.round_money(above * rate_percent / HUNDRED)
    elif rate is not None:
        amount = money.round_money(rate * (quantity if quantity is not None else 1))
    else:
        return None
    return -abs(amount) if kind == "discount" else amount


class Counted(Protocol):
    """A line as the totals count it: the order page's ``domain.OrderLine`` and the builder's ``Priced``."""

    kind: str
    amount: Any  # Decimal, or None for a builder line that cannot be priced yet
    taxable: bool
    sub_lines: Sequence[Any]


def is_group(line: Counted) -> bool:
    return line.kind == "group" or bool(line.sub_lines)


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    taxable: Decimal
    tax_rate: Decimal | None
    tax: Decimal
    total: Decimal
    total_in_home_currency: Decimal | None


def totals(lines: Sequence[Counted], *, tax_rate: Decimal | None, exchange_rate: Decimal | None) -> Totals:
    """The order's totals from its lines' amounts (a line without one counts for nothing)."""
    subtotal = taxable = money.ZERO
    for line in lines:
        if line.kind == "subtotal":
            continue
        subtotal += line.amount or money.ZERO
        for leaf in line.sub_lines if is_group(line) else (line,):
            if leaf.taxable and leaf.amount is not None:
                taxable += leaf.amount
    tax = money.round_money(taxable * tax_rate / HUNDRED) if tax_rate else money.ZERO
    total = subtotal + tax
    home = money.round_money(total * exchange_rate) if exchange_rate is not None else None
    return Totals(subtotal=subtotal, taxable=taxable, tax_rate=tax_rate, tax=tax, total=total,
                  total_in_home_currency=home)


# --- a new order's lines, as typed ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Priced:
    """A builder line as QuickBooks will price it: its ``amount`` (None while its numbers cannot price
    it), whether it is taxed, and a group's sub-lines."""

    kind: str
    amount: Decimal | None
    taxable: bool
    sub_lines: tuple[Priced, ...] = ()


class Typed(Protocol):
    """A line as typed (``orders.qbd_draft.QbLineDraft``)."""

    kind: str
    quantity: Decimal | None
    rate: Decimal | None
    rate_percent: Decimal | None
    amount: Decimal | None
    tax_code: Any
    sub_lines: Sequence[Any]


def price(lines: Sequence[Typed], taxable: Callable[[Any], bool]) -> tuple[Priced, ...]:
    """Each line priced in order, as QuickBooks prices the order it is sent as (``taxable`` says whether a
    line's tax code is taxed). A typed amount is the line's amount."""
    priced: list[Priced] = []
    above: Decimal | None = money.ZERO
    since_subtotal = money.ZERO
    for line in lines:
        if line.kind == "subtotal":
            amount = since_subtotal
            since_subtotal = money.ZERO
            priced.append(Priced(kind="subtotal", amount=amount, taxable=False))
        elif line.kind == "group":
            subs = price(line.sub_lines, taxable)
            amount = sum((sub.amount for sub in subs if sub.amount is not None), money.ZERO)
            priced.append(Priced(kind="group", amount=amount, taxable=False, sub_lines=subs))
        else:
            amount = _typed_amount(line, above)
            priced.append(Priced(kind=line.kind, amount=amount, taxable=taxable(line.tax_code)))
        since_subtotal += amount or money.ZERO
        above = amount
    return tuple(priced)


def _typed_amount(line: Typed, above: Decimal | None) -> Decimal | None:
    if line.amount is not None:
        amount = money.round_money(line.amount)
        return -abs(amount) if line.kind == "discount" else amount
    return line_amount(kind=line.kind, quantity=line.quantity, rate=line.rate, rate_percent=line.rate_percent,
                       above=above)
