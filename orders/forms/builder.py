"""The order builder as a whole: its state as it travels in the form (``state_from_post``/
``state_to_post``), the amounts shown while building, ``OrderBuilder`` (the forms with their reference
data) and what the builder's actions do to the state (pick a customer or a product, move a line)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import BaseFormSet

from orders import money
from orders.domain import (
    CustomerSnapshot,
    LineDraft,
    OrderDraft,
    Product,
)
from orders.erp.tso.payloads import (  # noqa: F401 (the builder view shows both)
    INTERNAL_MEMO_MAX_LENGTH,
    USER_INTERNAL_MEMO_MAX_LENGTH,
)
from orders.forms.fields import MAX_DIMENSIONS, MAX_LINES, money_input, plain_number, posted_rows
from orders.forms.order import (
    DimensionFormSet,
    LineForm,
    LineFormSet,
    OrderForm,
    parse_date,
)
from orders.parsing import parse_id, parse_signed_id
from orders.services import BuilderReference
from orders.submissions import CUSTOMER_FIELDS, FormErrors, draft_from_data

# Order fields of the state: everything ``OrderForm`` has, as strings (the checkbox is a bool).
ORDER_FIELDS = tuple(name for name in OrderForm.base_fields if name != "delivery_same_as_customer")


DIMENSION_FIELDS = ("dimension_type", "dimension_value")


LINE_FIELDS = tuple(LineForm.base_fields)


# The customer copy's and the delivery's editable fields, in the order the builder shows them.
CUSTOMER_FORM_FIELDS = (
    "customer_name", "customer_organization_number", "customer_gln", "customer_invoice_emails", "customer_street",
    "customer_postal_code", "customer_postal_area", "customer_city", "customer_country_subdivision",
    "customer_country_code",
)


DELIVERY_FORM_FIELDS = (
    "delivery_name", "delivery_street", "delivery_postal_code", "delivery_postal_area", "delivery_city",
    "delivery_country_subdivision", "delivery_country_code",
)


# Fields of the form that only help to fill it in (search boxes): not part of the order's data.
SEARCH_FIELDS = frozenset({"customer_query", "delivery_query", "product_query"})


def blank_line(*, tax_id: int | None) -> dict[str, str]:
    """A new product line: quantity 1 and the standard tax code, the rest to fill in."""
    row = dict.fromkeys(LINE_FIELDS, "")
    row.update(type="product", quantity="1", tax_id="" if tax_id is None else str(tax_id))
    return row


def blank_dimension() -> dict[str, str]:
    return dict.fromkeys(DIMENSION_FIELDS, "")


def blank_state(*, day: dt.date, tax_id: int | None) -> dict[str, Any]:
    """A new order: dated ``day``, Draft, NOK at rate 1, delivered to the customer, one empty line."""
    state: dict[str, Any] = dict.fromkeys(ORDER_FIELDS, "")
    state.update(date=day.isoformat(), status="Draft", currency_code="NOK", currency_rate="1",
                 delivery_same_as_customer=True, dimensions=[], lines=[blank_line(tax_id=tax_id)])
    return state


# What a line's amounts need (the recalculation reads only these).
AMOUNT_SOURCES = ("quantity", "price", "discount_rate", "tax_id")


def _rows(post: Mapping[str, Any], prefix: str, fields: Sequence[str], limit: int) -> list[dict[str, str]]:
    return [
        {name: post.get(f"{prefix}-{index}-{name}", "") for name in fields}
        for index in range(posted_rows(post, prefix, limit, fields))
    ]


def lines_from_post(post: Mapping[str, Any], fields: Sequence[str] = LINE_FIELDS) -> list[dict[str, str]]:
    """The lines of a builder POST (``fields`` of each: all of them, or the ``AMOUNT_SOURCES``)."""
    return _rows(post, "lines", fields, MAX_LINES)


def state_from_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """The state a builder form sent: every value as typed."""
    state: dict[str, Any] = {name: post.get(name, "") for name in ORDER_FIELDS}
    state["delivery_same_as_customer"] = bool(post.get("delivery_same_as_customer"))
    state["dimensions"] = _rows(post, "dimensions", DIMENSION_FIELDS, MAX_DIMENSIONS)
    state["lines"] = lines_from_post(post)
    return state


def state_to_post(state: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` as the POST data the builder's forms bind to (the inverse of ``state_from_post``)."""
    post: dict[str, Any] = {name: state.get(name, "") for name in ORDER_FIELDS}
    if state.get("delivery_same_as_customer"):
        post["delivery_same_as_customer"] = "on"
    for prefix, fields in (("dimensions", DIMENSION_FIELDS), ("lines", LINE_FIELDS)):
        rows = state.get(prefix) or []
        post.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0})
        for index, row in enumerate(rows):
            post.update({f"{prefix}-{index}-{name}": row.get(name, "") for name in fields})
    return post


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _shown_number(value: Any, *, places: int = 0) -> str:
    try:
        return plain_number(Decimal(str(value)), places=places)
    except InvalidOperation:
        return _shown(value)


