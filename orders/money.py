"""Money arithmetic for sales orders: one place, ``Decimal`` only.

The detail page (checking the ERP's totals) and the order builder (showing totals while the user
types) both use these functions, so the numbers a user sees are computed one way.

Rounding follows the ERP: each line's net is rounded to øre (two decimals, half up), its tax is
computed from the rounded net and rounded again; order totals are sums of rounded line amounts.

Arithmetic runs in ``decimal``'s default context, 28 significant digits: an amount rounds to øre while it
is below 10^26. Callers keep what they compute within bounds (the builder prices only numbers its
fields accept, ``forms.line_draft``); a product of larger numbers cannot be rounded and raises
``decimal.InvalidOperation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def to_decimal(value: object, default: Decimal | None = None) -> Decimal | None:
    """Read a JSON number (int, float, str) as an exact ``Decimal``; ``default`` when absent/invalid.

    Floats go through ``repr`` so ``49.99`` stays ``Decimal('49.99')``, not its binary expansion.
    """
    if value is None or value == "" or isinstance(value, bool):
        return default
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default
    return result if result.is_finite() else default


def json_number(value: Decimal) -> int | float:
    """A ``Decimal`` as a JSON number with exactly its digits, for request bodies sent with the standard
    ``json`` module (which cannot write ``Decimal``): an ``int`` when it is whole, else the ``float`` whose
    shortest representation (what ``json`` writes) has the same digits, so ``Decimal("49.99")`` goes on the
    wire as ``49.99``. A value a float cannot carry exactly (more than 15 significant digits) raises
    ``ValueError`` rather than being rounded silently."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a number the ERP accepts.")
    if value == value.to_integral_value():
        return int(value)
    result = float(value)
    if Decimal(repr(result)) != value:
        raise ValueError(f"{value} has more digits than can be sent exactly.")
    return result


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def line_amounts(quantity: Decimal, price: Decimal, discount_rate: Decimal, tax_rate: Decimal) -> LineAmounts:
    net = round_money(quantity * price * (HUNDRED - discount_rate) / HUNDRED)
    tax = round_money(net * tax_rate / HUNDRED)
    return LineAmounts(net=net, tax=tax)


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal = ZERO
    tax: Decimal = ZERO
    # Tax rate (e.g. Decimal("25")) → (net, tax) for that rate, in ascending rate order.
    by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...] = field(default=())

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def totals(amounts: Iterable[tuple[Decimal, LineAmounts]]) -> Totals:
    """Sum ``(tax_rate, LineAmounts)`` pairs into order totals with a per-rate breakdown."""
    per_rate: dict[Decimal, list[Decimal]] = {}
    net = tax = ZERO
    for rate, amount in amounts:
        net += amount.net
        tax += amount.tax
        bucket = per_rate.setdefault(rate.normalize() if rate else Decimal(0), [ZERO, ZERO])
        bucket[0] += amount.net
        bucket[1] += amount.tax
    # A rate only lines of nothing have (a text line, an empty new line) says nothing: "Tax 25 % on 0.00".
    by_rate = tuple((rate, bucket[0], bucket[1]) for rate, bucket in sorted(per_rate.items()) if any(bucket))
    return Totals(net=net, tax=tax, by_rate=by_rate)


def tolerance(line_count: int) -> Decimal:
    """How far the ERP's totals may drift from ours through rounding alone: one øre per line.

    The ERP may round tax per rate rather than per line; each line can shift the result by at most
    half an øre either way, so one øre per line (at least one) covers rounding and nothing else.
    """
    return CENT * max(1, line_count)
