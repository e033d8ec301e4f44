"""Reference data (cached: it changes rarely and every page needs names): sales types, people, tax
codes, accounts, currencies, dimensions; the customer filter's choices; what the builder offers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

from django.core.cache import cache

from orders.domain import (
    Currency,
    Customer,
    DimensionElement,
    DimensionType,
    Person,
    SalesType,
    TaxCode,
)
from orders.erp.errors import (
    UpstreamNotFound,
)
from orders.erp.tso import get_client
from orders.erp.tso import reading as tso_reading
from orders.services.common import cached, keep, kept, normalized, pool, scoped, wait

logger = logging.getLogger(__name__)


REFERENCE_LOADERS = {
    "sales_types": lambda c: tso_reading.sales_types(c.list_sales_types().data),
    "people": lambda c: tso_reading.people(c.list_people().data),
    "dimension_types": lambda c: tso_reading.dimension_types(c.list_dimension_types().data),
    "payment_methods": lambda c: tso_reading.payment_methods(c.list_payment_methods().data),
    "tax_codes": lambda c: tso_reading.tax_codes(c.list_taxes().data),
    # The chart of accounts: a product line's tax code is the tax code of the account it is posted to.
    "accounts": lambda c: tso_reading.accounts(c.list_accounts().data),
    # The builder offers currencies and checks codes against them.
    "currencies": lambda c: tso_reading.currencies(c.list_currencies().data),
}


def _reference_key(name: str) -> str:
    return f"orders:reference:{name}"


def reference(name: str) -> tuple:
    """A reference list (``sales_types``, ``people``, ``dimension_types``, ``payment_methods``,
    ``tax_codes``), from the cache or the upstream."""
    client = get_client()
    return cached(_reference_key(name), lambda: REFERENCE_LOADERS[name](client))


def references_async(names) -> dict[str, Future]:
    """Start loading the reference lists that are not cached; returns futures for all of them."""
    keys = {name: scoped(_reference_key(name)) for name in names}
    found = {key: value for key in keys.values() if (value := kept(key)) is not None}
    missing = [key for key in keys.values() if key not in found]
    if missing:
        from_cache = cache.get_many(missing)
        for key, value in from_cache.items():
            keep(key, value)
        found.update(from_cache)
    futures: dict[str, Future] = {}
    for name in names:
        key = keys[name]
        if key in found:
            done: Future = Future()
            done.set_result(found[key])
            futures[name] = done
        else:
            futures[name] = pool.submit(reference, name)
    return futures


def every_customer(client, pages: int) -> list[Customer]:
    """Every customer (at most ``pages`` pages of 100), through the API's documented paging."""
    found: list[Customer] = []
    response = client.list_customers({"limit": 100, "sortBy": "name:asc"})
    for _ in range(pages):
        found.extend(tso_reading.customers(response.data))
        following = client.cursor_for(response.links.get("next"))
        if not following:
            break
        response = client.list_customers(cursor=following)
    return found


CUSTOMER_CHOICES_KEY = "orders:customer-choices"


# The names customers had on orders made before they were renamed, as the dashboard has seen them on
# the orders it listed or showed: {customer id: (former names…)}. Kept a month, for the list's filter.
FORMER_NAMES_KEY = "orders:customer-former-names"


FORMER_NAMES_SECONDS = 30 * 24 * 3600


FORMER_NAMES_PER_CUSTOMER = 5


FORMER_NAMES_CUSTOMERS = 20_000


def customer_choices() -> tuple[tuple[int, str], ...]:
    """(id, name) of every customer, sorted by name, for the list's customer filter (cached). A
    customer renamed since some of their orders were made is also offered under each former name the
    dashboard has seen on those orders ("Oslo Byggrengjøring AS (now OBR Renhold AS)"), so that the
    name an order shows can be found in the filter too."""

    def load():
        choices = ((c.id, c.name) for c in every_customer(get_client(), pages=50))  # at most 5,000 in a drop-down
        return tuple(sorted(choices, key=lambda choice: choice[1].casefold()))

    known = _current_choices(load)
    if known is None:  # no customers at all
        return ()
    current, names = known
    former = former_names()
    if not former:
        return current
    # Merged once per pair of lists: the tuple is then the same object page after page, and the filter's
    # <select> keeps its markup (``SharedChoicesSelect``).
    key = scoped(CUSTOMER_CHOICES_KEY) + ":with-former"
    merged = kept(key)
    if merged is not None and merged[0] is current and merged[1] is former:
        return merged[2]
    extra = [(pk, f"{old} (now {names[pk]})") for pk, olds in former.items() if pk in names for old in olds]
    choices = tuple(sorted((*current, *extra), key=lambda choice: choice[1].casefold()))
    keep(key, (current, former, choices))
    return choices


