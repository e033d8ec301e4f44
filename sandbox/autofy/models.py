"""The Autofy stand-in's tables (part of the ``sandbox`` app; ``sandbox.models`` imports them).

A QuickBooks company file: its list records (customers, items, terms…) and sales orders, each kept as
the Autofy object it is served as (``data``) beside the columns the API filters on. Beside them the
agent's knobs (``AutofyConfig``, one row) and the rate limit's window per endpoint (``AgentRateWindow``),
both shared by every server process through the database.
"""

from django.db import models

from sandbox.autofy import decisions


class QbCompany(models.Model):
    """The company file (a single row, id 1): what the sales order rules need and the ID counters."""

    name = models.CharField(max_length=100)
    home_currency = models.CharField(max_length=3)
    closing_date = models.DateField()  # transactions dated on or before it are in a closed period
    default_template_id = models.CharField(max_length=40)
    next_txn = models.IntegerField()  # the hex counter in new TxnIDs and TxnLineIDs
    next_edit = models.BigIntegerField(default=0)  # EditSequences only grow
    # The custom fields defined for sales orders: {"header": {name: max length}, "line": {...}}
    custom_fields = models.JSONField(default=dict)

    @classmethod
    def current(cls) -> "QbCompany":
        return cls.objects.get(pk=1)


class QbListRecord(models.Model):
    """A record of a QuickBooks list, served as object ``kind`` (``Customer``, ``Item``, ``Terms``…)."""

    kind = models.CharField(max_length=30)
    list_id = models.CharField(max_length=40, unique=True)
    full_name = models.CharField(max_length=209)
    full_name_folded = models.CharField(max_length=209)  # casefolded: QuickBooks names ignore case
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()
    data = models.JSONField()  # the object as served (PascalCase)

    class Meta:
        indexes = [models.Index(fields=["kind", "full_name_folded"], name="qblist_kind_name")]


class QbSalesOrder(models.Model):
    """A sales order. ``seq`` is the order of creation (the list's order); ``data`` the served object."""

    seq = models.AutoField(primary_key=True)
    txn_id = models.CharField(max_length=40, unique=True)
    number = models.CharField(max_length=11, null=True, db_index=True)
    customer_id = models.CharField(max_length=40, db_index=True)
    txn_date = models.DateField()
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField(db_index=True)
    deleted_at = models.DateTimeField(null=True, db_index=True)
    edit_sequence = models.CharField(max_length=16)
    in_use = models.BooleanField(default=False)  # someone has it open in QuickBooks: a PATCH gets 3170
    data = models.JSONField()


class AutofyConfig(models.Model):
    """The agent's knobs (a single row, id 1). See ``sandbox.autofy.control``."""

    DEFAULTS = {
        "rate_limit": decisions.DEFAULT_RATE_LIMIT,
        "queue_limit": decisions.DEFAULT_QUEUE_LIMIT,
        "queue_wait_seconds": decisions.DEFAULT_QUEUE_WAIT_SECONDS,
        "agent_latency_ms": 0,
        "agent_offline": False,
        "offline_code": decisions.DEFAULT_OFFLINE_CODE,
        "offline_status": decisions.DEFAULT_OFFLINE_STATUS,
        "key_kind": "production",
    }

    rate_limit = models.IntegerField(default=decisions.DEFAULT_RATE_LIMIT)
    queue_limit = models.IntegerField(default=decisions.DEFAULT_QUEUE_LIMIT)
    queue_wait_seconds = models.FloatField(default=decisions.DEFAULT_QUEUE_WAIT_SECONDS)
    agent_latency_ms = models.IntegerField(default=0)  # "slow agent": each call's time inside the agent
    agent_offline = models.BooleanField(default=False)
    offline_code = models.IntegerField(default=decisions.DEFAULT_OFFLINE_CODE)
    offline_status = models.IntegerField(default=decisions.DEFAULT_OFFLINE_STATUS)
    key_kind = models.CharField(max_length=20, default="production")  # production | trial | trial_expired

    @classmethod
    def current(cls) -> "AutofyConfig":
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    def to_api(self) -> dict:
        return {name: getattr(self, name) for name in self.DEFAULTS}


class AgentRateWindow(models.Model):
    """The rate limit's current window for one endpoint: when it started and how many requests it holds."""

    endpoint_id = models.CharField(max_length=100, primary_key=True)
    started = models.FloatField()  # epoch seconds
    count = models.IntegerField()
