"""Reference data: customers, products (and their sales type overrides), taxes, accounts, sales
types, dimensions, people, currencies and payment methods. All read-only.

Each list accepts exactly the query parameters the contract declares for it (see ``accepts``), plus the
paging parameter of the sandbox's own links. Paging differs per resource, as in the contract:

* ``/customers``: ``limit`` (default 25, at most 100) with a lower-case ``link`` header (``first``,
  ``previous``, ``next``) whose URLs carry an opaque ``continuationToken``.
* ``/products``: ``page`` (from 1) and ``limit`` (default 25, at most 1000), lower-case ``link`` header.
* ``/dimensions/{type}/elements``: ``limit`` (default 100, at most 1000) and ``continuationToken``;
  a ``Link`` header with ``rel="next"`` only.
"""

import re

from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from sandbox import schemas
from sandbox.api.http import (
    NotFound,
    Param,
    Query,
    accepts,
    encode_token,
    json_response,
    link_header,
    no_content,
    validated_body,
)
from sandbox.models import (
    PERSON_TYPES,
    Account,
    Currency,
    Customer,
    DimensionElement,
    DimensionType,
    PaymentMethod,
    Person,
    Product,
    ProductSalesTypeOverride,
    SalesType,
    Tax,
)

CUSTOMER_SORT_FIELDS = {
    "name": "name_folded",
    "createdAt": "created_at",
    "modifiedAt": "modified_at",
    "organizationNumber": "organization_number",
    "id": "id",
}
SORT_PATTERN = re.compile(r"^(name|createdAt|modifiedAt|organizationNumber|id):(asc|desc)$")


def _one(model, pk, label: str) -> HttpResponse:
    record = model.objects.filter(pk=pk).first()
    if record is None:
        raise NotFound(f"{label} {pk} not found")
    return json_response(record.to_api())


# --- Customers -------------------------------------------------------------------------------------


@accepts(
    # The contract gives ``maxLength: 100`` (of a number): at most 100.
    limit=Param("integer", minimum=1, maximum=100),
    organizationNumber=Param(),
    isCompany=Param("boolean"),
    isSupplier=Param("boolean"),
    modifiedFrom=Param(format="iso8601"),
    createdFrom=Param(format="iso8601"),
    sortBy=Param(pattern=SORT_PATTERN.pattern),
    # Not in the contract: the parameter of the sandbox's own ``link`` URLs.
    continuationToken=Param(),
)
def list_customers(request: HttpRequest, query: Query) -> HttpResponse:
    """``GET /customers``: the contract's filters, and no others (there is no name search)."""
    limit = query.get("limit", 25)
    token = query.token()
    offset = token.get("offset") if token else 0
    if not isinstance(offset, int) or offset < 0:
        query.fail("continuationToken", "format")
    sort_by = query.get("sortBy", "id:asc")
    filters = Q()
    if (number := query.get("organizationNumber")) is not None:
        filters &= Q(organization_number=number)
    if (is_company := query.get("isCompany")) is not None:
        filters &= Q(is_company=is_company)
    if (is_supplier := query.get("isSupplier")) is not None:
        filters &= Q(is_supplier=is_supplier)
    if (moment := query.get("modifiedFrom")) is not None:
        filters &= Q(modified_at__gte=moment)
    if (moment := query.get("createdFrom")) is not None:
        filters &= Q(created_at__gte=moment)
    query.check()

    field, direction = sort_by.split(":")
    prefix = "-" if direction == "desc" else ""
    ordering = [prefix + CUSTOMER_SORT_FIELDS[field], prefix + "id"]
    rows = list(Customer.objects.filter(filters).order_by(*ordering)[offset : offset + limit + 1])
    page, more = rows[:limit], len(rows) > limit
    links = {
        "first": {"continuationToken": None},
        "previous": {"continuationToken": encode_token({"offset": max(offset - limit, 0)})} if offset else None,
        "next": {"continuationToken": encode_token({"offset": offset + limit})} if more else None,
    }
    return json_response([customer.to_api() for customer in page], headers={"link": link_header(request, links)})


def get_customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _one(Customer, customer_id, "Customer")


