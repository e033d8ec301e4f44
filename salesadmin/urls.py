"""Root URLs: sign-in (throttled), the orders app per ERP connection and its submissions, the health check,
Django's admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from orders.urls import submission_urlpatterns
from orders.views import browse, health
from salesadmin.security import SignInView

urlpatterns = [
    # Django's sign-in, throttled: see salesadmin.security.
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every order page names its ERP connection (company); the old /orders/… addresses, and the
    # home page, lead to the user's default one.
    path("", browse.to_default_connection, name="home"),
    path("c/<slug:connection>/orders/", include("orders.urls", namespace="orders")),
    re_path(r"^orders/(?P<rest>.*)$", browse.to_default_connection, name="orders_without_connection"),
    path("submissions/", include((submission_urlpatterns, "submissions"))),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
