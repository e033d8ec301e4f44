"""Settings for the Sales Orders Admin dashboard.

Every setting is read from the environment here, once. ``SALESADMIN_ENV`` picks the profile:

* ``development`` (default): zero set-up. SQLite, a file cache, and the upstream is the embedded
  sandbox (``sandbox/``) on ``http://127.0.0.1:8001`` with its demo credentials.
* ``production``: the real 24SevenOffice URLs; every secret, the host names and the trusted origins
  must come from the environment and a missing one raises ``ImproperlyConfigured`` naming the
  variable. HTTPS only: SSL redirect, HSTS, secure cookies (``manage.py check --deploy`` is clean).

See ``.env.example`` for the full list.
"""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SALESADMIN_VAR_DIR", BASE_DIR / "var"))

ENVIRONMENT = os.environ.get("SALESADMIN_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("SALESADMIN_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"
# Demo users and the sandbox upstream exist only outside production.
DEMO_MODE = not PRODUCTION


def env(name: str, default: str | None = None, *, required_in_production: bool = False, hint: str = "") -> str:
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    if PRODUCTION and required_in_production:
        raise ImproperlyConfigured(
            f"Set the environment variable {name} (required in production){': ' + hint if hint else '.'}"
        )
    if default is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str, **options) -> list[str]:
    return [item.strip() for item in env(name, default, **options).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"The environment variable {name} must be a whole number, not {value!r}.") from None


def env_zone(name: str, default: str) -> str:
    """A time zone's name (``Europe/Oslo``); one Python does not know stops start-up, rather than dating
    orders on another calendar without a word."""
    value = env(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a time zone such as America/Chicago, not {value!r}."
        ) from None
    return value


SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    "development-only-insecure-key-do-not-use-in-production",
    required_in_production=True,
)
DEBUG = env_bool("DJANGO_DEBUG", False)
# Production has no defaults for these: a dashboard answering any Host, or trusting origins it was
# never served from, is a misconfiguration to stop at start-up, not to find out about later.
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost", required_in_production=True,
    hint="the host names the dashboard is served under, comma-separated, e.g. orders.example.com",
)
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1,http://localhost", required_in_production=True,
    hint="the HTTPS origins the dashboard is served from, comma-separated, e.g. https://orders.example.com",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "orders",
]

# Background work (django.tasks): tasks are rows in the database, run by `manage.py db_worker`
# (django-tasks-db); see the README's "Background work".
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A deadline for each request's ERP calls, and a bulkhead: static files above never wait on the ERP.
    "orders.middleware.ErpBudgetMiddleware",
    # Below WhiteNoise: pages and fragments, not static files (those keep their long cache life).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "salesadmin.security.PermissionsPolicyMiddleware",
    "salesadmin.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, the user and their groups kept a few seconds (salesadmin/users.py).
    "salesadmin.users.CachedUserMiddleware",
    # Every page needs a login unless its view is marked @login_not_required (Django 5.1+); an htmx
    # request from someone signed out gets a 401, not the sign-in page swapped into the page.
    "salesadmin.users.LoginRequiredMiddleware",
    # /c/<slug>/…: the ERP connection a page works on, if the user may see it (else 404).
    "orders.middleware.ConnectionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a locked-out sign-in into the "too many failed sign-ins" page (last, as axes asks).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesadmin.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orders.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.static"],
        },
    }
]

