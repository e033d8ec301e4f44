"""What every answer tells the browser: keep no copy of pages with order data, run only our own
scripts and styles, use no camera, microphone, location, payment…; and, in production, HTTPS only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "display-capture")


def csp(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


def assert_private_page(response) -> None:
    where = response.request["PATH_INFO"]
    cache_control = {value.strip() for value in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control and "public" not in cache_control, where
    assert csp(response) == POLICY, where
    permissions = {item.strip() for item in response["Permissions-Policy"].split(",")}
    assert {f"{feature}=()" for feature in DENIED} <= permissions, where
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_with_order_data_are_not_stored(upstream, sales_client):
    order = upstream.api("GET", "/salesorders", params={"limit": 1}).json()[0]
    product = upstream.api("GET", "/products", params={"limit": 1}).json()[0]
    htmx = {"HTTP_HX_REQUEST": "true"}
    answers = [
        sales_client.get("/c/nordlys/orders/"),
        sales_client.get("/c/nordlys/orders/", {"status": "Invoice"}, **htmx),
        sales_client.get(f"/c/nordlys/orders/{order['id']}/"),
        sales_client.get("/c/nordlys/orders/new/"),
        sales_client.get(f"/c/nordlys/orders/new/?from={order['id']}"),
        sales_client.get("/c/nordlys/orders/new/customers/", {"customer_query": "AS", "who": "customer"}, **htmx),
        sales_client.get("/c/nordlys/orders/new/products/", {"line": "0", "lines-0-product_query": product["name"][:4]}, **htmx),
        sales_client.post("/c/nordlys/orders/new/", {"recalculate": "1", "lines-TOTAL_FORMS": "0"}, **htmx),
        sales_client.post("/c/nordlys/orders/new/", {"add_line": "1"}, **htmx),
    ]
    for response in answers:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert_private_page(response)


def test_submissions_and_sign_in_are_not_stored_either(admin_client_logged_in):
    assert_private_page(admin_client_logged_in.get("/submissions/"))
    assert_private_page(admin_client_logged_in.get(reverse("submissions:failed")))
    assert_private_page(Client().get("/accounts/login/"))


def test_static_files_keep_their_caching():
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_production_sends_plain_http_to_https_except_the_health_check(upstream, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()
    redirected = client.get("/c/nordlys/orders/")
    assert redirected.status_code == 301 and redirected["Location"] == "https://testserver/c/nordlys/orders/"
    assert client.get("/healthz").status_code == 200  # a load balancer's plain-HTTP probe
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
