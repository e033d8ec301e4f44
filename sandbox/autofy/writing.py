"""``POST`` and ``PATCH`` of a ``SalesOrder``: what QuickBooks' SalesOrderAdd and SalesOrderMod do.

One write is one transaction: QuickBooks either saves the whole order or refuses it (the error on the
answer's ``Contents`` item, HTTP 200, nothing changed). In the order QuickBooks checks them:

1. the body's shape (``shape.read_body``: an unknown field or a wrong type is 400/4000; a value too long
   for its field 3070);
2. PATCH: the order exists (3120), ``EditSequence`` is current (3200), nobody has it open (3170);
3. references (3140, ``references``); a line ID that is not the order's (3120);
4. the closing date (3171), the customer's currency and credit limit, invoiced lines (3180).

Amounts come from ``pricing``; the other rules (defaults, line replacement, ``IsManuallyClosed``) are
written down in ``decisions``.
"""

import copy
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sandbox.autofy import decisions, pricing, shape
from sandbox.autofy.envelope import ObjectError, envelope, error, general_error, item, respond
from sandbox.autofy.models import QbCompany, QbSalesOrder
from sandbox.autofy.references import References, invalid_reference
from sandbox.autofy.salesorders import object_url
from sandbox.autofy.times import api_date, api_time, due_date, pc_today, read_api_date, txn_id

TEXT_HEADER = ("Number", "PONumber", "Other", "Memo", "FOB")
REF_HEADER = ("ShippingMethod", "Terms", "Class", "SalesRep", "ItemSalesTax", "Template", "Message", "Currency")
DATE_HEADER = ("Date", "DueDate", "DateShipped")
TEXT_LINE = ("SerialNumber", "LotNumber", "Other1", "Other2")  # and the description, also a sub-line's
REF_LINE = ("Class", "FromInventorySite", "FromInventorySiteLocation")  # and the tax code, also a sub-line's
NUMBERS = ("Quantity", "Rate", "RatePercent", "Amount")
LINE_NUMBERS = (*NUMBERS, "Invoiced")


def save_error(reason: str) -> ObjectError:
    return ObjectError(decisions.SAVE_ERROR,
                       f"There was an error when saving a SalesOrder. QuickBooks error message: {reason}")


def answer(request: HttpRequest, base: str, write) -> HttpResponse:
    """Run ``write`` (which returns the saved order's object) and answer with it, or with QuickBooks'
    refusal on the ``Contents`` item."""
    try:
        with transaction.atomic():
            saved = write()
    except ObjectError as refused:
        return respond(envelope(request, [item(None, None, [error(refused.code, refused.message)])]))
    return respond(envelope(request, [item(saved, object_url(request, base, saved["ID"]))]),
                   status=decisions.CREATE_STATUS)


def create(request: HttpRequest, base: str, body) -> HttpResponse:
    return answer(request, base, lambda: Writer(shape.read_body(body, patch=False)).create())


def update(request: HttpRequest, base: str, body, path_id: str | None) -> HttpResponse:
    def write() -> dict:
        clean = shape.read_body(body, patch=True)
        body_id = clean.get("ID")
        if path_id is not None and body_id is not None and body_id != path_id:
            raise general_error(f"The ID in the body ({body_id}) is not the ID in the path ({path_id}).")
        if not (body_id or path_id):
            raise general_error("A PATCH needs the ID of the SalesOrder to change.")
        return Writer(clean).update(body_id or path_id)

    return answer(request, base, write)


# --- The write ---------------------------------------------------------------------------------------


def decimals(line: dict) -> dict:
    """A stored line (floats) with Decimal numbers again, sub-lines too."""
    line = copy.deepcopy(line)
    for name in LINE_NUMBERS:
        if name in line:
            line[name] = pricing.number(line[name])
    line["SubLines"] = [decimals(sub) for sub in line.get("SubLines") or []]
    return line


def fully_invoiced(line: dict) -> bool:
    parts = line.get("SubLines") or [line]
    return all(part.get("Quantity") is not None and (part.get("Invoiced") or 0) >= part["Quantity"] for part in parts)


