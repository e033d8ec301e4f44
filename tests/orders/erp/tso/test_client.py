"""The 24SevenOffice client against the documented shapes: auth, retries, and every error mapping."""

import json
from urllib.parse import parse_qs

import pytest
import requests
import responses as responses_lib

from orders.erp.errors import (
    InvalidCursor,
    UpstreamAuthError,
    UpstreamBusinessError,
    UpstreamConflict,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)

API = "https://erp.example/v1"  # as in conftest.py
TOKEN_URL = "https://login.example/oauth/token"

ORDER = {"id": 1234, "customer": {"id": 12345, "name": "ABC Corporation"}, "status": "Draft"}


def envelope(name, payload=None, message=None, tracking="trk-1"):
    error = {"name": name}
    if payload is not None:
        error["payload"] = payload
    if message is not None:
        error["message"] = message
    return {"error": error, "trackingId": tracking}


def test_token_is_requested_with_client_credentials_and_sent_as_bearer(client, rsps, token_endpoint):
    call = rsps.get(f"{API}/salesorders/1234", json=ORDER, headers={"X-Trace-Id": "tr-9"})
    response = client.get_order(1234)

    assert response.data["id"] == 1234
    assert response.trace_id == "tr-9"
    form = parse_qs(token_endpoint.calls[0].request.body)
    assert form == {
        "grant_type": ["client_credentials"], "client_id": ["id-1"], "client_secret": ["secret-1"],
        "audience": ["https://api.24sevenoffice.com"], "login_organization": ["42"],
    }
    assert call.calls[0].request.headers["Authorization"] == "Bearer tok-1"


def test_token_is_cached_until_it_nears_expiry(client, rsps, token_endpoint):
    rsps.get(f"{API}/salesorders/1234", json=ORDER)
    client.get_order(1234)
    client.get_order(1234)
    assert token_endpoint.call_count == 1


def test_the_token_is_read_from_the_cache_once_in_a_while_not_on_every_call(client, rsps, token_endpoint,
                                                                             monkeypatch):
    from orders.erp.tso import client as client_module

    rsps.get(f"{API}/salesorders/1234", json=ORDER)
    client.get_order(1234)
    reads = []
    get = client_module.cache.get
    monkeypatch.setattr(client_module, "cache", type("Cache", (), {
        "get": staticmethod(lambda key, *args: reads.append(key) or get(key, *args)),
        "set": staticmethod(client_module.cache.set), "delete": staticmethod(client_module.cache.delete)})())
    client.get_order(1234)
    client.get_order(1234)
    assert reads == []  # the process's copy
    client.forget_kept_token()
    client.get_order(1234)
    assert len(reads) == 1 and token_endpoint.call_count == 1  # read from the cache again, not fetched


def test_a_401_refreshes_the_token_once_and_retries(client, rsps, token_endpoint):
    rsps.get(f"{API}/salesorders/1234", status=401, json=envelope("UnauthorizedError"))
    rsps.get(f"{API}/salesorders/1234", json=ORDER)
    assert client.get_order(1234).data == ORDER
    assert token_endpoint.call_count == 2


def test_a_second_401_is_an_auth_error(client, rsps, token_endpoint):
    rsps.get(f"{API}/salesorders/1234", status=401, json=envelope("UnauthorizedError", tracking="t-401"))
    with pytest.raises(UpstreamAuthError) as caught:
        client.get_order(1234)
    assert caught.value.tracking_id == "t-401"
    assert token_endpoint.call_count == 2


@pytest.mark.parametrize("status", [400, 401, 403])
def test_rejected_credentials_say_which_settings_to_check(client, rsps, status):
    rsps.replace(responses_lib.POST, TOKEN_URL, status=status, json={"error": "access_denied"})
    with pytest.raises(UpstreamAuthError) as caught:
        client.get_order(1)
    assert "TSO_CLIENT_ID" in str(caught.value)


def test_a_token_answer_without_a_token_is_unavailable(client, rsps):
    rsps.replace(responses_lib.POST, TOKEN_URL, body="<html>login</html>", status=200)
    with pytest.raises(UpstreamUnavailable):
        client.get_order(1)


def test_get_is_retried_on_503_honouring_retry_after(client, rsps):
    flaky = rsps.get(f"{API}/salesorders", status=503, headers={"Retry-After": "0"})
    rsps.get(f"{API}/salesorders", json=[ORDER])
    assert client.list_orders({"limit": 5}).data == [ORDER]
    assert flaky.call_count == 1


def test_get_retries_are_bounded(client, rsps):
    busy = rsps.get(f"{API}/salesorders", status=502, body="bad gateway")
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_orders()
    assert busy.call_count == 3  # one try and MAX_RETRIES=2 retries
    assert caught.value.status == 502


def test_a_long_retry_after_is_not_waited_for(client, rsps):
    busy = rsps.get(f"{API}/salesorders", status=429, headers={"Retry-After": "120"})
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_orders()
    assert busy.call_count == 1
    assert caught.value.retry_after == 120


