"""Wrong passwords slow sign-in down, then pause it for the user name or the address that sent them."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
HOME = "/"  # then on to the default company's orders
ADDRESS, OTHER_ADDRESS = "127.0.0.21", "127.0.0.22"
LOCKED = "Too many failed sign-ins. To protect the account, signing in is paused: try again in 15 minutes."
WRONG = "Please enter a correct username and password."
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_FAILURE_DELAY = 0  # the delay itself is tested on its own below
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def users(db):
    return {name: User.objects.create_user(name, password=f"{name}-secret") for name in ("sam", "olga", "mallory")}


def text(response) -> str:
    return " ".join(html.unescape(TAG.sub(" ", response.content.decode())).split())


def sign_in(username: str, password: str, address: str = ADDRESS, client: Client | None = None):
    client = client or Client()
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
    response.client = client
    return response


def signed_in(response) -> bool:
    """Whether that sign-in worked: it leads on to the orders, with a session of its user."""
    return response.status_code == 302 and response["Location"] == HOME and "_auth_user_id" in response.client.session


def fail(username: str, times: int, address: str = ADDRESS) -> list:
    return [sign_in(username, "wrong", address) for _ in range(times)]


def test_wrong_passwords_lock_the_user_with_a_clear_message_even_for_the_right_password(users):
    answers = fail("sam", 5)
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert WRONG in text(answers[0]) and "paused" not in text(answers[0])
    assert "2 more wrong passwords and signing in is paused for 15 minutes." in text(answers[2])
    assert "1 more wrong password and signing in is paused for 15 minutes." in text(answers[3])
    assert LOCKED in text(answers[4])
    assert answers[4]["Retry-After"] == "900"

    right = sign_in("sam", "sam-secret")
    assert right.status_code == 429 and LOCKED in text(right)
    assert not signed_in(right)


def test_a_locked_user_is_locked_from_every_address(users):
    fail("sam", 5)
    elsewhere = sign_in("sam", "sam-secret", OTHER_ADDRESS)
    assert elsewhere.status_code == 429 and not signed_in(elsewhere)


def test_another_user_from_another_address_is_not_affected(users):
    fail("sam", 5)
    answer = sign_in("olga", "olga-secret", OTHER_ADDRESS)
    assert signed_in(answer)


def test_guessing_at_many_users_from_one_address_locks_the_address(users):
    for name in ("sam", "olga", "nobody", "admin", "root"):
        fail(name, 1)
    locked = sign_in("mallory", "mallory-secret")
    assert locked.status_code == 429 and LOCKED in text(locked) and not signed_in(locked)
    # The users themselves, from their own addresses, still sign in.
    assert signed_in(sign_in("olga", "olga-secret", OTHER_ADDRESS))


def test_after_the_lockout_time_signing_in_works_again(users):
    fail("sam", 5)
    assert sign_in("sam", "sam-secret").status_code == 429
    # Time passes: every recorded attempt is now 15 minutes older.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))
    answer = sign_in("sam", "sam-secret")
    assert signed_in(answer)


def test_signing_in_forgets_the_users_own_failures(users):
    fail("sam", 4)
    assert signed_in(sign_in("sam", "sam-secret"))
    assert [answer.status_code for answer in fail("sam", 4)] == [200] * 4


def test_signing_in_as_oneself_does_not_wipe_the_guesses_at_someone_else(users):
    fail("sam", 4)
    assert signed_in(sign_in("mallory", "mallory-secret"))
    assert fail("sam", 1)[0].status_code == 429


def test_each_failure_answers_later_than_the_one_before(users, settings):
    settings.LOGIN_FAILURE_DELAY = 0.3
    durations = []
    for _ in range(5):
        started = time.monotonic()
        answer = sign_in("sam", "wrong")
        durations.append(time.monotonic() - started)
    assert answer.status_code == 429
    first, second, third, fourth, lock = durations
    assert first < 0.3 <= second and 0.6 <= third and 0.9 <= fourth
    assert lock < 0.3  # the lock itself is answered at once
