"""The sandbox's own tables: the ERP's data, issued tokens, the knobs and the call log.

Everything that must hold across threads and processes (tokens, configuration, pending faults, the
call log) lives here rather than in memory, so several server processes or a test process see the
same state. ``to_api()`` methods give each record in the contract's JSON shape (camelCase keys,
absent optional parts omitted rather than sent as null). The Autofy stand-in's tables are in
``sandbox.autofy.models`` (imported at the end, so they belong to this app).
"""

from datetime import datetime, timezone

from django.db import models

STATUSES = ("Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive")
PERSON_TYPES = ("Organization", "External", "Basic", "Client")


def api_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second, like the contract's examples."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def omit_empty(data: dict) -> dict:
    """Drop keys whose value is None (absent optional parts are omitted, never sent as null)."""
    return {key: value for key, value in data.items() if value is not None}


# --- Reference data ---------------------------------------------------------------------------------


class Tax(models.Model):
    id = models.IntegerField(primary_key=True)
    number = models.IntegerField()
    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=7, decimal_places=4)

    def to_api(self) -> dict:
        return {"id": self.id, "number": self.number, "name": self.name, "rate": self.rate}


class Account(models.Model):
    """An account of the chart of accounts (``/accounts``). ``tax_id`` 0: no tax code."""

    id = models.IntegerField(primary_key=True)
    number = models.IntegerField(unique=True)
    name = models.CharField(max_length=200)
    tax_id = models.IntegerField(default=0)

    def to_api(self) -> dict:
        return {"id": self.id, "number": self.number, "name": self.name, "taxId": self.tax_id}

    def as_line_account(self) -> dict:
        return {"id": self.id, "number": self.number, "name": self.name}


class SalesType(models.Model):
    id = models.IntegerField(primary_key=True)  # negative ids are system-defined
    name = models.CharField(max_length=100)
    account_id = models.IntegerField()
    # A dimension type (1 project, 2 department) an order of this type needs before it can be
    # confirmed or invoiced; see sandbox.api.salesorders for the ProjectMissing/DepartmentMissing rule.
    required_dimension = models.IntegerField(null=True)

    def to_api(self) -> dict:
        return {"id": self.id, "name": self.name, "account": {"id": self.account_id}}


class DimensionType(models.Model):
    id = models.IntegerField(primary_key=True)  # below 100 system types, above 100 custom ones
    name = models.CharField(max_length=150)

    def to_api(self) -> dict:
        return {"id": self.id, "name": self.name}


class DimensionElement(models.Model):
    dimension_type = models.ForeignKey(DimensionType, on_delete=models.CASCADE, related_name="elements")
    value = models.CharField(max_length=50)
    name = models.CharField(max_length=510)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension_type", "value"], name="unique_dimension_value")]

    def to_api(self) -> dict:
        return {"dimensionType": self.dimension_type_id, "value": self.value, "name": self.name}


class Person(models.Model):
    id = models.IntegerField(primary_key=True)
    identity_id = models.UUIDField(null=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    person_type = models.CharField(max_length=20)
    has_license = models.BooleanField()

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "identityId": str(self.identity_id) if self.identity_id else None,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "personType": self.person_type,
            "hasLicense": self.has_license,
        }


class Currency(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    rate = models.DecimalField(max_digits=20, decimal_places=10)  # NOK per unit

    def to_api(self) -> dict:
        return {"code": self.code, "rate": self.rate}


class PaymentMethod(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    account_id = models.IntegerField()

    def to_api(self) -> dict:
        return {"id": self.id, "name": self.name, "account": {"id": self.account_id}}


class Customer(models.Model):
    """A customer's current record (``/customers``); orders keep their own snapshot of it."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True)  # casefolded, for search and sort
    organization_number = models.CharField(max_length=20, null=True, db_index=True)
    is_company = models.BooleanField()
    is_supplier = models.BooleanField(default=False)
    # The rest of the CustomerProperties shape: person, address, email, phone, mobilePhone, ...
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    def to_api(self) -> dict:
        data = {"id": self.id, "name": self.name}
        data.update(self.details)
        data.update(
            isCompany=self.is_company,
            isSupplier=self.is_supplier,
            organizationNumber=self.organization_number,
            createdAt=api_datetime(self.created_at),
            modifiedAt=api_datetime(self.modified_at),
        )
        return omit_empty(data)


class Product(models.Model):
    id = models.IntegerField(primary_key=True)
    number = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=150)
    description = models.CharField(max_length=500, null=True)
    type = models.CharField(max_length=20, default="default")
    status = models.CharField(max_length=20, default="active")
    cost_price = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    sales_price = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    units = models.JSONField(null=True)  # {id, name, symbol}
    category = models.JSONField(null=True)  # {id, name}
    ean = models.CharField(max_length=14, null=True)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    def to_api(self) -> dict:
        return omit_empty(
            {
                "id": self.id,
                "name": self.name,
                "number": self.number,
                "type": self.type,
                "status": self.status,
                "description": self.description,
                "costPrice": self.cost_price,
                "salesPrice": self.sales_price,
                "ean": self.ean,
                "units": self.units,
                "category": self.category,
                "createdAt": api_datetime(self.created_at),
                "modifiedAt": api_datetime(self.modified_at),
            }
        )


class ProductSalesTypeOverride(models.Model):
    """The account a product is posted to under one sales type, instead of the sales type's own."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="sales_type_overrides")
    sales_type = models.ForeignKey(SalesType, on_delete=models.CASCADE, related_name="+")
    account_number = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "sales_type"], name="unique_product_sales_type")]

    def to_api(self) -> dict:
        return {"productId": self.product_id, "salesTypeId": self.sales_type_id, "accountNumber": self.account_number}