def test_get_is_retried_on_connection_errors(client, rsps):
    rsps.get(f"{API}/taxes", body=requests.ConnectionError("reset"))
    rsps.get(f"{API}/taxes", json=[{"id": 1, "rate": 25}])
    assert client.list_taxes().data == [{"id": 1, "rate": 25}]


def test_a_read_timeout_on_a_get_ends_as_unavailable(client, rsps):
    rsps.get(f"{API}/taxes", body=requests.ReadTimeout("slow"))
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_taxes()
    assert "too long" in str(caught.value)
    assert caught.value.outcome_unknown is False


@pytest.mark.parametrize(
    ("failure", "outcome_unknown"),
    [
        (dict(status=500, json=envelope("InternalServerError")), True),
        (dict(status=503, headers={"Retry-After": "0"}), False),
        (dict(body=requests.ReadTimeout("slow")), True),
        (dict(body=requests.ConnectionError("Connection aborted.")), True),
    ],
)
def test_writes_are_never_retried_and_say_whether_they_may_have_happened(client, rsps, failure, outcome_unknown):
    post = rsps.post(f"{API}/salesorders", **failure)
    with pytest.raises(UpstreamUnavailable) as caught:
        client.create_order({"customer": {"id": 1, "name": "A"}})
    assert post.call_count == 1
    assert caught.value.outcome_unknown is outcome_unknown


def test_a_redirect_is_not_followed_and_a_redirected_write_may_have_happened(client, rsps):
    elsewhere = rsps.get("https://elsewhere.example/orders/5", json={"id": 5})
    rsps.get(f"{API}/salesorders/5", status=302, headers={"Location": "https://elsewhere.example/orders/5"})
    with pytest.raises(UpstreamUnavailable, match="redirect") as read:
        client.get_order(5)
    assert read.value.outcome_unknown is False
    rsps.post(f"{API}/salesorders", status=303, headers={"Location": f"{API}/salesorders/77"})
    with pytest.raises(UpstreamUnavailable) as written:
        client.create_order({"customer": {"id": 1, "name": "A"}})
    assert written.value.outcome_unknown is True  # "See Other" after a POST: it may well exist now
    assert elsewhere.call_count == 0  # neither the token nor anything else went to the other host


def test_the_sessions_headers_are_sent_under_the_calls_own(client, rsps):
    get = rsps.get(f"{API}/salesorders/5", json=ORDER)
    client.get_order(5)
    sent = get.calls[0].request.headers
    assert sent["Accept"] == "application/json"
    assert sent["Authorization"] == "Bearer tok-1"
    assert "Cookie" not in sent


def test_validation_errors_keep_paths_keywords_and_ids(client, rsps):
    rsps.post(
        f"{API}/salesorders", status=400, headers={"X-Trace-Id": "tr-400"},
        json=envelope("ValidationError", {"validationErrors": [{"path": "customer.name", "keyword": "required"}]},
                      tracking="def456"),
    )
    with pytest.raises(UpstreamValidationError) as caught:
        client.create_order({"customer": {"id": 1}})
    error = caught.value
    assert [(e.path, e.keyword) for e in error.field_errors] == [("customer.name", "required")]
    assert error.field_errors[0].explanation == "This field is required by the ERP."
    assert (error.tracking_id, error.trace_id, error.status) == ("def456", "tr-400", 400)


def test_bad_request_errors_keep_their_types(client, rsps):
    rsps.patch(
        f"{API}/salesorders/7", status=400,
        json=envelope("BadRequestError", {"errors": [
            {"type": "NoLines", "message": "No lines in the sales order", "arguments": ["lineItems"]}]},
            tracking="ghi789"),
    )
    with pytest.raises(UpstreamBusinessError) as caught:
        client.update_order(7, {"status": "Invoice"})
    assert caught.value.types == ("NoLines",)
    assert caught.value.errors[0].arguments == ("lineItems",)
    assert str(caught.value) == "No lines in the sales order"
    assert caught.value.tracking_id == "ghi789"


def test_forbidden_names_the_scope_the_erp_named(client, rsps):
    rsps.get(f"{API}/customers/5", status=403,
             json=envelope("ForbiddenError", message="Missing scope api.crm.customer:read"))
    with pytest.raises(UpstreamForbidden) as caught:
        client.get_customer(5)
    assert caught.value.scope == "api.crm.customer:read"
    assert "api.crm.customer:read" in str(caught.value)


def test_forbidden_without_a_message_names_the_documented_scope(client, rsps):
    rsps.delete(f"{API}/salesorders/5/lines/9", status=403)
    with pytest.raises(UpstreamForbidden) as caught:
        client.delete_line(5, 9)
    assert caught.value.scope == "api.invoicing.salesorder.line:delete"


def test_not_found_and_conflict(client, rsps):
    rsps.get(f"{API}/salesorders/404", status=404, json=envelope("NotFoundError", message="Sales order 404 not found"))
    rsps.delete(f"{API}/salesorders/9", status=409)
    with pytest.raises(UpstreamNotFound):
        client.get_order(404)
    with pytest.raises(UpstreamConflict):
        client.delete_order(9)


