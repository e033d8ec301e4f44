"""Fixtures for the order pages: the dashboard pointed at the sandbox, and signed-in clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client

from orders.context_processors import ADMINS_GROUP, SALES_GROUP


def make_user(username: str, *, groups: tuple[str, ...] = (), is_staff: bool = False,
              first_name: str = "", last_name: str = "") -> User:
    """A user in the given groups (created as needed), password ``pw``."""
    user = User.objects.create_user(
        username=username, password="pw", first_name=first_name, last_name=last_name, is_staff=is_staff
    )
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher takes a good part of a second per password: not what these tests test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def upstream(sandbox, settings):
    """Point the dashboard's 24SevenOffice client at the running sandbox, with quick time-outs."""
    settings.TSO = {
        **settings.TSO,
        "API_BASE_URL": sandbox.api_url,
        "TOKEN_URL": sandbox.token_url,
        "CLIENT_ID": sandbox.client_id,
        "CLIENT_SECRET": sandbox.client_secret,
        "READ_TIMEOUT": 2,
        # A write in doubt is checked at once; tests of the settle period set their own.
        "SETTLE_SECONDS": 0,
        "MAX_RETRIES": 1,
        "BACKOFF": 0.01,
    }
    cache.clear()  # tokens, reference data and customer hints belong to another upstream
    yield sandbox
    cache.clear()


@pytest.fixture
def sales_user(db) -> User:
    return make_user("sam", groups=(SALES_GROUP,), first_name="Sam", last_name="Seller")


@pytest.fixture
def admin_user_in_group(db) -> User:
    return make_user("ada", groups=(ADMINS_GROUP,), is_staff=True, first_name="Ada", last_name="Admin")


@pytest.fixture
def sales_client(sales_user) -> Client:
    return signed_in(sales_user)


@pytest.fixture
def admin_client_logged_in(admin_user_in_group) -> Client:
    return signed_in(admin_user_in_group)


@pytest.fixture
def other_sales_client(db) -> Client:
    """A second sales user, for what must stay one user's own (their submissions)."""
    return signed_in(make_user("olga", groups=(SALES_GROUP,), first_name="Olga", last_name="Other"))
