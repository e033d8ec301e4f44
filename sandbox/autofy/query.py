"""The query parameters of Autofy's data GETs, checked strictly: a name the object does not take, a
parameter given twice (but ``Id``) or a value of the wrong form answers 400 with error 4000, so that the
tests catch a client sending one. Names are case-sensitive (``sandbox.autofy.decisions``).

Sales orders take ``Id`` (repeatable), ``number``, ``page``, ``pageSize``, ``modTimeStart``, ``modTimeEnd``
and ``isDeleted`` (seed 002); the reference lists ``Id``, ``name``, ``isActive``, ``page``, ``pageSize``,
``modTimeStart`` and ``modTimeEnd``. A by-ID GET takes none.

Times are ISO 8601: with "Z" or an offset they are exact; without one they are the agent PC's local time
(``decisions.PC_TIME_ZONE``); a date alone is the start (``modTimeStart``) or the end (``modTimeEnd``) of
that local day.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest

from sandbox.autofy import decisions
from sandbox.autofy.envelope import general_error

PC_ZONE = ZoneInfo(decisions.PC_TIME_ZONE)
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")

SALES_ORDER_PARAMETERS = ("Id", "number", "page", "pageSize", "modTimeStart", "modTimeEnd", "isDeleted")
LIST_PARAMETERS = ("Id", "name", "isActive", "page", "pageSize", "modTimeStart", "modTimeEnd")


def parse_moment(raw: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 time as an aware datetime (local PC time when no offset is given), or None."""
    try:
        if DATE_ONLY.fullmatch(raw):
            day = date.fromisoformat(raw)
            if end_of_day:
                return datetime.combine(day + timedelta(days=1), time.min, tzinfo=PC_ZONE) - timedelta(microseconds=1)
            return datetime.combine(day, time.min, tzinfo=PC_ZONE)
        if DATE_TIME.fullmatch(raw):
            moment = datetime.fromisoformat(raw)
            return moment if moment.tzinfo is not None else moment.replace(tzinfo=PC_ZONE)
    except ValueError:
        pass
    return None


@dataclass
class DataQuery:
    ids: list[str] = field(default_factory=list)
    number: str | None = None
    name: str | None = None
    is_active: bool | None = None
    is_deleted: bool = False
    page: int = 1
    page_size: int = decisions.DEFAULT_PAGE_SIZE
    mod_start: datetime | None = None
    mod_end: datetime | None = None

    @property
    def named(self) -> bool:
        """Whether the GET names what it wants (what a trial key must do)."""
        return bool(self.ids) or self.number is not None or self.name is not None


def _invalid(name: str, raw: str, why: str):
    return general_error(f"The query parameter '{name}' has an invalid value '{raw}': {why}.")


def _whole_number(name: str, raw: str, minimum: int, maximum: int) -> int:
    if not re.fullmatch(r"\d{1,9}", raw) or not minimum <= int(raw) <= maximum:
        raise _invalid(name, raw, f"a whole number from {minimum} to {maximum} is expected")
    return int(raw)


def _boolean(name: str, raw: str) -> bool:
    if raw not in ("true", "false"):
        raise _invalid(name, raw, "true or false is expected")
    return raw == "true"


def parse(request: HttpRequest, accepted: tuple[str, ...]) -> DataQuery:
    query = DataQuery()
    for name, values in request.GET.lists():
        if name not in accepted:
            raise general_error(f"The query parameter '{name}' is not supported here.")
        if name == "Id":
            if any(not value.strip() for value in values):
                raise _invalid(name, "", "an ID is expected")
            query.ids.extend(values)
            continue
        if len(values) > 1:
            raise general_error(f"The query parameter '{name}' was given more than once.")
        raw = values[0]
        if name == "number":
            query.number = raw
        elif name == "name":
            query.name = raw
        elif name == "isActive":
            query.is_active = _boolean(name, raw)
        elif name == "isDeleted":
            query.is_deleted = _boolean(name, raw)
        elif name == "page":
            query.page = _whole_number(name, raw, 1, 10**9 - 1)
        elif name == "pageSize":
            query.page_size = _whole_number(name, raw, 1, decisions.MAX_PAGE_SIZE)
        elif name in ("modTimeStart", "modTimeEnd"):
            moment = parse_moment(raw, end_of_day=name == "modTimeEnd")
            if moment is None:
                raise _invalid(name, raw, "an ISO 8601 date or date-time is expected, e.g. 2023-01-11T16:08:00Z")
            if name == "modTimeStart":
                query.mod_start = moment
            else:
                query.mod_end = moment
    return query


def window(field: str, query: DataQuery) -> dict:
    """The filter of the modified-time window on ``field`` (its bounds as ``decisions`` says)."""
    low, high = ("gte", "lte") if decisions.MOD_TIME_BOUNDS_INCLUSIVE else ("gt", "lt")
    lookups = {}
    if query.mod_start is not None:
        lookups[f"{field}__{low}"] = query.mod_start
    if query.mod_end is not None:
        lookups[f"{field}__{high}"] = query.mod_end
    return lookups


def no_parameters(request: HttpRequest) -> None:
    for name in request.GET:
        raise general_error(f"The query parameter '{name}' is not supported here.")
