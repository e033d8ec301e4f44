"""Whether QuickBooks has an order from this submission: its orders modified around the sending are
read, page by page, and those whose ``Other`` holds the submission's marker are the answer.

The window is widened on both sides by ``MARGIN`` (AUTOFY.md §4.4): the agent's clock is not ours, a
modification time without an offset is the PC's local time (the dashboard sends UTC with a ``Z``), and a
QuickBooks user may have modified the order since, which moves its time later (still inside the window,
which ends after now). Pages are best-effort (an order modified while they are read moves to the end):
orders are taken by ``ID`` once, and a marker seen on any page counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orders.erp.autofy import QuickBooksConnector, api_time
from orders.erp.autofy import payloads as autofy_payloads

MARGIN = dt.timedelta(minutes=10)
PAGE_SIZE = 100
# More pages than this (5 000 orders changed around one sending) and the dashboard does not guess.
MAX_PAGES = 50


class TooManyToCheck(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Found:
    orders: tuple[dict, ...]  # the orders carrying the marker, oldest first
    seen: int  # how many orders were read
    since: dt.datetime
    until: dt.datetime
    status: int
    request_id: str  # the last page's
    elapsed_ms: float

    @property
    def summary(self) -> dict:
        """What the submission's history keeps of the look."""
        return {"marked": [{"ID": o.get("ID"), "Number": o.get("Number"), "CreatedDate": o.get("CreatedDate")}
                           for o in self.orders],
                "modTimeStart": api_time(self.since), "modTimeEnd": api_time(self.until), "read": self.seen}


def find_marked(connector: QuickBooksConnector, tag: str, *, sent_from: dt.datetime,
                now: dt.datetime) -> Found:
    """The orders carrying ``tag`` among those modified from ``sent_from`` (the earliest sending not yet
    looked for) to now, each widened by ``MARGIN``. Raises ``UpstreamError`` when QuickBooks does not
    answer, ``TooManyToCheck`` past ``MAX_PAGES``."""
    since, until = sent_from - MARGIN, now + MARGIN
    marked: dict[str, dict] = {}
    seen: set[str] = set()
    elapsed = 0.0
    for page in range(1, MAX_PAGES + 1):
        answer = connector.client.list_sales_orders(page=page, page_size=PAGE_SIZE, modified_from=api_time(since),
                                                    modified_to=api_time(until))
        elapsed += answer.elapsed_ms
        for order in answer.objects:
            order_id = str(order.get("ID") or "")
            seen.add(order_id)
            if order_id and autofy_payloads.marker_in(order.get("Other")) == tag:
                marked[order_id] = order
        if not answer.more_data:
            ordered = sorted(marked.values(), key=lambda order: str(order.get("CreatedDate") or ""))
            return Found(tuple(ordered), len(seen), since, until, answer.status, answer.request_id, elapsed)
    raise TooManyToCheck(MAX_PAGES * PAGE_SIZE)
