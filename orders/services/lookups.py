"""The order builder's look-ups while a new order is put together: customers and products searched and
read, and the tax code a product line gets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache

from orders.domain import (
    Account,
    Customer,
    CustomerSnapshot,
    Product,
    SalesType,
    TaxCode,
)
from orders.erp.errors import (
    UpstreamError,
    UpstreamNotFound,
)
from orders.erp.tso import get_client
from orders.erp.tso import reading as tso_reading
from orders.services.common import cached, pool, scoped, wait
from orders.services.references import every_customer, former_names, references_async

logger = logging.getLogger(__name__)


SEARCH_LIMIT = 20


# What is searched for is at most this long: a name, a number or part of one. A longer paste is cut.
SEARCH_QUERY_MAX_LENGTH = 100


def _search_text(query: str) -> str:
    """What a search box holds, as searched for: single spaces, at most ``SEARCH_QUERY_MAX_LENGTH``."""
    return " ".join(query.split())[:SEARCH_QUERY_MAX_LENGTH].strip()


# The builder's customer search. The API has no name search: ``GET /customers`` filters by organization
# number, flags and dates only. So the search looks through every customer, read once through the
# documented paging and kept in the cache, and asks the API itself only for an organization number.
# The kept list is brought up to date before a search when it is older than ``CUSTOMER_TOP_UP_SECONDS``:
# the customers created or modified since it was read (``createdFrom``/``modifiedFrom``) replace or join
# it, so a customer created a minute ago is found. It is read again in full every
# ``CUSTOMER_LIST_SECONDS`` (dropping customers deleted since).
CUSTOMER_LIST_KEY = "orders:customer-list"


CUSTOMER_LIST_SECONDS = 3600


CUSTOMER_TOP_UP_SECONDS = 30


# The ERP's clock and ours may differ: a top-up asks for a little more than the time since the last one.
CUSTOMER_CLOCK_MARGIN = dt.timedelta(minutes=5)


CUSTOMER_LIST_PAGES = 200  # at most 20,000 customers are searched by name


CUSTOMER_TOP_UP_PAGES = 5  # more changes than 500 since the last look: the list is read again instead


# Letters that do not decompose into a base letter and an accent, for accent-insensitive matching.
FOLDED_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th"})


def folded(text: str) -> str:
    """``text`` for matching: case, accents and spacing ignored ("Ærø  Bøker" -> "aero boker")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(FOLDED_LETTERS).split())


@dataclass(frozen=True, slots=True)
class CustomerList:
    """Every customer, sorted by name, as far as the search needs them: one plain tuple per customer
    (quick to read from the cache) of what the picker shows, id, name, organization number, postal
    area, city and country code, and the name ``folded``. A picked customer is read in full
    (``customer_detail``)."""

    rows: tuple[tuple[int, str, str, str, str, str, str], ...]
    read_at: dt.datetime  # when the ERP was last asked (our clock)
    complete_at: dt.datetime  # when it was last read in full (top-ups do not see deleted customers)

    @classmethod
    def of(cls, customers: Iterable[Customer], now: dt.datetime) -> CustomerList:
        return cls(rows=_by_name(map(_row, customers)), read_at=now, complete_at=now)

    def fresh(self, now: dt.datetime) -> bool:
        return now - self.read_at < dt.timedelta(seconds=CUSTOMER_TOP_UP_SECONDS)

    def updated(self, changed: Iterable[Customer], now: dt.datetime) -> CustomerList:
        """This list with ``changed`` customers replacing or joining the ones kept."""
        rows = {row[0]: row for row in self.rows}
        rows.update((customer.id, _row(customer)) for customer in changed)
        return CustomerList(rows=_by_name(rows.values()), read_at=now, complete_at=self.complete_at)

    def customers(self, ids) -> list[Customer]:
        """Those of ``ids`` on the list, by name."""
        return [_customer(row) for row in self.rows if row[0] in ids]

    def matching(self, query: str) -> list[Customer]:
        """Customers whose name contains every word of ``query`` (names starting with it first), or
        whose organization number starts with it."""
        wanted = folded(query)
        words = wanted.split()
        digits = wanted.replace(" ", "")
        starting, others = [], []
        for row in self.rows:
            name = row[6]
            if name.startswith(wanted):
                starting.append(row)
            elif all(word in name for word in words) or (
                    digits.isdigit() and row[2].replace(" ", "").startswith(digits)):
                others.append(row)
        return [_customer(row) for row in starting + others]


