"""Root URLs: sign-in (throttled), the orders app and its submissions, the health check, Django's admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from orders.urls import submission_urlpatterns
from orders.views import health
from salesadmin.security import SignInView

urlpatterns = [
    # Django's sign-in, throttled: see salesadmin.security.
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", login_not_required(RedirectView.as_view(pattern_name="orders:list")), name="home"),
    path("orders/", include("orders.urls", namespace="orders")),
    path("submissions/", include((submission_urlpatterns, "submissions"))),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
