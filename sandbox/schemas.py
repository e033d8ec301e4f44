"""JSON schemas for the request bodies the sandbox validates, hand-written from the contract (v0.56.0).

``validate(schema, body)`` turns jsonschema's errors into the API's ``validationErrors`` entries:
``{"path": "customer.name", "keyword": "required"}``. Paths are dotted, array indexes are numbers
(``dimensions.0.name``); for ``required`` the path names the missing property and for
``additionalProperties`` the unexpected one. A ``oneOf`` that no branch satisfies (payment terms,
accrual) is reported once, as keyword ``oneOf`` at the property's path.

Numbers arrive as ``Decimal`` (bodies are parsed with ``parse_float=Decimal``), so money keeps its
exact value; ``multipleOf`` is therefore given as a ``Decimal`` too.
"""

import re
from datetime import date, datetime
from decimal import Decimal

from jsonschema import Draft7Validator, FormatChecker

STATUSES = ["Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive"]
DISTRIBUTION_METHODS = [
    "",
    "manualdistribution",
    "efakturadistribution",
    "ehfdistribution",
    "postaldistribution",
    "printdistribution",
    "emaildistribution",
]
# The contract documents no bounds for a line's quantity and price; these are the sandbox's storage
# limits, the same as the one the contract gives for costPrice.
AMOUNT_LIMIT = Decimal("999999999999.9999")

DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}

CUSTOMER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "organizationNumber": {"type": "string", "maxLength": 20},
        "invoiceEmailAddresses": {"type": "array", "items": {"type": "string", "format": "email"}},
        "gln": {"type": "string", "minLength": 13, "maxLength": 13},
        "name": {"type": "string", "maxLength": 200},
        "street": {"type": "string", "maxLength": 250},
        "postalCode": {"type": "string", "maxLength": 50},
        "postalArea": {"type": "string", "maxLength": 50},
        "city": {"type": "string", "maxLength": 50},
        "countrySubdivision": {"type": "string", "maxLength": 50},
        "countryCode": {"type": "string", "maxLength": 2},
    },
}

DELIVERY_CUSTOMER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string", "maxLength": 250},
        "street": {"type": "string", "maxLength": 250},
        "postalCode": {"type": "string", "maxLength": 16},
        "postalArea": {"type": "string", "maxLength": 200},
        "city": {"type": "string", "maxLength": 50},
        "countrySubdivision": {"type": "string", "maxLength": 100},
        "countryCode": {"type": "string", "maxLength": 2},
    },
}

PAYMENT_TERMS = {
    "oneOf": [
        {
            "type": "object",
            "required": ["type", "value"],
            "properties": {"type": {"enum": ["NumberOfDays"]}, "value": {"type": "integer", "minimum": 0}},
        },
        {
            "type": "object",
            "required": ["type", "value"],
            "properties": {"type": {"enum": ["OutMonthPlusDays"]}, "value": {"type": "integer", "minimum": 0}},
        },
        {
            "type": "object",
            "required": ["type", "value"],
            "properties": {
                "type": {"enum": ["FixedDate"]},
                "value": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            },
        },
    ]
}

ACCRUAL = {
    "oneOf": [
        {"type": "object", "properties": {}, "additionalProperties": False},
        {
            "type": "object",
            "required": ["startDate", "length"],
            "properties": {"startDate": DATE, "length": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        },
    ]
}

DIMENSIONS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["dimensionType", "value", "name"],
        "properties": {
            "dimensionType": {"type": "integer"},
            "value": {"type": "string"},
            "name": {"type": "string"},
        },
        "additionalProperties": False,
    },
}

SALES_ORDER_BASIC = {
    "currency": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 3, "maxLength": 3, "pattern": "^[A-Z]{3}$"},
            "rate": {"type": "number", "minimum": Decimal("1e-10"), "maximum": 1000000000},
        },
    },
    "status": {"type": "string", "enum": STATUSES},
    "deliveryCustomer": DELIVERY_CUSTOMER,
    "deliveryDate": DATE,
    "invoice": {
        "type": "object",
        "properties": {
            "number": {"type": "integer"},
            "date": DATE,
            "dueDate": DATE,
            "distributionMethod": {"type": "string", "enum": DISTRIBUTION_METHODS},
            "paymentTerms": PAYMENT_TERMS,
            "remittanceReference": {"type": "string"},
            "transaction": {"type": "object", "properties": {"id": {"type": "string"}}},
        },
    },
    "accrual": ACCRUAL,
    "date": DATE,
    "internalMemo": {"type": "string", "maxLength": 300},
    "memo": {"type": "string"},
    "yourReference": {
        "type": "object",
        "properties": {"id": {"type": "number"}, "name": {"type": "string"}},
    },
    "ourReference": {"type": "object", "properties": {"id": {"type": "number"}}},
    "paymentMethod": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": ["integer", "null"]}},
    },
    "referenceNumber": {"type": "string", "maxLength": 50},
    "salesType": {"type": "object", "properties": {"id": {"type": "integer"}}},
    "createdAt": DATE_TIME,
    "modifiedAt": DATE_TIME,
    "dimensions": DIMENSIONS,
}