def _customer(row: tuple) -> Customer:
    return Customer(id=row[0], name=row[1], organization_number=row[2], postal_area=row[3], city=row[4],
                    country_code=row[5])


def _row(c: Customer) -> tuple[int, str, str, str, str, str, str]:
    return (c.id, c.name, c.organization_number, c.postal_area, c.city, c.country_code, folded(c.name))


def _by_name(rows: Iterable[tuple]) -> tuple[tuple, ...]:
    return tuple(sorted(rows, key=lambda row: (row[1].casefold(), row[0])))


_customer_list_lock = threading.Lock()


def customer_list() -> CustomerList:
    """Every customer for the search: cached, brought up to date with the latest changes when older than
    ``CUSTOMER_TOP_UP_SECONDS``, read in full when not cached or read in full too long ago."""
    found = cache.get(scoped(CUSTOMER_LIST_KEY))
    if found is not None and found.fresh(dt.datetime.now(dt.UTC)):
        return found
    with _customer_list_lock:  # one read per process when many searches find it missing or old
        found = cache.get(scoped(CUSTOMER_LIST_KEY))
        now = dt.datetime.now(dt.UTC)
        if found is not None and found.fresh(now):
            return found
        client = get_client()
        changed = None
        if found is not None and now - found.complete_at < dt.timedelta(seconds=CUSTOMER_LIST_SECONDS):
            try:
                changed = _customers_changed_since(client, found.read_at - CUSTOMER_CLOCK_MARGIN)
            except UpstreamError as error:  # the kept list is a minute old: better than no search at all
                logger.warning("Customer list not brought up to date: %r", error)
                return found
        if changed is None:
            fresh = CustomerList.of(every_customer(client, pages=CUSTOMER_LIST_PAGES), now)
        else:
            fresh = found.updated(changed, now)
        cache.set(scoped(CUSTOMER_LIST_KEY), fresh, timeout=CUSTOMER_LIST_SECONDS)
        return fresh


def _customers_changed_since(client, since: dt.datetime) -> list[Customer] | None:
    """The customers created or modified since ``since`` (two calls, made concurrently), or None when
    there are more than ``CUSTOMER_TOP_UP_PAGES`` pages of them."""

    def changed(name: str) -> list[Customer] | None:
        found: list[Customer] = []
        response = client.list_customers({name: since.isoformat(timespec="seconds"), "limit": 100})
        for _ in range(CUSTOMER_TOP_UP_PAGES):
            found.extend(tso_reading.customers(response.data))
            following = client.cursor_for(response.links.get("next"))
            if not following:
                return found
            response = client.list_customers(cursor=following)
        return None

    futures = [pool.submit(changed, name) for name in ("createdFrom", "modifiedFrom")]
    results = [wait(future) for future in futures]
    return None if None in results else [customer for result in results for customer in result]


def customer_search(*, query: str) -> tuple[Customer, ...]:
    """Customers for the builder's search box: at most ``SEARCH_LIMIT``, sorted by name.

    A query of digits (spaces allowed, as in "923 456 789") is first an organization number, asked of
    the API (``organizationNumber``, exact). Otherwise, or when no customer has it, the search looks
    through ``customer_list()``: names containing every word of the query, case and accents ignored
    ("aero boker" finds "Ærø Bøker AS"; names starting with the query first), and organization numbers
    starting with its digits. Results from the kept list carry what the picker shows, not the whole record.
    """
    query = _search_text(query)
    if not query:
        return ()
    digits = query.replace(" ", "")
    if digits.isascii() and digits.isdigit():  # "²" and "①" are digits to isdigit(), not to the ERP
        response = get_client().list_customers({"organizationNumber": digits, "limit": SEARCH_LIMIT})
        found = tso_reading.customers(response.data)
        if found:
            return found[:SEARCH_LIMIT]
    found = customer_list().matching(query)
    if len(found) < SEARCH_LIMIT:
        found += _by_former_name(query, {customer.id for customer in found})
    return tuple(found[:SEARCH_LIMIT])


def _by_former_name(query: str, shown: set[int]) -> list[Customer]:
    """Customers found by a name they had before a rename, as the dashboard has seen it on their orders
    (``references.former_names``: "Oslo Bygg" finds OBR Renhold AS, formerly Oslo Byggrengjøring AS), each
    marked with that name."""
    words = folded(query).split()
    hits = {pk: old for pk, olds in former_names().items() if pk not in shown
            for old in olds if all(word in folded(old) for word in words)}
    if not hits:
        return []
    return [dataclasses.replace(customer, former_name=hits[customer.id])
            for customer in customer_list().customers(hits)]


