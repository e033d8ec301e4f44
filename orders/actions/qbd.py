"""QuickBooks Desktop through Autofy: closing and reopening an order or some of its lines
(``PATCH /SalesOrder`` with ``IsManuallyClosed``, AUTOFY.md §2.3 and §4.3).

* The whole order: ``{"ID", "EditSequence", "IsManuallyClosed"}`` on the header, which sets every line.
* Some lines: the header value left out, and ``ItemLines`` naming *every* line by its ``ID`` (a line
  left out of a sent list is deleted), with ``IsManuallyClosed`` on the chosen ones only. When every
  line is closed QuickBooks closes the order.
* A fully invoiced line cannot be reopened (QuickBooks keeps it closed): it is not offered.
* Every PATCH carries the ``EditSequence`` of the order as read just before it; the page's own version
  (``LastModifiedDate`` and ``EditSequence``, with what the page showed, signed) is compared first. A
  change meanwhile, or QuickBooks' 3200, stops the action for the user's decision with what changed.

Autofy has no DELETE: deleting an order is done in QuickBooks itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone

from orders.actions import Check, Sent
from orders.erp.autofy import connector_for
from orders.erp.errors import (
    UpstreamBusinessError,
    UpstreamConflict,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.models import ErpConnection, OrderAction

Kind = OrderAction.Kind
STALE_EDIT = "3200"
SIGNING_SALT = "orders.actions.qbd.version"
NO_DELETE = ("Autofy offers no way to delete an order: to delete it, do so in QuickBooks itself. Closing it "
             "keeps it from being invoiced further.")
# What the confirmation says, by (kind, whole order).
CONSEQUENCES = {
    (Kind.QBD_CLOSE, True): "QuickBooks closes the order and every line on it; nothing more is invoiced from it.",
    (Kind.QBD_REOPEN, True): "QuickBooks reopens the order and its lines (lines fully invoiced stay closed).",
    (Kind.QBD_CLOSE, False): "QuickBooks closes these lines only. When every line is closed, the order is closed too.",
    (Kind.QBD_REOPEN, False): "QuickBooks reopens these lines, and so the order.",
}


def _number(value: Any) -> Decimal | None:
    try:
        return None if value is None or isinstance(value, bool) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


@dataclass(frozen=True, slots=True)
class LineState:
    id: str
    position: int
    name: str
    description: str
    quantity: str
    closed: bool
    fully_invoiced: bool
    actionable: bool  # a line with a quantity (or a group): the ones IsManuallyClosed applies to

    @property
    def closable(self) -> bool:
        return self.actionable and not self.closed and not self.fully_invoiced

    @property
    def reopenable(self) -> bool:
        return self.actionable and self.closed and not self.fully_invoiced


def _fully_invoiced(line: dict) -> bool:
    parts = [p for p in (line.get("SubLines") or [line]) if isinstance(p, dict)]
    for part in parts:
        quantity, invoiced = _number(part.get("Quantity")), _number(part.get("Invoiced")) or Decimal(0)
        if quantity is None or invoiced < quantity:
            return False
    return bool(parts)


def lines_of(raw: dict) -> list[LineState]:
    """The order's top-level lines as the close/reopen form offers them."""
    lines = []
    for position, line in enumerate(raw.get("ItemLines") or (), start=1):
        if not isinstance(line, dict) or not _text(line.get("ID")):
            continue
        item = line.get("Item") if isinstance(line.get("Item"), dict) else {}
        quantity = _number(line.get("Quantity"))
        lines.append(LineState(
            id=_text(line["ID"])[:60], position=position, name=_text(item.get("FullName")),
            description=_text(line.get("Description"))[:200],
            quantity="" if quantity is None else f"{quantity.normalize():f}",
            closed=line.get("IsManuallyClosed") is True, fully_invoiced=_fully_invoiced(line),
            actionable=quantity is not None or bool(line.get("SubLines"))))
    return lines


def version_of(raw: dict) -> dict:
    """What the page showed of the order, to tell the user later what changed."""
    return {
        "v": _text(raw.get("EditSequence")), "m": _text(raw.get("LastModifiedDate")),
        "closed": raw.get("IsManuallyClosed") is True, "amount": _text(raw.get("Amount")),
        "memo": _text(raw.get("Memo"))[:200], "po": _text(raw.get("PONumber")),
        "lines": [[line.id, line.name, line.quantity, line.closed] for line in lines_of(raw)],
    }


def sign(version: dict) -> str:
    return signing.dumps(version, salt=SIGNING_SALT, compress=True)


def unsign(text: str) -> dict | None:
    """The version a page showed, or None when the field was tampered with or is missing."""
    if not text or len(text) > 20000:
        return None
    try:
        value = signing.loads(text, salt=SIGNING_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("lines"), list) else None


def _closed(value: bool) -> str:
    return "closed" if value else "open"


