"""One QuickBooks order, as its page shows it: read live through the connection's connector, checked, and
compared with the customer's current record; or, while QuickBooks does not answer, the local index's copy.

``order_page(connection, order_id)`` is the use case. It returns a ``LiveOrder`` (the order, its totals
worked out again from its lines, the customer's record beside the order's addresses, the raw object for
admins) or an ``IndexedCopy`` (what the index keeps of it and how old that is). It raises
``UpstreamNotFound`` for an order QuickBooks (or, offline, the index) does not have, and the
``UpstreamError`` family for the rest.

How totals are worked out again (QuickBooks' rules, AUTOFY.md §0.8 and §2.4-§2.6, as the sandbox decides
the gaps in ``sandbox/autofy/decisions.py``; the arithmetic is ``orders.qbd_amounts``, which the QuickBooks
builder shares): each line is ``quantity × rate`` (or its rate alone, or its
percentage of the line above), rounded half up to cents, negative for a discount; a group line is the sum
of its sub-lines; a subtotal line adds up the lines above it and is not counted. The subtotal is the sum
of the other lines; the sales tax is the taxable lines (a group's taxable sub-lines) times the sales tax
item's rate, rounded half up; the total is their sum, and the total in home currency the total times the
exchange rate, rounded half up.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders import domain, money, qbd_amounts
from orders.erp.autofy import connector_for
from orders.erp.errors import UpstreamError, UpstreamNotFound, UpstreamUnavailable
from orders.models import ErpConnection
from orders.services import index

logger = logging.getLogger(__name__)

# A rate QuickBooks derives from an amount keeps 5 decimals: quantity × that rate may miss the amount by
# half a step per unit.
HALF_RATE_STEP = Decimal("0.000005")
# QuickBooks' amounts have at most 13 digits before the point, rates and quantities 10: an answer with
# numbers far beyond that is not QuickBooks' (and Decimal could not round it to cents).
LARGEST_NUMBER = Decimal(10) ** 16


class UnreadableOrder(UpstreamError):
    """QuickBooks answered, but with an order the dashboard cannot make sense of."""

    default_message = "QuickBooks answered with an order the dashboard cannot read."


# --- what the page shows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressComparison:
    """An address on the order (bill to, ship to) beside the customer's current one, field by field."""

    label: str
    on_order: domain.PostalAddress | None
    current: domain.PostalAddress | None
    # (field label, on the order, current, differs) for each field either has.
    rows: tuple[tuple[str, str, str, bool], ...] = ()

    @property
    def differs(self) -> bool:
        return any(row[3] for row in self.rows)

    @property
    def changed_labels(self) -> list[str]:
        return [row[0] for row in self.rows if row[3]]


@dataclass(frozen=True, slots=True)
class LineCheck:
    """A line (or sub-line) and what its amount comes to by QuickBooks' rules; ``expected`` is None when
    the line carries nothing to work it out from (the ERP's amount is taken)."""

    line: domain.OrderLine
    expected: Decimal | None
    depth: int = 0  # 1 for a group's sub-line

    @property
    def differs(self) -> bool:
        if self.expected is None:
            return False
        return abs(self.expected - self.line.amount) > line_tolerance(self.line)


@dataclass(frozen=True, slots=True)
class TotalsCheck:
    """The totals worked out from the lines beside the ones QuickBooks reports."""

    computed: qbd_amounts.Totals
    reported: domain.Order
    tolerance: Decimal  # the totals are sums of the lines' cents: any cent of difference is one
    lines: tuple[LineCheck, ...]
    # The rate the order was taxed at (QuickBooks') differs from the tax item's rate today.
    rate_changed: bool = False

    def _differs(self, reported: Decimal | None, computed: Decimal | None) -> bool:
        if reported is None or computed is None:
            return False
        return abs(reported - computed) > self.tolerance

    @property
    def rows(self) -> list[tuple[str, Decimal | None, Decimal | None, bool]]:
        """(label, from the lines, reported, differs) for each total."""
        order, ours = self.reported, self.computed
        return [
            ("Subtotal", ours.subtotal, order.subtotal, self._differs(order.subtotal, ours.subtotal)),
            ("Sales tax", ours.tax, order.tax_amount, self._differs(order.tax_amount, ours.tax)),
            ("Total", ours.total, order.total, self._differs(order.total, ours.total)),
            ("Total in home currency", ours.total_in_home_currency, order.total_in_home_currency,
             self._differs(order.total_in_home_currency, ours.total_in_home_currency)),
        ]

    @property
    def lines_differing(self) -> list[LineCheck]:
        return [check for check in self.lines if check.differs]

    @property
    def mismatch(self) -> bool:
        return bool(self.lines_differing) or any(row[3] for row in self.rows)


