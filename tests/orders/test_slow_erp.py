"""A slow or broken ERP does not hold a page: the pages' deadline, the bulkhead and the size cap, through
the Django test client against the sandbox's ``stall``, ``drip`` and ``huge`` faults.

The time-outs are the ``upstream`` fixture's (2 s read time-out) with two retries: without the deadline,
a stalled call holds a page 6 s and a drip for as long as it drips.
"""

from __future__ import annotations

import html
import re
import time

import pytest

from orders import services
from orders.erp import deadline
from orders.erp.tso import get_client

pytestmark = pytest.mark.django_db

DEADLINE = 1.0
# Generous: the machine is shared. Without the deadline these pages take 6 s or more.
MARGIN = 1.5
ORDER_ID = 1001
TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return " ".join(html.unescape(TAG.sub(" ", response.content.decode())).split())


@pytest.fixture
def slow_erp(upstream, settings):
    settings.ERP_PAGE_DEADLINE_SECONDS = DEADLINE
    settings.TSO = {**settings.TSO, "MAX_RETRIES": 2}
    return upstream


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


SLOW = [pytest.param("stall", 30, id="stall"), pytest.param("drip", 0.01, id="drip")]


@pytest.mark.parametrize(("fault", "seconds"), SLOW)
def test_a_slow_erp_gives_the_order_list_its_error_state_by_the_deadline(sales_client, slow_erp, fault, seconds):
    slow_erp.fault("GET /salesorders", fault, count=3, seconds=seconds)
    response, elapsed = timed(lambda: sales_client.get("/c/nordlys/orders/"))
    assert elapsed < DEADLINE + MARGIN
    assert response.status_code == 503
    assert "The ERP is not answering" in text(response) and "Try again" in text(response)


@pytest.mark.parametrize(("fault", "seconds"), SLOW)
def test_a_slow_erp_gives_the_order_page_its_error_state_by_the_deadline(sales_client, slow_erp, fault, seconds):
    slow_erp.fault("GET /salesorders/*", fault, count=6, seconds=seconds)  # the order and its lines
    response, elapsed = timed(lambda: sales_client.get(f"/c/nordlys/orders/{ORDER_ID}/"))
    assert elapsed < DEADLINE + MARGIN
    assert response.status_code == 503
    assert "The ERP is not answering" in text(response)


def test_even_signing_in_to_the_erp_keeps_to_the_deadline(sales_client, slow_erp):
    slow_erp.configure(latency_ms=5000)  # every call, the token's first, takes 5 s
    response, elapsed = timed(lambda: sales_client.get("/c/nordlys/orders/"))
    assert elapsed < DEADLINE + MARGIN
    assert response.status_code == 503


def test_healthz_does_not_hang_on_a_stalled_erp(admin_client_logged_in, slow_erp):
    slow_erp.fault("GET /currencies", "stall", count=3, seconds=30)  # what its ERP probe asks for
    response, elapsed = timed(lambda: admin_client_logged_in.get("/healthz"))
    assert elapsed < DEADLINE + MARGIN
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is True
    nordlys = response.json()["connections"]["nordlys"]
    assert (nordlys["ok"], nordlys["detail"]) == (False, "The ERP took too long to answer.")


@pytest.mark.parametrize("path", ["/c/nordlys/orders/", f"/c/nordlys/orders/{ORDER_ID}/"])
def test_a_huge_answer_is_refused_as_broken_not_turned_into_a_huge_page(admin_client_logged_in, slow_erp, path):
    slow_erp.fault("GET /salesorders*", "huge", count=5)
    response = admin_client_logged_in.get(path)
    assert response.status_code == 503
    assert "The ERP is not answering" in text(response)
    assert len(response.content) < 100_000


def test_when_every_permit_is_taken_a_page_says_so_at_once(sales_client, slow_erp):
    sales_client.get("/c/nordlys/orders/")  # token and customer list cached
    bulkhead = get_client().connection.bulkhead
    taken = 0
    while bulkhead.acquire(0):  # as many other requests waiting on a slow ERP
        taken += 1
    try:
        since = slow_erp.last_call_id()
        response, elapsed = timed(lambda: sales_client.get("/c/nordlys/orders/"))
        assert elapsed < 1.0
        assert response.status_code == 503
        assert "The ERP is not answering" in text(response)
        assert slow_erp.calls(since) == []  # nothing was sent
        login, elapsed = timed(lambda: sales_client.get("/accounts/login/"))
        assert elapsed < 1.0  # a page without ERP calls never waits on the bulkhead
    finally:
        for _ in range(taken):
            bulkhead.release()
    assert taken == 5  # ERP_BULKHEAD_THREADS
    assert sales_client.get("/c/nordlys/orders/").status_code == 200


def test_calls_started_on_the_pool_keep_the_request_s_budget():
    with deadline.budget(5) as budget:
        assert services.wait(services.pool.submit(deadline.current)) is budget
    assert services.wait(services.pool.submit(deadline.current)) is None  # outside a web request: none


def test_calls_on_the_pool_keep_the_connection_and_reuse_the_worker_s_cache_client():
    from django.core.cache import caches

    from orders import connections
    from orders.models import ErpConnection
    from orders.services.common import _RequestPool

    one_worker = _RequestPool(max_workers=1)
    try:
        company = ErpConnection(slug="acme")
        with connections.using(company), deadline.budget(5) as budget:
            seen = one_worker.submit(lambda: (connections.current(), deadline.current(), caches["default"])).result()
        assert seen[:2] == (company, budget)
        # The next call (another request's, or none) finds neither, but the same cache client: a new
        # client per call was a new Redis connection pool and connection per ERP call.
        again = one_worker.submit(lambda: (connections.current(), deadline.current(), caches["default"])).result()
        assert again[:2] == (None, None)
        assert again[2] is seen[2]
    finally:
        one_worker.shutdown()