def customer_detail(*, customer_id: int) -> CustomerSnapshot:
    """The customer's current record as a new order's snapshot (``UpstreamNotFound`` when unknown)."""
    return tso_reading.customer(get_client().get_customer(customer_id).data).as_snapshot()


def product_search(*, query: str) -> tuple[Product, ...]:
    """Active products whose number or name contains ``query`` (at most ``SEARCH_LIMIT``)."""
    # ``%`` is the API's wildcard: a user's own ``%`` would change the meaning of the search.
    query = _search_text(query.replace("%", " "))
    if not query:
        return ()
    response = get_client().list_products({"productSearch": f"%{query}%", "limit": SEARCH_LIMIT * 2})
    active = (p for p in tso_reading.products(response.data) if p.status != "inactive")
    return tuple(active)[:SEARCH_LIMIT]


def product_detail(*, product_id: int) -> Product:
    """One product (``UpstreamNotFound`` when unknown)."""
    return tso_reading.product(get_client().get_product(product_id).data)


def product_overrides(*, product_id: int) -> dict[int, int]:
    """A product's sales type overrides, sales type id -> account number (cached like reference data)."""
    return cached(
        f"orders:product-overrides:{int(product_id)}",
        lambda: tso_reading.sales_type_overrides(get_client().list_product_sales_type_overrides(product_id).data),
    )


def posting_tax_id(*, sales_type_id: int | None, overrides: dict[int, int], sales_types: Iterable[SalesType],
                   accounts: Iterable[Account], tax_codes: Iterable[TaxCode]) -> int | None:
    """The tax code a product line gets under ``sales_type_id``, or None when the ERP's data does not
    say (an unknown sales type or account, an account without one of the tax codes offered).

    An order without a sales type is taken as the first sales type the ERP lists, as the ERP does.
    """
    sales_types = tuple(sales_types)
    if sales_type_id is None:
        sales_type = sales_types[0] if sales_types else None
    else:
        sales_type = next((s for s in sales_types if s.id == sales_type_id), None)
    if sales_type is None:
        return None
    number = overrides.get(sales_type.id)
    if number is not None:
        account = next((a for a in accounts if a.number == number), None)
    else:
        account = next((a for a in accounts if a.id == sales_type.account_id), None)
    if account is None or account.tax_id is None:
        return None
    return account.tax_id if any(tax.id == account.tax_id for tax in tax_codes) else None


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A product picked for a line, and the tax code the line gets (None: the ERP did not say)."""

    product: Product
    tax_id: int | None


POSTING_LISTS = ("accounts", "sales_types", "tax_codes")


def product_line(*, product_id: int, sales_type_id: int | None) -> ProductLine:
    """The product (``UpstreamError`` when it cannot be read) and its line's tax code under the sales
    type. The tax code's look-ups run alongside the product's; when they fail the tax code is None."""
    overrides = pool.submit(product_overrides, product_id=product_id)
    lists = references_async(POSTING_LISTS)
    product = product_detail(product_id=product_id)
    try:
        tax_id = posting_tax_id(sales_type_id=sales_type_id, overrides=wait(overrides),
                                **{name: wait(future) for name, future in lists.items()})
    except UpstreamError as error:
        logger.warning("No tax code for product %s: %r", product_id, error)
        tax_id = None
    return ProductLine(product=product, tax_id=tax_id)


def posting_tax_ids(*, product_ids: Iterable[int], sales_type_id: int | None) -> dict[int, int | None]:
    """The tax code of each product's lines under the sales type (look-ups run concurrently). A product
    the ERP no longer knows gets None; any other failure raises ``UpstreamError``."""
    wanted = sorted(set(product_ids))
    lists = references_async(POSTING_LISTS)
    overrides = {product_id: pool.submit(product_overrides, product_id=product_id) for product_id in wanted}
    reference_lists = {name: wait(future) for name, future in lists.items()}
    found: dict[int, int | None] = {}
    for product_id, future in overrides.items():
        try:
            known = wait(future)
        except UpstreamNotFound:
            found[product_id] = None
            continue
        found[product_id] = posting_tax_id(sales_type_id=sales_type_id, overrides=known,
                                           **reference_lists)
    return found
