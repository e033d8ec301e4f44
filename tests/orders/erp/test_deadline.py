"""A slow or broken ERP, at the client: the page's deadline, the bulkhead and the answer size cap.

The first tests use recorded HTTP (``responses``); the rest use the sandbox over real HTTP, whose
``stall``, ``drip`` and ``huge`` faults behave as a hung, trickling or runaway upstream does.
"""

import threading
import time
from concurrent.futures import Future

import pytest
import requests

from orders.erp import deadline
from orders.erp.errors import UpstreamUnavailable
from orders.erp.tso.client import TwentyFourSevenClient

API = "https://erp.example/v1"  # as in conftest.py
BIG = 2_000_000  # the default cap


def elapsed_since(started: float) -> float:
    return time.monotonic() - started


# --- the answer size cap ---------------------------------------------------------------------------


def test_an_answer_announced_larger_than_the_cap_is_refused_unread(client, rsps):
    rsps.get(f"{API}/salesorders", body=b"[" + b" " * (BIG + 10) + b"]", auto_calculate_content_length=True)
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_orders()
    assert "broken answer" in str(caught.value)
    assert caught.value.outcome_unknown is False


def test_an_answer_growing_past_the_cap_is_refused_while_read(client, rsps):
    rsps.get(f"{API}/salesorders", body=b"[" + b" " * (BIG + 10) + b"]")  # no Content-Length
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_orders()
    assert "broken answer" in str(caught.value)


def test_an_answer_within_the_cap_is_read_whole(client, rsps):
    rsps.get(f"{API}/salesorders", body=b'[{"id": 1}' + b" " * (BIG - 20) + b"]",
             content_type="application/json")
    assert client.list_orders().data == [{"id": 1}]


def test_an_oversize_answer_to_a_write_may_have_happened(client, rsps):
    post = rsps.post(f"{API}/salesorders", body=b"{" + b" " * (BIG + 10) + b"}")
    with pytest.raises(UpstreamUnavailable) as caught:
        client.create_order({"customer": {"id": 1, "name": "A"}})
    assert post.call_count == 1
    assert caught.value.outcome_unknown is True


# --- the deadline, with recorded HTTP --------------------------------------------------------------


def test_each_attempt_s_time_outs_are_capped_by_the_time_left(client, rsps):
    call = rsps.get(f"{API}/taxes", json=[])
    with deadline.budget(0.5):
        client.list_taxes()
    connect, read = call.calls[0].request.req_kwargs["timeout"]
    assert 0 < connect <= 0.5 and 0 < read <= 0.5


def test_outside_a_web_request_the_connection_s_own_time_outs_apply(client, rsps):
    call = rsps.get(f"{API}/taxes", json=[])
    client.list_taxes()
    assert call.calls[0].request.req_kwargs["timeout"] == (1, 1)


def test_a_retry_after_past_the_deadline_is_not_waited_for(client, rsps):
    busy = rsps.get(f"{API}/salesorders", status=503, headers={"Retry-After": "3"})
    started = time.monotonic()
    with deadline.budget(1.0), pytest.raises(UpstreamUnavailable) as caught:
        client.list_orders()
    assert elapsed_since(started) < 0.5
    assert busy.call_count == 1
    assert caught.value.retry_after == 3


def test_no_retry_is_started_once_the_deadline_has_passed(client, rsps, monkeypatch):
    from orders.erp import http as connection

    broken = rsps.get(f"{API}/taxes", body=requests.ConnectionError("reset"))
    client.connection.backoff = 1.0
    monkeypatch.setattr(connection.random, "uniform", lambda low, high: high)  # each backoff sleeps its longest
    started = time.monotonic()
    with deadline.budget(0.3), pytest.raises(UpstreamUnavailable):
        client.list_taxes()
    # Uncapped, the first backoff alone would sleep 1 s; a loaded machine gets a generous margin.
    assert elapsed_since(started) < 0.8
    assert broken.call_count <= 2


def test_nothing_is_sent_after_the_deadline(client, rsps):
    call = rsps.get(f"{API}/taxes", json=[])
    client.list_taxes()  # the token is fetched and cached
    with deadline.budget(0.05):
        time.sleep(0.06)
        with pytest.raises(UpstreamUnavailable) as caught:
            client.list_taxes()
    assert call.call_count == 1
    assert caught.value.outcome_unknown is False


# --- the bulkhead ----------------------------------------------------------------------------------


def test_a_bulkhead_lets_a_request_in_once_and_gives_its_permit_back_at_the_end():
    bulkhead = deadline.Bulkhead(1, wait=0.05)
    with deadline.budget(5) as first:
        assert first.admit(bulkhead) and first.admit(bulkhead)  # one permit per request, kept
        with deadline.budget(5) as second:
            started = time.monotonic()
            assert not second.admit(bulkhead)
            assert elapsed_since(started) < 0.5
            assert not second.admit(bulkhead)  # refused once: refused at once from then on
    with deadline.budget(5) as third:
        assert third.admit(bulkhead)