# SalesOrderRequestPost: customer.id and customer.name are required (and so the customer itself).
SALES_ORDER_POST = {
    "type": "object",
    "required": ["customer"],
    "properties": {
        "customer": {"allOf": [CUSTOMER, {"required": ["id", "name"]}]},
        **SALES_ORDER_BASIC,
    },
}

# SalesOrderRequestPatch: the same fields, all optional.
SALES_ORDER_PATCH = {
    "type": "object",
    "properties": {"customer": CUSTOMER, **SALES_ORDER_BASIC},
}

LINE_PROPERTIES = {
    "type": {"type": "string", "enum": ["product", "text"]},
    "product": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "number": {"type": "string", "maxLength": 100}},
    },
    "description": {"type": "string", "minLength": 1, "maxLength": 300},
    "quantity": {"type": "number", "minimum": -AMOUNT_LIMIT, "maximum": AMOUNT_LIMIT},
    "price": {"type": "number", "minimum": -AMOUNT_LIMIT, "maximum": AMOUNT_LIMIT},
    "costPrice": {
        "type": ["number", "null"],
        "multipleOf": Decimal("0.0001"),
        "maximum": AMOUNT_LIMIT,
    },
    "discountRate": {"type": "number", "minimum": 0, "maximum": 100},
    "tax": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "rate": {"type": "number", "minimum": 0, "maximum": 100},
        },
    },
    "account": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "name": {"type": "string", "maxLength": 75},
        },
    },
    "isHidden": {"type": "boolean"},
    "dimensions": DIMENSIONS,
    "accrual": ACCRUAL,
}

# LineWithoutId (POST a line). Lines reject unknown properties.
LINE_POST = {"type": "object", "properties": LINE_PROPERTIES, "additionalProperties": False}

# PATCH a line: the contract's body is ``Line`` (LineWithoutId plus ``id``). Taken literally, allOf
# with LineWithoutId's additionalProperties: false would reject ``id`` itself, so ``id`` is allowed.
LINE_PATCH = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, **LINE_PROPERTIES},
    "additionalProperties": False,
}

# The control API (sandbox.api.control).
PRODUCT_SALES_TYPE_OVERRIDE = {
    "type": "object",
    "required": ["accountNumber"],
    "properties": {"accountNumber": {"type": ["integer", "null"]}},
    "additionalProperties": False,
}

CONFIG = {
    "type": "object",
    "properties": {
        "latency_ms": {"type": "integer", "minimum": 0, "maximum": 60000},
        "failure_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "token_ttl": {"type": "integer", "minimum": 1},
        "denied_scopes": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}

FAULT_KINDS = ["timeout", "late_commit", "500", "503", "401", "malformed", "html", "drop_after_commit"]  # see sandbox.faults
AUTOFY_FAULT_KINDS = ["error_200", "error_after_commit", "offline_after_commit"]  # Autofy's only (sandbox.autofy.faults)
TSO_FAULT_KINDS = ["404"]  # /v1's only: Autofy answers a missing object inside its envelope (1507), not with a 404
FAULT = {
    "type": "object",
    "required": ["endpoint", "fault"],
    "properties": {
        "api": {"enum": ["tso", "autofy"]},
        "endpoint": {"type": "string", "minLength": 3},
        "fault": {"enum": FAULT_KINDS + ["stall", "drip", "huge"] + AUTOFY_FAULT_KINDS + TSO_FAULT_KINDS},  # and a slow or broken ERP
        "count": {"type": "integer", "minimum": 1},
        "seconds": {"type": "number", "minimum": 0, "maximum": 600},
        "retry_after": {"type": "integer", "minimum": 0},
        "code": {"type": "integer", "minimum": 1, "maximum": 99999},  # Autofy: the error code in the answer
    },
    "additionalProperties": False,
}


# --- Validation ------------------------------------------------------------------------------------

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date")
def is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return not isinstance(value, str)
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@FORMATS.checks("date-time")
def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value or " " in value


@FORMATS.checks("email")
def is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value))


def _dotted(parts) -> str:
    return ".".join(str(part) for part in parts)


def validate(schema: dict, body: object) -> list[dict]:
    """Validate ``body``; return the ``validationErrors`` entries (empty when valid), in path order."""
    found: dict[tuple[str, str], None] = {}
    for error in Draft7Validator(schema, format_checker=FORMATS).iter_errors(body):
        path = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    found[(_dotted([*path, name]), "required")] = None
        elif error.validator == "additionalProperties":
            allowed = error.schema.get("properties", {})
            for name in error.instance:
                if name not in allowed:
                    found[(_dotted([*path, name]), "additionalProperties")] = None
        else:
            found[(_dotted(path), error.validator)] = None
    return [{"path": path, "keyword": keyword} for path, keyword in sorted(found)]
