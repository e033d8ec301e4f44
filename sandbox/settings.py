"""Standalone settings for the sandbox: ``DJANGO_SETTINGS_MODULE=sandbox.settings``.

The sandbox is its own little service with its own SQLite database, independent of the dashboard's
settings and database. Environment:

* ``SANDBOX_DB``: path of the SQLite file (default ``<repo>/var/sandbox.sqlite3``).
* ``SANDBOX_SECRET_KEY``: Django's secret key (a development default is fine: nothing is signed).
* ``SANDBOX_CLIENT_ID`` / ``SANDBOX_CLIENT_SECRET``: the OAuth client credentials the token endpoint
  accepts (defaults ``sandbox-client`` / ``sandbox-secret``).
* ``SANDBOX_AUTOFY_API_KEY`` / ``SANDBOX_AUTOFY_ENDPOINT_ID``: the Autofy stand-in's ``x-api-key`` and the
  one endpoint (company file) it owns (defaults ``sandbox-autofy-key`` / ``sandbox-endpoint``).
* ``SANDBOX_LOG_LEVEL``: level of the per-request log lines (default ``INFO``).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SANDBOX_SECRET_KEY", "sandbox-development-key-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = ["sandbox"]

# No sessions, auth or CSRF: the API authenticates with bearer tokens, the control API not at all.
MIDDLEWARE = ["sandbox.middleware.SandboxMiddleware"]

ROOT_URLCONF = "sandbox.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SANDBOX_DB", str(BASE_DIR / "var" / "sandbox.sqlite3")),
        # Keep each server thread's connection (a keep-alive client's calls share one thread):
        # reconnecting and re-running the PRAGMAs cost more than most calls' queries.
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            # WAL + synchronous=NORMAL: no fsync per commit (a sandbox needs speed, not durability).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/Oslo"
USE_I18N = False
USE_TZ = True

SANDBOX_CLIENT_ID = os.environ.get("SANDBOX_CLIENT_ID", "sandbox-client")
SANDBOX_CLIENT_SECRET = os.environ.get("SANDBOX_CLIENT_SECRET", "sandbox-secret")
SANDBOX_AUTOFY_API_KEY = os.environ.get("SANDBOX_AUTOFY_API_KEY", "sandbox-autofy-key")
SANDBOX_AUTOFY_ENDPOINT_ID = os.environ.get("SANDBOX_AUTOFY_ENDPOINT_ID", "sandbox-endpoint")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"hide_injected_faults": {"()": "sandbox.log.HideInjectedFaults"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # One line per call, with its trace and tracking ids (sandbox.middleware).
        "sandbox": {"level": os.environ.get("SANDBOX_LOG_LEVEL", "INFO")},
        # Django's own lines would repeat those. Unexpected errors are still logged, with tracebacks.
        "django.server": {"level": "CRITICAL"},
        "django.request": {"level": "ERROR", "filters": ["hide_injected_faults"]},
    },
}
