from django.urls import path, register_converter

from orders.views import actions, browse, builder, qbd_list, submissions

app_name = "orders"


class OrderIdConverter:
    """An order's id as the ERP spells it: 24SevenOffice's numbers, QuickBooks' ``1A2B-1234567890``."""

    regex = "[A-Za-z0-9][A-Za-z0-9-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(OrderIdConverter, "order_id")

urlpatterns = [
    path("", browse.order_list, name="list"),
    # The order builder, for a new order or for a submission to fix and send again.
    path("new/", builder.order_new, name="new"),
    path("new/customers/", builder.builder_customers, name="new_customers"),
    path("new/products/", builder.builder_products, name="new_products"),
    path("new/<uuid:submission_id>/", builder.order_new, name="new_for_submission"),
    path("new/<uuid:submission_id>/check/", builder.submission_check, name="check"),
    path("new/<uuid:submission_id>/customers/", builder.builder_customers, name="new_customers_for_submission"),
    path("new/<uuid:submission_id>/products/", builder.builder_products, name="new_products_for_submission"),
    # A QuickBooks company's reference data (customers, items…): an admin asks for a full sync.
    path("references/refresh/", qbd_list.refresh_references, name="refresh_references"),
    # After "new/": an id such as QuickBooks' could otherwise be read as "new".
    path("<order_id:order_id>/", browse.order_detail, name="detail"),
    # Acting on an existing order (``orders.views.actions``).
    path("<order_id:order_id>/status/", actions.tso_status, name="status"),
    path("<order_id:order_id>/close/", actions.qbd_close, name="close"),
    path("<order_id:order_id>/actions/<uuid:action_id>/", actions.action_entry, name="action_entry"),
    path("<order_id:order_id>/actions/<uuid:action_id>/check/", actions.action_check, name="action_check"),
    path("<order_id:order_id>/actions/<uuid:action_id>/cancel/", actions.action_cancel, name="action_cancel"),
]

# Mounted at /submissions/ (namespace "submissions"): the orders sent from the builder, for admins.
submission_urlpatterns = [
    path("", submissions.submission_list, name="list"),
    path("failed/", submissions.failed_orders, name="failed"),
    path("<uuid:submission_id>/", submissions.submission_detail, name="detail"),
    path("<uuid:submission_id>/retry/", submissions.submission_retry, name="retry"),
    path("<uuid:submission_id>/close/", submissions.submission_close, name="close"),
]