# --- Sales orders -----------------------------------------------------------------------------------


class SalesOrder(models.Model):
    """A sales order. Totals are stored (and recomputed from the lines on every line change)."""

    id = models.AutoField(primary_key=True)
    customer_id = models.IntegerField(db_index=True)
    customer = models.JSONField()  # the snapshot taken when the order was made, stored as given
    currency_code = models.CharField(max_length=3, default="NOK")
    currency_rate = models.DecimalField(max_digits=20, decimal_places=10, default=1)
    status = models.CharField(max_length=20, db_index=True)
    delivery_customer = models.JSONField(null=True)
    delivery_date = models.DateField(null=True)
    invoice_number = models.IntegerField(null=True, db_index=True)
    invoice_date = models.DateField(null=True)
    invoice_due_date = models.DateField(null=True)
    distribution_method = models.CharField(max_length=30, null=True)
    payment_terms = models.JSONField(null=True)
    remittance_reference = models.CharField(max_length=50, null=True)
    transaction_id = models.CharField(max_length=36, null=True)
    accrual = models.JSONField(null=True)
    date = models.DateField()
    internal_memo = models.TextField(null=True)
    memo = models.TextField(null=True)
    your_reference = models.JSONField(null=True)
    our_reference_id = models.IntegerField(null=True)
    payment_method_id = models.IntegerField(null=True)
    reference_number = models.CharField(max_length=50, null=True)
    sales_type_id = models.IntegerField(null=True)
    created_at = models.DateTimeField(db_index=True)
    modified_at = models.DateTimeField(db_index=True)
    net_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    tax_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    gross_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    dimensions = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["-date", "-id"], name="salesorder_newest_first")]

    @property
    def is_invoiced(self) -> bool:
        return self.status == "Invoice"

    def invoice_to_api(self) -> dict | None:
        invoice = omit_empty(
            {
                "number": self.invoice_number,
                "date": self.invoice_date.isoformat() if self.invoice_date else None,
                "dueDate": self.invoice_due_date.isoformat() if self.invoice_due_date else None,
                "distributionMethod": self.distribution_method,
                "paymentTerms": self.payment_terms,
                "remittanceReference": self.remittance_reference,
                "transaction": {"id": self.transaction_id} if self.transaction_id else None,
            }
        )
        return invoice or None

    def to_api(self, *, with_dimensions: bool = True) -> dict:
        """The order as ``SalesOrderExtended`` (GET one), or ``SalesOrder`` (list items, no dimensions)."""
        data = omit_empty(
            {
                "id": self.id,
                "customer": self.customer,
                "currency": {"code": self.currency_code, "rate": self.currency_rate},
                "status": self.status,
                "deliveryCustomer": self.delivery_customer,
                "deliveryDate": self.delivery_date.isoformat() if self.delivery_date else None,
                "invoice": self.invoice_to_api(),
                "accrual": self.accrual,
                "date": self.date.isoformat(),
                "internalMemo": self.internal_memo,
                "memo": self.memo,
                "yourReference": self.your_reference,
                "ourReference": {"id": self.our_reference_id} if self.our_reference_id is not None else None,
                "paymentMethod": {"id": self.payment_method_id} if self.payment_method_id is not None else None,
                "referenceNumber": self.reference_number,
                "salesType": {"id": self.sales_type_id} if self.sales_type_id is not None else None,
                "createdAt": api_datetime(self.created_at),
                "modifiedAt": api_datetime(self.modified_at),
                "grossAmount": self.gross_amount,
                "netAmount": self.net_amount,
                "taxAmount": self.tax_amount,
            }
        )
        if with_dimensions and self.dimensions:
            data["dimensions"] = self.dimensions
        return data


