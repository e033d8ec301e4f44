"""Looking up what a sales order refers to, as QuickBooks does when it saves one: a reference is found by
its ``ID`` (its ``FullName`` is then ignored), else by its ``FullName`` (case ignored). One that does not
exist, is inactive or is of another kind is QuickBooks' 3140.
"""

from sandbox.autofy import decisions, pricing
from sandbox.autofy.envelope import ObjectError
from sandbox.autofy.models import QbListRecord

# Where a reference field points: (the list records' kind, a test on the record's object).
TARGETS = {
    "Item": ("Item", lambda data: data["Type"] not in pricing.SALES_TAX_TYPES),
    "ItemSalesTax": ("Item", lambda data: data["Type"] in pricing.SALES_TAX_TYPES),
    "Template": ("Template", lambda data: data["TemplateType"] == "SalesOrder"),
}


def invalid_reference(qb_name: str, value: str) -> ObjectError:
    return ObjectError(
        decisions.INVALID_REFERENCE,
        f'There is an invalid reference to QuickBooks {qb_name} "{value}" in the SalesOrder. '
        "QuickBooks error message: Invalid argument. The specified record does not exist in the list.",
    )


class References:
    """Resolves references for one write, remembering each record it read."""

    def __init__(self):
        self.by_id: dict[str, dict] = {}

    def record(self, list_kind: str, value: dict | None, qb_name: str) -> dict:
        """The referenced record's object, or 3140."""
        if list_kind == "InventorySiteLocation":
            raise ObjectError(
                decisions.FEATURE_OFF,
                "The feature is not enabled in this company file: inventory site locations (bins) are turned off.",
            )
        value = value or {}
        list_id, full_name = value.get("ID") or "", value.get("FullName") or ""
        kind, accepts = TARGETS.get(list_kind, (list_kind, lambda data: True))
        data = self.by_id.get(list_id) if list_id else None
        if data is None:
            records = QbListRecord.objects.filter(kind=kind)
            record = (records.filter(list_id=list_id) if list_id else
                      records.filter(full_name_folded=full_name.casefold()) if full_name else records.none()).first()
            data = record.data if record is not None else None
        if data is None or not data["IsActive"] or not accepts(data):
            raise invalid_reference(qb_name, list_id or full_name)
        self.by_id[data["ID"]] = data
        return data

    def ref(self, list_kind: str, value: dict | None, qb_name: str) -> dict:
        data = self.record(list_kind, value, qb_name)
        return {"ID": data["ID"], "FullName": data["FullName"]}

    def known(self, list_id: str) -> dict:
        """A record already resolved (or still referenced by a stored order), by ID, active or not."""
        if list_id not in self.by_id:
            self.by_id[list_id] = QbListRecord.objects.get(list_id=list_id).data
        return self.by_id[list_id]

    def item(self, list_id: str) -> pricing.ItemFacts:
        return pricing.ItemFacts.from_data(self.known(list_id))

    def taxable(self, code: dict | None) -> bool:
        return code is not None and bool(self.known(code["ID"])["IsTaxable"])
