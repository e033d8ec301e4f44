"""The company file's list records (``QbListRecord`` rows), built from ``catalog`` and ``customers``: each
gets a ListID, a creation time long before the first order and its Autofy object (``data``)."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sandbox.autofy import pricing
from sandbox.autofy.seed import catalog
from sandbox.autofy.seed.customers import CUSTOMERS, Address, CustomerSpec
from sandbox.autofy.times import PC_ZONE, api_time, list_id

FIRST_LIST_ID = 0x80000001
LIST_AGE_DAYS = (900, 620)  # list records were made between these many days before the anchor


def ref(data: dict | None) -> dict | None:
    return {"ID": data["ID"], "FullName": data["FullName"]} if data is not None else None


def address(name: str, place: Address, contact: str | None = None) -> dict:
    lines = [name, place.line1] + ([place.line2] if place.line2 else [])
    if contact and len(lines) < 3:
        lines.insert(1, f"Attn: {contact}")
    lines += [None] * (5 - len(lines))
    return {"Line1": lines[0], "Line2": lines[1], "Line3": lines[2], "Line4": lines[3], "Line5": lines[4],
            "City": place.city, "State": place.state, "PostalCode": place.postal_code, "Country": place.country,
            "Notes": None}


@dataclass
class Lists:
    """Every list record, and look-ups the order generator needs."""

    records: list[dict] = field(default_factory=list)
    by_name: dict[tuple[str, str], dict] = field(default_factory=dict)  # (kind, FullName) -> data
    items: dict[str, pricing.ItemFacts] = field(default_factory=dict)  # ID -> facts
    customers: list[tuple[CustomerSpec, dict, list[dict]]] = field(default_factory=list)  # spec, data, jobs

    def get(self, kind: str, name: str) -> dict:
        return self.by_name[(kind, name)]

    def taxable(self, code: dict | None) -> bool:
        return code is not None and self.get("SalesTaxCode", code["FullName"])["IsTaxable"]


class ListBuilder:
    def __init__(self, rng: random.Random, anchor: date):
        self.rng = rng
        self.anchor = anchor
        self.counter = FIRST_LIST_ID
        self.lists = Lists()

    def moment(self, days_ago: int) -> datetime:
        minutes = self.rng.randrange(8 * 60, 17 * 60)
        return datetime.combine(self.anchor - timedelta(days=days_ago), time(minutes // 60, minutes % 60),
                                tzinfo=PC_ZONE)

    def add(self, kind: str, name: str, fields: dict, *, full_name: str | None = None, active: bool = True,
            created: datetime | None = None, modified: datetime | None = None) -> dict:
        created = created or self.moment(self.rng.randint(LIST_AGE_DAYS[1], LIST_AGE_DAYS[0]))
        modified = modified or created
        full_name = full_name or name
        data = {"ID": list_id(self.counter, created), "Name": name, "FullName": full_name, "IsActive": active,
                **fields, "EditSequence": str(int(modified.timestamp())), "CreatedDate": api_time(created),
                "LastModifiedDate": api_time(modified)}
        self.counter += 1
        self.lists.records.append({
            "kind": kind, "list_id": data["ID"], "full_name": full_name, "full_name_folded": full_name.casefold(),
            "is_active": active, "created_at": created, "modified_at": modified, "data": data,
        })
        self.lists.by_name[(kind, full_name)] = data
        if kind == "Item":
            self.lists.items[data["ID"]] = pricing.ItemFacts.from_data(data)
        return data

    def run(self) -> Lists:
        self.small_lists()
        self.items()
        self.customers()
        return self.lists

    # --- Everything but items and customers -----------------------------------------------------------

    def small_lists(self) -> None:
        for name, taxable, description in catalog.SALES_TAX_CODES:
            self.add("SalesTaxCode", name, {"IsTaxable": taxable, "Description": description})
        for name, kind, due_days, discount_days, discount, day_of_month in catalog.TERMS:
            self.add("Terms", name, {"Type": kind, "DueDays": due_days, "DiscountDays": discount_days,
                                     "DiscountPercent": discount, "DayOfMonthDue": day_of_month})
        for initials, person, active in catalog.SALES_REPS:
            self.add("SalesRep", initials, {"Initial": initials, "SalesRepEntity": {"FullName": person}},
                     active=active)
        for full_name in catalog.CLASSES:
            parent_name, _, name = full_name.rpartition(":")
            parent = self.lists.by_name.get(("Class", parent_name))
            self.add("Class", name, {"Parent": ref(parent), "Sublevel": full_name.count(":")}, full_name=full_name)
        for name in catalog.SHIP_METHODS:
            self.add("ShippingMethod", name, {})
        for name, kind in catalog.TEMPLATES:
            self.add("Template", name, {"TemplateType": kind})
        for text in catalog.CUSTOMER_MESSAGES:
            self.add("CustomerMessage", text, {})
        for code, name, exchange_rate in catalog.CURRENCIES:
            self.add("Currency", name, {"CurrencyCode": code, "ExchangeRate": exchange_rate,
                                        "AsOfDate": f"{(self.anchor - timedelta(days=1)).isoformat()}T00:00:00Z"})
        for name, description, default in catalog.INVENTORY_SITES:
            self.add("InventorySite", name, {"SiteDescription": description, "IsDefaultSite": default})

    # --- Items ---------------------------------------------------------------------------------------

    def item(self, name: str, kind: str, *, price=None, percent=None, unit=None, tax_code: str | None = "Tax",
             description: str | None = None, active: bool = True, **extra) -> dict:
        code = self.lists.get("SalesTaxCode", tax_code) if tax_code else None
        return self.add("Item", name, {
            "Type": kind, "Description": description,
            "SalesPrice": Decimal(price) if price is not None else None,
            "SalesPricePercent": Decimal(percent) if percent is not None else None,
            "SalesTaxCode": ref(code), "UnitOfMeasure": unit,
            "QuantityOnHand": Decimal(self.rng.randint(0, 240)) if kind in ("Inventory", "InventoryAssembly") else None,
            **extra,
        }, active=active)

    def items(self) -> None:
        for name, price, unit, description in catalog.INVENTORY:
            self.item(name, "Inventory", price=price, unit=unit, description=description)
        for name, price, unit, description in catalog.ASSEMBLIES:
            self.item(name, "InventoryAssembly", price=price, unit=unit, description=description)
        for name, price, unit, description in catalog.NON_INVENTORY:
            self.item(name, "NonInventory", price=price, unit=unit, description=description)
        for name, price, unit, description in catalog.SERVICES:
            self.item(name, "Service", price=price, unit=unit, tax_code="Non", description=description)
        for name, price, percent, tax_code, description in catalog.OTHER_CHARGES:
            self.item(name, "OtherCharge", price=price, percent=percent, tax_code=tax_code, description=description)
        for name, price, percent, description in catalog.DISCOUNTS:
            self.item(name, "Discount", price=price, percent=percent, description=description)
        self.item(catalog.SUBTOTAL_ITEM[0], "Subtotal", tax_code=None, description=catalog.SUBTOTAL_ITEM[1])
        for name, description, members in catalog.GROUPS:
            lines = [{"Item": ref(self.lists.get("Item", member)), "Quantity": Decimal(quantity)}
                     for member, quantity in members]
            self.item(name, "Group", tax_code=None, description=description, GroupLines=lines,
                      IsPrintItemsInGroup=False)
        for name, rate, agency, description in catalog.SALES_TAX_ITEMS:
            self.item(name, "SalesTax", tax_code=None, description=description, TaxRate=rate,
                      TaxVendor={"FullName": agency})
        for name, members, description in catalog.SALES_TAX_GROUPS:
            parts = [self.lists.get("Item", member) for member in members]
            self.item(name, "SalesTaxGroup", tax_code=None, description=description,
                      TaxRate=sum(part["TaxRate"] for part in parts), SalesTaxItems=[ref(part) for part in parts])
        for name, kind, price, unit, tax_code, description in catalog.INACTIVE_ITEMS:
            self.item(name, kind, price=price, unit=unit, tax_code=tax_code, description=description, active=False)

    # --- Customers and jobs --------------------------------------------------------------------------

    def customers(self) -> None:
        phones = iter(self.rng.sample(range(100, 1000), len(CUSTOMERS)))
        for spec in CUSTOMERS:
            created = self.moment(self.rng.randint(LIST_AGE_DAYS[1], LIST_AGE_DAYS[0]))
            modified = self.moment(spec.move.days_ago) if spec.move else created
            area = {"IL": "312", "WI": "414", "IN": "317", "MI": "313", "OH": "216", "MN": "612", "IA": "319",
                    "MO": "314", "NY": "845", "TX": "713", "CA": "858", "FL": "813"}.get(spec.address.state, "416")
            slug = "".join(c for c in spec.name.lower().split(",")[0].split(" ")[0] if c.isalnum())
            first, _, last = spec.contact.rpartition(" ")
            fields = self.customer_fields(spec, spec.address, ship_to=spec.address)
            fields.update(
                Parent=None, Sublevel=0,
                CompanyName=None if spec.person else spec.name,
                FirstName=spec.name.split(", ")[1] if spec.person else None,
                LastName=spec.name.split(", ")[0] if spec.person else None,
                Contact=spec.contact, Phone=f"({area}) 555-0{next(phones)}",
                Email=f"{first.lower().replace('.', '') or 'orders'}.{last.lower()}@{slug}.example",
                CreditLimit=spec.credit_limit, Balance=spec.balance, TotalBalance=spec.balance, JobStatus=None,
            )
            data = self.add("Customer", spec.name, fields, active=spec.active, created=created, modified=modified)
            jobs = []
            for job in spec.jobs:
                job_created = self.moment(self.rng.randint(200, 560))
                job_fields = self.customer_fields(spec, spec.address, ship_to=job.site, ship_name=spec.name)
                job_balance = Decimal(self.rng.randrange(0, 600000)) / 100 if job.status != "Closed" else Decimal(0)
                job_fields.update(
                    Parent=ref(data), Sublevel=1, CompanyName=spec.name, FirstName=None, LastName=None,
                    Contact=spec.contact, Phone=data["Phone"], Email=data["Email"], CreditLimit=None,
                    Balance=job_balance, TotalBalance=job_balance, JobStatus=job.status,
                )
                jobs.append(self.add("Customer", job.name, job_fields, full_name=f"{spec.name}:{job.name}",
                                     created=job_created))
            data["TotalBalance"] = data["Balance"] + sum((job["Balance"] for job in jobs), Decimal(0))
            self.lists.customers.append((spec, data, jobs))

    def customer_fields(self, spec: CustomerSpec, bill_to: Address, *, ship_to: Address,
                        ship_name: str | None = None) -> dict:
        tax_item = spec.tax_item or catalog.TAX_ITEM_OF_STATE.get(spec.address.state, "Out of State")
        currency = next(name for code, name, _ in catalog.CURRENCIES if code == spec.currency)
        return {
            "BillingAddress": address(spec.name, bill_to),
            "ShippingAddress": address(ship_name or spec.name, ship_to),
            "Terms": ref(self.lists.get("Terms", spec.terms)),
            "SalesRep": ref(self.lists.get("SalesRep", spec.rep)),
            "SalesTaxCode": ref(self.lists.get("SalesTaxCode", spec.tax_code)),
            "ItemSalesTax": ref(self.lists.get("Item", tax_item)),
            "Class": ref(self.lists.get("Class", spec.klass)),
            "Currency": ref(self.lists.get("Currency", currency)),
        }