class SalesOrderLine(models.Model):
    id = models.AutoField(primary_key=True)
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    type = models.CharField(max_length=10)  # product | text
    product_id = models.IntegerField(null=True)
    product_number = models.CharField(max_length=100, null=True)  # snapshot, like the customer's
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=20, decimal_places=4)
    price = models.DecimalField(max_digits=20, decimal_places=4)
    cost_price = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    discount_rate = models.DecimalField(max_digits=7, decimal_places=4, default=0)
    tax_id = models.IntegerField()
    tax_number = models.IntegerField()
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4)
    account = models.JSONField(null=True)  # {id, number, name}
    dimensions = models.JSONField(null=True)
    accrual = models.JSONField(null=True)

    class Meta:
        ordering = ["id"]

    def to_api(self) -> dict:
        product = None
        if self.type == "product" and self.product_id is not None:
            product = omit_empty({"id": self.product_id, "number": self.product_number})
        return omit_empty(
            {
                "id": self.id,
                "type": self.type,
                "product": product,
                "description": self.description,
                "quantity": self.quantity,
                "price": self.price,
                "costPrice": self.cost_price,
                "discountRate": self.discount_rate,
                "tax": {"id": self.tax_id, "number": self.tax_number, "rate": self.tax_rate},
                "account": self.account,
                "dimensions": self.dimensions or None,
                "accrual": self.accrual,
            }
        )


# --- Sandbox machinery ------------------------------------------------------------------------------


class AccessToken(models.Model):
    key = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=200)
    organization = models.CharField(max_length=100)
    scopes = models.JSONField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()


class Config(models.Model):
    """The knobs (a single row, id 1). See sandbox.api.control."""

    DEFAULTS = {"latency_ms": 0, "failure_rate": 0.0, "token_ttl": 3600, "denied_scopes": []}

    latency_ms = models.IntegerField(default=0)
    failure_rate = models.FloatField(default=0.0)
    token_ttl = models.IntegerField(default=3600)
    denied_scopes = models.JSONField(default=list)

    @classmethod
    def current(cls) -> "Config":
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    def to_api(self) -> dict:
        return {name: getattr(self, name) for name in self.DEFAULTS}


class Fault(models.Model):
    """A pending injected fault: the next ``remaining`` calls matching it fail. See sandbox.faults."""

    api = models.CharField(max_length=10, default="tso")  # which stand-in: "tso" (/v1) or "autofy"
    method = models.CharField(max_length=10)  # an HTTP method or "*"
    path_glob = models.CharField(max_length=300)  # fnmatch pattern against the path after the API's base
    kind = models.CharField(max_length=30)
    remaining = models.IntegerField()
    seconds = models.FloatField(default=5.0)
    retry_after = models.IntegerField(default=1)
    code = models.IntegerField(null=True)  # Autofy: the error code the answer carries (None: the kind's)

    class Meta:
        ordering = ["id"]

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "api": self.api,
            "endpoint": f"{self.method} {self.path_glob}",
            "fault": self.kind,
            "count": self.remaining,
            "seconds": self.seconds,
            "retry_after": self.retry_after,
            "code": self.code,
        }


class Call(models.Model):
    """One call to the API or the token endpoint, for tests that count upstream calls."""

    id = models.BigAutoField(primary_key=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    query = models.CharField(max_length=2000)
    status = models.IntegerField(null=True)  # None: the client got no response at all
    fault = models.CharField(max_length=30, null=True)
    trace_id = models.CharField(max_length=32)
    at = models.DateTimeField()

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "fault": self.fault,
            "traceId": self.trace_id,
        }


class SeedState(models.Model):
    """What the data was seeded with (a single row, id 1), so a reset can restore it."""

    anchor = models.DateField()
    seed = models.IntegerField()
    seeded_at = models.DateTimeField()
    # sandbox.seed.SEED_VERSION of the generator that made the data (0: before versions were kept).
    version = models.IntegerField(default=0)


# The Autofy stand-in's tables live in its own package; importing them here registers them with the app.
from sandbox.autofy.models import (  # noqa: E402,F401
    AgentRateWindow,
    AutofyConfig,
    QbCompany,
    QbListRecord,
    QbSalesOrder,
)