WSGI_APPLICATION = "salesadmin.wsgi.application"
# Standard widgets built in Python (identical markup, a fraction of the cost): see orders/renderers.py.
FORM_RENDERER = "orders.renderers.FastFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}", required_in_production=True),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The token cache must be shared across threads and processes: Redis when configured, else files.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis cache with one client per process (salesadmin/cache.py).
    CACHES = {"default": {"BACKEND": "salesadmin.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the default company's orders
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# WhiteNoise serves static files from the finders in development, from STATIC_ROOT in production.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Sessions are read from the cache (one file or Redis read), written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Security: HTTPS, response headers, sign-in throttling -----------------------------------------
# Production is served over HTTPS by a TLS proxy in front of `manage.py serve` (waitress). Waitress
# believes the proxy's X-Forwarded-Proto and X-Forwarded-For only from DJANGO_TRUSTED_PROXY (its
# address, or "*" when nothing else can reach the dashboard), and gives Django the client's scheme
# and address from them; from anyone else it drops those headers. So Django itself trusts no
# forwarded header: SECURE_PROXY_SSL_HEADER stays unset.
TRUSTED_PROXY = env("DJANGO_TRUSTED_PROXY", "")
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
# A load balancer probes /healthz over plain HTTP inside the network: answered, not redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come from our static files only: no inline <script>, style="" or eval
# (htmx's own indicator <style> is switched off in base.html; its CSS is in app.css).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # data: for the select arrow drawn in app.css
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Browser features no page of the dashboard uses: denied to it and to anything it might embed.
PERMISSIONS_POLICY_DENIED = (
    "accelerometer", "autoplay", "bluetooth", "browsing-topics", "camera", "display-capture",
    "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi", "payment",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
)

# Sign-in throttling (django-axes): LOGIN_FAILURE_LIMIT wrong passwords for one user name, or from
# one address, lock sign-in for it for LOGIN_LOCKOUT_MINUTES (counted from the last attempt; an
# attempt while locked starts the wait again). Before that, each failure after the first answers
# LOGIN_FAILURE_DELAY seconds later than the one before (see salesadmin.security.SignInView).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out sign-in before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
# A successful sign-in forgets that user's own failures only (SignInView): resetting the address's
# too would let anyone with an account wipe the record of their guesses at someone else's.
AXES_RESET_ON_SUCCESS = False
# The client's address is REMOTE_ADDR, which waitress sets from a trusted proxy's X-Forwarded-For
# (see DJANGO_TRUSTED_PROXY above); never a header a client could set itself.
AXES_CLIENT_IP_CALLABLE = "salesadmin.security.client_ip"
AXES_LOCKOUT_CALLABLE = "salesadmin.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
LOGIN_FAILURE_DELAY = float(env("LOGIN_FAILURE_DELAY", "1"))

# --- Upstream: a slow or broken ERP must not take the dashboard down (orders.erp.deadline) ---
# All of one page's ERP calls (retries, sign-in and reading the answers included) end by this.
ERP_PAGE_DEADLINE_SECONDS = float(env("ERP_PAGE_DEADLINE_SECONDS", "8"))
# How many web requests may wait on one ERP connection at once; keep it below the server's threads
# (`manage.py serve --threads`, 8) so that pages without ERP calls always find a free thread.
ERP_BULKHEAD_THREADS = env_int("ERP_BULKHEAD_THREADS", 5)
# A larger ERP answer is refused as broken (a 500-line order is about 200 KB).
ERP_MAX_RESPONSE_BYTES = env_int("ERP_MAX_RESPONSE_BYTES", 2_000_000)

# --- Upstream: 24SevenOffice REST v1 -------------------------------------------------------------
SANDBOX_URL = env("SANDBOX_URL", "http://127.0.0.1:8001")
TSO = {
    "API_BASE_URL": env(
        "TSO_API_BASE_URL",
        "https://rest.api.24sevenoffice.com/v1" if PRODUCTION else f"{SANDBOX_URL}/v1",
    ),
    "TOKEN_URL": env(
        "TSO_TOKEN_URL",
        "https://login.24sevenoffice.com/oauth/token" if PRODUCTION else f"{SANDBOX_URL}/oauth/token",
    ),
    "AUDIENCE": env("TSO_AUDIENCE", "https://api.24sevenoffice.com"),
    "CLIENT_ID": env("TSO_CLIENT_ID", "sandbox-client", required_in_production=True),
    "CLIENT_SECRET": env("TSO_CLIENT_SECRET", "sandbox-secret", required_in_production=True),
    "ORGANIZATION_ID": env("TSO_ORGANIZATION_ID", "1000001", required_in_production=True),
    "CONNECT_TIMEOUT": float(env("TSO_CONNECT_TIMEOUT", "3.05")),
    "READ_TIMEOUT": float(env("TSO_READ_TIMEOUT", "10")),
    "MAX_RETRIES": int(env("TSO_MAX_RETRIES", "2")),
    "BACKOFF": float(env("TSO_BACKOFF", "0.25")),
    "POOL_SIZE": int(env("TSO_POOL_SIZE", "16")),
    # How long after the dashboard stopped waiting for a write the ERP may still carry it out: a write
    # in doubt is neither checked nor sent again before then (see orders/submissions/running.py).
    "SETTLE_SECONDS": float(env("TSO_SETTLE_SECONDS", "30")),
    "MAX_RESPONSE_BYTES": ERP_MAX_RESPONSE_BYTES,
    "BULKHEAD_THREADS": ERP_BULKHEAD_THREADS,
}
# --- Upstream: QuickBooks Desktop through Autofy ---------------------------------------------------
# Defaults for every QuickBooks connection (each connection names its endpoint and the environment
# variable of its API key: see orders/connections.py). In development they point at the sandbox.
AUTOFY = {
    "BASE_URL": env("AUTOFY_BASE_URL",
                    "https://api.getautofy.com/v2/data" if PRODUCTION else f"{SANDBOX_URL}/autofy/v2/data"),
    # The sandbox's demo key and endpoint; production reads each connection's own.
    "API_KEY": "" if PRODUCTION else env("SANDBOX_AUTOFY_API_KEY", "sandbox-autofy-key"),
    "ENDPOINT_ID": "" if PRODUCTION else env("SANDBOX_AUTOFY_ENDPOINT_ID", "sandbox-endpoint"),
    "TIME_ZONE": env_zone("AUTOFY_TIME_ZONE", "America/Chicago"),
    "HOME_CURRENCY": env("AUTOFY_HOME_CURRENCY", "USD"),
    "CONNECT_TIMEOUT": float(env("AUTOFY_CONNECT_TIMEOUT", "3.05")),
    # The agent on the customer's PC answers one request at a time, and slowly.
    "READ_TIMEOUT": float(env("AUTOFY_READ_TIMEOUT", "30")),
    "MAX_RETRIES": int(env("AUTOFY_MAX_RETRIES", "2")),
    "BACKOFF": float(env("AUTOFY_BACKOFF", "0.5")),
    "POOL_SIZE": int(env("AUTOFY_POOL_SIZE", "4")),
    "RATE_LIMIT_PER_MINUTE": int(env("AUTOFY_RATE_LIMIT_PER_MINUTE", "100")),
    "SETTLE_SECONDS": float(env("AUTOFY_SETTLE_SECONDS", "60")),
    # A request queued at the agent is still carried out this long after it was sent (AUTOFY.md §1.8).
    "AGENT_QUEUE_SECONDS": float(env("AUTOFY_AGENT_QUEUE_SECONDS", "90")),
}

# The local order index of connections whose ERP cannot filter orders (QuickBooks), kept in step in the
# background (orders/index.py, orders/tasks.py).
INDEX_SYNC = {
    # How often the scheduler asks for an incremental sync of each such connection.
    "INTERVAL_SECONDS": float(env("INDEX_SYNC_INTERVAL_SECONDS", "60")),
    # Changes are asked for from the last one seen less this: the agent's clock and time zone are not ours.
    "OVERLAP_SECONDS": float(env("INDEX_SYNC_OVERLAP_SECONDS", "600")),
    # A full sync (every order read again) this often, to catch what incremental syncs cannot see.
    "FULL_SYNC_DAYS": float(env("INDEX_FULL_SYNC_DAYS", "7")),
    # The lease of a connection's sync lock in Redis, renewed after every page.
    "LOCK_SECONDS": float(env("INDEX_SYNC_LOCK_SECONDS", "300")),
}
# The cache of each QuickBooks company's reference lists (customers, items, terms…; orders.services.qbd_references):
# they change rarely. The incremental sync uses INDEX_SYNC's overlap and lock lease.
REFERENCE_SYNC = {
    # How often the scheduler asks for the changes of every list.
    "INTERVAL_SECONDS": float(env("REFERENCE_SYNC_INTERVAL_SECONDS", "900")),
    # Every record read again this often: deletions in QuickBooks are seen only so.
    "FULL_SYNC_HOURS": float(env("REFERENCE_FULL_SYNC_HOURS", "24")),
    # Until a connection's reference data has been read once, a failed sync is tried again this soon.
    "RETRY_SECONDS": float(env("REFERENCE_SYNC_RETRY_SECONDS", "60")),
}

# The order builders post every field of every line, up to 500 lines: 24SevenOffice's 11 a line plus
# the order's and the dimensions' (about 5,600 in all); QuickBooks' 16 a line plus 9 for each of a
# group's sub-lines (about 26,000 when every line is a group of four). Django's default of 1,000 fields
# would refuse an order of about 60 lines. tests/orders/test_no_server_errors.py and test_qbd_builder.py
# check that full builders fit; what goes beyond gets a message on the page that keeps the form (app.js).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 30_000
# And the size of a request's body: a full builder with every text at its limit, in three-byte
# characters, is about 2.5 MB URL-encoded (the same test checks it fits); anything larger is a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# How long reference data (tax codes, sales types, people, dimension types) is cached, in seconds.
REFERENCE_CACHE_SECONDS = int(env("REFERENCE_CACHE_SECONDS", "600"))
# /healthz asks the ERP at most once per this many seconds (load balancers poll it far more often).
HEALTH_PROBE_SECONDS = env_int("HEALTH_PROBE_SECONDS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals_without_traceback": {"()": "salesadmin.logs.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["refusals_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