def test_a_request_that_is_over_takes_no_permit():
    bulkhead = deadline.Bulkhead(1, wait=0.05)
    with deadline.budget(5) as finished:
        pass
    assert finished.admit(bulkhead)  # e.g. a call of the page left on the pool: it goes ahead, no permit
    with deadline.budget(5) as following:
        assert following.admit(bulkhead)  # the only permit is still free


def test_a_busy_connection_refuses_the_call_without_sending_it(client, rsps):
    call = rsps.get(f"{API}/taxes", json=[])
    client.list_taxes()
    client.connection.bulkhead = deadline.Bulkhead(1, wait=0.05)
    holder_in, holder_out = threading.Event(), threading.Event()

    def holder():
        with deadline.budget(5):
            client.list_taxes()
            holder_in.set()
            holder_out.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holder_in.wait(5)
        with deadline.budget(5), pytest.raises(UpstreamUnavailable) as caught:
            client.list_taxes()
        assert "Too many pages are waiting" in str(caught.value)
        assert call.call_count == 2
    finally:
        holder_out.set()
        thread.join()
    with deadline.budget(5):
        client.list_taxes()
    assert call.call_count == 3


def test_waiting_for_a_pooled_call_ends_at_the_deadline(monkeypatch):
    monkeypatch.setattr(deadline, "POOL_GRACE_SECONDS", 0.1)
    never: Future = Future()  # a call still queued behind other pages' calls
    started = time.monotonic()
    with deadline.budget(0.2), pytest.raises(UpstreamUnavailable):
        deadline.wait(never)
    assert 0.3 <= elapsed_since(started) < 0.8
    assert never.cancelled()


# --- over real HTTP: the sandbox's stall, drip and huge faults -------------------------------------


def sandbox_client(sandbox, **timeouts) -> TwentyFourSevenClient:
    """A client of the sandbox; by default with the production time-outs (10 s read, 2 retries)."""
    return TwentyFourSevenClient({
        "API_BASE_URL": sandbox.api_url, "TOKEN_URL": sandbox.token_url, "AUDIENCE": "https://api.24sevenoffice.com",
        "CLIENT_ID": sandbox.client_id, "CLIENT_SECRET": sandbox.client_secret,
        "ORGANIZATION_ID": sandbox.organization, "CONNECT_TIMEOUT": 3.05, "READ_TIMEOUT": 10, "MAX_RETRIES": 2,
        "BACKOFF": 0.25, **timeouts,
    })


@pytest.fixture
def patient(sandbox):
    client = sandbox_client(sandbox)
    client.list_taxes()  # the token is fetched and cached
    return client


def test_a_stalled_erp_is_given_up_at_the_deadline_retries_included(patient, sandbox):
    sandbox.fault("GET /taxes", "stall", count=3, seconds=30)
    started = time.monotonic()
    with deadline.budget(1.0), pytest.raises(UpstreamUnavailable) as caught:
        patient.list_taxes()
    assert elapsed_since(started) < 1.5
    assert "too long" in str(caught.value)


def test_a_drip_is_cut_at_the_deadline(patient, sandbox):
    sandbox.fault("GET /taxes", "drip", count=3, seconds=0.02)
    started = time.monotonic()
    with deadline.budget(1.0), pytest.raises(UpstreamUnavailable) as caught:
        patient.list_taxes()
    assert elapsed_since(started) < 1.5
    assert "too long" in str(caught.value)


def test_a_body_stalling_half_way_is_cut_at_the_deadline(patient, sandbox):
    # The headers come after 0.6 s, then a byte, then nothing for 5 s: a wait on the socket that
    # started well within the time left (1.2 s) must still end at the deadline, not 0.6 s after it.
    sandbox.configure(latency_ms=600)
    sandbox.fault("GET /taxes", "drip", count=3, seconds=5)
    started = time.monotonic()
    with deadline.budget(1.2), pytest.raises(UpstreamUnavailable):
        patient.list_taxes()
    assert elapsed_since(started) < 1.6


def test_outside_a_web_request_a_drip_is_cut_by_the_call_s_own_time_outs(sandbox):
    quick = sandbox_client(sandbox, CONNECT_TIMEOUT=0.3, READ_TIMEOUT=0.5, MAX_RETRIES=0)
    quick.list_taxes()
    sandbox.fault("GET /taxes", "drip", seconds=0.02)  # each byte well within the read time-out
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as caught:
        quick.list_taxes()
    assert 0.7 < elapsed_since(started) < 1.5  # connect + read time-outs: 0.8 s
    assert "too long" in str(caught.value)


def test_a_huge_answer_is_refused_as_broken(patient, sandbox):
    sandbox.fault("GET /salesorders", "huge")
    with pytest.raises(UpstreamUnavailable) as caught:
        patient.list_orders({"limit": 5})
    assert "broken answer" in str(caught.value)
    assert patient.list_orders({"limit": 5}).data  # the connection pool is still fine