def former_names() -> dict[int, tuple[str, ...]]:
    """The former names seen (``FORMER_NAMES_KEY``), kept in the process like ``cached`` values."""
    key = scoped(FORMER_NAMES_KEY)
    former = kept(key)
    if former is None:
        former = cache.get(key) or {}
        keep(key, former)
    return former


def _current_choices(load=None) -> tuple[tuple[tuple[int, str], ...], dict[int, str]] | None:
    """The current connection's customer choices and their names by id (kept like ``cached`` values),
    loaded with ``load`` when not cached; None when they are not cached and there is no ``load``."""
    key = scoped(CUSTOMER_CHOICES_KEY)
    found = kept(key + ":by-id")
    if found is not None:
        return found
    choices = cache.get(key) if load is None else cached(CUSTOMER_CHOICES_KEY, load)
    if not choices:
        return None
    found = (choices, dict(choices))
    keep(key + ":by-id", found)
    return found


def note_customer_names(pairs: Iterable[tuple[int | None, str]]) -> None:
    """Remember the names orders show for their customers where they differ from the customer's
    current name (``customer_choices`` offers them). Needs the current names cached, else skipped."""
    known = _current_choices()
    if known is None:
        return
    names = known[1]
    found = {}
    for pk, name in pairs:
        now = names.get(pk)
        if now is not None and name and normalized(name) != normalized(now):
            found.setdefault(pk, set()).add(name.strip())
    if not found:
        return
    former = dict(cache.get(scoped(FORMER_NAMES_KEY)) or {})
    changed = False
    for pk, seen in found.items():
        known = former.get(pk, ())
        new = tuple(sorted(seen - set(known)))
        if new and (pk in former or len(former) < FORMER_NAMES_CUSTOMERS):
            former[pk] = (*known, *new)[-FORMER_NAMES_PER_CUSTOMER:]
            changed = True
    if changed:
        cache.set(scoped(FORMER_NAMES_KEY), former, timeout=FORMER_NAMES_SECONDS)
        keep(scoped(FORMER_NAMES_KEY), former)


# At most this many pages of one dimension type's elements are read (the API pages by continuation).
DIMENSION_ELEMENT_PAGES = 50


def currencies() -> tuple[Currency, ...]:
    """The currencies the ERP knows, with today's rates (cached like the other reference lists)."""
    return reference("currencies")


def dimension_elements(*, dimension_type: int) -> tuple[DimensionElement, ...]:
    """Every element (value) of a dimension type, following the API's continuation links (cached)."""

    def load():
        client = get_client()
        elements: list[DimensionElement] = []
        response = client.list_dimension_elements(dimension_type)
        for _ in range(DIMENSION_ELEMENT_PAGES):
            elements.extend(tso_reading.dimension_elements(response.data))
            following = client.cursor_for(response.links.get("next"))
            if not following:
                break
            response = client.list_dimension_elements(dimension_type, cursor=following)
        return tuple(elements)

    return cached(f"orders:dimension-elements:{int(dimension_type)}", load)


@dataclass(frozen=True, slots=True)
class BuilderReference:
    """Everything the builder's drop-downs offer. ``dimension_elements`` holds the values of the
    dimension types asked for (a type the ERP does not know has none)."""

    tax_codes: tuple[TaxCode, ...]
    sales_types: tuple[SalesType, ...]
    people: tuple[Person, ...]
    dimension_types: tuple[DimensionType, ...]
    currencies: tuple[Currency, ...]
    dimension_elements: dict[int, tuple[DimensionElement, ...]] = field(default_factory=dict)


def builder_reference(*, dimension_types: Iterable[int] = ()) -> BuilderReference:
    """The builder's reference lists and the values of ``dimension_types``, fetched concurrently
    when not cached, so a cold builder page costs about one round trip."""
    lists = references_async(("tax_codes", "sales_types", "people", "dimension_types", "currencies"))
    wanted = sorted(set(dimension_types))
    elements = {kind: pool.submit(_known_dimension_elements, kind) for kind in wanted}
    return BuilderReference(
        **{name: wait(future) for name, future in lists.items()},
        dimension_elements={kind: wait(future) for kind, future in elements.items()},
    )


def _known_dimension_elements(dimension_type: int) -> tuple[DimensionElement, ...]:
    try:
        return dimension_elements(dimension_type=dimension_type)
    except UpstreamNotFound:
        return ()
