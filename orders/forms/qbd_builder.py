"""The QuickBooks builder as a whole: the amounts shown while building (``figures``, worked out with the
order page's own arithmetic, ``orders.qbd_amounts``) and ``QbBuilder``: the header and line forms bound to
a state, their errors, and the builder's data (``orders.qbd_draft``'s contract) once they are valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orders import qbd_amounts
from orders.domain import Ref
from orders.erp.autofy.reading import currency_code, is_taxable
from orders.forms.qbd import QbLineForm, QbOrderForm, QbReference, discount_percent_error, read_number
from orders.forms.qbd_state import HEADER_FIELDS, SEARCH_FIELDS, is_blank_line
from orders.parsing import parse_whole
from orders.qbd_draft import AMOUNT_DIGITS, EXCHANGE_RATE_DIGITS, HEADER_REFS, RATE_DIGITS, QbLineDraft, draft_from_data

NUMBER_DIGITS = {"quantity": RATE_DIGITS, "rate": RATE_DIGITS, "rate_percent": RATE_DIGITS, "amount": AMOUNT_DIGITS}


# --- the amounts while building ------------------------------------------------------------------------


def row_draft(row: Mapping[str, Any], *, sub_line: bool = False) -> QbLineDraft:
    """A line as typed, for pricing: a number that cannot be read (yet) leaves the line unpriced."""
    numbers: dict[str, Decimal | None] = {}
    readable = True
    for name, digits in NUMBER_DIGITS.items():
        text = str(row.get(name) or "").strip()
        numbers[name] = read_number(text, digits) if text else None
        readable = readable and (not text or numbers[name] is not None)
    kind = str(row.get("kind") or "")
    if not readable or discount_percent_error(kind, numbers["rate_percent"]) is not None:
        numbers = dict.fromkeys(NUMBER_DIGITS)
    tax_code = str(row.get("tax_code_id") or "")
    if sub_line:
        numbers["rate_percent"] = None  # QuickBooks' sub-lines have none
    return QbLineDraft(
        kind=kind, quantity=numbers["quantity"], rate=numbers["rate"], rate_percent=numbers["rate_percent"],
        amount=numbers["amount"], tax_code=Ref(tax_code) if tax_code else None,
        sub_lines=() if sub_line else tuple(row_draft(sub, sub_line=True) for sub in row.get("sub_lines") or ()),
    )


@dataclass(frozen=True, slots=True)
class QbFigures:
    """Each line priced (``qbd_amounts.Priced``: a group's sub-lines inside it) and the order's totals."""

    lines: tuple[qbd_amounts.Priced, ...]
    totals: qbd_amounts.Totals
    tax_item: Ref | None
    currency_code: str  # "" in the company's home currency
    home_currency: str


def figures(state: Mapping[str, Any], reference: QbReference) -> QbFigures:
    """The lines' amounts and the order's totals for ``state`` (its lines, tax item, currency and rate)."""
    lookups = reference.lookups
    priced = qbd_amounts.price([row_draft(row) for row in state["lines"]],
                               lambda code: is_taxable(code, lookups) if lookups is not None else False)
    tax_id = str(state.get("item_sales_tax_id") or "")
    listed = {ref.id: ref for ref in reference.refs("item_sales_tax")}
    tax_item = listed.get(tax_id) or (Ref(tax_id, str(state.get("item_sales_tax_name") or "")) if tax_id else None)
    rate = lookups.tax_rates.get(tax_id) if lookups is not None and tax_id else None
    code = foreign_currency(state, reference)
    exchange = read_number(str(state.get("exchange_rate") or ""), EXCHANGE_RATE_DIGITS) if code else Decimal(1)
    return QbFigures(lines=priced, totals=qbd_amounts.totals(priced, tax_rate=rate, exchange_rate=exchange),
                     tax_item=tax_item, currency_code=code, home_currency=reference.home_currency)


def foreign_currency(state: Mapping[str, Any], reference: QbReference) -> str:
    """The order's currency code when it is not the company's home currency (a customer billed in CAD),
    else ""."""
    currency_id = str(state.get("currency_id") or "")
    if not currency_id:
        return ""
    code = currency_code(Ref(currency_id, str(state.get("currency_name") or "")), reference.lookups) \
        if reference.lookups is not None else ""
    code = code or str(state.get("currency_name") or "")
    return "" if code == reference.home_currency else code


# --- the forms -------------------------------------------------------------------------------------------

# Header errors that have no field of their own: shown with their section.
FIELD_SECTIONS = {"customer_id": "customer", "customer_name": "customer", "currency_id": "currency",
                  "currency_name": "currency"}


class QbBuilder:
    """The header and line forms of a state. ``validate=False`` shows the state as typed (after an action);
    ``validate=True`` leaves untouched lines out and binds the rest: ``is_valid()`` checks them, each error
    next to its field, line or sub-line. ``sections`` holds what belongs to a part of the form."""

    def __init__(self, state: dict[str, Any], reference: QbReference, *, validate: bool) -> None:
        if validate:
            state = {**state, "lines": [row for row in state["lines"] if not is_blank_line(row)]}
        self.state, self.reference, self.validate = state, reference, validate
        self.sections: dict[str, list[str]] = {}
        custom = state.get("custom_fields") or []
        header = {name: state.get(name, "") for name in HEADER_FIELDS}
        header.update({f"custom_fields-{k}-value": entry.get("value", "") for k, entry in enumerate(custom)})
        kwargs = {"reference": reference, "custom_fields": custom}
        self.header = QbOrderForm(header, **kwargs) if validate else QbOrderForm(initial=header, **kwargs)
        self.line_forms: list[QbLineForm] = []
        self.sub_forms: dict[tuple[int, int], QbLineForm] = {}
        if validate:
            for i, row in enumerate(state["lines"]):
                self.line_forms.append(QbLineForm(row, reference=reference))
                for j, sub in enumerate(row.get("sub_lines") or ()):
                    self.sub_forms[i, j] = QbLineForm(sub, reference=reference, sub_line=True)
        self.figures = figures(state, reference)
        self._erp_errors: dict[tuple, list[str]] = {}

    @property
    def rows(self) -> list:
        """The lines (their count is what the page's line count says)."""
        return self.state["lines"]

    # --- errors ---

    def add_section_error(self, section: str, message: str) -> None:
        messages = self.sections.setdefault(section, [])
        if message not in messages:
            messages.append(message)

    def is_valid(self) -> bool:
        results = [self.header.is_valid()] + [form.is_valid() for form in self.line_forms] + \
                  [form.is_valid() for form in self.sub_forms.values()]
        if not self.state["lines"]:
            self.add_section_error("lines", "Add at least one line: QuickBooks takes no order without an item.")
        for row, form in zip(self.state["lines"], self.line_forms):
            if row.get("kind") == "group" and not row.get("sub_lines") and form.is_valid():
                form.add_error("item_id", "This group has no lines: pick the group again.")
                results.append(False)
        if all(results) and self.figures.totals.total < 0:
            # However it came about (discounts one after another, a discount priced by a rate or an amount):
            # QuickBooks would take it, and Autofy offers no way to delete an order.
            self.add_section_error("lines", "The order's total is below zero: the discounts take off more than "
                                            "the lines above them are worth.")
        for name, section in FIELD_SECTIONS.items():
            for message in self.header.errors.get(name, ()):
                self.add_section_error(section, message)
        return all(results) and not self.sections

    @property
    def has_errors(self) -> bool:
        return bool(self.sections) or bool(self._erp_errors) or (self.validate and (
            bool(self.header.errors) or any(form.errors for form in self.line_forms)
            or any(form.errors for form in self.sub_forms.values())))

    def line_errors(self, index: int, sub: int | None = None) -> Mapping[str, list[str]]:
        """A line's (or sub-line's) errors by field, the form's and QuickBooks'."""
        form = self.sub_forms.get((index, sub)) if sub is not None else (
            self.line_forms[index] if index < len(self.line_forms) else None)
        found = {name: list(messages) for name, messages in form.errors.items()} if form is not None and form.is_bound else {}
        for key, messages in self._erp_errors.items():
            if key[:2] == (index, sub):
                found.setdefault(key[2], []).extend(messages)
        return found

    def add_erp_errors(self, errors) -> None:
        """QuickBooks' rejection (a ``FormErrors``: ``fields``, ``lines``, ``sections``) on the fields,
        lines and sub-lines it names; what names no field of the form goes to its section."""
        for name, messages in (getattr(errors, "fields", None) or {}).items():
            target = name if name in self.header.fields else f"{name}_id"
            for message in messages:
                if target in self.header.fields and name not in FIELD_SECTIONS:
                    self.header.add_error(target, message)
                else:
                    self.add_section_error(FIELD_SECTIONS.get(name, "general"), message)
        for index, fields in (getattr(errors, "lines", None) or {}).items():
            for name, messages in fields.items():
                sub, field_name = self._line_field(int(index), str(name))
                for message in messages:
                    if field_name is None:
                        self.add_section_error("lines", f"Line {int(index) + 1}: {message}")
                    else:
                        self._erp_errors.setdefault((int(index), sub, field_name), []).append(message)
        for section, messages in (getattr(errors, "sections", None) or {}).items():
            for message in messages:
                self.add_section_error(section, message)

    def _line_field(self, index: int, name: str) -> tuple[int | None, str | None]:
        """Which (sub-line, field) of line ``index`` a field name of QuickBooks' errors means."""
        lines = self.state["lines"]
        if index >= len(lines):
            return None, None
        sub = None
        if name.startswith("sub_lines."):
            _, position, name = (name.split(".", 2) + ["", ""])[:3]
            sub = parse_whole(position)
            if sub is None or sub >= len(lines[index].get("sub_lines") or ()):
                return None, None
        for candidate in (name, f"{name}_id"):
            if candidate in ("item_id", "description", "quantity", "rate", "rate_percent", "amount", "tax_code_id",
                             "class_id", "site_id"):
                return sub, candidate
        return sub, "item_id" if name in ("item", "item_name") else None

    # --- the data ---

    def data(self) -> dict[str, Any]:
        """The builder's data (``qbd_draft.draft_to_data``'s shape) of a valid builder."""
        cleaned = self.header.cleaned_data
        data: dict[str, Any] = {name: cleaned.get(name) or "" for name in HEADER_FIELDS
                                if name in self.header.fields and name not in SEARCH_FIELDS}
        for name in ("date", "due_date", "ship_date"):
            data[name] = cleaned[name].isoformat() if cleaned.get(name) else ""
        for name in HEADER_REFS:
            if name == "currency":
                continue
            ref = self.header.ref_field(name).ref(cleaned.get(f"{name}_id") or "")
            data[f"{name}_id"], data[f"{name}_name"] = (ref.id, ref.name) if ref else ("", "")
        foreign = foreign_currency(self.state, self.reference)
        data["exchange_rate"] = str(cleaned["exchange_rate"]) if foreign and cleaned.get("exchange_rate") else ""
        data["customer_name"] = cleaned.get("customer_name") or ""
        data["custom_fields"] = [{"name": name, "value": cleaned.get(key) or ""}
                                 for name, key in self.header.custom_names if cleaned.get(key)]
        data["lines"] = [self._line_data(i, form) for i, form in enumerate(self.line_forms)]
        return data

    def _line_data(self, index: int, form: QbLineForm, sub: int | None = None) -> dict[str, Any]:
        cleaned = form.cleaned_data
        kind = cleaned.get("kind") or ""
        line: dict[str, Any] = {"item_id": cleaned["item_id"], "item_name": cleaned.get("item_name") or "",
                                "kind": kind, "description": cleaned.get("description") or "",
                                "unit_of_measure": cleaned.get("unit_of_measure") or ""}
        for name in ("quantity", "rate", "rate_percent", "amount"):
            value = cleaned.get(name)
            line[name] = "" if value is None or kind == "subtotal" or (kind == "group" and name != "quantity") \
                else format(value, "f")
        for name in ("tax_code", "class", "site"):
            if f"{name}_id" not in form.fields:
                continue
            ref = form.fields[f"{name}_id"].ref(cleaned.get(f"{name}_id") or "")
            line[f"{name}_id"], line[f"{name}_name"] = (ref.id, ref.name) if ref else ("", "")
        if sub is None:
            line["sub_lines"] = [self._line_data(index, self.sub_forms[index, j], j)
                                 for j in range(len(self.state["lines"][index].get("sub_lines") or ()))]
        return line

    def draft(self):
        """The order a valid builder describes (``qbd_draft.QbOrderDraft``)."""
        return draft_from_data(self.data())
