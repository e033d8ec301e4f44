"""QuickBooks Desktop through Autofy: the connector the services call.

``connector_for(connection)`` gives this process's ``QuickBooksConnector`` for an ``ErpConnection``
(one client, one pooled session per connection and configuration). It speaks the domain's language
(``orders.domain``): ids are strings, times are aware ``datetime``s, money is ``Decimal``; what Autofy
calls things stays in ``client`` and ``reading``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import replace

from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver

from orders import domain
from orders.erp.autofy import reading
from orders.erp.autofy.client import AutofyClient, Answer

# The Currency, SalesTaxCode and Item lists change rarely: what the connector needs of them is kept this long.
LOOKUPS_SECONDS = 3600
# A customer's current record, read for an order's page, is kept this long: the agent answers one call at
# a time, so a page that also had to read the customer would take two round trips (issue 9's target for
# the order page is 1.3 of one). Within that time a change to the customer shows a little late.
CUSTOMER_SECONDS = 300
# How many ids one "orders by id" call asks for (the URL stays short).
IDS_PER_CALL = 40


class QuickBooksConnector:
    def __init__(self, client: AutofyClient, cache_key: str, connection_id: int | None = None) -> None:
        self.client = client
        self._cache_key = cache_key
        self.connection_id = connection_id

    @property
    def agent_answered_at(self) -> dt.datetime | None:
        """When QuickBooks last answered a call of this process."""
        at = self.client.agent_answered_at
        return None if at is None else dt.datetime.fromtimestamp(at, tz=dt.UTC)

    def orders_page(self, page: int, *, page_size: int, modified_from: dt.datetime | None = None,
                    ) -> tuple[list[domain.OrderSummary], bool]:
        """One page of the orders (modified at or after ``modified_from``), and whether more follow."""
        answer = self.client.list_sales_orders(page=page, page_size=page_size,
                                               modified_from=api_time(modified_from) if modified_from else None)
        return self._summaries(answer), answer.more_data

    def deleted_page(self, page: int, *, page_size: int, deleted_from: dt.datetime | None = None,
                     ) -> tuple[list[domain.OrderSummary], bool]:
        """One page of the orders deleted in QuickBooks (its last 90 days; at or after ``deleted_from``)."""
        answer = self.client.list_sales_orders(page=page, page_size=page_size, deleted=True,
                                               modified_from=api_time(deleted_from) if deleted_from else None)
        return [summary for summary in self._summaries(answer) if summary.deleted_at], answer.more_data

    def orders_by_id(self, ids: Iterable[str]) -> tuple[list[domain.OrderSummary], set[str]]:
        """The orders with these ids that exist, and the ids QuickBooks does not have (deleted)."""
        wanted = list(dict.fromkeys(ids))
        found: list[domain.OrderSummary] = []
        for start in range(0, len(wanted), IDS_PER_CALL):
            found.extend(self._summaries(self.client.sales_orders_by_id(wanted[start:start + IDS_PER_CALL])))
        return found, set(wanted) - {summary.id for summary in found}

    def order(self, order_id: str) -> tuple[domain.Order, Answer]:
        answer = self.client.get_sales_order(order_id)
        if not answer.objects:
            from orders.erp.errors import UpstreamNotFound

            raise UpstreamNotFound(upstream=self.client.name, tracking_id=answer.request_id)
        return reading.read_order(answer.objects[0], self.lookups()), answer

    def customer(self, customer_id: str) -> tuple[domain.CustomerRecord, Answer]:
        """A customer's (or job's) current record (as read at most ``CUSTOMER_SECONDS`` ago)."""
        key = f"{self._cache_key}:customer:{hashlib.sha256(customer_id.encode()).hexdigest()[:24]}"
        kept = cache.get(key)
        if kept is not None:
            return kept
        answer = self.client.get_object("Customer", customer_id)
        if not answer.objects:
            from orders.erp.errors import UpstreamNotFound

            raise UpstreamNotFound(upstream=self.client.name, tracking_id=answer.request_id)
        found = (reading.read_customer(answer.objects[0]), replace(answer, raw={}, objects=()))
        cache.set(key, found, timeout=CUSTOMER_SECONDS)
        return found

    @property
    def _lookups_key(self) -> str:
        return f"{self._cache_key}:lookups:v2"

    def lookups(self) -> reading.Lookups:
        """The company's currency codes, taxable sales tax codes, the items whose lines count differently
        and the sales tax items' rates (without them the common currency names and QuickBooks' default tax
        codes are known). From the company's local reference cache once it has been synced
        (``orders.services.qbd_references``, which forgets this copy after each sync); before that read
        from QuickBooks at most once an hour."""
        lookups = cache.get(self._lookups_key)
        if lookups is None:
            lookups = self._stored_lookups()
            if lookups is None:
                lookups = reading.read_lookups(self._every("Currency"), self._every("SalesTaxCode"),
                                               self._every("Item"))
            self.keep_lookups(lookups)
        return lookups

    def kept_lookups(self) -> reading.Lookups | None:
        """The kept copy of ``lookups()``, if any (no call, no query)."""
        return cache.get(self._lookups_key)

    def keep_lookups(self, lookups: reading.Lookups) -> None:
        cache.set(self._lookups_key, lookups, timeout=LOOKUPS_SECONDS)

    def forget_lookups(self) -> None:
        """Drop the kept lookups (every process: they are in Django's cache), e.g. after a reference sync."""
        cache.delete(self._lookups_key)

    def _stored_lookups(self) -> reading.Lookups | None:
        if self.connection_id is None:
            return None
        # The services' cache of reference lists (read from the database only): imported here, as the
        # services import this module.
        from orders.services.qbd_references import stored_lookups

        return stored_lookups(self.connection_id)

    def list_page(self, object_name: str, page: int, *, page_size: int, modified_from: dt.datetime | None = None,
                  ) -> tuple[list[dict], bool]:
        """One page of a reference list as Autofy gives its records (modified at or after
        ``modified_from``), and whether more follow."""
        params = {"modTimeStart": api_time(modified_from)} if modified_from else {}
        answer = self.client.list_objects(object_name, page=page, page_size=page_size, **params)
        return list(answer.objects), answer.more_data

    def list_by_id(self, object_name: str, ids: Iterable[str]) -> tuple[list[dict], set[str]]:
        """The records of a list with these ids that exist, and the ids QuickBooks does not have."""
        wanted = list(dict.fromkeys(ids))
        found: list[dict] = []
        for start in range(0, len(wanted), IDS_PER_CALL):
            found.extend(self.client.objects_by_id(object_name, wanted[start:start + IDS_PER_CALL]).objects)
        return found, set(wanted) - {reading.read_id(obj) for obj in found}

    def _every(self, object_name: str) -> list[dict]:
        objects, page = [], 1
        while True:
            answer = self.client.list_objects(object_name, page=page, page_size=100)
            objects.extend(answer.objects)
            if not answer.more_data:
                return objects
            page += 1

    def _summaries(self, answer: Answer) -> list[domain.OrderSummary]:
        lookups = self.kept_lookups() or reading.NO_LOOKUPS  # read once for the page of orders
        return [reading.read_summary(obj, lookups) for obj in answer.objects]

    def summary_of(self, order: dict) -> domain.OrderSummary:
        """A SalesOrder object QuickBooks answered with, as a row of the order list."""
        return reading.read_summary(order, self.kept_lookups() or reading.NO_LOOKUPS)


def api_time(moment: dt.datetime) -> str:
    """An aware time as Autofy's filters take it: UTC with a ``Z``, to the second (QuickBooks reads a
    time without an offset as the PC's local time)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_connectors: dict[str, QuickBooksConnector] = {}
_lock = threading.Lock()


def connector_for(connection) -> QuickBooksConnector:
    """This process's connector for the ``ErpConnection`` (a new one when its settings change)."""
    from orders.connections import ConnectionNotConfigured, autofy_config
    from orders.erp.errors import UpstreamAuthError

    try:
        config = autofy_config(connection)
    except ConnectionNotConfigured as error:  # its key is not set: says which variable (never a secret)
        raise UpstreamAuthError(str(error), upstream=f"QuickBooks ({connection.slug})") from None
    identity = json.dumps({k: v for k, v in config.items() if k != "API_KEY"}, sort_keys=True, default=str)
    # The key is part of what makes a client, but only as a digest (never kept in a name or a log).
    digest = hashlib.sha256((identity + "|" + config["API_KEY"]).encode()).hexdigest()[:24]
    with _lock:
        connector = _connectors.get(digest)
        if connector is None:
            connector = _connectors[digest] = QuickBooksConnector(
                AutofyClient(config), cache_key=f"autofy:{connection.pk}:{digest[:12]}", connection_id=connection.pk)
        return connector


@receiver(setting_changed)
def _reset_connectors(*, setting: str, **kwargs) -> None:
    if setting in {"AUTOFY", "CACHES", "REDIS_URL"}:
        with _lock:
            _connectors.clear()
