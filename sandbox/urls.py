"""Every route of the sandbox, with the OAuth scope each ``/v1`` method needs. The query parameters a
method accepts are declared on its handler (``sandbox.api.http.accepts``): any other is refused.
The Autofy stand-in's routes (``/autofy/...`` and ``/_sandbox/autofy/...``) are in ``sandbox.autofy.urls``.

Unknown routes answer 404 and wrong methods 405, both with the API's error envelope.
"""

from functools import partial

from django.urls import include, path, register_converter

from sandbox.api import control, oauth, reference, salesorders
from sandbox.api.http import resource


class SignedIntConverter:
    """Path ids that may be negative (system-defined sales types are)."""

    regex = "-?[0-9]+"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(SignedIntConverter, "signed")

api = partial(resource, authenticate=oauth.authenticate)
control_api = resource  # the control API needs no token

ORDER = "api.invoicing.salesorder"
LINE = "api.invoicing.salesorder.line"
CUSTOMER_READ = "api.crm.customer:read"
PRODUCT_READ = "api.product.product:read"
TAX_READ = "api.accounting.tax:read"
ACCOUNT_READ = "api.accounting.account:read"
SALES_TYPE_READ = "api.product.salestype:read"
SALES_TYPE_WRITE = "api.product.salestype:write"
DIMENSION_READ = "api.accounting.dimension:read"
PERSON_READ = "api.organization.person:read"
PAYMENT_METHOD_READ = "api.invoicing.paymentmethod:read"

urlpatterns = [
    path("", include("sandbox.autofy.urls")),
    path("oauth/token", oauth.issue_token),
    # Sales orders and lines
    path("v1/salesorders", api(GET=(f"{ORDER}:read", salesorders.list_orders),
                               POST=(f"{ORDER}:write", salesorders.create_order))),
    path("v1/salesorders/<int:order_id>", api(GET=(f"{ORDER}:read", salesorders.get_order),
                                              PATCH=(f"{ORDER}:write", salesorders.update_order),
                                              DELETE=(f"{ORDER}:delete", salesorders.delete_order))),
    path("v1/salesorders/<int:order_id>/lines", api(GET=(f"{LINE}:read", salesorders.list_lines),
                                                    POST=(f"{LINE}:write", salesorders.create_line))),
    path("v1/salesorders/<int:order_id>/lines/<int:line_id>", api(GET=(f"{LINE}:read", salesorders.get_line),
                                                                  PATCH=(f"{LINE}:write", salesorders.update_line),
                                                                  DELETE=(f"{LINE}:delete", salesorders.delete_line))),
    # Reference data
    path("v1/customers", api(GET=(CUSTOMER_READ, reference.list_customers))),
    path("v1/customers/<int:customer_id>", api(GET=(CUSTOMER_READ, reference.get_customer))),
    path("v1/products", api(GET=(PRODUCT_READ, reference.list_products))),
    path("v1/products/<int:product_id>", api(GET=(PRODUCT_READ, reference.get_product))),
    path("v1/products/<int:product_id>/salestypeOverrides",
         api(GET=(SALES_TYPE_READ, reference.list_product_sales_type_overrides))),
    path("v1/products/<int:product_id>/salestypeOverrides/<signed:sales_type_id>",
         api(PUT=(SALES_TYPE_WRITE, reference.put_product_sales_type_override),
             DELETE=(SALES_TYPE_WRITE, reference.delete_product_sales_type_override))),
    path("v1/accounts", api(GET=(ACCOUNT_READ, reference.list_accounts))),
    path("v1/accounts/<int:account_id>", api(GET=(ACCOUNT_READ, reference.get_account))),
    path("v1/taxes", api(GET=(TAX_READ, reference.list_taxes))),
    path("v1/taxes/<int:tax_id>", api(GET=(TAX_READ, reference.get_tax))),
    path("v1/salestypes", api(GET=(SALES_TYPE_READ, reference.list_sales_types))),
    path("v1/salestypes/<signed:sales_type_id>", api(GET=(SALES_TYPE_READ, reference.get_sales_type))),
    path("v1/dimensions", api(GET=(DIMENSION_READ, reference.list_dimension_types))),
    path("v1/dimensions/<int:dimension_type>", api(GET=(DIMENSION_READ, reference.get_dimension_type))),
    path("v1/dimensions/<int:dimension_type>/elements",
         api(GET=(DIMENSION_READ, reference.list_dimension_elements))),
    path("v1/dimensions/<int:dimension_type>/elements/<str:value>",
         api(GET=(DIMENSION_READ, reference.get_dimension_element))),
    path("v1/organization/people", api(GET=(PERSON_READ, reference.list_people))),
    path("v1/organization/people/<int:person_id>", api(GET=(PERSON_READ, reference.get_person))),
    # The contract declares no scope for currencies: any valid token will do.
    path("v1/currencies", api(GET=(None, reference.list_currencies))),
    path("v1/paymentmethods", api(GET=(PAYMENT_METHOD_READ, reference.list_payment_methods))),
    # Control API (no authentication)
    path("_sandbox/config", control_api(GET=(None, control.get_config), POST=(None, control.update_config))),
    path("_sandbox/faults", control_api(GET=(None, control.list_faults), POST=(None, control.add_fault),
                                        DELETE=(None, control.clear_faults))),
    path("_sandbox/tokens/expire", control_api(POST=(None, control.expire_tokens))),
    path("_sandbox/reset", control_api(POST=(None, control.reset))),
    path("_sandbox/state", control_api(GET=(None, control.get_state))),
    path("_sandbox/calls", control_api(GET=(None, control.list_calls))),
]

handler404 = "sandbox.api.http.route_not_found"
handler500 = "sandbox.api.http.server_error"
