from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    # The order builder, for a new order or for a submission to fix and send again.
    path("new/", views.order_new, name="new"),
    path("new/customers/", views.builder_customers, name="new_customers"),
    path("new/products/", views.builder_products, name="new_products"),
    path("new/<uuid:submission_id>/", views.order_new, name="new_for_submission"),
    path("new/<uuid:submission_id>/check/", views.submission_check, name="check"),
    path("new/<uuid:submission_id>/customers/", views.builder_customers, name="new_customers_for_submission"),
    path("new/<uuid:submission_id>/products/", views.builder_products, name="new_products_for_submission"),
]

# Mounted at /submissions/ (namespace "submissions"): the orders sent from the builder, for admins.
submission_urlpatterns = [
    path("", views.submission_list, name="list"),
    path("failed/", views.failed_orders, name="failed"),
    path("<uuid:submission_id>/", views.submission_detail, name="detail"),
    path("<uuid:submission_id>/retry/", views.submission_retry, name="retry"),
    path("<uuid:submission_id>/close/", views.submission_close, name="close"),
]
