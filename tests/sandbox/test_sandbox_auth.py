"""The token endpoint, bearer tokens, expiry and scopes."""

import time

import requests


def token_form(sandbox, **changes):
    form = {
        "grant_type": "client_credentials",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "audience": "https://api.24sevenoffice.com",
        "login_organization": "1000001",
    }
    return {**form, **changes}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_issued_for_form_encoded_client_credentials(sandbox):
    response = requests.post(sandbox.token_url, data=token_form(sandbox), timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-Trace-Id"]
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert "api.invoicing.salesorder:write" in body["scope"].split()
    assert requests.get(f"{sandbox.api_url}/taxes", headers=bearer(body["access_token"]), timeout=10).status_code == 200


def test_token_is_issued_for_json_and_any_organization(sandbox):
    response = requests.post(sandbox.token_url, json=token_form(sandbox, login_organization="42"), timeout=10)
    assert response.status_code == 200
    assert response.json()["access_token"]


def test_bad_credentials_are_access_denied(sandbox):
    response = requests.post(sandbox.token_url, data=token_form(sandbox, client_secret="wrong"), timeout=10)

    assert response.status_code == 401
    assert response.json()["error"] == "access_denied"
    assert response.json()["error_description"]
    assert response.headers["X-Trace-Id"]


def test_other_grant_types_are_rejected(sandbox):
    response = requests.post(sandbox.token_url, data=token_form(sandbox, grant_type="password"), timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_expires_in_follows_the_configured_ttl(sandbox):
    sandbox.configure(token_ttl=120)
    assert requests.post(sandbox.token_url, data=token_form(sandbox), timeout=10).json()["expires_in"] == 120


def test_a_call_without_a_token_is_401_with_the_envelope(sandbox):
    response = requests.get(f"{sandbox.api_url}/salesorders", timeout=10)

    assert response.status_code == 401
    body = response.json()
    assert body["error"]["name"] == "UnauthorizedError"
    assert body["trackingId"]
    assert response.headers["X-Trace-Id"] != body["trackingId"]


def test_an_unknown_token_is_401(sandbox):
    response = requests.get(f"{sandbox.api_url}/salesorders", headers=bearer("not-a-token"), timeout=10)
    assert response.status_code == 401


def test_tokens_expire_after_their_ttl(sandbox):
    sandbox.configure(token_ttl=1)
    token = requests.post(sandbox.token_url, data=token_form(sandbox), timeout=10).json()["access_token"]
    assert requests.get(f"{sandbox.api_url}/taxes", headers=bearer(token), timeout=10).status_code == 200

    time.sleep(1.1)
    response = requests.get(f"{sandbox.api_url}/taxes", headers=bearer(token), timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The access token has expired"


def test_expiring_all_tokens_gives_401_until_a_new_token_is_fetched(sandbox):
    old = sandbox.token()
    assert sandbox.expire_tokens()["expired"] >= 1

    assert requests.get(f"{sandbox.api_url}/taxes", headers=bearer(old), timeout=10).status_code == 401
    assert sandbox.api("GET", "/taxes").status_code == 200  # a fresh token


def test_a_denied_scope_is_403_naming_it_even_for_existing_tokens(sandbox):
    existing = sandbox.token()
    sandbox.configure(denied_scopes=["api.crm.customer:read"])

    response = requests.get(f"{sandbox.api_url}/customers", headers=bearer(existing), timeout=10)
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == {"name": "ForbiddenError", "message": "Missing scope api.crm.customer:read"}
    assert body["trackingId"]

    fresh = requests.post(sandbox.token_url, data=token_form(sandbox), timeout=10).json()
    assert "api.crm.customer:read" not in fresh["scope"].split()
    assert sandbox.api("GET", "/customers").status_code == 403
    assert sandbox.api("GET", "/salesorders").status_code == 200
