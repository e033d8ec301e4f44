"""Root URLs: sign-in, the orders app and its submissions, the health check, Django's admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from orders import views as order_views
from orders.urls import submission_urlpatterns

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", login_not_required(RedirectView.as_view(pattern_name="orders:list")), name="home"),
    path("orders/", include("orders.urls", namespace="orders")),
    path("submissions/", include((submission_urlpatterns, "submissions"))),
    path("healthz", order_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
