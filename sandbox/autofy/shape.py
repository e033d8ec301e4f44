"""The SalesOrder object as seed 002 shapes it: its fields in the template's order, what each holds, and
what QuickBooks allows in it (AUTOFY.md §2.7).

``blank_order``/``blank_line``/``blank_sub_line`` give an object with every field (unset ones null, lists
empty), as the sandbox serves it. ``read_body`` checks a POST or PATCH body: a field the template does not
have or a value of the wrong type is refused (400, 4000: the request cannot be turned into QuickBooks'
request); a value longer than QuickBooks' field is QuickBooks' 3070 (an ``ObjectError``). What it returns
holds only the writable fields that were sent, not null, with ``Decimal`` numbers and ``date`` dates.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sandbox.autofy import decisions
from sandbox.autofy.envelope import ObjectError, general_error


@dataclass(frozen=True)
class Field:
    kind: str  # text | number | bool | date | ref | unit | address | custom | lines | sub_lines | read_only
    qb_name: str | None = None  # QuickBooks' element name, used in its error messages
    max_length: int | None = None
    decimals: int | None = None  # numbers: at most this many decimals...
    digits: int | None = None  # ...and this many digits before the point
    list_kind: str | None = None  # refs: the Autofy object the reference points into


def text(qb_name: str, max_length: int | None = None) -> Field:
    return Field("text", qb_name, max_length)


def ref(list_kind: str, qb_name: str) -> Field:
    return Field("ref", qb_name, list_kind=list_kind)


READ_ONLY = Field("read_only")
AMOUNT = Field("number", "Amount", decimals=decisions.AMOUNT_DECIMALS, digits=decisions.AMOUNT_INTEGER_DIGITS)
RATE = Field("number", "Rate", decimals=decisions.RATE_DECIMALS, digits=decisions.RATE_INTEGER_DIGITS)
PERCENT = Field("number", "RatePercent", decimals=decisions.RATE_DECIMALS, digits=decisions.RATE_INTEGER_DIGITS)
QUANTITY = Field("number", "Quantity", decimals=decisions.RATE_DECIMALS, digits=decisions.RATE_INTEGER_DIGITS)

ADDRESS = {
    "Line1": text("Addr1", 41), "Line2": text("Addr2", 41), "Line3": text("Addr3", 41), "Line4": text("Addr4", 41),
    "Line5": text("Addr5", 41), "City": text("City", 31), "State": text("State", 21),
    "PostalCode": text("PostalCode", 13), "Country": text("Country", 31), "Notes": text("Note", 41),
}

SUB_LINE = {
    "Item": ref("Item", "Item"),
    "Quantity": QUANTITY,
    "Amount": AMOUNT,
    "SalesTaxCode": ref("SalesTaxCode", "SalesTaxCode"),
    "Desc": text("Desc", 4095),
    "ID": text("TxnLineID"),
    "Rate": RATE,
    "Invoiced": READ_ONLY,  # an extra (decisions.EXTRA_LINE_FIELDS)
}

LINE = {
    "Item": ref("Item", "Item"),
    "SalesTaxCode": ref("SalesTaxCode", "SalesTaxCode"),
    "Amount": AMOUNT,
    "Quantity": QUANTITY,
    "Rate": RATE,
    "RatePercent": PERCENT,
    "Description": text("Desc", 4095),
    "FromInventorySite": ref("InventorySite", "InventorySite"),
    "FromInventorySiteLocation": ref("InventorySiteLocation", "InventorySiteLocation"),
    "CustomFields": Field("custom"),
    "SerialNumber": text("SerialNumber", 4095),
    "LotNumber": text("LotNumber", 40),
    "Class": ref("Class", "Class"),
    "IsManuallyClosed": Field("bool"),
    "UnitOfMeasure": Field("unit", "UnitOfMeasure", 31),
    "Other1": text("Other1", 29),
    "Other2": text("Other2", 29),
    "ID": text("TxnLineID"),
    "SubLines": Field("sub_lines"),
    "Account": READ_ONLY,
    "Invoiced": READ_ONLY,  # an extra (decisions.EXTRA_LINE_FIELDS)
}

HEADER = {
    "ID": text("TxnID"),
    "EditSequence": text("EditSequence", 16),  # an extra (decisions.EXTRA_HEADER_FIELDS)
    "Number": text("RefNumber", 11),
    "PONumber": text("PONumber", 25),
    "SubTotal": READ_ONLY,
    "SalesTaxAmount": READ_ONLY,
    "SalesTaxPercentage": READ_ONLY,  # an extra (decisions.EXTRA_HEADER_FIELDS)
    "DueDate": Field("date", "DueDate"),
    "Date": Field("date", "TxnDate"),
    "DateShipped": Field("date", "ShipDate"),
    "ToBePrinted": Field("bool"),
    "ToBeEmailed": Field("bool"),
    "ShippingMethod": ref("ShippingMethod", "ShipMethod"),
    "ItemLines": Field("lines"),
    "Terms": ref("Terms", "Terms"),
    "Other": text("Other", 29),
    "Memo": text("Memo", 4095),
    "Class": ref("Class", "Class"),
    "SalesRep": ref("SalesRep", "SalesRep"),
    "ItemSalesTax": ref("ItemSalesTax", "ItemSalesTax"),
    "Customer": ref("Customer", "Customer"),
    "CustomFields": Field("custom"),
    "BillingAddress": Field("address"),
    "ShippingAddress": Field("address"),
    "FOB": text("FOB", 13),
    "Currency": ref("Currency", "Currency"),
    "Template": ref("Template", "Template"),
    "Message": ref("CustomerMessage", "CustomerMsg"),
    "ExchangeRate": Field("number", "ExchangeRate", decimals=6, digits=10),
    "IsManuallyClosed": Field("bool"),
    "Amount": READ_ONLY,
    "LastModifiedDate": READ_ONLY,
    "DeletedDate": READ_ONLY,
    "LinkedTransactions": READ_ONLY,
    "CreatedDate": READ_ONLY,
    "IsFullyInvoiced": READ_ONLY,
    "TotalAmountInHomeCurrency": READ_ONLY,
}
REFERENCE_MAX_LENGTH = 209  # any reference's FullName
# What QuickBooks computes is read-only (``decisions``).
assert all(HEADER[name] is READ_ONLY for name in decisions.COMPUTED_HEADER)
assert all(LINE[name] is READ_ONLY for name in decisions.COMPUTED_LINE)
assert {*decisions.EXTRA_HEADER_FIELDS, *decisions.EXTRA_LINE_FIELDS} <= {*HEADER, *LINE}


def blank(fields: dict) -> dict:
    return {name: [] if spec.kind in ("lines", "sub_lines", "custom") else None for name, spec in fields.items()}


def blank_order() -> dict:
    order = blank(HEADER)
    order.update(LinkedTransactions=[], ToBePrinted=False, ToBeEmailed=False, IsManuallyClosed=False,
                 IsFullyInvoiced=False)
    return order


def blank_line() -> dict:
    line = blank(LINE)
    line.update(IsManuallyClosed=False, Invoiced=Decimal(0))
    return line


def blank_sub_line() -> dict:
    line = blank(SUB_LINE)
    line["Invoiced"] = Decimal(0)
    return line


# --- Reading a body ------------------------------------------------------------------------------------


def read_body(body, *, patch: bool) -> dict:
    if not isinstance(body, dict):
        raise general_error("The request body must be a SalesOrder object.")
    return _read_object(body, HEADER, "SalesOrder", ignored=() if patch else decisions.IGNORED_ON_CREATE)


def _read_object(data: dict, fields: dict, path: str, *, ignored: tuple[str, ...] = ()) -> dict:
    clean = {}
    for name, value in data.items():
        spec = fields.get(name)
        if spec is None:
            raise general_error(f"{path} has no field '{name}'.")
        if value is None or spec.kind == "read_only" or name in ignored:
            continue
        clean[name] = _read_value(value, spec, f"{path}.{name}")
    return clean


def _read_value(value, spec: Field, path: str):
    kind = spec.kind
    if kind == "text":
        if not isinstance(value, str):
            raise general_error(f"{path} must be a string.")
        check_length(value, spec)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise general_error(f"{path} must be true or false.")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise general_error(f"{path} must be a number.")
        number = Decimal(value)
        check_number(number, spec)
        return number
    if kind == "date":
        if not isinstance(value, str):
            raise general_error(f"{path} must be a date (2023-01-11 or 2023-01-11T16:08:00Z).")
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise general_error(f"{path} must be a date (2023-01-11 or 2023-01-11T16:08:00Z).") from None
    if kind in ("ref", "unit"):
        allowed = ("FullName",) if kind == "unit" else ("ID", "FullName")
        if not isinstance(value, dict):
            raise general_error(f"{path} must be an object with {' and '.join(allowed)}.")
        clean = {}
        for key, part in value.items():
            if key not in allowed:
                raise general_error(f"{path} has no field '{key}'.")
            if part is None:
                continue
            if not isinstance(part, str):
                raise general_error(f"{path}.{key} must be a string.")
            clean[key] = part
        if kind == "unit":
            check_length(clean.get("FullName", ""), spec)
        else:
            check_length(clean.get("FullName", ""), Field("text", "FullName", REFERENCE_MAX_LENGTH))
        return clean
    if kind == "address":
        if not isinstance(value, dict):
            raise general_error(f"{path} must be an address object.")
        return _read_object(value, ADDRESS, path)
    if kind == "custom":
        if not isinstance(value, list):
            raise general_error(f"{path} must be a list of {{FullName, Value}}.")
        fields = {"FullName": text("DataExtName"), "Value": text("DataExtValue")}
        entries = []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                raise general_error(f"{path}[{index}] must be an object with FullName and Value.")
            clean = _read_object(entry, fields, f"{path}[{index}]")
            if "FullName" not in clean:
                raise general_error(f"{path}[{index}].FullName is required.")
            entries.append({"FullName": clean["FullName"], "Value": clean.get("Value", "")})
        return entries
    if kind in ("lines", "sub_lines"):
        if not isinstance(value, list):
            raise general_error(f"{path} must be a list.")
        fields = LINE if kind == "lines" else SUB_LINE
        lines = []
        for index, line in enumerate(value):
            if not isinstance(line, dict):
                raise general_error(f"{path}[{index}] must be an object.")
            lines.append(_read_object(line, fields, f"{path}[{index}]"))
        return lines
    raise AssertionError(kind)


def check_length(value: str, spec: Field) -> None:
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ObjectError(decisions.STRING_TOO_LONG, f'The string "{value}" in the field "{spec.qb_name}" is too long.')


def check_number(value: Decimal, spec: Field) -> None:
    if not value.is_finite():
        raise general_error(f"{spec.qb_name} must be a number.")
    sign, digits, exponent = value.normalize().as_tuple()
    decimals = max(0, -exponent)
    integer_digits = max(0, len(digits) + exponent)
    if decimals > spec.decimals or integer_digits > spec.digits:
        raise ObjectError(
            decisions.STRING_TOO_LONG,
            f'The value "{value}" in the field "{spec.qb_name}" does not fit it: at most {spec.digits} digits '
            f"before the point and {spec.decimals} after.",
        )


def stored(value):
    """``value`` as the JSON the database keeps and the API sends: ``Decimal`` numbers become floats (a
    float's shortest form gives the same decimal back; ``pricing.number`` reads it so)."""
    if isinstance(value, dict):
        return {key: stored(part) for key, part in value.items()}
    if isinstance(value, list):
        return [stored(part) for part in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