def _shown_money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return _shown(value)
    return money_input(amount) if amount.is_finite() else _shown(value)


def state_from_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The state of the builder's data (``submissions.draft_to_data``): a stored submission or a
    duplicated order, shown for editing."""
    state: dict[str, Any] = {name: _shown(data.get(name)) for name in ORDER_FIELDS}
    state["currency_rate"] = _shown_number(data.get("currency_rate", 1))
    state["delivery_same_as_customer"] = bool(data.get("delivery_same_as_customer", True))
    state["dimensions"] = [
        {"dimension_type": _shown(row.get("dimension_type")), "dimension_value": _shown(row.get("dimension_value"))}
        for row in data.get("dimensions") or ()
    ]
    state["lines"] = [
        {
            "type": _shown(row.get("type")) or "product",
            "product_id": _shown(row.get("product_id")),
            "product_number": _shown(row.get("product_number")),
            "product_query": _shown(row.get("product_number")),
            "description": _shown(row.get("description")),
            "quantity": _shown_number(row.get("quantity", 1)),
            "price": _shown_money(row.get("price", 0)),
            "discount_rate": _shown_number(row.get("discount_rate", 0)),
            "tax_id": _shown(row.get("tax_id")),
            "auto_tax_id": "",  # its tax code stays as it was, whatever the sales type
        }
        for row in data.get("lines") or ()
    ]
    return state


def is_blank_line(row: Mapping[str, str]) -> bool:
    """A line nobody filled in: nothing typed beyond what a new line starts with (a product line with
    quantity 1 and the standard tax code). A line with anything typed in it (a product search, a
    description, a price, a discount, another quantity) is kept and validated, never dropped."""
    if any(str(row.get(name) or "").strip() for name in ("product_id", "product_query", "description")):
        return False
    if row.get("type") == "text":
        return True  # its amount fields are hidden: nothing of them was typed as a text line
    if any(str(row.get(name) or "").strip() for name in ("price", "discount_rate")):
        return False
    return str(row.get("quantity") or "").strip() in ("", "1")


def is_blank_dimension(row: Mapping[str, str]) -> bool:
    return not any(str(row.get(name) or "").strip() for name in DIMENSION_FIELDS)


@dataclass(frozen=True, slots=True)
class Figures:
    """Each line's amounts (None for a text line, or while its numbers are incomplete or wrong) and
    the order's totals, computed as ``OrderDraft.totals()`` computes them, with ``orders.money``."""

    lines: tuple[money.LineAmounts | None, ...]
    totals: money.Totals
    # Product lines (numbered from 1) whose numbers cannot be read now: left out of the totals, or (while typing)
    # counted with the figures they showed before. The totals say so, so that no total passes for the form's.
    uncounted: tuple[int, ...] = ()
    kept: tuple[int, ...] = ()

    @property
    def note(self) -> str:
        """What the totals say of the lines they do not hold as typed, e.g. "Line 1 keeps its last figures and
        line 3 is not counted until their numbers can be read." (empty when they hold every line)."""
        def named(numbers: tuple[int, ...], capital: bool) -> str:
            word = ("L" if capital else "l") + ("ine" if len(numbers) == 1 else "ines")
            return f"{word} {', '.join(str(n) for n in numbers)}"
        parts: list[str] = []
        if self.kept:
            parts.append(f"{named(self.kept, not parts)} {'keeps its' if len(self.kept) == 1 else 'keep their'} "
                         "last figures")
        if self.uncounted:
            parts.append(f"{named(self.uncounted, not parts)} {'is' if len(self.uncounted) == 1 else 'are'} not counted")
        if not parts:
            return ""
        whose = "its" if len(self.kept) + len(self.uncounted) == 1 else "their"
        return f"{' and '.join(parts)} until {whose} numbers can be read."


