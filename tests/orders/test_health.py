"""``/healthz`` as a load balancer and as an admin meet it: status only for anyone, details for admins,
and the ERP asked at most once per probe period however often it is polled."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Words that tell an outsider something about how the dashboard reaches the ERP.
REVEALING = ("credential", "secret", "token", "sign in", "auth", "24sevenoffice", "erp", "refused", "scope")


def currency_calls(sandbox, since: int) -> int:
    return sum(1 for call in sandbox.calls(since=since) if call["path"].endswith("/currencies"))


def test_anyone_gets_the_status_only(upstream):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_a_failing_erp_is_degraded_with_no_word_about_why(upstream):
    upstream.configure(failure_rate=1.0)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


def test_refused_credentials_are_not_mentioned_to_anyone(upstream, settings):
    settings.TSO = {**settings.TSO, "CLIENT_SECRET": "not-the-secret"}
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}
    body = response.content.decode().casefold()
    assert not [word for word in REVEALING if word in body]


def test_sales_users_get_the_status_only(upstream, sales_client):
    assert sales_client.get("/healthz").json() == {"status": "ok"}


def test_admins_get_the_details(upstream, admin_client_logged_in, settings):
    settings.TSO = {**settings.TSO, "CLIENT_SECRET": "not-the-secret"}
    before = dt.datetime.now(dt.UTC)
    response = admin_client_logged_in.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True, "detail": "ok"}
    nordlys = body["connections"]["nordlys"]
    assert nordlys["name"] == "Nordlys Kontorservice AS" and nordlys["erp"] == "24SevenOffice"
    assert nordlys["ok"] is False and nordlys["detail"]
    assert "not-the-secret" not in response.content.decode()
    probed_at = dt.datetime.fromisoformat(nordlys["checked_at"])
    assert before <= probed_at <= dt.datetime.now(dt.UTC)


def test_polling_asks_the_erp_once_per_probe_period(upstream, settings):
    settings.HEALTH_PROBE_SECONDS = 1
    since = upstream.last_call_id()
    client = Client()
    assert all(client.get("/healthz").status_code == 200 for _ in range(20))
    assert currency_calls(upstream, since) == 1
    assert len(upstream.calls(since=since)) <= 2  # the probe, and the token it needed

    time.sleep(1.1)  # the period is over: the next poll asks again, once
    since = upstream.last_call_id()
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))
    assert currency_calls(upstream, since) == 1


def test_a_failing_erp_is_not_asked_on_every_poll_either(upstream):
    upstream.configure(failure_rate=1.0)
    client = Client()
    since = upstream.last_call_id()
    assert client.get("/healthz").status_code == 503
    after_one = len(upstream.calls(since=since))
    assert after_one >= 1
    assert all(client.get("/healthz").status_code == 503 for _ in range(10))
    assert len(upstream.calls(since=since)) == after_one


def test_while_one_poll_waits_on_a_stalled_erp_the_others_answer_at_once(upstream):
    from orders import connections
    from orders.models import ErpConnection

    with connections.using(ErpConnection.objects.get(slug="nordlys")):
        _one_waits_the_others_answer(upstream)


def _one_waits_the_others_answer(upstream):
    import contextvars
    import threading

    from django.core.cache import cache

    from orders import services

    first = services.healthcheck._upstream_probe()
    assert first["ok"]
    cache.delete(services.scoped(services.HEALTH_PROBE_KEY))  # the period is over
    upstream.fault("GET /currencies", "stall", seconds=3)
    probing = threading.Thread(target=contextvars.copy_context().run, args=(services.healthcheck._upstream_probe,))
    probing.start()
    time.sleep(0.3)  # that poll is now waiting on the ERP

    started = time.monotonic()
    answer = services.healthcheck._upstream_probe()

    assert time.monotonic() - started < 0.5
    assert answer == first  # the latest probe there is
    probing.join()