@dataclass(frozen=True, slots=True)
class LiveOrder:
    order: domain.Order
    totals: TotalsCheck
    customer: domain.CustomerRecord | None
    # Why the customer's record could not be read (the page still shows the order).
    customer_error: UpstreamError | None
    addresses: tuple[AddressComparison, ...]
    home_currency: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    request_id: str = ""
    customer_request_id: str = ""
    live = True

    @property
    def details(self) -> domain.QuickBooksDetails:
        return self.order.details or domain.QuickBooksDetails()

    @property
    def invoices(self) -> list[domain.LinkedTransaction]:
        return [link for link in self.details.linked_transactions if "invoice" in link.type.casefold()]

    @property
    def other_links(self) -> list[domain.LinkedTransaction]:
        return [link for link in self.details.linked_transactions if "invoice" not in link.type.casefold()]

    @property
    def closed_lines(self) -> int:
        return sum(1 for line in self.order.lines if line.closed)

    @property
    def addresses_differ(self) -> bool:
        return any(address.differs for address in self.addresses)


@dataclass(frozen=True, slots=True)
class IndexedCopy:
    """What the local index keeps of the order, shown while QuickBooks does not answer."""

    summary: domain.OrderSummary
    as_of: dt.datetime | None  # the index's last sync that finished
    error: UpstreamError
    live = False


# --- the use case ------------------------------------------------------------------------------------


def order_page(connection: ErpConnection, order_id: str) -> LiveOrder | IndexedCopy:
    """The order read live; the index's copy when QuickBooks is not reachable (agent off, busy, too slow
    for the page). ``UpstreamNotFound`` when QuickBooks has no such order, or, offline, the index none."""
    connector = connector_for(connection)
    try:
        order, answer = connector.order(order_id)
    except UpstreamUnavailable as error:
        if answered(error):
            raise
        copy = index.indexed_order(connection, order_id)
        if copy is None:
            if _is_plausible_id(order_id):
                raise
            raise UpstreamNotFound(upstream=error.upstream) from error
        logger.info("QuickBooks order %s: showing the index's copy (%r)", order_id, error)
        return IndexedCopy(summary=copy, as_of=index.freshness(connection).synced_at, error=error)
    _check_numbers(order)

    customer, customer_error, customer_request_id = None, None, ""
    if order.customer is not None and order.customer.id:
        try:
            customer, customer_answer = connector.customer(order.customer.id)
            customer_request_id = customer_answer.request_id
        except UpstreamError as error:
            logger.warning("QuickBooks customer %s of order %s: %r", order.customer.id, order_id, error)
            customer_error = error
    return LiveOrder(
        order=order,
        totals=check_totals(order),
        customer=customer,
        customer_error=customer_error,
        addresses=compare_addresses(order, customer),
        home_currency=str(connection.settings.get("home_currency") or "") if connection.settings else "",
        raw=answer.objects[0] if answer.objects else {},
        request_id=answer.request_id,
        customer_request_id=customer_request_id,
    )


def answered(error: UpstreamUnavailable) -> bool:
    """An answer that arrived (HTTP 2xx) but could not be read: not "QuickBooks is not answering". An
    error Autofy names with a code (the agent offline, busy, or failing; it may come inside an HTTP 200)
    is not answering, whatever the status."""
    if error.code:
        return False
    return error.status is not None and 200 <= error.status < 300


def _is_plausible_id(order_id: str) -> bool:
    """Whether an id could be QuickBooks' (``1A2B-1234567890``): an id of another shape is not found,
    even when QuickBooks cannot be asked."""
    head, _, tail = order_id.partition("-")
    return bool(head) and bool(tail) and all(c in "0123456789ABCDEFabcdef" for c in head) and tail.isdigit()


def _check_numbers(order: domain.Order) -> None:
    numbers = [order.subtotal, order.tax_amount, order.total, order.total_in_home_currency, order.exchange_rate]
    for line in _leaves_and_groups(order.lines):
        numbers += [line.amount, line.quantity, line.rate, line.rate_percent]
    if any(number is not None and abs(number) >= LARGEST_NUMBER for number in numbers):
        raise UnreadableOrder(upstream="QuickBooks", status=200)


