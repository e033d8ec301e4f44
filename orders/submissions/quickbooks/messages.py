"""What the sender and the admins read about a QuickBooks submission, in plain words: what happened and
what is safe. A page adds its own next step (the builder: ``LEAVE`` while the order waits)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from orders.erp.errors import UpstreamAuthError, UpstreamError, UpstreamForbidden

LEAVE = "You can leave this page."


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def _at(moment: dt.datetime) -> str:
    """A time in the company's zone (the sending works in it: ``connections.using``), with its abbreviation,
    since the words are kept and also read in the journal, whose times are the dashboard's."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M %Z")
    return local.strftime("%d %b %H:%M %Z").lstrip("0")


def waiting(error: UpstreamError, *, in_doubt: bool = False) -> str:
    """The call was not taken (the agent offline, QuickBooks busy, the rate limit), or, ``in_doubt``, the
    agent went away with it (QuickBooks may have saved it: it is looked for before it is sent again)."""
    safe = (" Before it is sent again, the dashboard looks for it in QuickBooks, so it cannot be created twice."
            if in_doubt else "")
    return (f"It will be sent when the PC running QuickBooks answers. "
            f"{_sentence(error.message)} Nothing was lost.{safe}")


def in_doubt(error: UpstreamError | None, checks_at: dt.datetime | None) -> str:
    """The order was sent and no answer came back (or one that cannot be read)."""
    reason = _sentence(error.message) + " " if error is not None else ""
    when = f" from {_at(checks_at)}" if checks_at and checks_at > timezone.now() else ""
    return (f"QuickBooks did not confirm the order. {reason}Before anything is sent again, the dashboard looks "
            f"for it in QuickBooks{when}, so it cannot be created twice.")


def unreadable() -> str:
    return ("QuickBooks answered without the new order's ID. The dashboard looks for the order in QuickBooks "
            "before anything is sent again, so it cannot be created twice.")


def unchecked(error: UpstreamError) -> str:
    """The order must be looked for before it is sent again, and QuickBooks did not answer that."""
    return (f"The dashboard must look for this order in QuickBooks before sending it "
            f"again, and QuickBooks did not answer. {_sentence(error.message)} Nothing was lost.")


def rejected(error: UpstreamError, reason: str | None = None) -> str:
    """``reason``: what the form marks, in the dashboard's words, said instead of QuickBooks' own (which the
    step keeps: "An attempt was made to add a SalesOrder with a date that is on or before the closing date…")."""
    if isinstance(error, (UpstreamAuthError, UpstreamForbidden)):
        return (f"The order could not be sent to QuickBooks. {_sentence(error.message)} Nothing was created in "
                "QuickBooks; once the connection is put right, press Try again.")
    return (f"QuickBooks did not accept the order. {_sentence(reason or error.message)} Nothing was created in "
            "QuickBooks: correct what is marked on the form and send again.")


def too_many_to_check(count: int) -> str:
    return (f"The dashboard could not tell whether QuickBooks has this order: more than {count:,} orders changed "
            "around the time it was sent. Nothing more was sent; look for it in QuickBooks (its Other field holds "
            "this submission's marker).").replace(",", " ")


def several(orders: list[dict], tag: str) -> str:
    """QuickBooks holds more than one order with the marker: the evidence."""
    listed = "; ".join(
        f"{order.get('ID')} (number {order.get('Number') or '—'}, created {order.get('CreatedDate') or '?'})"
        for order in orders)
    return (f"QuickBooks has {len(orders)} orders carrying this form's marker {tag}: {listed}. Nothing more was "
            "sent. Keep one and delete the others in QuickBooks itself (Autofy cannot delete), then press "
            "“Check QuickBooks again”.")


def gave_up(days: float) -> str:
    return (f"QuickBooks has not taken this order for {days:g} days. Nothing was lost and nothing was sent twice. "
            "Once the PC running QuickBooks is back, press “Check QuickBooks again”; or, if the order was made "
            "by hand, close this one with a note.")


FOUND = "QuickBooks' answer was lost; the order was found in QuickBooks by its marker, so it was sent once."