def line_draft(row: Mapping[str, str], rates: Mapping[int, Decimal]) -> LineDraft | None:
    """The product line ``row`` as typed, when its numbers can be read (an empty price or discount
    counts as 0 while typing); None for a text line or a line that cannot be priced yet."""
    if row.get("type") == "text":
        return None
    # Numbers out of the bounds the line's fields accept are not priced: the field says what is wrong
    # once the order is checked, and a product of two of them could not be rounded to øre.
    fields = LineForm.base_fields
    quantity = fields["quantity"].bounded(row.get("quantity") or "")
    price = fields["price"].bounded(row.get("price") or "0")
    discount = fields["discount_rate"].bounded(row.get("discount_rate") or "0")
    rate = rates.get(parse_signed_id(str(row.get("tax_id") or "")))
    if quantity is None or price is None or discount is None or rate is None:
        return None
    return LineDraft(quantity=quantity, price=price, discount_rate=discount, tax_rate=rate)


def figures(rows: Sequence[Mapping[str, str]], tax_codes: Sequence,
            shown: Sequence[str] | None = None) -> Figures:
    """Each line's amounts and the totals. With ``shown`` (what each line's amounts cell shows now,
    ``amounts_shown``'s "net tax", while the user types), a line that cannot be priced at the moment
    (a number being typed, or out of bounds) keeps the amounts it showed: they stay in the totals."""
    rates = {tax.id: tax.rate for tax in tax_codes}
    lines, counted, uncounted, kept = [], [], [], []
    for index, row in enumerate(rows):
        draft = line_draft(row, rates)
        amounts = draft.amounts if draft else None
        rate = draft.tax_rate if draft else rates.get(parse_signed_id(str(row.get("tax_id") or "")))
        product = row.get("type") != "text"
        shown_instead = False
        if amounts is None and shown is not None and index < len(shown) and product:
            amounts = _shown_amounts(shown[index])
            shown_instead = amounts is not None
        lines.append(amounts)
        if amounts is not None and rate is not None:
            counted.append((rate, amounts))
            if shown_instead:
                kept.append(index + 1)
        elif product and not is_blank_line(row):
            uncounted.append(index + 1)
    return Figures(lines=tuple(lines), totals=money.totals(counted), uncounted=tuple(uncounted), kept=tuple(kept))


def _shown_amounts(shown: str) -> money.LineAmounts | None:
    """The amounts an amounts cell shows ("net tax"), None when it shows none."""
    net, _, tax = shown.partition(" ")
    net_amount, tax_amount = money.to_decimal(net), money.to_decimal(tax)
    if net_amount is None or tax_amount is None or not net_amount.is_finite() or not tax_amount.is_finite():
        return None
    return money.LineAmounts(net=net_amount, tax=tax_amount)


# The numbers of a line that are checked as they are typed, with the field's own message.
LIVE_CHECKED = ("quantity", "price", "discount_rate")


