"""An ERP rejection mapped onto the builder's fields (``FormErrors``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from orders.erp.errors import (
    UpstreamBusinessError,
    UpstreamError,
    UpstreamValidationError,
)
from orders.models import Submission, SubmissionStep
from orders.parsing import parse_whole

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind


# --- ERP rejections onto the builder's fields ---------------------------------------------------------

@dataclass(slots=True)
class FormErrors:
    """An ERP rejection in the builder's terms (field names: the contract in the module docstring)."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    dimension_rows: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)
    tracking_id: str = ""
    trace_id: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.lines or self.dimension_rows or self.sections)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FormErrors:
        """Back from ``as_json`` (JSON turns the integer keys into strings)."""
        return cls(
            fields=dict(data.get("fields") or {}),
            lines={int(k): v for k, v in (data.get("lines") or {}).items()},
            dimension_rows={int(k): v for k, v in (data.get("dimension_rows") or {}).items()},
            sections=dict(data.get("sections") or {}),
            tracking_id=data.get("tracking_id") or "",
            trace_id=data.get("trace_id") or "",
        )

    def _add(self, bucket: dict, key, message: str) -> None:
        messages = bucket.setdefault(key, [])
        if message not in messages:
            messages.append(message)

    def add_field(self, name: str, message: str) -> None:
        self._add(self.fields, name, message)

    def add_line(self, index: int, name: str, message: str) -> None:
        self._add(self.lines.setdefault(index, {}), name, message)

    def add_dimension(self, index: int, name: str, message: str) -> None:
        self._add(self.dimension_rows.setdefault(index, {}), name, message)

    def add_section(self, section: str, message: str) -> None:
        self._add(self.sections, section, message)


# ERP order paths (dotted) → builder field; the longest matching prefix of a path wins.
ORDER_PATHS = {
    **{f"customer.{key}": name for key, name in (
        ("id", "customer_id"), ("name", "customer_name"), ("organizationNumber", "customer_organization_number"),
        ("invoiceEmailAddresses", "customer_invoice_emails"), ("gln", "customer_gln"),
        ("street", "customer_street"), ("postalCode", "customer_postal_code"),
        ("postalArea", "customer_postal_area"), ("city", "customer_city"),
        ("countrySubdivision", "customer_country_subdivision"), ("countryCode", "customer_country_code"),
    )},
    **{f"deliveryCustomer.{key}": name for key, name in (
        ("id", "delivery_customer_id"), ("name", "delivery_name"), ("street", "delivery_street"),
        ("postalCode", "delivery_postal_code"), ("postalArea", "delivery_postal_area"),
        ("city", "delivery_city"), ("countrySubdivision", "delivery_country_subdivision"),
        ("countryCode", "delivery_country_code"),
    )},
    "date": "date",
    "deliveryDate": "delivery_date",
    "status": "status",
    "currency": "currency_code",
    "currency.code": "currency_code",
    "currency.rate": "currency_rate",
    "salesType": "sales_type_id",
    "ourReference": "our_reference_id",
    "yourReference": "your_reference",
    "referenceNumber": "reference_number",
    "invoice.paymentTerms": "payment_terms_type",
    "invoice.paymentTerms.value": "payment_terms_value",
    "invoice.distributionMethod": "distribution_method",
    "memo": "memo",
    "internalMemo": "internal_memo",
}
# ERP line paths → builder line field.
LINE_PATHS = {
    "type": "type",
    "product": "product_id",
    "product.number": "product_number",
    "description": "description",
    "quantity": "quantity",
    "price": "price",
    "discountRate": "discount_rate",
    "tax": "tax_id",
}
DIMENSION_PATHS = {"dimensionType": "dimension_type", "value": "dimension_value", "name": "dimension_value"}
# Parts of the order that are not builder fields, by the section that shows their errors.
SECTION_OF = {"customer": "customer", "deliveryCustomer": "customer", "dimensions": "dimensions", "lines": "lines"}

BUSINESS_RULES = {
    "NoLines": ("lines", "The ERP needs at least one line on the order for this status: add a line."),
    "ProjectMissing": ("dimensions", "The ERP needs a project for this order's sales type: add a Project "
                                     "dimension, or choose another sales type."),
    "DepartmentMissing": ("dimensions", "The ERP needs a department for this order's sales type: add a "
                                        "Department dimension, or choose another sales type."),
}


def _parts(path: str) -> list[str]:
    """``customer.name``, ``/customer/name`` and ``lines[2].price`` as ``["customer", "name"]`` …"""
    cleaned = path.replace("/", ".").replace("[", ".").replace("]", "")
    return [part for part in cleaned.split(".") if part]


def _longest(table: Mapping[str, str], parts: list[str]) -> str | None:
    for end in range(len(parts), 0, -1):
        name = table.get(".".join(parts[:end]))
        if name:
            return name
    return None


def _with_ids(message: str, error: UpstreamError) -> str:
    return f"{message} (ERP tracking id {error.tracking_id})" if error.tracking_id else message


def form_errors_from(error: UpstreamError, *, line_index: int | None = None) -> FormErrors:
    """``error`` (from creating the order, or from adding line ``line_index`` when given) in the
    builder's terms: ``ValidationError`` paths onto fields, lines and dimension rows; ``BadRequestError``
    types onto sections; anything else a ``general`` message. Messages carry the ERP's tracking id
    where they stand for the whole rejection."""
    errors = FormErrors(tracking_id=error.tracking_id, trace_id=error.trace_id)
    if isinstance(error, UpstreamValidationError):
        for item in error.field_errors:
            parts = _parts(item.path)
            if line_index is not None:
                _line_error(errors, line_index, parts, item.explanation)
            else:
                _order_error(errors, parts, item.explanation)
        errors.add_section("general", _with_ids(
            "The ERP rejected some of the values; they are marked on the form." if error.field_errors
            else error.message, error,
        ))
    elif isinstance(error, UpstreamBusinessError) and error.errors:
        for rule in error.errors:
            section, message = BUSINESS_RULES.get(rule.type, ("general", rule.message or error.message))
            errors.add_section(section, _with_ids(message, error))
    else:
        errors.add_section("general", _with_ids(error.message, error))
    return errors


def _order_error(errors: FormErrors, parts: list[str], message: str) -> None:
    row = parse_whole(parts[1]) if len(parts) > 1 else None
    if parts[:1] == ["lines"] and row is not None:
        _line_error(errors, row, parts[2:], message)
        return
    if parts[:1] == ["dimensions"] and row is not None:
        errors.add_dimension(row, DIMENSION_PATHS.get(parts[2] if len(parts) > 2 else "", "dimension_value"),
                             message)
        errors.add_section("dimensions", f"Dimension row {row + 1}: {message}")
        return
    name = _longest(ORDER_PATHS, parts)
    if name:
        errors.add_field(name, message)
        return
    section = SECTION_OF.get(parts[0], "general") if parts else "general"
    where = ".".join(parts)
    errors.add_section(section, f"{message} ({where})" if where else message)


def _line_error(errors: FormErrors, index: int, parts: list[str], message: str) -> None:
    name = _longest(LINE_PATHS, parts)
    if name:
        errors.add_line(index, name, message)
        return
    where = ".".join(parts)
    errors.add_section("lines", f"Line {index + 1}: {message}" + (f" ({where})" if where else ""))


def submission_form_errors(*, submission: Submission) -> FormErrors:
    """The ERP's rejection that stopped the submission, in the builder's terms (empty when none)."""
    return FormErrors.from_json(submission.form_errors or {})
