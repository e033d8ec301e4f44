"""The sales orders: 18 months of them, priced by ``sandbox.autofy.pricing`` like the API prices new ones.

Each order is planned (day, customer or job, what became of it), then given lines and priced, then
invoiced, closed or deleted as planned. What becomes of an order depends on its age: old ones are mostly
fully invoiced, recent ones mostly open. ``SHOWCASE`` adds recent orders that make sure every case is
there to demonstrate.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from sandbox.autofy import pricing, shape
from sandbox.autofy.seed.customers import INACTIVE_LAST_ORDER_DAYS, Address, CustomerSpec
from sandbox.autofy.seed.lists import Lists, address, ref
from sandbox.autofy.times import ANCHOR_ZONE, PC_ZONE, api_date, api_time, due_date, txn_id

DAYS_OF_HISTORY = 548
MODIFIED_WITHIN_MINUTES = 90  # an order's last change (before invoicing or closing) comes this soon after it was entered
RANDOM_ORDERS = 430
FIRST_NUMBER = 7001
FIRST_INVOICE_NUMBER = 31001
DELETED_RECENTLY = 14  # deleted in the last 90 days: listed by isDeleted=true
DELETED_LONG_AGO = 6  # deleted before that: gone for good
DUPLICATE_NUMBERS = 2  # orders that repeat an earlier order's number (QuickBooks allows it)
UNNUMBERED = 3  # web orders made without a number

# Item pools by the customer's class.
FURNITURE = ["Task Chair TC-100", "Executive Chair EX-300", "Stacking Chair SC-20", "Standing Desk SD-60",
             "Office Desk OD-48", "Conference Table CT-96", "File Cabinet FC-4D", "Bookcase BK-5S",
             "Monitor Arm MA-2", "LED Desk Lamp DL-10", "Whiteboard WB-4x6", "Acoustic Panel", "Carpet Tile",
             "Special Order Furniture"]
SUPPLIES = ["Copy Paper CP-10", "Toner Cartridge TN-450", "Label Roll LR-4x6", "Cable Tie Pack CT-100",
            "Storage Bin SB-18", "Extension Cord EC-25", "Label Printer LP-4", "Printed Forms", "Floor Mat FM-3x5",
            "Custom Signage"]
WAREHOUSE = ["Shelving Unit SU-72", "Pallet Rack Upright PR-U12", "Pallet Rack Beam PR-B8", "Wire Deck WD-42",
             "Hand Truck HT-600", "Safety Cone SC-28", "Hard Hat HH-1", "Safety Vest SV-L", "First Aid Kit FA-50",
             "Rack Starter Kit RK-1", "Drop Ship Item"]
SERVICES = ["Installation", "Assembly", "Delivery Labor", "Design Consultation", "Rack Inspection",
            "Moving Services", "Project Management", "On-site Training", "Maintenance Plan", "Rush Handling"]
GROUPS = ["Workstation Bundle", "New Hire Kit", "Safety Starter Pack", "Conference Room Set", "Rack Bay"]
POOLS = {
    "Retail": FURNITURE * 3 + SUPPLIES + ["Assembly", "Delivery Labor", "Design Consultation", "Workstation Kit WK-1"],
    "Wholesale": SUPPLIES * 2 + WAREHOUSE + FURNITURE,
    "Contract": WAREHOUSE * 2 + FURNITURE + SERVICES * 2,
    "Online": SUPPLIES + FURNITURE,
}
SPECIAL_ORDERS = ["Walnut credenza, 72 in, special order", "Reception desk, white oak, L-shape",
                  "Lounge sofa, 3 seat, fabric grade C", "Custom conveyor guard panels"]
COLORS = ["Black", "Graphite", "Navy", "Gray"]
WARRANTIES = ["5 years", "10 years", "Lifetime frame"]
DELIVERY_WINDOWS = ["Mon-Fri 7am-3pm", "After 4 pm only", "Call 1 hour ahead", "Weekend delivery OK"]
MEMOS = ["Deliver to loading dock.", "Customer will call to schedule installation.", "Ship complete only.",
         "Backordered items to follow.", "Price per quote Q-2291.", "Confirm colors before ordering."]
FOBS = ["Chicago", "Origin", "Destination"]
ONE_OFF_STREETS = ["W Fulton Market", "N Elston Ave", "S Wabash Ave", "E Ohio St", "Commerce Dr", "Industrial Pkwy"]

# (days before the anchor, customer, job or None, state, extras): recent orders that show each case.
SHOWCASE = [
    (2, "Midway Logistics LLC", "Dock 4 Racking", "open", {"group": "Rack Bay"}),
    (3, "Loop Legal Partners LLP", None, "open", {"in_use": True}),
    (4, "Springfield Office Products", None, "open", {"discount": "subtotal"}),
    (5, "Bridgeport Builders Inc", "Halsted Lofts", "partly", {}),
    (6, "Maple Leaf Builders Ltd", "Mississauga Tower", "open", {"group": "Workstation Bundle"}),
    (7, "Cermak Food Distributors", None, "open", {"in_use": True}),
    (8, "Aurora Precision Machining", None, "open", {"lines_closed": True}),
    (9, "Rheinland Logistik GmbH", None, "partly", {}),
    (10, "Schaumburg Auto Group", "Showroom Refresh", "partly", {"lines_closed": True}),
    (12, "North Star Hospitality Group", "Duluth Lodge", "closed", {}),
    (13, "Badger State Cheese Co", None, "fully", {"discount": "loyalty"}),
    (16, "Brabant Kantoorinrichting BV", None, "fully", {}),
]


@dataclass
class Plan:
    day: date
    spec: CustomerSpec
    customer: dict  # the customer's (or job's) record
    parent: dict  # the customer's record (the job's parent, or itself)
    state: str  # open | partly | fully | closed
    extras: dict = field(default_factory=dict)
    created: datetime | None = None  # when it was entered in QuickBooks (on its day)


class TxnCounter:
    """The hex counter QuickBooks puts in front of transaction and line IDs."""

    def __init__(self, first: int):
        self.next = first

    def new(self, created: datetime) -> str:
        value = txn_id(self.next, created)
        self.next += 1
        return value


class OrderGenerator:
    def __init__(self, rng: random.Random, anchor: date, lists: Lists, ids: TxnCounter):
        self.rng = rng
        self.anchor = anchor
        self.lists = lists
        self.ids = ids
        self.invoices: list[tuple[date, int, dict]] = []  # (date, tiebreak, link) to number in date order
        self.customer_code: dict | None = None  # the sales tax code of the order being made's customer
        # Nothing seeded happens from this moment on (``decisions.ANCHOR_TIME_ZONE``), on the PC's clock.
        self.anchor_begins = datetime.combine(anchor, time(0), tzinfo=ANCHOR_ZONE).astimezone(PC_ZONE)

    def run(self) -> list[dict]:
        plans = self.random_plans() + self.showcase_plans()
        for plan in plans:
            plan.created = self.moment(plan.day)
        orders = [self.order(plan) for plan in sorted(plans, key=lambda plan: plan.created)]
        self.number_orders(orders)
        self.number_invoices()
        self.delete_some(orders)
        return orders

    # --- Planning ------------------------------------------------------------------------------------

    def random_plans(self) -> list[Plan]:
        weighted = [entry for entry in self.lists.customers for _ in range(entry[0].weight)]
        plans = []
        while len(plans) < RANDOM_ORDERS:
            age = self.rng.randint(1, DAYS_OF_HISTORY - 2)  # a weekend moves it back to a Friday
            day = self.anchor - timedelta(days=age)
            if day.weekday() >= 5:
                day -= timedelta(days=day.weekday() - 4)  # weekend orders are entered on Friday
                age = (self.anchor - day).days
            spec, data, jobs = self.rng.choice(weighted)
            if not spec.active and age < INACTIVE_LAST_ORDER_DAYS:
                continue
            open_jobs = [job for job in jobs if job["JobStatus"] != "Closed" or age > 180]
            customer = self.rng.choice(open_jobs) if open_jobs and self.rng.random() < 0.55 else data
            plans.append(Plan(day, spec, customer, data, self.state_by_age(age)))
        return plans

    def state_by_age(self, age: int) -> str:
        if age > 120:
            weights = {"fully": 80, "closed": 8, "partly": 5, "open": 7}
        elif age > 30:
            weights = {"fully": 45, "partly": 25, "closed": 8, "open": 22}
        else:
            weights = {"fully": 10, "partly": 20, "closed": 3, "open": 67}
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def showcase_plans(self) -> list[Plan]:
        plans = []
        for age, name, job_name, state, extras in SHOWCASE:
            spec, data, jobs = next(entry for entry in self.lists.customers if entry[0].name == name)
            customer = next(job for job in jobs if job["Name"] == job_name) if job_name else data
            plans.append(Plan(self.anchor - timedelta(days=age), spec, customer, data, state, dict(extras)))
        return plans

    # --- One order -----------------------------------------------------------------------------------

    def moment(self, day: date) -> datetime:
        """When an order dated ``day`` was entered: in office hours (7:30 to 18:00 on the PC), and on the
        day before the anchor early enough that it and its last change (``settle``: up to 90 minutes
        later) are over before the anchor day begins where the sandbox runs (``ANCHOR_TIME_ZONE``).
        The same random draws either way, so the rest of the data does not move."""
        start, end = 7 * 60 + 30, 18 * 60
        minutes = self.rng.randrange(start, end)
        seconds = self.rng.randrange(60)
        latest = self.anchor_begins - timedelta(minutes=MODIFIED_WITHIN_MINUTES + 1)
        if latest.date() == day and latest.hour * 60 + latest.minute < end:
            minutes = start + (minutes - start) * (latest.hour * 60 + latest.minute - start) // (end - start)
        return datetime.combine(day, time(minutes // 60, minutes % 60, seconds), tzinfo=PC_ZONE)

    def order(self, plan: Plan) -> dict:
        created = plan.created
        customer, parent, spec = plan.customer, plan.parent, plan.spec
        self.customer_code = customer["SalesTaxCode"]  # what the lines' tax codes follow
        lines = self.lines(plan)
        pricing.price_lines(lines, self.lists.items, given=lambda line: frozenset(line))
        lines = [self.full_line(line, created) for line in lines]
        currency = self.lists.get("Currency", parent["Currency"]["FullName"])
        exchange_rate = Decimal(1) if currency["CurrencyCode"] == "USD" else (
            Decimal(str(currency["ExchangeRate"])) * Decimal(1 + self.rng.uniform(-0.04, 0.04))
        ).quantize(Decimal("0.0001"))
        tax_item = self.lists.items[customer["ItemSalesTax"]["ID"]]
        totals = pricing.totals(lines, self.lists.items, self.lists.taxable, tax_item.tax_rate, exchange_rate)
        terms = self.lists.get("Terms", customer["Terms"]["FullName"])
        job = customer is not parent
        order = shape.blank_order()
        order.update(
            ID=self.ids.new(created),
            PONumber=self.po_number(spec) if self.rng.random() < 0.55 else None,
            SubTotal=totals.sub_total,
            SalesTaxAmount=totals.sales_tax,
            SalesTaxPercentage=tax_item.tax_rate,
            DueDate=api_date(due_date(terms, plan.day)),
            Date=api_date(plan.day),
            DateShipped=api_date(plan.day + timedelta(days=self.rng.randint(2, 14)))
            if self.rng.random() < 0.6 else None,
            ToBePrinted=self.rng.random() < 0.3,
            ToBeEmailed=self.rng.random() < 0.5,
            ShippingMethod=ref(self.lists.get("ShippingMethod", self.ship_method(spec))),
            ItemLines=lines,
            Terms=ref(terms),
            Other=f"Web {self.rng.randint(50000, 59999)}"
            if spec.klass == "Online" and self.rng.random() < 0.6 else None,
            Memo=self.rng.choice(MEMOS) if self.rng.random() < 0.3 else None,
            Class=ref(self.lists.get("Class", "Contract:Installation" if job and spec.klass == "Contract"
                                     else spec.klass)),
            SalesRep=ref(self.lists.get("SalesRep", spec.rep)),
            ItemSalesTax=tax_item.ref,
            Customer=ref(customer),
            CustomFields=self.custom_fields(plan, job),
            BillingAddress=self.billing_address(spec, plan.day),
            ShippingAddress=self.shipping_address(spec, customer, job, plan.day),
            FOB=self.rng.choice(FOBS) if self.rng.random() < 0.15 else None,
            Currency=ref(currency),
            Template=ref(self.lists.get("Template", "Sales Order with Ship To" if job else (
                "Rep Sales Order" if self.rng.random() < 0.1 else "Custom Sales Order"))),
            Message=ref(self.lists.get("CustomerMessage", self.rng.choice(
                [message for (kind, message) in self.lists.by_name if kind == "CustomerMessage"])))
            if self.rng.random() < 0.4 else None,
            ExchangeRate=exchange_rate,
            Amount=totals.amount,
            TotalAmountInHomeCurrency=totals.in_home_currency,
        )
        modified = self.settle(order, plan, created)
        order.update(CreatedDate=api_time(created), LastModifiedDate=api_time(modified),
                     EditSequence=str(int(modified.timestamp())))
        return {"order": order, "plan": plan, "created": created, "modified": modified}

    def ship_method(self, spec: CustomerSpec) -> str:
        if spec.currency != "USD":
            return "LTL Freight"
        if spec.address.city in ("Chicago", "Evanston", "Aurora", "Naperville", "Joliet", "Schaumburg"):
            return self.rng.choice(["Our Truck", "Our Truck", "Will Call", "UPS Ground"])
        return self.rng.choice(["UPS Ground", "FedEx Ground", "UPS 2nd Day Air", "LTL Freight", "USPS Priority Mail",
                                "FedEx Priority Overnight"])

    def po_number(self, spec: CustomerSpec) -> str:
        style = sum(map(ord, spec.name)) % 3
        number = self.rng.randint(10000, 99999)
        return (f"PO-{number}", f"{number // 10}-{self.rng.randint(10, 99)}", f"{spec.name[:3].upper()}{number}")[style]

    def custom_fields(self, plan: Plan, job: bool) -> list[dict]:
        fields = []
        if plan.spec.klass == "Contract" and self.rng.random() < 0.6:
            fields.append({"FullName": "Contract #", "Value": f"C-{plan.day.year}-{self.rng.randint(1, 250):03d}"})
        if self.rng.random() < 0.3:
            fields.append({"FullName": "Delivery Window", "Value": self.rng.choice(DELIVERY_WINDOWS)})
        if job and self.rng.random() < 0.5:
            fields.append({"FullName": "Project Phase", "Value": f"Phase {self.rng.randint(1, 3)}"})
        return fields

    def billing_address(self, spec: CustomerSpec, day: date) -> dict:
        moved = spec.move is not None and day < self.anchor - timedelta(days=spec.move.days_ago)
        return address(spec.name, spec.move.old if moved else spec.address)

    def shipping_address(self, spec: CustomerSpec, customer: dict, job: bool, day: date) -> dict:
        if job:
            return dict(customer["ShippingAddress"])
        if self.rng.random() < 0.08:  # shipped to a one-off address, not the customer's
            place = spec.address
            street = f"{self.rng.randint(100, 4999)} {self.rng.choice(ONE_OFF_STREETS)}"
            return address(spec.name, Address(street, place.city, place.state, place.postal_code, place.country),
                           contact="Receiving")
        return self.billing_address(spec, day)

    # --- Lines ---------------------------------------------------------------------------------------

    def lines(self, plan: Plan) -> list[dict]:
        pool = POOLS[plan.spec.klass]
        count = self.rng.choices([1, 2, 3, 4, 5, 6, 7], [14, 20, 20, 16, 12, 10, 8])[0]
        names = self.rng.sample(sorted(set(pool)), min(count, len(set(pool))))
        lines = [self.item_line(name) for name in names]
        group = plan.extras.get("group") or (self.rng.choice(GROUPS) if self.rng.random() < 0.12 else None)
        if group:
            quantity = Decimal(self.rng.randint(1, 4))
            facts = self.lists.items[self.lists.get("Item", group)["ID"]]
            lines.insert(self.rng.randint(0, len(lines)),
                         {"Item": facts.ref, "Quantity": quantity, "SubLines": pricing.expand_group(facts, quantity)})
        discount = plan.extras.get("discount") or self.rng.choices(
            [None, "subtotal", "loyalty", "promo"], [88, 5, 4, 3])[0]
        if discount == "subtotal":
            lines += [self.line("Subtotal"), self.line("Volume Discount")]
        elif discount == "loyalty":
            lines.insert(1, self.line("Loyalty Discount"))
        elif discount == "promo":
            lines.append(self.line("Promo Credit"))
        goods = any(self.lists.items[line["Item"]["ID"]].type in ("Inventory", "InventoryAssembly", "Group")
                    for line in lines)
        if goods and self.rng.random() < 0.18:
            lines.append({**self.line("Freight"), "Rate": Decimal(self.rng.randrange(3500, 45000)) / 100})
            if self.rng.random() < 0.3:
                lines.append(self.line("Fuel Surcharge"))
        if any(line["Item"]["FullName"] == "Moving Services" for line in lines) and self.rng.random() < 0.5:
            lines.append({**self.line("Disposal Fee"), "Quantity": Decimal(self.rng.randint(1, 6))})
        return lines

    def line(self, name: str) -> dict:
        return {"Item": ref(self.lists.get("Item", name))}

    def item_line(self, name: str) -> dict:
        facts = self.lists.items[self.lists.get("Item", name)["ID"]]
        line = {"Item": facts.ref}
        if facts.type == "Service":
            line["Quantity"] = Decimal(self.rng.choice([1, 2, 3])) if facts.unit == "ea" else \
                Decimal(self.rng.choice([2, 4, 6, 7.5, 8, 12, 16, 24])).quantize(Decimal("0.1"))
        elif facts.price is None:  # special orders and drop shipments: priced per quote
            line.update(Quantity=Decimal(self.rng.randint(1, 4)), Rate=Decimal(self.rng.randrange(30000, 250000)) / 100,
                        Description=self.rng.choice(SPECIAL_ORDERS))
        elif facts.unit == "sq ft":
            line["Quantity"] = Decimal(self.rng.randrange(250, 2400, 50))
        elif facts.price >= 1000:
            line["Quantity"] = Decimal(self.rng.randint(1, 2))
        elif facts.price < 20:
            line["Quantity"] = Decimal(self.rng.choice([10, 12, 20, 24, 50, 100, 200]))
        else:
            line["Quantity"] = Decimal(self.rng.randint(1, 12))
        if facts.price is not None and self.rng.random() < 0.12:  # a negotiated price
            line["Rate"] = (facts.price * Decimal(self.rng.uniform(0.85, 0.95))).quantize(Decimal("0.01"))
        return line

    def full_line(self, line: dict, created: datetime) -> dict:
        facts = self.lists.items[line["Item"]["ID"]]
        full = shape.blank_line()
        full.update({key: value for key, value in line.items() if key != "SubLines"})
        full.update(ID=self.ids.new(created), Description=line.get("Description") or facts.description,
                    UnitOfMeasure={"FullName": facts.unit} if facts.unit else None)
        if facts.type == "Group":
            full["SubLines"] = [self.full_sub_line(sub, created) for sub in line["SubLines"]]
        full["SalesTaxCode"] = pricing.default_tax_code(facts, self.customer_code, self.lists.taxable)
        if facts.type in ("Inventory", "InventoryAssembly") and self.rng.random() < 0.4:
            site = self.rng.choices(["Main Warehouse", "Joliet DC", "Milwaukee Showroom"], [70, 25, 5])[0]
            full["FromInventorySite"] = ref(self.lists.get("InventorySite", site))
        name = facts.ref["FullName"]
        if "Chair" in name and self.rng.random() < 0.35:
            full["CustomFields"] = [{"FullName": "Color", "Value": self.rng.choice(COLORS)}]
        elif "Desk" in name and self.rng.random() < 0.3:
            full["CustomFields"] = [{"FullName": "Warranty", "Value": self.rng.choice(WARRANTIES)}]
        if name == "Label Printer LP-4" and self.rng.random() < 0.5:
            full["SerialNumber"] = f"LP4-{self.rng.randint(200000, 299999)}"
        if name == "First Aid Kit FA-50" and self.rng.random() < 0.4:
            full["LotNumber"] = f"FA{self.anchor.year % 100}-{self.rng.randint(100, 999)}"
        return full

    def full_sub_line(self, sub: dict, created: datetime) -> dict:
        facts = self.lists.items[sub["Item"]["ID"]]
        full = shape.blank_sub_line()
        full.update(Item=sub["Item"], Quantity=sub["Quantity"], Amount=sub["Amount"], Rate=sub["Rate"],
                    Desc=facts.description, ID=self.ids.new(created),
                    SalesTaxCode=pricing.default_tax_code(facts, self.customer_code, self.lists.taxable))
        return full

    # --- What became of it ---------------------------------------------------------------------------

    def settle(self, order: dict, plan: Plan, created: datetime) -> datetime:
        """Invoice, close or leave the order open as planned; returns its last modification."""
        age = (self.anchor - plan.day).days
        state = plan.state if age > 2 else "open"
        modified = created + timedelta(minutes=self.rng.randint(1, MODIFIED_WITHIN_MINUTES))
        quantity_lines = [line for line in order["ItemLines"] if line["Quantity"] is not None
                          and self.lists.items[line["Item"]["ID"]].type not in ("Discount", "Subtotal")]
        if state in ("partly", "fully") or (state == "closed" and self.rng.random() < 0.5):
            modified = max(modified, self.invoice(order, plan, quantity_lines, fully=state == "fully"))
        if state == "closed":
            closed = datetime.combine(min(plan.day + timedelta(days=self.rng.randint(15, 90)),
                                          self.anchor - timedelta(days=1)), time(16, 30), tzinfo=PC_ZONE)
            modified = max(modified, closed)
            order["IsManuallyClosed"] = True
            for line in order["ItemLines"]:
                line["IsManuallyClosed"] = True
        elif (plan.extras.get("lines_closed") or self.rng.random() < 0.12) and len(quantity_lines) >= 2:
            open_lines = [line for line in quantity_lines if not self.fully_invoiced(line)]
            if len(open_lines) >= 2:
                self.rng.choice(open_lines)["IsManuallyClosed"] = True
                # Some days later (after its invoice, if it has one), but before the anchor day begins.
                last_day = self.anchor - timedelta(days=1)
                days = min(self.rng.randint(1, 10), max((last_day - modified.date()).days, 0))
                if days and modified + timedelta(days=days) >= self.anchor_begins:
                    days -= 1  # that evening on the PC is already the anchor day where the sandbox runs
                modified += timedelta(days=days)
        if plan.extras.get("in_use"):
            order["_in_use"] = True
        order["IsFullyInvoiced"] = bool(order["LinkedTransactions"]) and all(
            self.fully_invoiced(line) for line in quantity_lines)
        return modified

    def fully_invoiced(self, line: dict) -> bool:
        if line["SubLines"]:
            return all(sub["Invoiced"] >= sub["Quantity"] for sub in line["SubLines"])
        return line["Quantity"] is not None and line["Invoiced"] >= line["Quantity"]

    def invoice(self, order: dict, plan: Plan, lines: list[dict], *, fully: bool) -> datetime:
        """Invoice the order: all of it in one or two invoices, or (not ``fully``) some lines or part of
        their quantities in one. Returns when the last invoice was made."""
        if not lines:
            return datetime.combine(plan.day, time(12), tzinfo=PC_ZONE)
        one, half = Decimal(1), Decimal("0.5")
        shares = [one] * len(lines) if fully else [self.rng.choice([one, one, half, Decimal(0)]) for _ in lines]
        if not any(shares):
            shares[0] = one
        if not fully and len(lines) > 1 and all(share == one for share in shares):
            shares[-1] = Decimal(0)  # a partly invoiced order has something left to invoice
        invoiced = [self.mark_invoiced(line, share) for line, share in zip(lines, shares)]  # (value, taxable part)
        tax_rate = order.get("SalesTaxPercentage") or Decimal(0)
        complete = fully or all(self.fully_invoiced(line) for line in lines)
        batches = [range(len(lines))]
        if fully and len(lines) >= 2 and self.rng.random() < 0.25:
            cut = self.rng.randint(1, len(lines) - 1)
            batches = [range(cut), range(cut, len(lines))]
        when = None
        for number, batch in enumerate(batches):
            day = min(plan.day + timedelta(days=self.rng.randint(1 + 10 * number, 12 + 10 * number)),
                      self.anchor - timedelta(days=1))
            if complete and number == len(batches) - 1:  # the rest of the order, its discounts included
                amount = order["Amount"] - sum((link["Amount"] for link in order["LinkedTransactions"]), Decimal(0))
            else:
                # As QuickBooks makes the invoice: the quantities invoiced at their rates, and the sales tax
                # on the taxable ones (not a share of the order's total, which a reader cannot check).
                net = sum((invoiced[index][0] for index in batch), Decimal(0))
                taxable = sum((invoiced[index][1] for index in batch), Decimal(0))
                amount = net + pricing.money(taxable * tax_rate / 100)
            when = datetime.combine(max(day, plan.day), time(10 + number, 15), tzinfo=PC_ZONE)
            link = {"ID": self.ids.new(when), "Type": "Invoice", "Date": api_date(when.date()), "Number": None,
                    "Amount": amount}
            order["LinkedTransactions"].append(link)
            self.invoices.append((when.date(), len(self.invoices), link))
        return when

    def mark_invoiced(self, line: dict, share: Decimal) -> tuple[Decimal, Decimal]:
        """Invoice ``share`` of the line's quantity (whole units, at least one when ``share`` is not 0);
        returns the value invoiced and the taxable part of it."""
        parts = line["SubLines"] or [line]
        value = taxable = Decimal(0)
        for part in parts:
            quantity = part["Quantity"]
            if share < 1:
                quantity = min(quantity, max((quantity * share).to_integral_value(ROUND_DOWN), Decimal(share > 0)))
            part["Invoiced"] = quantity
            if part["Quantity"]:
                part_value = pricing.money(part["Amount"] * quantity / part["Quantity"])
                value += part_value
                if self.lists.taxable(part.get("SalesTaxCode")):
                    taxable += part_value
        if line["SubLines"]:
            line["Invoiced"] = min(line["Quantity"], max((line["Quantity"] * share).to_integral_value(ROUND_DOWN),
                                                         Decimal(share > 0)))
        return value, taxable

    # --- Numbers and deletions -----------------------------------------------------------------------

    def number_orders(self, orders: list[dict]) -> None:
        web = [entry for entry in orders if entry["plan"].spec.klass == "Online"]
        unnumbered = {id(entry) for entry in self.rng.sample(web, min(UNNUMBERED, len(web)))}
        number = FIRST_NUMBER
        numbered = []
        for entry in orders:
            if id(entry) in unnumbered:
                continue
            entry["order"]["Number"] = str(number)
            numbered.append(entry)
            number += 1
        # A few orders repeat an earlier number, as QuickBooks users can type one.
        for entry in self.rng.sample(numbered[len(numbered) // 2:], DUPLICATE_NUMBERS):
            earlier = self.rng.choice(numbered[: len(numbered) // 2])
            entry["order"]["Number"] = earlier["order"]["Number"]

    def number_invoices(self) -> None:
        for number, (_, _, link) in enumerate(sorted(self.invoices, key=lambda entry: entry[:2])):
            link["Number"] = str(FIRST_INVOICE_NUMBER + number)

    def delete_some(self, orders: list[dict]) -> None:
        """Some open orders were deleted in QuickBooks: most in the last 90 days, a few long before."""
        def candidates(low: int, high: int) -> list[dict]:
            return [entry for entry in orders if low <= (self.anchor - entry["plan"].day).days <= high
                    and entry["plan"].state == "open" and not entry["plan"].extras
                    and not entry["order"]["LinkedTransactions"]]

        recent, old = candidates(15, 85), candidates(150, 500)
        chosen = self.rng.sample(recent, min(DELETED_RECENTLY, len(recent))) + self.rng.sample(
            old, min(DELETED_LONG_AGO, len(old)))
        for entry in chosen:
            day = entry["plan"].day + timedelta(days=self.rng.randint(1, 10))
            entry["deleted"] = datetime.combine(day, time(17, 5), tzinfo=PC_ZONE)
