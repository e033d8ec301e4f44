"""Times as Autofy writes them, and the agent PC's clock.

Moments are UTC with a "Z", to the second ("2023-01-11T16:08:00Z", seed 002's form). QuickBooks' calendar
dates (``Date``, ``DueDate``, ``DateShipped``) are written as midnight UTC of that date
(``sandbox.autofy.decisions``). IDs end in the 10-digit Unix time of their creation, as QuickBooks' do.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.autofy import decisions

PC_ZONE = ZoneInfo(decisions.PC_TIME_ZONE)
ANCHOR_ZONE = ZoneInfo(decisions.ANCHOR_TIME_ZONE)


def api_time(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def api_date(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day is not None else None


def read_api_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def read_api_date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def pc_today(now: datetime) -> date:
    """The date on the agent PC's calendar at ``now``."""
    return now.astimezone(PC_ZONE).date()


def list_id(counter: int, created: datetime) -> str:
    """A list record's ID, QuickBooks' ListID form: ``80000001-1699999999``."""
    return f"{counter:08X}-{int(created.timestamp())}"


def txn_id(counter: int, created: datetime) -> str:
    """A transaction's (or a transaction line's) ID, QuickBooks' TxnID form: ``1A2B-1699999999``."""
    return f"{counter:X}-{int(created.timestamp())}"


def due_date(terms: dict | None, day: date) -> date:
    """When an order dated ``day`` falls due under ``terms`` (a Terms object): standard terms add their
    days, date-driven terms fall on their day of the next month; without terms, the day itself."""
    if terms is None:
        return day
    if terms.get("Type") == "DateDriven" and terms.get("DayOfMonthDue"):
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return date(year, month, min(int(terms["DayOfMonthDue"]), 28))
    return day + timedelta(days=int(terms.get("DueDays") or 0))