def ever_invoiced(line: dict) -> bool:
    return any((part.get("Invoiced") or 0) > 0 for part in line.get("SubLines") or [line])


def set_closed(line: dict, closed: bool) -> None:
    """A fully invoiced line cannot be reopened: ``False`` leaves it closed."""
    if not closed and line["IsManuallyClosed"] and fully_invoiced(line):
        return
    line["IsManuallyClosed"] = closed


class Writer:
    def __init__(self, clean: dict):
        self.clean = clean
        self.refs = References()
        self.company = QbCompany.current()
        self.now = timezone.now().replace(microsecond=0)  # QuickBooks' times are whole seconds

    # --- POST and PATCH ------------------------------------------------------------------------------

    def create(self) -> dict:
        clean = self.clean
        customer = self.refs.record("Customer", clean.get("Customer"), "Customer")
        order = shape.blank_order()
        order["Customer"] = {"ID": customer["ID"], "FullName": customer["FullName"]}
        # What QuickBooks fills in from the customer (and the company) when the order leaves it out.
        for name in ("Terms", "SalesRep", "ItemSalesTax", "Currency", "BillingAddress", "ShippingAddress"):
            order[name] = copy.deepcopy(customer.get(name))
        order["Template"] = {"ID": self.company.default_template_id,
                             "FullName": self.refs.known(self.company.default_template_id)["FullName"]}
        order["Date"] = api_date(pc_today(self.now))
        self.apply_header(order, customer, dates_changed=True)
        if not order["ItemLines"]:
            raise save_error("A sales order needs at least one line item.")
        self.check_closing_date(order, "add")
        self.finish(order, customer)
        self.check_credit(order, customer, previous_total=None)
        order["ID"] = self.new_id()
        for line in order["ItemLines"]:
            self.give_ids(line)
        order["CreatedDate"] = api_time(self.now)
        return self.save(QbSalesOrder(txn_id=order["ID"], created_at=self.now), order)

    def update(self, order_id: str) -> dict:
        clean = self.clean
        stored = QbSalesOrder.objects.select_for_update().filter(txn_id=order_id, deleted_at__isnull=True).first()
        if stored is None:
            raise ObjectError(decisions.NOT_FOUND, f'Object "{order_id}" specified in the request cannot be found.')
        sent_sequence = clean.get("EditSequence")
        if sent_sequence is not None and sent_sequence != stored.edit_sequence:
            raise ObjectError(decisions.STALE_EDIT, f'The provided edit sequence "{sent_sequence}" is out-of-date.')
        if stored.in_use:
            raise ObjectError(
                decisions.IN_USE,
                f'There was an error when modifying a SalesOrder "{order_id}". QuickBooks error message: '
                "The record is in use by another user; it can be saved once it is closed in QuickBooks.",
            )
        order = copy.deepcopy(stored.data)
        order["ItemLines"] = [decimals(line) for line in order["ItemLines"]]
        order["ExchangeRate"] = pricing.number(order["ExchangeRate"])
        previous_total = pricing.number(order["TotalAmountInHomeCurrency"])
        self.check_closing_date(order, "modify")
        customer = self.refs.record("Customer", clean["Customer"], "Customer") if "Customer" in clean else \
            self.refs.known(order["Customer"]["ID"])
        if "Customer" in clean:
            order["Customer"] = {"ID": customer["ID"], "FullName": customer["FullName"]}
        self.apply_header(order, customer, dates_changed="Date" in clean or "Terms" in clean)
        self.check_closing_date(order, "modify")
        self.finish(order, customer)
        self.check_credit(order, customer, previous_total=previous_total)
        for line in order["ItemLines"]:
            self.give_ids(line)
        return self.save(stored, order)

    # --- The header ----------------------------------------------------------------------------------

    def apply_header(self, order: dict, customer: dict, *, dates_changed: bool) -> None:
        clean = self.clean
        for name in TEXT_HEADER:
            if name in clean:
                order[name] = clean[name] or None
        for name in ("ToBePrinted", "ToBeEmailed"):
            if name in clean:
                order[name] = clean[name]
        for name in REF_HEADER:
            if name in clean:
                order[name] = self.refs.ref(shape.HEADER[name].list_kind, clean[name], shape.HEADER[name].qb_name)
        for name in DATE_HEADER:
            if name in clean:
                order[name] = api_date(clean[name])
        if dates_changed and "DueDate" not in clean:
            terms = self.refs.known(order["Terms"]["ID"]) if order["Terms"] else None
            try:
                order["DueDate"] = api_date(due_date(terms, read_api_date(order["Date"])))
            except OverflowError:  # QuickBooks' calendar, like Python's, ends: refused, not a crash
                raise save_error(f"The due date of an order dated {order['Date']} is past the last date "
                                 "QuickBooks can hold.") from None
        for name in ("BillingAddress", "ShippingAddress"):
            if name in clean:  # an address sent replaces the whole address
                sent = {key: value or None for key, value in clean[name].items()}
                order[name] = {**shape.blank(shape.ADDRESS), **sent}
        if "CustomFields" in clean:
            order["CustomFields"] = self.custom_fields(order["CustomFields"], clean["CustomFields"], "header")
        self.check_currency(order, customer)
        if "ItemLines" in clean:
            order["ItemLines"] = self.merge_lines(order["ItemLines"], clean["ItemLines"], customer, shape.blank_line)

    def custom_fields(self, current: list[dict], sent: list[dict], level: str) -> list[dict]:
        """Sent values replace those fields' values; an empty value removes the field."""
        defined = {name.casefold(): (name, limit) for name, limit in self.company.custom_fields[level].items()}
        values = {entry["FullName"]: entry["Value"] for entry in current}
        for entry in sent:
            name, limit = defined.get(entry["FullName"].casefold(), (None, None))
            if name is None:
                raise invalid_reference("DataExt", entry["FullName"])
            shape.check_length(entry["Value"], shape.Field("text", "DataExtValue", limit))
            if entry["Value"]:
                values[name] = entry["Value"]
            else:
                values.pop(name, None)
        return [{"FullName": name, "Value": value} for name, value in values.items()]

    def check_currency(self, order: dict, customer: dict) -> None:
        """The order's currency is its customer's; its exchange rate the currency's unless one is sent."""
        currency = customer["Currency"]
        if "Currency" in self.clean and order["Currency"]["ID"] != currency["ID"]:
            raise save_error(f"The currency of this transaction must be the customer's ({currency['FullName']}).")
        changed = order["Currency"] is None or order["Currency"]["ID"] != currency["ID"]
        order["Currency"] = {"ID": currency["ID"], "FullName": currency["FullName"]}
        data = self.refs.known(currency["ID"])
        if data["CurrencyCode"] == self.company.home_currency:
            order["ExchangeRate"] = Decimal(1)
        elif "ExchangeRate" in self.clean:
            if self.clean["ExchangeRate"] <= 0:
                raise save_error("The exchange rate must be greater than zero.")
            order["ExchangeRate"] = self.clean["ExchangeRate"]
        elif changed or order["ExchangeRate"] is None:
            order["ExchangeRate"] = pricing.number(data["ExchangeRate"])

    # --- Lines ---------------------------------------------------------------------------------------

    def merge_lines(self, existing: list[dict], sent: list[dict], customer: dict, blank,
                    group: dict | None = None) -> list[dict]:
        """The order's (or a group's) new lines: sent lines update the existing line with their ID, or are
        new; existing lines not sent are deleted (not when invoiced)."""
        by_id = {line["ID"]: line for line in existing}
        lines = []
        for sent_line in sent:
            line_id = sent_line.get("ID")
            if line_id in by_id:
                line, new = by_id.pop(line_id), False
            elif line_id is None or line_id in decisions.NEW_LINE_IDS:
                line, new = blank(), True
            else:
                raise ObjectError(decisions.NOT_FOUND, f'Object "{line_id}" specified in the request cannot be found.')
            lines.append(self.apply_line(line, sent_line, new, customer, sub_line=group is not None))
        if any(ever_invoiced(line) for line in by_id.values()):
            raise save_error("A line that has been invoiced cannot be deleted.")
        return lines

    def apply_line(self, line: dict, sent: dict, new: bool, customer: dict, *, sub_line: bool) -> dict:
        if "Item" in sent:
            item_data = self.refs.record("Item", sent["Item"], "Item")
        elif new:
            raise invalid_reference("Item", "")
        else:
            item_data = self.refs.known(line["Item"]["ID"])
        facts = pricing.ItemFacts.from_data(item_data)
        item_changed = new or facts.ref["ID"] != line["Item"]["ID"]
        old_quantity = None if item_changed else line.get("Quantity")
        line["Item"] = facts.ref
        if sub_line and facts.type in (pricing.GROUP, pricing.SUBTOTAL):
            raise save_error(f'The item "{facts.ref["FullName"]}" cannot be part of a group.')
        if item_changed and not new:
            for name in ("Rate", "RatePercent", "Amount", "SalesTaxCode", "UnitOfMeasure"):
                line[name] = None
        for name in NUMBERS:
            if name in sent:
                line[name] = sent[name]
        if "Rate" in sent and "RatePercent" not in sent:
            line["RatePercent"] = None
        if "RatePercent" in sent and "Rate" not in sent:
            line["Rate"] = None
        description = "Desc" if sub_line else "Description"
        if description in sent:
            line[description] = sent[description] or None
        elif item_changed:
            line[description] = facts.description
        if "SalesTaxCode" in sent:
            line["SalesTaxCode"] = self.refs.ref("SalesTaxCode", sent["SalesTaxCode"], "SalesTaxCode")
        elif item_changed:
            line["SalesTaxCode"] = pricing.default_tax_code(facts, customer.get("SalesTaxCode"), self.refs.taxable)
        given = set(sent) | ({"Item"} if item_changed else set())
        if not sub_line:
            self.apply_line_details(line, sent, facts, item_changed)
            self.apply_group(line, sent, facts, customer, item_changed, old_quantity)
        line["_given"] = frozenset(given)
        return line

    def apply_line_details(self, line: dict, sent: dict, facts: pricing.ItemFacts, item_changed: bool) -> None:
        for name in TEXT_LINE:
            if name in sent:
                line[name] = sent[name] or None
        for name in REF_LINE:
            if name in sent:
                line[name] = self.refs.ref(shape.LINE[name].list_kind, sent[name], shape.LINE[name].qb_name)
        if "UnitOfMeasure" in sent:
            unit = sent["UnitOfMeasure"].get("FullName", "")
            if not facts.unit or unit.casefold() != facts.unit.casefold():
                raise invalid_reference("UnitOfMeasure", unit)
            line["UnitOfMeasure"] = {"FullName": facts.unit}
        elif item_changed:
            line["UnitOfMeasure"] = {"FullName": facts.unit} if facts.unit else None
        if "CustomFields" in sent:
            line["CustomFields"] = self.custom_fields(line["CustomFields"], sent["CustomFields"], "line")
        if "IsManuallyClosed" in sent:
            set_closed(line, sent["IsManuallyClosed"])

    def apply_group(self, line: dict, sent: dict, facts: pricing.ItemFacts, customer: dict, item_changed: bool,
                    old_quantity: Decimal | None) -> None:
        if facts.type != pricing.GROUP:
            if sent.get("SubLines"):
                raise save_error(f'Only a group item has sub-lines, not "{facts.ref["FullName"]}".')
            line["SubLines"] = []
            return
        if line.get("Quantity") is None:
            line["Quantity"] = Decimal(1)
        if "SubLines" in sent:
            existing = [] if item_changed else line["SubLines"]
            line["SubLines"] = self.merge_lines(existing, sent["SubLines"], customer, shape.blank_sub_line, group=line)
        elif item_changed:
            expanded = pricing.expand_group(facts, line["Quantity"])
            line["SubLines"] = [self.apply_line(shape.blank_sub_line(), sub, True, customer, sub_line=True)
                                for sub in expanded]
        elif "Quantity" in sent and old_quantity and line["Quantity"] != old_quantity:
            factor = line["Quantity"] / old_quantity
            for sub in line["SubLines"]:
                if sub["Quantity"] is not None:
                    sub.update(Quantity=sub["Quantity"] * factor, Amount=None, _given=frozenset({"Quantity"}))

    def give_ids(self, line: dict) -> None:
        for part in [line, *line.get("SubLines", [])]:
            if not part.get("ID") or part["ID"] in decisions.NEW_LINE_IDS:
                part["ID"] = self.new_id()

    # --- Totals and rules ----------------------------------------------------------------------------

    def finish(self, order: dict, customer: dict) -> None:
        """Price the lines, add up the totals, apply the IsManuallyClosed rules."""
        lines = order["ItemLines"]
        items = {}
        for line in lines:
            for part in [line, *line["SubLines"]]:
                items[part["Item"]["ID"]] = self.refs.item(part["Item"]["ID"])
        try:
            pricing.price_lines(lines, items, given=lambda line: line.get("_given", frozenset()))
        except pricing.PricingRefused as refused:
            raise save_error(str(refused)) from None
        for line in lines:
            for part in [line, *line["SubLines"]]:
                part.pop("_given", None)
                shape.check_number(part["Amount"], shape.AMOUNT)
        tax_rate = self.refs.item(order["ItemSalesTax"]["ID"]).tax_rate if order["ItemSalesTax"] else None
        totals = pricing.totals(lines, items, self.refs.taxable, tax_rate, order["ExchangeRate"])
        shape.check_number(totals.amount, shape.AMOUNT)
        order.update(SubTotal=totals.sub_total, SalesTaxAmount=totals.sales_tax, SalesTaxPercentage=tax_rate,
                     Amount=totals.amount, TotalAmountInHomeCurrency=totals.in_home_currency)
        with_quantity = [line for line in lines if line["Quantity"] is not None or line["SubLines"]] or lines
        if "IsManuallyClosed" in self.clean:
            for line in lines:
                set_closed(line, self.clean["IsManuallyClosed"])
            order["IsManuallyClosed"] = self.clean["IsManuallyClosed"]
        else:
            order["IsManuallyClosed"] = any(line["IsManuallyClosed"] for line in with_quantity) and all(
                line["IsManuallyClosed"] or fully_invoiced(line) for line in with_quantity)
        order["IsFullyInvoiced"] = bool(order["LinkedTransactions"]) and all(
            fully_invoiced(line) for line in with_quantity)

    def check_closing_date(self, order: dict, action: str) -> None:
        day = read_api_date(order["Date"])
        if day is not None and day <= self.company.closing_date:
            raise ObjectError(
                decisions.CLOSED_PERIOD,
                f"An attempt was made to {action} a SalesOrder with a date that is on or before the closing date of "
                "the company. If you are sure you really want to do this, please ask a user with Admin privileges "
                "to remove the password for editing transactions on or before the closing date (this setting is in "
                "the Accounting Company Preferences), then try again.",
            )

    def check_credit(self, order: dict, customer: dict, previous_total: Decimal | None) -> None:
        limit = pricing.number(customer.get("CreditLimit"))
        total = order["TotalAmountInHomeCurrency"]
        if limit is None or (previous_total is not None and total <= previous_total):
            return
        if pricing.number(customer.get("Balance") or 0) + total > limit:
            raise save_error("The credit limit for the name on this transaction has been exceeded.")

    # --- Saving --------------------------------------------------------------------------------------

    def new_id(self) -> str:
        value = txn_id(self.company.next_txn, self.now)
        self.company.next_txn += 1
        return value

    def save(self, stored: QbSalesOrder, order: dict) -> dict:
        sequence = max(self.company.next_edit + 1, int(self.now.timestamp()))
        if stored.edit_sequence and int(stored.edit_sequence) >= sequence:
            sequence = int(stored.edit_sequence) + 1
        self.company.next_edit = sequence
        self.company.save(update_fields=["next_txn", "next_edit"])
        order.update(EditSequence=str(sequence), LastModifiedDate=api_time(self.now))
        data = shape.stored(order)
        stored.number = order["Number"]
        stored.customer_id = order["Customer"]["ID"]
        stored.txn_date = read_api_date(order["Date"])
        stored.modified_at = self.now
        stored.edit_sequence = str(sequence)
        stored.data = data
        stored.save()
        return data