def live_line_errors(rows: Sequence[Mapping[str, str]]) -> dict[int, dict[str, str]]:
    """What is wrong with the numbers typed into product lines so far, by line and field: the
    message each field gives on sending (an empty field is still being filled in: not an error)."""
    found: dict[int, dict[str, str]] = {}
    for index, row in enumerate(rows):
        if row.get("type") == "text":
            continue
        for name in LIVE_CHECKED:
            value = str(row.get(name) or "").strip()
            if not value:
                continue
            field = LineForm.base_fields[name]
            try:
                field.validate(field.to_python(value))
            except ValidationError as error:
                found.setdefault(index, {})[name] = " ".join(error.messages)
    return found


# Order fields without a visible input of their own: their errors are shown with their section.
FIELD_SECTIONS = {"customer_id": "customer", "delivery_customer_id": "customer"}


class LineRows(Sequence):
    """The lines' (form, amounts), each form built when it is first asked for: an answer with a few
    rows of a long order (``views.builder._row_change``) builds only their forms. A bound formset's
    forms (validated, with their errors) are its own."""

    def __init__(self, formset: BaseFormSet, amounts: Sequence[money.LineAmounts | None]) -> None:
        self.formset, self.amounts = formset, amounts
        self.built: dict[int, LineForm] = {}

    def __len__(self) -> int:
        return len(self.amounts)

    def form(self, index: int) -> LineForm:
        if self.formset.is_bound or "forms" in self.formset.__dict__:
            return self.formset.forms[index]
        if index not in self.built:
            self.built[index] = self.formset._construct_form(index, **self.formset.get_form_kwargs(index))
        return self.built[index]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return self.form(index), self.amounts[index]


