"""A refused page (403) is logged in one line, as Django words it, without a traceback: it is an expected
answer, and a traceback made it read like a crash. Real faults keep their tracebacks."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.orders.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """What the console handler (settings.LOGGING) writes while the test runs."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    written = io.StringIO()
    before = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(before)


def test_a_page_someone_may_not_open_is_one_line_in_the_log(console):
    client = Client()
    client.force_login(make_user("sally", groups=("Sales",)))

    assert client.get("/submissions/failed/").status_code == 403

    logged = console.getvalue()
    assert "Forbidden (Permission denied): /submissions/failed/" in logged
    assert "Traceback" not in logged and "PermissionDenied" not in logged


@pytest.mark.parametrize(("level", "fault"), [
    (logging.ERROR, PermissionDenied("refused, yet logged as an error")),  # an error keeps it, whatever it is
    (logging.WARNING, ValueError("not a refusal")),  # a warning about anything else keeps it
])
def test_other_records_keep_their_traceback(console, level, fault):
    try:
        raise fault
    except type(fault):
        logging.getLogger("django.request").log(level, "Something went wrong: /x", exc_info=True)

    assert "Traceback" in console.getvalue() and f"{type(fault).__name__}: {fault}" in console.getvalue()
