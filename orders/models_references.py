"""The local cache of a QuickBooks company's reference lists (customers and jobs, items, sales tax codes and
items, terms, sales reps, classes, ship methods, templates, customer messages, currencies, inventory sites),
kept in step by ``orders.services.qbd_references`` and read by the QuickBooks builder and order pages, so
that no keystroke waits on Autofy's one-request-at-a-time agent. Imported by ``orders.models``.

``ReferenceRecord`` is one record of one list as QuickBooks last gave it (``data``) beside the columns the
searches use. ``ReferenceListState`` is where the sync of one list stands; ``ReferenceSyncState`` is the
connection's sync as a whole (last success, last error, a sync waiting in the queue).
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ReferenceRecord(models.Model):
    """One record of a QuickBooks list. ``name_folded`` is ``full_name`` case- and accent-folded
    (``orders.services.qbd_references.fold``): searches match it with ``LIKE '%…%'``. ``data`` is the
    Autofy object as read (its numbers as decimal strings: money never passes through a float)."""

    connection = models.ForeignKey("orders.ErpConnection", on_delete=models.CASCADE, related_name="reference_records")
    list_name = models.CharField(max_length=30)  # Autofy's object name: Customer, Item, Terms…
    list_id = models.CharField(max_length=100)  # QuickBooks' ListID
    full_name = models.CharField(max_length=255)  # "Customer:Job", "Parent:Sub-item"
    name_folded = models.CharField(max_length=255)
    active = models.BooleanField(default=True)  # inactive records are kept, and offered last
    # An item's Type (Inventory, Group, SalesTax…), a template's TemplateType, a term's Type.
    record_type = models.CharField(max_length=40, blank=True)
    modified_at = models.DateTimeField(null=True, blank=True)  # in QuickBooks (LastModifiedDate)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    # The full sync of its list that last saw it (``ReferenceListState.full_generation``).
    seen_in_sync = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("connection", "list_name", "list_id"), name="unique_reference_record"),
        ]
        indexes = [
            # Searches and choices: one list of one connection, active first, then by name; a search walks
            # this index in its order and stops at its limit.
            models.Index(fields=("connection", "list_name", "-active", "name_folded"), name="reference_by_name"),
        ]

    def __str__(self) -> str:
        return f"{self.list_name} {self.full_name}"


class ReferenceListState(models.Model):
    """Where the sync of one list of one connection stands. ``modified_mark`` is QuickBooks' time."""

    connection = models.ForeignKey("orders.ErpConnection", on_delete=models.CASCADE, related_name="reference_lists")
    list_name = models.CharField(max_length=30)
    # The latest modification the cached list is complete up to: the next incremental sync asks for
    # changes from it less the overlap window.
    modified_mark = models.DateTimeField(null=True, blank=True)
    # An unfinished full sync: its number, the next page to read (null when none is under way), when it
    # started and the latest modification it saw so far.
    full_generation = models.PositiveIntegerField(default=0)
    full_page = models.PositiveIntegerField(null=True, blank=True)
    full_started_at = models.DateTimeField(null=True, blank=True)
    full_modified_mark = models.DateTimeField(null=True, blank=True)
    full_synced_at = models.DateTimeField(null=True, blank=True)  # the last complete full sync
    synced_at = models.DateTimeField(null=True, blank=True)  # the last time the list was brought up to date

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("connection", "list_name"), name="unique_reference_list_state"),
        ]

    def __str__(self) -> str:
        return f"{self.list_name} of {self.connection.slug}"


class ReferenceSyncState(models.Model):
    """The reference-data sync of one connection as a whole."""

    connection = models.OneToOneField("orders.ErpConnection", on_delete=models.CASCADE,
                                      related_name="reference_state")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The end of the last sync that brought every list up to date.
    last_success_at = models.DateTimeField(null=True, blank=True)
    agent_answered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)  # in plain words, never a secret
    last_error_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)  # a sync task is waiting since then
    full_requested_at = models.DateTimeField(null=True, blank=True)  # an admin asked for a full sync then

    def __str__(self) -> str:
        return f"Reference data of {self.connection.slug}"
