"""A QuickBooks company's reference data (customers and jobs, items, sales tax codes and items, terms, sales
reps, classes, ship methods, templates, customer messages, currencies, inventory sites), cached locally so
that the QuickBooks builder never waits on Autofy's agent, which answers one request at a time.

* ``choices``: what the builder and the order pages read (searches, one record, the choices of a list,
  the facts totals need, how fresh the cache is); the database only, never Autofy.
* ``sync``: keeping the cache in step, in the background (``orders.tasks.sync_reference_data``, enqueued
  by ``manage.py index_scheduler``; an admin's "Sync reference data again" asks for a full one).
"""

from orders.services.qbd_references.choices import (  # noqa: F401
    CHOICE_LISTS,
    LISTS,
    CustomerChoice,
    GroupMember,
    ItemChoice,
    ReferenceStatus,
    choices,
    customer_choice,
    item_choice,
    items_by_id,
    lookups,
    search_customers,
    search_items,
    status,
    stored_lookups,
    synced_at,
)
from orders.services.qbd_references.sync import ReferenceSyncResult, sync_references, upsert  # noqa: F401
