import pytest
import responses as responses_lib
from django.core.cache import cache

from orders.erp.tso.client import TwentyFourSevenClient

API = "https://erp.example/v1"
TOKEN_URL = "https://login.example/oauth/token"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rsps():
    with responses_lib.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def token_endpoint(rsps):
    return rsps.post(TOKEN_URL, json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600,
                                      "scope": "api.invoicing.salesorder:read"})


@pytest.fixture
def client(token_endpoint):
    return TwentyFourSevenClient({
        "API_BASE_URL": API,
        "TOKEN_URL": TOKEN_URL,
        "AUDIENCE": "https://api.24sevenoffice.com",
        "CLIENT_ID": "id-1",
        "CLIENT_SECRET": "secret-1",
        "ORGANIZATION_ID": "42",
        "CONNECT_TIMEOUT": 1,
        "READ_TIMEOUT": 1,
        "MAX_RETRIES": 2,
        "BACKOFF": 0.001,
    })
