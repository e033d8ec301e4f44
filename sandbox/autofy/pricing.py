"""How QuickBooks prices a sales order's lines and adds up its totals (AUTOFY.md §0.8, §2.4-§2.6; the
rules it leaves open are in ``sandbox.autofy.decisions``). Pure: no database, so the seed prices its
orders with the same code as the API.

Lines are dicts in Autofy's shape with ``Decimal`` numbers (``Quantity``, ``Rate``, ``RatePercent``,
``Amount``). ``price_lines`` fills in what QuickBooks computes, given for each line which of those fields
the client sent this time (``given``): the rest come from the line as it was, or from its item.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sandbox.autofy import decisions

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
PRICING_FIELDS = frozenset({"Quantity", "Rate", "RatePercent", "Amount", "Item"})
# Items whose lines carry no amount of their own making: they add up (Subtotal) or hold sub-lines (Group).
SUBTOTAL, GROUP, DISCOUNT = "Subtotal", "Group", "Discount"
SALES_TAX_TYPES = ("SalesTax", "SalesTaxGroup")


class PricingRefused(Exception):
    """QuickBooks refuses to price a line as sent (the message is QuickBooks' reason)."""


def money(value: Decimal) -> Decimal:
    return value.quantize(decisions.CENT, rounding=ROUND_HALF_UP)


def rate(value: Decimal) -> Decimal:
    return value.quantize(decisions.RATE_STEP, rounding=ROUND_HALF_UP)


def number(value) -> Decimal | None:
    """A stored JSON number (float or int) back as the Decimal it was."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@dataclass(frozen=True)
class ItemFacts:
    """What pricing needs to know of an item (from its Autofy object)."""

    ref: dict  # {"ID", "FullName"}
    type: str
    price: Decimal | None
    price_percent: Decimal | None
    tax_code: dict | None  # {"ID", "FullName"}
    description: str | None
    unit: str | None
    group_lines: tuple[tuple[dict, Decimal], ...] = ()  # (item ref, quantity) for a group
    tax_rate: Decimal | None = None  # sales tax items and groups

    @classmethod
    def from_data(cls, data: dict) -> "ItemFacts":
        return cls(
            ref={"ID": data["ID"], "FullName": data["FullName"]},
            type=data["Type"],
            price=number(data.get("SalesPrice")),
            price_percent=number(data.get("SalesPricePercent")),
            tax_code=data.get("SalesTaxCode"),
            description=data.get("Description"),
            unit=data.get("UnitOfMeasure"),
            group_lines=tuple((line["Item"], number(line["Quantity"])) for line in data.get("GroupLines") or ()),
            tax_rate=number(data.get("TaxRate")),
        )


def default_tax_code(item: ItemFacts, customer_code: dict | None, taxable: Callable[[dict], bool]) -> dict | None:
    """A line's sales tax code when none is sent: the item's, unless the customer's is not taxable."""
    if item.type in (SUBTOTAL, GROUP):
        return None
    if customer_code is not None and not taxable(customer_code):
        return customer_code
    return item.tax_code


def expand_group(group: ItemFacts, quantity: Decimal) -> list[dict]:
    """The sub-lines a group line gets when none are sent: its items, quantities times the group's."""
    return [{"Item": dict(ref), "Quantity": each * quantity} for ref, each in group.group_lines]


def price_lines(lines: list[dict], items: Mapping[str, ItemFacts], given: Callable[[dict], frozenset]) -> None:
    """Fill in ``Quantity``/``Rate``/``RatePercent``/``Amount`` of each line (and group sub-line), in order."""
    above = ZERO  # the amount of the line directly above (what a percentage applies to)
    since_subtotal = ZERO
    for line in lines:
        item = items[line["Item"]["ID"]]
        if item.type == SUBTOTAL:
            line.update(Quantity=None, Rate=None, RatePercent=None, Amount=since_subtotal)
            since_subtotal = ZERO
        elif item.type == GROUP:
            if line.get("Quantity") is None:
                line["Quantity"] = Decimal(1)
            price_lines(line["SubLines"], items, given)
            line.update(Rate=None, RatePercent=None, Amount=sum((sub["Amount"] for sub in line["SubLines"]), ZERO))
            since_subtotal += line["Amount"]
        else:
            _price_line(line, item, above, given(line))
            since_subtotal += line["Amount"]
        above = line["Amount"]


def _price_line(line: dict, item: ItemFacts, above: Decimal, sent: frozenset) -> None:
    quantity, unit_rate, percent = line.get("Quantity"), line.get("Rate"), line.get("RatePercent")
    discount = item.type == DISCOUNT
    if unit_rate is not None and percent is not None:
        raise PricingRefused("A line cannot have both a rate and a percentage rate.")
    if discount and quantity is not None:
        raise PricingRefused(f"A quantity cannot be entered for the discount item \"{item.ref['FullName']}\".")

    if "Amount" in sent and line.get("Amount") is not None:
        amount = line["Amount"]
        if quantity:
            unit_rate, percent = rate(amount / quantity), None
    elif not sent & PRICING_FIELDS and line.get("Amount") is not None and percent is None:
        amount = line["Amount"]  # nothing that prices it changed: its amount stays as it was
    elif percent is not None or (unit_rate is None and quantity is None and item.price_percent is not None):
        percent = percent if percent is not None else item.price_percent
        quantity, unit_rate = None, None
        amount = money(above * percent / HUNDRED)
    else:
        if quantity is None and unit_rate is None and not discount:
            quantity = Decimal(1)
        if unit_rate is None:
            unit_rate = item.price if item.price is not None else ZERO
        amount = money(quantity * unit_rate) if quantity is not None else money(unit_rate)
    if discount:
        amount = -abs(amount)
    line.update(Quantity=quantity, Rate=unit_rate, RatePercent=percent, Amount=amount)


@dataclass(frozen=True)
class Totals:
    sub_total: Decimal
    sales_tax: Decimal
    amount: Decimal
    in_home_currency: Decimal


def totals(lines: list[dict], items: Mapping[str, ItemFacts], taxable: Callable[[dict | None], bool],
           tax_rate: Decimal | None, exchange_rate: Decimal) -> Totals:
    """``SubTotal`` (every line but Subtotal lines), the tax on the taxable lines (a group's taxable
    sub-lines), ``Amount`` and ``TotalAmountInHomeCurrency``."""
    sub_total = taxable_amount = ZERO
    for line in lines:
        kind = items[line["Item"]["ID"]].type
        if kind == SUBTOTAL:
            continue
        sub_total += line["Amount"]
        for leaf in line["SubLines"] if kind == GROUP else [line]:
            if taxable(leaf.get("SalesTaxCode")):
                taxable_amount += leaf["Amount"]
    sales_tax = money(taxable_amount * tax_rate / HUNDRED) if tax_rate else ZERO
    amount = sub_total + sales_tax
    return Totals(sub_total, sales_tax, amount, money(amount * exchange_rate))