def test_delete_answers_no_content(client, rsps):
    rsps.delete(f"{API}/salesorders/9", status=204)
    assert client.delete_order(9).data is None


@pytest.mark.parametrize(
    "answer",
    [
        dict(status=200, body="<html><body>Maintenance</body></html>", content_type="text/html"),
        dict(status=200, body='[{"id": 1, "customer": ', content_type="application/json"),
        dict(status=502, body="<html>Bad gateway</html>", content_type="text/html"),
    ],
)
def test_nonsense_answers_are_unavailable(client, rsps, answer):
    rsps.get(f"{API}/salesorders", **answer)
    with pytest.raises(UpstreamUnavailable):
        client.list_orders()


def test_link_header_becomes_cursors_that_are_followed_as_given(client, rsps):
    link = (f'<{API}/salesorders?limit=2&continuationToken=abc>; rel="next", '
            f'<{API}/salesorders?limit=2>; rel="first"')
    rsps.get(f"{API}/salesorders", json=[ORDER], headers={"Link": link})
    page = client.list_orders({"limit": 2})
    cursor = client.cursor_for(page.links["next"])
    assert cursor == "/salesorders?limit=2&continuationToken=abc"

    following = rsps.get(f"{API}/salesorders", json=[])
    client.list_orders(cursor=cursor)
    assert following.calls[0].request.url == f"{API}/salesorders?limit=2&continuationToken=abc"


def test_lower_case_link_header_is_read(client, rsps):
    rsps.get(f"{API}/customers", json=[], headers={"link": f'<{API}/customers?page=2>; rel="next"'})
    assert client.cursor_for(client.list_customers().links["next"]) == "/customers?page=2"


@pytest.mark.parametrize("cursor", ["https://evil.example/v1/salesorders?x=1", "/customers?limit=1", "/salesorders/1"])
def test_cursors_outside_the_collection_are_refused(client, cursor):
    with pytest.raises(UpstreamNotFound):
        client.list_orders(cursor=cursor)


@pytest.mark.parametrize("cursor", [
    "/salesorders?limit=1000",  # more than the page sizes offered
    "/salesorders?limit=²",
    "/salesorders?limit=10&limit=1000",
    "/salesorders?limit=10&pageSize=1000",  # not a parameter of the API's
    "/salesorders?limit=10&continuationToken=abc&status=Draft&status=Invoice",
    "/salesorders?limit=10&&",
    "/salesorders?limit=10 ",
    "/salesorders?limit=10&x\x00=1",
    "/salesorders?continuationToken=" + "a" * 4000,
])
def test_an_order_list_cursor_asks_only_what_the_list_offers(client, rsps, cursor):
    with pytest.raises(InvalidCursor):
        client.list_orders(cursor=cursor, page_sizes=(10, 25, 50, 100))
    assert not rsps.calls  # nothing was sent


def test_an_order_list_cursor_within_the_offer_is_followed_as_given(client, rsps):
    following = rsps.get(f"{API}/salesorders", json=[])
    cursor = "/salesorders?limit=100&status=Invoice&dateFrom=2026-01-01&continuationToken=eyJkIjoxfQ"
    client.list_orders(cursor=cursor, page_sizes=(10, 25, 50, 100))
    assert following.calls[0].request.url == f"{API}{cursor}"


def test_links_off_the_api_do_not_become_cursors(client):
    assert client.cursor_for("https://elsewhere.example/v1/salesorders?x=1") is None


def test_json_bodies_are_sent_as_json(client, rsps):
    post = rsps.post(f"{API}/salesorders/3/lines", json={"id": 9})
    client.create_line(3, {"type": "text", "description": "Gift wrap"})
    assert json.loads(post.calls[0].request.body) == {"type": "text", "description": "Gift wrap"}


def test_a_write_answered_with_unreadable_success_may_have_happened(client, rsps):
    rsps.post(f"{API}/salesorders", status=200, body='{"id": 12', content_type="application/json")
    with pytest.raises(UpstreamUnavailable) as caught:
        client.create_order({"customer": {"id": 1, "name": "A"}})
    assert caught.value.outcome_unknown is True


def test_proxies_from_the_environment_are_honoured(client, rsps, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    client.connection._proxies.clear()
    rsps.get(f"{API}/taxes", json=[])
    client.list_taxes()
    assert client.connection._proxies_for(f"{API}/taxes") == {"https": "http://proxy.internal:3128"}


def test_no_proxy_is_honoured(client, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "erp.example")
    client.connection._proxies.clear()
    assert client.connection._proxies_for(f"{API}/taxes") == {}


@pytest.mark.parametrize(("header", "seconds"), [("2", 2.0), (" 7 ", 7.0), ("²", None), ("①", None), ("9" * 5000, None),
                                                 ("soon", None), ("", None)])
def test_an_odd_retry_after_from_the_erp_is_ignored_not_a_crash(header, seconds):
    from orders.erp.http import parse_retry_after

    assert parse_retry_after(header) == seconds
