"""Local state only: the dashboard never stores an order, just its attempts to create one, and the ERP
connections it serves.

An ``ErpConnection`` is one company in one ERP (24SevenOffice, or QuickBooks Desktop through Autofy):
its slug (in every order URL), display name, kind, settings that are not secret, and the *name* of the
environment variable that holds its secret (the secret itself is never stored). Which groups see it
is set in Django's admin. The logic lives in ``orders.connections``.

A ``Submission`` is one new order on its way to the ERP: who sent it, the form as they filled it in,
and its planned ``SubmissionStep``s (create the order, add each line, set the status), each with the
exact request and the ERP's answer. The logic lives in ``orders.submissions`` (for QuickBooks, whose
order is one step, ``orders.submissions.quickbooks``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ErpConnection(models.Model):
    class Kind(models.TextChoices):
        TSO = "tso", "24SevenOffice"
        QBD_AUTOFY = "qbd_autofy", "QuickBooks Desktop (Autofy)"

    slug = models.SlugField(max_length=40, unique=True, help_text="Short name in the addresses, e.g. nordlys.")
    name = models.CharField(max_length=200, help_text="The company, as the header shows it.")
    kind = models.CharField(max_length=20, choices=Kind)
    # What is not secret: addresses, ids, time zone (see orders.connections.SETTINGS for each kind).
    settings = models.JSONField(default=dict, blank=True)
    # The name of the environment variable holding the secret (client secret, API key), never its value.
    secret_env = models.CharField(max_length=100, blank=True,
                                  help_text="Name of the environment variable that holds the secret.")
    groups = models.ManyToManyField("auth.Group", blank=True, related_name="erp_connections",
                                    help_text="Who sees this connection (superusers see every one).")
    is_default = models.BooleanField(default=False, help_text="Where the old /orders/ addresses lead.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=("is_default",), condition=models.Q(is_default=True),
                                    name="one_default_connection"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Submission(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_PROGRESS = "in_progress", "Sending"
        FAILED = "failed", "Failed"
        SUCCEEDED = "succeeded", "Succeeded"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        # An admin settled it by hand in the ERP: nothing more is sent.
        CLOSED = "closed", "Closed"
        # QuickBooks only: the PC running it did not answer, or a write in doubt waits to be checked; the
        # worker sends (or checks) it when QuickBooks answers again. Nobody needs to act.
        WAITING = "waiting", "Waiting for QuickBooks"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The company (ERP connection) the order is for; empty for orders saved before connections
    # existed, which belong to the default connection.
    connection = models.ForeignKey(ErpConnection, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="submissions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="order_submissions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The one-time token of the builder form that sent it: the same form sent twice is one submission.
    token = models.CharField(max_length=64, unique=True)
    # The builder's data (``orders.submissions.draft_to_data``), enough to show the form again.
    payload = models.JSONField()
    target_status = models.CharField(max_length=20)
    state = models.CharField(max_length=20, choices=State, default=State.PENDING, db_index=True)
    upstream_order_id = models.BigIntegerField(null=True, blank=True)
    # The order this one was duplicated from ("Duplicate" on the detail page), if any.
    source_order_id = models.BigIntegerField(null=True, blank=True)
    # The same two for ERPs whose ids are text (QuickBooks' TxnID, ``1A2B-1234567890``).
    upstream_ref = models.CharField(max_length=100, blank=True)
    source_ref = models.CharField(max_length=100, blank=True)
    # State ``waiting``: since when, and when the worker may try again at the earliest (sooner once
    # QuickBooks answers again; ``orders.submissions.quickbooks``).
    waiting_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Why it stopped, in plain words, and the ERP's ids for that failure.
    last_error = models.TextField(blank=True)
    last_tracking_id = models.CharField(max_length=100, blank=True)
    last_trace_id = models.CharField(max_length=100, blank=True)
    # The ERP's rejection mapped onto the builder's fields (``orders.submissions.FormErrors``).
    form_errors = models.JSONField(default=dict, blank=True)
    # Who closed it, when, and what they did in the ERP (state ``closed``).
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.TextField(blank=True)
    # Who is sending it right now (state ``in_progress``): "<host>:<pid>:<process nonce>", so that a claim
    # whose process is gone can be taken over at once (``orders.submissions.running``).
    claimed_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Submission {self.public_id} ({self.get_state_display()})"


class SubmissionStep(models.Model):
    class Kind(models.TextChoices):
        CREATE_ORDER = "create_order", "Create the order"
        ADD_LINE = "add_line", "Add a line"
        SET_STATUS = "set_status", "Set the status"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        # Definitely not applied: the ERP refused it, or it never reached the ERP.
        FAILED = "failed", "Failed"
        # Sent (or about to be) without an answer: the ERP may have applied it. Checked before resending.
        UNKNOWN = "unknown", "Outcome unknown"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind)
    line_index = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State, default=State.PENDING, db_index=True)
    # The body to send, planned before the first call, and the ERP's last answer (or error envelope).
    request = models.JSONField()
    # Autofy's answers are read with ``Decimal`` numbers: kept as their exact text.
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    trace_id = models.CharField(max_length=100, blank=True)
    tracking_id = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    # How the outcome was established when it was not the answer to the request itself.
    note = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    # A write in doubt may still land in the ERP until then: nothing is checked or sent again before.
    settles_at = models.DateTimeField(null=True, blank=True)
    upstream_line_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("submission", "position")
        constraints = [
            models.UniqueConstraint(fields=("submission", "position"), name="unique_step_position"),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.line_index is not None:
            label = f"Add line {self.line_index + 1}"
        return f"{label} ({self.get_state_display()})"


class CallAttempt(models.Model):
    """What every kept call has: its number, when, how long, its HTTP status and the ERP's ids, the error.
    Each kind of attempt adds its outcome choices (``outcome``) and its answer."""

    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=20)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    trace_id = models.CharField(max_length=100, blank=True)
    tracking_id = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        abstract = True


class SubmissionAttempt(CallAttempt):
    """One call that carried out a step, kept for admins: a step's own fields show its latest attempt,
    these show every attempt (the 503 before the success, the rejection before the correction)."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "No answer"
        # Not a call that carried out the step: a duplicate the ERP ended up with was removed.
        REPAIRED = "repaired", "Duplicate removed"
        # QuickBooks: the call was not taken (the agent offline, busy, the rate limit)…
        NOT_ACCEPTED = "not_accepted", "Not taken"
        # …and the ERP was read to find whether an earlier call had created the order after all.
        CHECKED = "checked", "Checked in the ERP"

    step = models.ForeignKey(SubmissionStep, on_delete=models.CASCADE, related_name="history")
    outcome = models.CharField(max_length=20, choices=Outcome)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ("step", "number")
        constraints = [models.UniqueConstraint(fields=("step", "number"), name="unique_attempt_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.step} ({self.get_outcome_display()})"


class IndexedOrder(models.Model):
    """One order of a connection whose ERP cannot filter its orders (QuickBooks through Autofy), as the
    local index keeps it for the list: what its filters and columns need. Kept in step by
    ``orders.services.index`` (full, incremental and deleted-orders syncs); never edited by hand."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        PARTLY_INVOICED = "partly_invoiced", "Partly invoiced"
        INVOICED = "invoiced", "Invoiced"
        CLOSED = "closed", "Closed"

    connection = models.ForeignKey(ErpConnection, on_delete=models.CASCADE, related_name="indexed_orders")
    upstream_id = models.CharField(max_length=100)
    number = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=60, blank=True)  # the customer's PO number
    state = models.CharField(max_length=20, choices=State, default=State.OPEN)
    date = models.DateField(null=True, blank=True)
    customer_id = models.CharField(max_length=100, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    total = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency_code = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)  # in the ERP
    modified_at = models.DateTimeField(null=True, blank=True)  # in the ERP
    deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The full sync that last saw it (``IndexSyncState.full_sync_generation``).
    seen_in_sync = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-date", "-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("connection", "upstream_id"), name="unique_indexed_order"),
        ]
        indexes = [
            models.Index(fields=("connection", "deleted", "-date"), name="index_by_date"),
            models.Index(fields=("connection", "deleted", "state", "-date"), name="index_by_state"),
            models.Index(fields=("connection", "customer_id"), name="index_by_customer"),
            models.Index(fields=("connection", "number"), name="index_by_number"),
            models.Index(fields=("connection", "modified_at"), name="index_by_modified"),
        ]

    def __str__(self) -> str:
        return f"{self.connection.slug} order {self.number or self.upstream_id}"


class IndexSyncState(models.Model):
    """Where the sync of one connection's order index stands. Times named ``*_mark`` are the ERP's
    (its modification and deletion times), the others the dashboard's."""

    connection = models.OneToOneField(ErpConnection, on_delete=models.CASCADE, related_name="index_state")
    # The latest modification time the index is complete up to: the next incremental sync asks for
    # changes from it (less the overlap window).
    modified_mark = models.DateTimeField(null=True, blank=True)
    # Likewise for deletions (the deleted-orders list filters on the deletion time).
    deleted_mark = models.DateTimeField(null=True, blank=True)
    # An unfinished full sync: its number, the next page to read, when it started, the latest
    # modification time it saw so far. ``full_sync_page`` is null when none is under way.
    full_sync_generation = models.PositiveIntegerField(default=0)
    full_sync_page = models.PositiveIntegerField(null=True, blank=True)
    full_sync_started_at = models.DateTimeField(null=True, blank=True)
    full_sync_modified_mark = models.DateTimeField(null=True, blank=True)
    full_synced_at = models.DateTimeField(null=True, blank=True)  # the last complete full sync
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    agent_answered_at = models.DateTimeField(null=True, blank=True)  # when the ERP last answered a sync
    last_error = models.TextField(blank=True)  # in plain words, never a secret
    last_error_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)  # a sync task is waiting since then

    def __str__(self) -> str:
        return f"Index of {self.connection.slug}"


class OrderAction(models.Model):
    """One change the dashboard makes to an order that already exists in the ERP (a 24SevenOffice status,
    closing or reopening a QuickBooks order or some of its lines), recorded before the ERP is called.

    The form's one-time ``token`` makes a double click or a repeated POST the same action. A write whose
    answer was lost is ``in_doubt`` until the order has been read again (not before ``settles_at``);
    nothing is sent again for it. The logic lives in ``orders.actions``."""

    class Kind(models.TextChoices):
        TSO_STATUS = "tso_status", "Set the status"
        QBD_CLOSE = "qbd_close", "Close"
        QBD_REOPEN = "qbd_reopen", "Reopen"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_PROGRESS = "in_progress", "Sending"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Not done"
        NEEDS_ATTENTION = "needs_attention", "Needs a decision"
        CANCELLED = "cancelled", "Cancelled"
        REDONE = "redone", "Done again"  # a decision: made again, as a new action, on the order as it was then

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    connection = models.ForeignKey(ErpConnection, on_delete=models.PROTECT, related_name="order_actions")
    order_id = models.CharField(max_length=100)  # the ERP's id as it spells it
    kind = models.CharField(max_length=20, choices=Kind)
    # What is asked for: {"status": "Confirmed"} or {"lines": ["<line ID>", …]} (empty: the whole order).
    target = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="order_actions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    token = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=20, choices=State, default=State.PENDING, db_index=True)
    # The version of the order the user saw (QuickBooks' EditSequence, 24SevenOffice's status).
    seen_version = models.CharField(max_length=100, blank=True)
    request = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    # What changed in the order since the user saw it (a stale edit), as (label, then, now) rows.
    changes = models.JSONField(default=list, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    tracking_id = models.CharField(max_length=100, blank=True)  # trackingId / Autofy's RequestId
    trace_id = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    note = models.TextField(blank=True)  # how the outcome was established, when not by the answer
    in_doubt = models.BooleanField(default=False)
    settles_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("connection", "order_id", "-created_at"), name="action_by_order")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on order {self.order_id} ({self.get_state_display()})"


class OrderActionAttempt(CallAttempt):
    """One call that carried out (or checked) an action, every one kept."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "No answer"
        CHECKED = "checked", "Checked by reading the order"

    action = models.ForeignKey(OrderAction, on_delete=models.CASCADE, related_name="attempts")
    outcome = models.CharField(max_length=20, choices=Outcome)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ("action", "number")
        constraints = [models.UniqueConstraint(fields=("action", "number"), name="unique_action_attempt_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.action} ({self.get_outcome_display()})"


# The QuickBooks reference-data cache lives in a module of its own (this one stays readable).
from orders.models_references import ReferenceListState, ReferenceRecord, ReferenceSyncState  # noqa: E402, F401