def _moment(text: str) -> str:
    """QuickBooks' ``2026-12-01T13:00:04Z`` as the pages write times (the company's zone, which the request works
    in), with the zone's abbreviation since the words are kept: ``1 Dec 2026, 07:00:04 CST``; else as it is."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is None:
        return str(text)
    try:
        local = timezone.localtime(moment)
    except OverflowError:  # a stamp at the edge of the calendar
        return str(text)
    return f"{local.day} {local:%b %Y, %H:%M:%S %Z}"


def changes_between(then: dict, now: dict) -> list[tuple[str, str, str]]:
    """(what, as the page showed it, as it is now) for each difference."""
    rows = []
    if then.get("m") != now.get("m"):
        rows.append(("Last modified", _moment(then.get("m", "")), _moment(now.get("m", ""))))
    if then.get("closed") != now.get("closed"):
        rows.append(("Order", _closed(bool(then.get("closed"))), _closed(bool(now.get("closed")))))
    for key, name in (("amount", "Total"), ("memo", "Memo"), ("po", "PO number")):
        if then.get(key) != now.get(key):
            rows.append((name, then.get(key, ""), now.get(key, "")))
    before = {row[0]: row for row in then.get("lines", []) if isinstance(row, list) and len(row) == 4}
    after = {row[0]: row for row in now.get("lines", [])}
    for line_id, row in after.items():
        old = before.get(line_id)
        if old is None:
            rows.append((f"Line {row[1]}", "—", f"added, {row[2]} × , {_closed(row[3])}".replace(" × ,", ",")))
            continue
        if old[2] != row[2]:
            rows.append((f"Line {row[1]}: quantity", old[2], row[2]))
        if old[3] != row[3]:
            rows.append((f"Line {row[1]}", _closed(old[3]), _closed(row[3])))
    for line_id, old in before.items():
        if line_id not in after:
            rows.append((f"Line {old[1]}", "on the order", "removed"))
    if not rows and then.get("v") != now.get("v"):
        rows.append(("Version (EditSequence)", then.get("v", ""), now.get("v", "")))
    return rows


def request_body(raw: dict, kind: str, line_ids: list[str]) -> dict:
    """The PATCH for closing (``qbd_close``) or reopening the whole order (no ``line_ids``) or lines."""
    closed = kind == Kind.QBD_CLOSE
    body = {"ID": _text(raw.get("ID")), "EditSequence": _text(raw.get("EditSequence"))}
    if not line_ids:
        body["IsManuallyClosed"] = closed
        return body
    chosen = set(line_ids)
    body["ItemLines"] = [{"ID": line.id, **({"IsManuallyClosed": closed} if line.id in chosen else {})}
                         for line in lines_of(raw)]
    return body


def reached(raw: dict, kind: str, line_ids: list[str]) -> bool:
    closed = kind == Kind.QBD_CLOSE
    if not line_ids:
        if closed:
            return raw.get("IsManuallyClosed") is True
        return raw.get("IsManuallyClosed") is not True and all(
            not line.closed or line.fully_invoiced for line in lines_of(raw) if line.actionable)
    by_id = {line.id: line for line in lines_of(raw)}
    return all(line_id in by_id and (by_id[line_id].closed == closed or (not closed and by_id[line_id].fully_invoiced))
               for line_id in line_ids)


class QbdPerformer:
    erp = "QuickBooks"

    def __init__(self, connection: ErpConnection) -> None:
        self.connector = connector_for(connection)
        self.client = self.connector.client

    def settle_seconds(self) -> float:
        return float(settings.AUTOFY.get("SETTLE_SECONDS", 30))

    def longest_call(self) -> float:
        return float(settings.AUTOFY.get("CONNECT_TIMEOUT", 0)) + float(settings.AUTOFY.get("READ_TIMEOUT", 0))

    def read(self, order_id: str) -> dict:
        answer = self.client.get_sales_order(order_id)
        if not answer.objects:
            raise UpstreamNotFound(upstream=self.client.name, tracking_id=answer.request_id)
        return answer.objects[0]

    def send(self, action: OrderAction) -> Sent:
        answer = self.client.update_sales_order(action.request)
        return Sent(status=answer.status, data=answer.objects[0] if answer.objects else answer.raw,
                    tracking_id=answer.request_id, trace_id=answer.trace_id, elapsed_ms=answer.elapsed_ms)

    def check(self, action: OrderAction) -> Check:
        try:
            raw = self.read(action.order_id)
        except UpstreamNotFound:
            return Check("unclear", f"Order {action.order_id} is no longer in QuickBooks (deleted there).")
        lines = list(action.target.get("lines") or [])
        if reached(raw, action.kind, lines):
            return Check("applied", "Read the order again: the change is there, so it was made once.")
        if _text(raw.get("EditSequence")) == _text((action.request or {}).get("EditSequence")):
            return Check("absent", "Read the order again: QuickBooks did not make the change and nothing was "
                                   "changed. You can ask again.")
        return Check("unclear", "Read the order again: someone changed it in QuickBooks meanwhile and the change "
                                "asked for is not there. Look at what changed and decide.",
                     changes=tuple(changes_between(action.target.get("seen") or {}, version_of(raw))))

    def stale(self, action: OrderAction, error: UpstreamError):
        if error.code != STALE_EDIT:
            return None
        try:
            now = version_of(self.read(action.order_id))
        except UpstreamError:
            return (("Version (EditSequence)", action.seen_version, "changed"),)
        return tuple(changes_between(action.target.get("seen") or {}, now))

    def explain(self, action: OrderAction, error: UpstreamError) -> str:
        what = "close" if action.kind == Kind.QBD_CLOSE else "reopen"
        if error.code == STALE_EDIT:
            return ("Someone changed this order in QuickBooks since you opened it (QuickBooks refused the change: "
                    "its edit sequence was out of date). Nothing was changed. See what changed, then decide.")
        if error.code == "3171":
            return (f"QuickBooks will not {what} this order: its date is on or before the company's closing date. "
                    "Nothing was changed.")
        if isinstance(error, UpstreamConflict):
            return f"QuickBooks will not {what} the order now. {error.message} Nothing was changed."
        if isinstance(error, (UpstreamBusinessError, UpstreamValidationError)):
            return f"QuickBooks refused to {what} the order: {error.message} Nothing was changed."
        if isinstance(error, UpstreamNotFound):
            return f"Order {action.order_id} is no longer in QuickBooks (deleted there). Nothing was changed."
        if isinstance(error, UpstreamUnavailable):
            return f"{error.message} Nothing was changed: try again later."
        return f"QuickBooks did not {what} the order. {error.message} Nothing was changed."
