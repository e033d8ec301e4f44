"""The signed-in user and their groups, kept a few seconds per process (``salesadmin.users``): read
once, not on every request, and a change is seen at once when made in this process, within
``USER_SECONDS`` when made elsewhere."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.context_processors import ADMINS_GROUP
from salesadmin import users

pytestmark = pytest.mark.django_db


def user_queries(client, path: str) -> tuple[int, list[str]]:
    """The answer's status and the queries it made on users and groups."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"] or '"auth_user_groups"' in q["sql"]]


def test_the_user_and_their_groups_are_read_once_not_on_every_request(admin_client_logged_in):
    status, first = user_queries(admin_client_logged_in, "/submissions/")
    assert status == 200 and len(first) == 2  # the user, their groups
    status, again = user_queries(admin_client_logged_in, "/submissions/")
    assert status == 200 and again == []


def test_a_user_made_inactive_here_is_signed_out_at_their_next_request(admin_client_logged_in, admin_user_in_group):
    assert admin_client_logged_in.get("/submissions/").status_code == 200
    admin_user_in_group.is_active = False
    admin_user_in_group.save()
    response = admin_client_logged_in.get("/submissions/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_taken_out_of_the_admins_loses_the_admin_pages_at_once(admin_client_logged_in, admin_user_in_group):
    assert admin_client_logged_in.get("/submissions/").status_code == 200
    admin_user_in_group.groups.remove(Group.objects.get(name=ADMINS_GROUP))
    assert admin_client_logged_in.get("/submissions/").status_code == 403


def test_a_change_made_by_another_process_is_seen_within_user_seconds(admin_client_logged_in, admin_user_in_group,
                                                                       monkeypatch):
    assert admin_client_logged_in.get("/submissions/").status_code == 200
    User.objects.filter(pk=admin_user_in_group.pk).update(is_active=False)  # no signal here, as elsewhere
    assert admin_client_logged_in.get("/submissions/").status_code == 200  # still within the window
    monkeypatch.setattr(users, "USER_SECONDS", 0.0)
    response = admin_client_logged_in.get("/submissions/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_password_changed_here_signs_out_the_other_sessions(admin_client_logged_in, admin_user_in_group):
    assert admin_client_logged_in.get("/submissions/").status_code == 200
    admin_user_in_group.set_password("a new password")
    admin_user_in_group.save()
    response = admin_client_logged_in.get("/submissions/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