def _leaves_and_groups(lines):
    for line in lines:
        yield line
        yield from line.sub_lines


# --- addresses ---------------------------------------------------------------------------------------


def compare_addresses(order: domain.Order, customer: domain.CustomerRecord | None) -> tuple[AddressComparison, ...]:
    """Bill to and ship to beside the customer's current billing and shipping addresses."""
    pairs = (("Bill to", order.billing_address, customer.billing_address if customer else None),
             ("Ship to", order.shipping_address, customer.shipping_address if customer else None))
    comparisons = []
    for label, on_order, current in pairs:
        rows = []
        for attribute, field_label in domain.PostalAddress.FIELDS:
            then = _text(getattr(on_order, attribute, "") if on_order else "")
            now = _text(getattr(current, attribute, "") if current else "")
            if then or now:
                rows.append((field_label, then, now, customer is not None and _normal(then) != _normal(now)))
        comparisons.append(AddressComparison(label=label, on_order=on_order, current=current, rows=tuple(rows)))
    return tuple(comparisons)


def _text(value) -> str:
    return "\n".join(value) if isinstance(value, tuple) else (value or "")


def _normal(value: str) -> str:
    return " ".join(value.split()).casefold()


# --- totals ------------------------------------------------------------------------------------------


def line_tolerance(line: domain.OrderLine) -> Decimal:
    """How far a line's amount may be from quantity × rate through QuickBooks' rounding alone."""
    if line.quantity is None or line.rate is None:
        return money.CENT / 2
    return money.CENT / 2 + abs(line.quantity) * HALF_RATE_STEP


def expected_amount(line: domain.OrderLine, above: Decimal) -> Decimal | None:
    """What a line (not a group or subtotal) comes to by QuickBooks' rules; ``above`` is the amount of
    the line above it (what a percentage applies to)."""
    return qbd_amounts.line_amount(kind=line.kind, quantity=line.quantity, rate=line.rate,
                                   rate_percent=line.rate_percent, above=above)


def check_totals(order: domain.Order) -> TotalsCheck:
    """The order's totals worked out again from its lines (see the module's docstring). Numbers whose
    products do not fit even a wide context make the order unreadable (``UnreadableOrder``)."""
    try:
        with decimal.localcontext() as context:
            context.prec = 60
            checked = _check_totals(order)
    except decimal.InvalidOperation as error:
        raise UnreadableOrder(upstream="QuickBooks", status=200) from error
    computed = checked.computed
    worked_out = [computed.subtotal, computed.tax, computed.total, computed.total_in_home_currency,
                  *(line.expected for line in checked.lines)]
    if any(number is not None and abs(number) >= LARGEST_NUMBER for number in worked_out):
        # Each number was within QuickBooks' reach, their products are not: not an order QuickBooks made.
        raise UnreadableOrder(upstream="QuickBooks", status=200)
    return checked


def _check_totals(order: domain.Order) -> TotalsCheck:
    """Each line's amount worked out from its own numbers and the reported amount above it (so that one
    line that does not add up is flagged alone), and the totals from the reported amounts."""
    details = order.details or domain.QuickBooksDetails()
    checks: list[LineCheck] = []
    since_subtotal = above = money.ZERO
    for line in order.lines:
        if line.is_subtotal:
            checks.append(LineCheck(line, since_subtotal))
            since_subtotal = money.ZERO
            above = line.amount
            continue
        if line.is_group:
            sub_above = money.ZERO
            sub_checks = []
            for sub in line.sub_lines:
                sub_checks.append(LineCheck(sub, expected_amount(sub, sub_above), depth=1))
                sub_above = sub.amount
            checks.append(LineCheck(line, sum((sub.amount for sub in line.sub_lines), money.ZERO)))
            checks.extend(sub_checks)
        else:
            checks.append(LineCheck(line, expected_amount(line, above)))
        since_subtotal += line.amount
        above = line.amount

    # The tax item's rate in the company's list; the order's own when the list does not have it.
    rate = details.sales_tax_item_rate if details.sales_tax_item_rate is not None else details.sales_tax_rate
    rate_changed = (details.sales_tax_rate is not None and details.sales_tax_item_rate is not None
                    and details.sales_tax_rate != details.sales_tax_item_rate)
    return TotalsCheck(
        computed=qbd_amounts.totals(order.lines, tax_rate=rate, exchange_rate=order.exchange_rate),
        reported=order,
        tolerance=money.CENT / 2,
        lines=tuple(checks),
        rate_changed=rate_changed,
    )