class OrderBuilder:
    """The order form with its dimension and line formsets, built from a builder state.

    ``validate=False`` shows the state as typed, without errors (after an action such as "add a
    line"). ``validate=True`` binds it: untouched lines and empty dimension rows are left out, and
    ``is_valid()`` checks the rest against the contract, each error next to its field, line or row.
    ``sections`` holds the messages that belong to a part of the form (``customer``, ``lines``,
    ``dimensions``, ``general``) rather than to one field.
    """

    def __init__(self, state: Mapping[str, Any], reference: BuilderReference, *, validate: bool,
                 may_invoice: bool) -> None:
        """``may_invoice``: the statuses that invoice at once are offered (admins only)."""
        if validate:
            state = {
                **state,
                "lines": [row for row in state["lines"] if not is_blank_line(row)],
                "dimensions": [row for row in state["dimensions"] if not is_blank_dimension(row)],
            }
        self.state = state
        self.reference = reference
        self.sections: dict[str, list[str]] = {}
        kwargs = {"form_kwargs": {"reference": reference}}
        if validate:
            data = state_to_post(state)
            self.order = OrderForm(data, reference=reference, may_invoice=may_invoice)
            self.dimensions = DimensionFormSet(data, prefix="dimensions", **kwargs)
            self.lines = LineFormSet(data, prefix="lines", **kwargs)
        else:
            self.order = OrderForm(initial=state, reference=reference, may_invoice=may_invoice)
            self.dimensions = DimensionFormSet(initial=state["dimensions"], prefix="dimensions", **kwargs)
            self.lines = LineFormSet(initial=state["lines"], prefix="lines", **kwargs)
        self.figures = figures(state["lines"], reference.tax_codes)

    @functools.cached_property
    def rows(self) -> Sequence[tuple[LineForm, money.LineAmounts | None]]:
        """Each line's form with its amounts, for the template (see ``LineRows``)."""
        return LineRows(self.lines, self.figures.lines)

    def add_section_error(self, section: str, message: str) -> None:
        messages = self.sections.setdefault(section, [])
        if message not in messages:
            messages.append(message)

    def is_valid(self) -> bool:
        results = [self.order.is_valid(), self.dimensions.is_valid(), self.lines.is_valid()]
        if self.order.cleaned_data.get("status") == "Invoice" and not self.lines.forms:
            self.add_section_error("lines", "An order sent as Invoiced needs at least one line: add a line, "
                                            "or choose another status.")
        for name, section in FIELD_SECTIONS.items():
            for message in self.order.errors.get(name, ()):
                self.add_section_error(section, message)
        return all(results) and not self.sections

    @property
    def has_errors(self) -> bool:
        return bool(self.sections) or any(
            form.is_bound and form.errors
            for form in (self.order, *self.dimensions.forms, *self.lines.forms)
        )

    def data(self) -> dict[str, Any]:
        """The builder's data (``submissions.draft_to_data``'s shape) of a valid builder."""
        cleaned = self.order.cleaned_data
        data: dict[str, Any] = {
            name: cleaned.get(name) for name in ORDER_FIELDS if name not in SEARCH_FIELDS
        }
        data.update(
            delivery_same_as_customer=bool(cleaned.get("delivery_same_as_customer")),
            date=cleaned["date"].isoformat(),
            delivery_date=cleaned["delivery_date"].isoformat() if cleaned.get("delivery_date") else None,
            currency_rate=str(cleaned["currency_rate"]),
            dimensions=[
                {"dimension_type": form.cleaned_data["dimension_type"],
                 "dimension_value": form.cleaned_data["dimension_value"],
                 "dimension_name": form.cleaned_data["dimension_name"]}
                for form in self.dimensions.forms
            ],
            lines=[self._line_data(form.cleaned_data) for form in self.lines.forms],
        )
        return data

    def _line_data(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        if cleaned["type"] == "text":
            return {"type": "text", "description": cleaned["description"]}
        tax = next(t for t in self.reference.tax_codes if t.id == cleaned["tax_id"])
        return {
            "type": "product",
            "product_id": cleaned["product_id"],
            "product_number": cleaned.get("product_number") or "",
            "description": cleaned["description"],
            "quantity": str(cleaned["quantity"]),
            "price": str(cleaned["price"]),
            "discount_rate": str(cleaned.get("discount_rate") or Decimal(0)),
            "tax_id": tax.id,
            "tax_number": tax.number,
            "tax_rate": str(tax.rate),
        }

    def draft(self) -> OrderDraft:
        """The order a valid builder describes."""
        return draft_from_data(self.data())

    def add_erp_errors(self, errors: FormErrors) -> None:
        """Show the ERP's rejection (``submissions.FormErrors``) on the fields, lines, rows and
        sections it names. Call after ``is_valid()``."""
        for name, messages in errors.fields.items():
            for message in messages:
                if name in self.order.fields and name not in FIELD_SECTIONS:
                    self.order.add_error(name, message)
                else:
                    self.add_section_error(FIELD_SECTIONS.get(name, "general"), message)
        for index, fields in errors.lines.items():
            for name, messages in fields.items():
                name = "product_id" if name == "product_number" else name
                for message in messages:
                    if index < len(self.lines.forms) and name in self.lines.forms[index].fields:
                        self.lines.forms[index].add_error(name, message)
                    else:
                        self.add_section_error("lines", f"Line {index + 1}: {message}")
        for index, fields in errors.dimension_rows.items():
            for name, messages in fields.items():
                for message in messages:
                    if index < len(self.dimensions.forms):
                        self.dimensions.forms[index].add_error(name, message)
                    else:
                        self.add_section_error("dimensions", f"Row {index + 1}: {message}")
        for section, messages in errors.sections.items():
            for message in messages:
                self.add_section_error(section, message)


def fill_customer(state: dict[str, Any], customer: CustomerSnapshot) -> list[str]:
    """Copy a picked customer into the order's customer fields (which stay editable). When it replaces
    another customer, what belonged to that one goes too: a delivery to the old customer's address
    becomes the new customer's address, the old customer's contact ("Your reference") is cleared and
    the payment terms go back to the ERP's default. Returns what changed besides, in words."""
    previous = str(state.get("customer_id") or "")
    previous_name = state.get("customer_name") or "the previous customer"
    for attribute, name in CUSTOMER_FIELDS:
        state[name] = _shown(getattr(customer, attribute))
    state["customer_query"] = ""
    if not previous or previous == str(customer.id):
        return []
    changed = []
    if not state.get("delivery_same_as_customer") and str(state.get("delivery_customer_id") or "") in ("", previous):
        state["delivery_same_as_customer"] = True
        state.update(dict.fromkeys(DELIVERY_FORM_FIELDS + ("delivery_customer_id",), ""))
        changed.append(f"the delivery goes to {customer.name}'s address, no longer to {previous_name}'s")
    if str(state.get("your_reference") or "").strip():
        changed.append(f"“Your reference” ({state['your_reference']}, {previous_name}'s contact) was cleared")
        state["your_reference"] = ""
    if state.get("payment_terms_type"):
        changed.append("the payment terms are the ERP's default for the customer again")
        state["payment_terms_type"] = state["payment_terms_value"] = ""
    return changed


def fill_delivery(state: dict[str, Any], customer: CustomerSnapshot) -> None:
    """Deliver to another customer: their name and address, editable."""
    state.update(
        delivery_same_as_customer=False,
        delivery_customer_id=str(customer.id),
        delivery_name=customer.name,
        delivery_street=customer.street,
        delivery_postal_code=customer.postal_code,
        delivery_postal_area=customer.postal_area,
        delivery_city=customer.city,
        delivery_country_subdivision=customer.country_subdivision,
        delivery_country_code=customer.country_code,
        delivery_query="",
    )


def fill_product(row: dict[str, str], product: Product, *, currency_rate: str, tax_id: int | None,
                 default_tax_id: int | None) -> None:
    """Make ``row`` a line for ``product``: its number, name, price and tax code.

    The product's price is in NOK (the company's currency): in another currency it is converted at
    the order's rate, as the ERP does for a line sent without a price. ``tax_id`` is the tax code of
    the account the product is posted to (``services.product_line``); when the ERP did not say (None),
    the line keeps the one it has, or gets ``default_tax_id`` (the standard rate).
    """
    row.update(type="product", product_id=str(product.id), product_number=product.number,
               product_query=product.number or product.name, description=product.name)
    if product.sales_price is not None:
        rate = OrderForm.base_fields["currency_rate"].bounded(currency_rate) or Decimal(1)
        price = product.sales_price if rate == 1 else money.round_money(product.sales_price / rate)
        row["price"] = money_input(price)
    if tax_id is not None:
        row["tax_id"] = row["auto_tax_id"] = str(tax_id)
        return
    row["auto_tax_id"] = ""
    if not row.get("tax_id") and default_tax_id is not None:
        row["tax_id"] = str(default_tax_id)


def due_date_passed(state: Mapping[str, Any]) -> bool:
    """Whether the state's payment terms are a fixed due date before its order date."""
    if state.get("payment_terms_type") != "FixedDate":
        return False
    due, day = parse_date(str(state.get("payment_terms_value") or "")), parse_date(str(state.get("date") or ""))
    return due is not None and day is not None and due < day


def follows_sales_type(row: Mapping[str, str]) -> bool:
    """A product line whose tax code is still the one its product brought (see ``auto_tax_id``)."""
    return (row.get("type") == "product" and parse_id(str(row.get("product_id", ""))) is not None
            and bool(row.get("auto_tax_id")) and row.get("tax_id") == row.get("auto_tax_id"))


def currency_rate_for(code: str, currencies: Sequence) -> str:
    """The rate the rate field gets when a currency is chosen: the ERP's rate of the day."""
    rates = {currency.code: currency.rate for currency in currencies}
    return plain_number(rates.get(code, Decimal(1))) if code != "NOK" else "1"


def move(rows: list, index: int, offset: int) -> int:
    """Move ``rows[index]`` by ``offset`` places (within the list); returns its new index."""
    target = min(max(index + offset, 0), len(rows) - 1)
    rows.insert(target, rows.pop(index))
    return target