# --- Products --------------------------------------------------------------------------------------


def _search_pattern(term: str) -> re.Pattern:
    """``productSearch``: exact by default; ``%`` at the end means "starts with", at the start "ends
    with", at both "contains" (a ``%`` elsewhere matches anything there too). Case-insensitive."""
    return re.compile(".*".join(re.escape(part) for part in term.split("%")), re.IGNORECASE)


def _ids(query: Query, name: str) -> set[int] | None:
    """A comma-separated list of ids (``categoryIds``, ``supplierIds``); ``type`` when one is not."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError:
        query.fail(name, "type")
        return None


@accepts(
    page=Param("integer", minimum=1),
    # The contract gives no maximum: the sandbox's.
    limit=Param("integer", minimum=1, maximum=1000),
    productSearch=Param(),
    categoryIds=Param(),
    supplierIds=Param(),
    productNumber=Param(),
)
def list_products(request: HttpRequest, query: Query) -> HttpResponse:
    """``GET /products``: ``productSearch`` (in number and name), ``productNumber``, ``categoryIds`` and
    ``supplierIds`` (the seeded products have no supplier: any supplier matches none)."""
    page = query.get("page", 1)
    limit = query.get("limit", 25)
    search = query.get("productSearch")
    number = query.get("productNumber")
    category_ids = _ids(query, "categoryIds")
    supplier_ids = _ids(query, "supplierIds")
    query.check()

    products = Product.objects.order_by("id")
    if number is not None:
        products = products.filter(number=number)
    matches = list(products)
    if search is not None:
        pattern = _search_pattern(search)
        matches = [p for p in matches if pattern.fullmatch(p.number) or pattern.fullmatch(p.name)]
    if category_ids is not None:
        matches = [p for p in matches if p.category and p.category.get("id") in category_ids]
    if supplier_ids:
        matches = []
    start = (page - 1) * limit
    links = {
        "first": {"page": None},
        "previous": {"page": page - 1} if page > 1 else None,
        "next": {"page": page + 1} if start + limit < len(matches) else None,
    }
    return json_response(
        [product.to_api() for product in matches[start : start + limit]],
        headers={"link": link_header(request, links)},
    )


def get_product(request: HttpRequest, product_id: int) -> HttpResponse:
    return _one(Product, product_id, "Product")


def list_product_sales_type_overrides(request: HttpRequest, product_id: int) -> HttpResponse:
    """``GET /products/{id}/salestypeOverrides``: a bare array, empty when the product has none."""
    if not Product.objects.filter(pk=product_id).exists():
        raise NotFound(f"Product {product_id} not found")
    overrides = ProductSalesTypeOverride.objects.filter(product_id=product_id).order_by("sales_type_id")
    return json_response([override.to_api() for override in overrides])


def put_product_sales_type_override(request: HttpRequest, product_id: int, sales_type_id: int) -> HttpResponse:
    """``PUT /products/{id}/salestypeOverrides/{salesTypeId}``: 200 with the override, or 204 when
    ``accountNumber`` is null (the override is removed)."""
    product, sales_type = _override_target(product_id, sales_type_id)
    body = validated_body(request, schemas.PRODUCT_SALES_TYPE_OVERRIDE)
    if body["accountNumber"] is None:
        ProductSalesTypeOverride.objects.filter(product=product, sales_type=sales_type).delete()
        return no_content()
    override, _ = ProductSalesTypeOverride.objects.update_or_create(
        product=product, sales_type=sales_type, defaults={"account_number": body["accountNumber"]}
    )
    return json_response(override.to_api())


def delete_product_sales_type_override(request: HttpRequest, product_id: int, sales_type_id: int) -> HttpResponse:
    """``DELETE /products/{id}/salestypeOverrides/{salesTypeId}``: 204, also when there was none."""
    product, sales_type = _override_target(product_id, sales_type_id)
    ProductSalesTypeOverride.objects.filter(product=product, sales_type=sales_type).delete()
    return no_content()


def _override_target(product_id: int, sales_type_id: int) -> tuple[Product, SalesType]:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"Product {product_id} not found")
    sales_type = SalesType.objects.filter(pk=sales_type_id).first()
    if sales_type is None:
        raise NotFound(f"Sales type {sales_type_id} not found")
    return product, sales_type


# --- Small lists -----------------------------------------------------------------------------------


def list_taxes(request: HttpRequest) -> HttpResponse:
    return json_response([tax.to_api() for tax in Tax.objects.order_by("id")])


def get_tax(request: HttpRequest, tax_id: int) -> HttpResponse:
    return _one(Tax, tax_id, "Tax")


@accepts(query=Param())
def list_accounts(request: HttpRequest, query: Query) -> HttpResponse:
    """``GET /accounts``, with ``query`` (words found in the name or number, case-insensitive)."""
    words = (query.get("query") or "").casefold().split()
    accounts = [
        account for account in Account.objects.order_by("number")
        if all(word in f"{account.number} {account.name}".casefold() for word in words)
    ]
    return json_response([account.to_api() for account in accounts])


def get_account(request: HttpRequest, account_id: int) -> HttpResponse:
    return _one(Account, account_id, "Account")


def list_sales_types(request: HttpRequest) -> HttpResponse:
    return json_response([sales_type.to_api() for sales_type in SalesType.objects.order_by("id")])


def get_sales_type(request: HttpRequest, sales_type_id: int) -> HttpResponse:
    return _one(SalesType, sales_type_id, "Sales type")


def list_currencies(request: HttpRequest) -> HttpResponse:
    return json_response([currency.to_api() for currency in Currency.objects.order_by("code")])


def list_payment_methods(request: HttpRequest) -> HttpResponse:
    return json_response([method.to_api() for method in PaymentMethod.objects.order_by("id")])


@accepts(personType=Param(enum=PERSON_TYPES))
def list_people(request: HttpRequest, query: Query) -> HttpResponse:
    person_type = query.get("personType")
    people = Person.objects.order_by("id")
    if person_type is not None:
        people = people.filter(person_type=person_type)
    return json_response([person.to_api() for person in people])


@accepts(personType=Param(enum=PERSON_TYPES))
def get_person(request: HttpRequest, query: Query, person_id: int) -> HttpResponse:
    person_type = query.get("personType")
    person = Person.objects.filter(pk=person_id).first()
    if person is None or (person_type is not None and person.person_type != person_type):
        raise NotFound(f"Person {person_id} not found")
    return json_response(person.to_api())


# --- Dimensions ------------------------------------------------------------------------------------


def list_dimension_types(request: HttpRequest) -> HttpResponse:
    return json_response([dimension.to_api() for dimension in DimensionType.objects.order_by("id")])


def get_dimension_type(request: HttpRequest, dimension_type: int) -> HttpResponse:
    return _one(DimensionType, dimension_type, "Dimension type")


@accepts(
    # The contract gives no bounds: the sandbox's.
    limit=Param("integer", minimum=1, maximum=1000),
    continuationToken=Param(),
)
def list_dimension_elements(request: HttpRequest, query: Query, dimension_type: int) -> HttpResponse:
    limit = query.get("limit", 100)
    token = query.token()
    after = token.get("after") if token else 0
    if not isinstance(after, int):
        query.fail("continuationToken", "format")
    query.check()
    if not DimensionType.objects.filter(pk=dimension_type).exists():
        raise NotFound(f"Dimension type {dimension_type} not found")
    rows = list(DimensionElement.objects.filter(dimension_type=dimension_type, pk__gt=after).order_by("pk")[: limit + 1])
    page = rows[:limit]
    headers = {}
    if len(rows) > limit:
        headers["Link"] = link_header(request, {"next": {"continuationToken": encode_token({"after": page[-1].pk})}})
    return json_response([element.to_api() for element in page], headers=headers)


def get_dimension_element(request: HttpRequest, dimension_type: int, value: str) -> HttpResponse:
    element = DimensionElement.objects.filter(dimension_type=dimension_type, value=value).first()
    if element is None:
        raise NotFound(f"Dimension element {value} of type {dimension_type} not found")
    return json_response(element.to_api())
