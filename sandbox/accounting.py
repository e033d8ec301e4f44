"""Pure bookkeeping rules shared by the API and the seed: money, due dates, KID, check digits.

Nothing here touches the database, so the seed generator can use it without Django set up.

Money is ``Decimal`` throughout. A line's amounts are rounded half-up to øre::

    net = round(quantity * price * (1 - discountRate / 100), 2)
    tax = round(net * taxRate / 100, 2)

and an order's ``netAmount``/``taxAmount`` are the sums over its lines, ``grossAmount = net + tax``.
Text lines count like product lines (they usually have price 0).
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")

# The chart of accounts (``/accounts``): (id, number, name, taxId). A sales type posts to its account;
# a product may override that account per sales type (``/products/{id}/salestypeOverrides``), and the
# account's ``taxId`` is the tax code a line gets by default. taxId 0 means no tax code (not a sales account).
ACCOUNTS = (
    (1001500, 1500, "Kundefordringer", 0),
    (1001900, 1900, "Kontanter", 0),
    (1001940, 1940, "Bankinnskudd, kortoppgjør", 0),
    (1001941, 1941, "Vipps-oppgjør", 0),
    (1003000, 3000, "Salgsinntekt, avgiftspliktig", 1),
    (1003010, 3010, "Salgsinntekt tjenester, avgiftspliktig", 1),
    (1003020, 3020, "Salgsinntekt prosjekter, avgiftspliktig", 1),
    (1003030, 3030, "Salgsinntekt serviceavtaler, avgiftspliktig", 1),
    (1003050, 3050, "Salgsinntekt, middels sats", 2),
    (1003060, 3060, "Salgsinntekt, lav sats", 3),
    (1003100, 3100, "Salgsinntekt, avgiftsfri", 4),
    (1003200, 3200, "Salgsinntekt, utenfor avgiftsområdet", 5),
)
# The sales account a line with a given tax code is posted to, by tax id (see sandbox.seed.TAXES).
SALES_ACCOUNT_NUMBER_BY_TAX = {1: 3000, 2: 3050, 3: 3060, 4: 3100, 5: 3200}
_ACCOUNTS_BY_NUMBER = {number: {"id": id_, "number": number, "name": name} for id_, number, name, _ in ACCOUNTS}
def money(value: Decimal) -> Decimal:
    """Round half-up to two decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity: Decimal, price: Decimal, discount_rate: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal]:
    """The (net, tax) of one line, each rounded half-up to two decimals."""
    net = money(quantity * price * (1 - discount_rate / HUNDRED))
    tax = money(net * tax_rate / HUNDRED)
    return net, tax


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def order_totals(lines: Iterable[tuple[Decimal, Decimal, Decimal, Decimal]]) -> Totals:
    """Sum ``line_amounts`` over (quantity, price, discountRate, taxRate) tuples."""
    net = tax = ZERO
    for quantity, price, discount_rate, tax_rate in lines:
        line_net, line_tax = line_amounts(quantity, price, discount_rate, tax_rate)
        net += line_net
        tax += line_tax
    return Totals(net=net, tax=tax)


def sales_account(tax_id: int) -> dict:
    """The account (``{id, number, name}``) a line with this tax code is posted to by default."""
    return dict(_ACCOUNTS_BY_NUMBER[SALES_ACCOUNT_NUMBER_BY_TAX.get(tax_id, 3000)])


def due_date(invoice_date: date, terms: dict) -> date:
    """The due date for payment terms ``{type: NumberOfDays|OutMonthPlusDays|FixedDate, value}``."""
    kind, value = terms["type"], terms["value"]
    if kind == "NumberOfDays":
        return invoice_date + timedelta(days=value)
    if kind == "OutMonthPlusDays":
        last_day = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last_day) + timedelta(days=value)
    if kind == "FixedDate":
        return date.fromisoformat(value)
    raise ValueError(f"Unknown payment terms type {kind!r}")


def luhn_check_digit(digits: str) -> str:
    """The MOD10 (Luhn) check digit Norwegian banks use for KID numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def kid(customer_id: int, invoice_number: int) -> str:
    """A KID (payment reference) from customer and invoice number, with its MOD10 check digit."""
    base = f"{customer_id:05d}{invoice_number:06d}"
    return base + luhn_check_digit(base)


def org_number_check_digit(first_eight: str) -> int | None:
    """The MOD11 check digit of a Norwegian organisation number, or None when no valid one exists."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first_eight, weights)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else check


def gln_check_digit(first_twelve: str) -> int:
    """The GS1 check digit completing a 13-digit GLN."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10
