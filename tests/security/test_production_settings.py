"""The production profile as an operator starts it: Django's deployment checks pass, and a missing
host name or trusted origin stops start-up with a message naming the variable."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

REPO = Path(__file__).resolve().parents[2]


def production_environment(**changes: str | None) -> dict:
    """A complete production environment (``None`` in ``changes`` leaves a variable out)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "TSO_", "SALESADMIN_", "LOGIN_")) and key not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "SALESADMIN_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "salesadmin.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://salesadmin:password@127.0.0.1:5432/salesadmin",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "TSO_CLIENT_ID": "client-id",
        "TSO_CLIENT_SECRET": "client-secret",
        "TSO_ORGANIZATION_ID": "1000001",
        "DJANGO_ALLOWED_HOSTS": "orders.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://orders.example.com",
        "DJANGO_TRUSTED_PROXY": "127.0.0.1",
    })
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_production_passes_the_deployment_checks_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output


@pytest.mark.parametrize("variable", ["DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS"])
def test_production_does_not_start_without_its_host_names_and_origins(variable):
    result = manage("check", env=production_environment(**{variable: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the environment variable {variable} (required in production)" in result.stderr


@pytest.mark.parametrize("zone", ["Chicago", "America/Nowhere", "../etc/passwd"])
def test_an_unknown_quickbooks_time_zone_stops_start_up_with_its_name(zone):
    """New QuickBooks orders are dated on the company's calendar: a typo would date them on another one."""
    result = manage("check", env=production_environment(AUTOFY_TIME_ZONE=zone))
    assert result.returncode != 0
    assert "The environment variable AUTOFY_TIME_ZONE must be a time zone such as America/Chicago" in result.stderr
    assert repr(zone) in result.stderr


def test_development_keeps_its_local_defaults():
    env = production_environment(SALESADMIN_ENV="development", DJANGO_ALLOWED_HOSTS=None,
                                 DJANGO_CSRF_TRUSTED_ORIGINS=None, DATABASE_URL=None, REDIS_URL=None)
    result = manage("shell", "-c", "from django.conf import settings as s; "
                    "print(s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)",
                    env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "['127.0.0.1', 'localhost'] ['http://127.0.0.1', 'http://localhost'] False 0"
    )


# --- serving behind the TLS proxy ----------------------------------------------------------------


def test_serve_refuses_to_start_when_it_cannot_tell_https_requests(settings, monkeypatch):
    """With the SSL redirect on and no trusted proxy, every request would be redirected forever."""
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda *args, **kwargs: pytest.fail("must not serve"))
    settings.SECURE_SSL_REDIRECT, settings.TRUSTED_PROXY = True, ""
    with pytest.raises(CommandError, match="Set DJANGO_TRUSTED_PROXY"):
        call_command("serve")


def test_serve_believes_forwarded_scheme_and_address_from_the_trusted_proxy_only(settings, monkeypatch):
    import waitress

    served = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.update(options))
    settings.SECURE_SSL_REDIRECT, settings.TRUSTED_PROXY, settings.TRUSTED_PROXY_COUNT = True, "10.1.2.3", 1
    call_command("serve")
    assert served["trusted_proxy"] == "10.1.2.3" and served["trusted_proxy_count"] == 1
    assert served["trusted_proxy_headers"] == {"x-forwarded-proto", "x-forwarded-for"}
    assert served["clear_untrusted_proxy_headers"] is True
