"""ERP connections: who sees which, their settings, and that a secret is only ever named."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from orders import connections
from orders.models import ErpConnection


@pytest.fixture(autouse=True)
def _no_demo_connections(_demo_connections, db):
    """These tests make their own connections."""
    ErpConnection.objects.all().delete()

pytestmark = pytest.mark.django_db


def connection(slug: str, kind=ErpConnection.Kind.TSO, *, groups=(), default=False, **fields) -> ErpConnection:
    made = ErpConnection.objects.create(slug=slug, name=slug.title(), kind=kind, is_default=default, **fields)
    made.groups.set(Group.objects.get_or_create(name=name)[0] for name in groups)
    return made


def user_in(*groups: str, superuser: bool = False) -> User:
    user = User.objects.create_user(f"u{User.objects.count()}", password="pw", is_superuser=superuser)
    user.groups.set(Group.objects.get_or_create(name=name)[0] for name in groups)
    return user


def test_a_user_sees_the_connections_of_their_groups_default_first():
    connection("nordlys", groups=("Sales",), default=True)
    connection("lakeshore", ErpConnection.Kind.QBD_AUTOFY, groups=("Sales", "US"))
    connection("secret-co", groups=("Board",))
    connection("gone", groups=("Sales",), is_active=False)

    sales = user_in("Sales")
    assert [c.slug for c in connections.visible_to(sales)] == ["nordlys", "lakeshore"]
    assert connections.for_user(sales, "secret-co") is None  # not theirs: as if it did not exist
    assert connections.for_user(sales, "gone") is None
    assert connections.default_for(sales).slug == "nordlys"
    assert [c.slug for c in connections.visible_to(user_in("US"))] == ["lakeshore"]
    assert connections.default_for(user_in("US")).slug == "lakeshore"  # the default is not theirs
    assert connections.default_for(user_in()) is None
    assert {c.slug for c in connections.visible_to(user_in(superuser=True))} == {"nordlys", "lakeshore", "secret-co"}


def test_settings_a_kind_does_not_know_and_bad_variable_names_are_refused():
    with pytest.raises(ValidationError, match="Not a setting of this kind: endpoint_id"):
        connections.validate(ErpConnection(kind=ErpConnection.Kind.TSO, settings={"endpoint_id": "x"}))
    with pytest.raises(ValidationError, match="The name of an environment variable"):
        connections.validate(ErpConnection(kind=ErpConnection.Kind.TSO, secret_env="my secret"))
    connections.validate(ErpConnection(kind=ErpConnection.Kind.QBD_AUTOFY, settings={"endpoint_id": "E1"},
                                       secret_env="AUTOFY_API_KEY_US"))


def test_the_secret_is_read_from_its_variable_and_never_stored(monkeypatch, settings):
    made = connection("nordlys", settings={"organization_id": "42", "client_id": "app"}, secret_env="NORDLYS_SECRET")
    monkeypatch.setenv("NORDLYS_SECRET", "s3cr3t-value")

    config = connections.tso_config(made)

    assert (config["ORGANIZATION_ID"], config["CLIENT_ID"], config["CLIENT_SECRET"]) == ("42", "app", "s3cr3t-value")
    assert config["READ_TIMEOUT"] == settings.TSO["READ_TIMEOUT"]  # the defaults still apply
    stored = ErpConnection.objects.filter(pk=made.pk).values().get()
    assert "s3cr3t-value" not in repr(stored)


def test_production_names_the_missing_variable_not_the_secret(monkeypatch, settings):
    made = connection("lakeshore", ErpConnection.Kind.QBD_AUTOFY, settings={"endpoint_id": "E1"},
                      secret_env="LAKESHORE_KEY")
    monkeypatch.delenv("LAKESHORE_KEY", raising=False)
    settings.DEMO_MODE = False

    with pytest.raises(connections.ConnectionNotConfigured,
                       match="Set the environment variable LAKESHORE_KEY for the connection “Lakeshore”"):
        connections.autofy_config(made)
    monkeypatch.setenv("LAKESHORE_KEY", "k")
    assert connections.autofy_config(made)["API_KEY"] == "k"
    assert connections.autofy_config(made)["ENDPOINT_ID"] == "E1"


def test_the_command_creates_and_updates_a_connection_from_the_command_line():
    call_command("create_connection", "--slug", "nordlys", "--name", "Nordlys AS", "--kind", "tso",
                 "--setting", "organization_id=7", "--secret-env", "NORDLYS_SECRET", "--group", "Sales", "--default")
    call_command("create_connection", "--slug", "nordlys", "--name", "Nordlys Kontor AS", "--kind", "tso",
                 "--setting", "organization_id=8", "--secret-env", "NORDLYS_SECRET", "--group", "Sales")

    made = ErpConnection.objects.get()
    assert (made.name, made.settings, made.secret_env, made.is_default) == (
        "Nordlys Kontor AS", {"organization_id": "8"}, "NORDLYS_SECRET", True)
    assert [g.name for g in made.groups.all()] == ["Sales"]
    with pytest.raises(CommandError, match="Not a setting of this kind: colour"):
        call_command("create_connection", "--slug", "x", "--name", "X", "--kind", "tso", "--setting", "colour=red")


def test_the_demo_has_a_norwegian_and_a_us_company_seen_by_the_demo_groups():
    call_command("demo_connections")
    call_command("demo_connections")  # again: nothing doubled

    sales = user_in("Sales")
    assert [(c.slug, c.kind, c.is_default) for c in connections.visible_to(sales)] == [
        ("nordlys", "tso", True), ("lakeshore", "qbd_autofy", False)]
