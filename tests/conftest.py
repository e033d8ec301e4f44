"""Fixtures shared by every test package.

``sandbox_server`` (session) runs the sandbox (``sandbox/``: the 24SevenOffice and Autofy stand-ins) as
a real HTTP server in a subprocess, on a free port, with its own temporary SQLite database seeded once
per session with anchor 2026-11-16 and seed 1. ``sandbox`` (per test) hands out the same server with
faults cleared and the config reset; it does NOT re-seed, so tests that change data must tolerate each
other's changes or call ``.reset()`` themselves. ``autofy`` (per test) is ``sandbox`` with the Autofy
agent's knobs reset and a fresh rate window too.
"""

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
SANDBOX_ANCHOR = "2026-11-16"
SANDBOX_SEED = 1
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
SANDBOX_ORGANIZATION = "1000001"
SANDBOX_AUTOFY_API_KEY = "sandbox-autofy-key"
SANDBOX_AUTOFY_ENDPOINT = "sandbox-endpoint"
DEFAULT_CONFIG = {"latency_ms": 0, "failure_rate": 0.0, "token_ttl": 3600, "denied_scopes": []}
AUTOFY_DEFAULT_CONFIG = {"rate_limit": 100, "queue_limit": 10, "queue_wait_seconds": 90, "agent_latency_ms": 0,
                         "agent_offline": False, "offline_code": 1302, "offline_status": 503,
                         "key_kind": "production"}
STARTUP_TIMEOUT = 20


def pytest_configure(config):
    """Each test session gets its own file cache directory: tests clear the cache, and two test runs
    side by side must not wipe each other's tokens and reference data."""
    from django.conf import settings

    cache_config = settings.CACHES["default"]
    if cache_config["BACKEND"].endswith("FileBasedCache"):
        location = tempfile.mkdtemp(prefix="salesadmin-test-cache-")
        cache_config["LOCATION"] = location
        config.add_cleanup(lambda: shutil.rmtree(location, ignore_errors=True))


class SandboxServer:
    """A running sandbox: its URLs and credentials, helpers for its control API, ``api()`` to call the
    24SevenOffice API with a valid bearer token and ``autofy()`` to call the Autofy data API with the
    sandbox's API key.

    ``api()`` caches its token; ``configure()``, ``expire_tokens()`` and ``reset()`` drop it so the next
    call fetches a fresh one. Fetching a token is itself an upstream call (it shows in ``calls()``).
    """

    def __init__(self, url: str, db_path: Path, client_id: str = SANDBOX_CLIENT_ID,
                 client_secret: str = SANDBOX_CLIENT_SECRET):
        self.url = url
        self.db_path = db_path  # the server's SQLite file (SANDBOX_DB)
        self.api_url = f"{url}/v1"
        self.token_url = f"{url}/oauth/token"
        self.client_id = client_id
        self.client_secret = client_secret
        self.organization = SANDBOX_ORGANIZATION
        self.autofy_key = SANDBOX_AUTOFY_API_KEY
        self.autofy_endpoint = SANDBOX_AUTOFY_ENDPOINT
        self.autofy_url = f"{url}/autofy/v2/data/{SANDBOX_AUTOFY_ENDPOINT}"
        self.session = requests.Session()
        self._token: str | None = None

    def control(self, method: str, path: str, **kwargs):
        """Call the control API (``/_sandbox<path>``); return the decoded JSON (None when empty)."""
        response = self.session.request(method, f"{self.url}/_sandbox{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def configure(self, **config) -> dict:
        """Partial update of latency_ms, failure_rate, token_ttl, denied_scopes; returns the config."""
        self._token = None
        return self.control("POST", "/config", json=config)

    def fault(self, endpoint: str, fault: str, count: int = 1, **options) -> dict:
        """Make the next ``count`` calls matching ``endpoint`` (e.g. ``"POST /salesorders"``) fail
        with ``fault``; options: ``seconds`` (timeout), ``retry_after`` (503)."""
        return self.control("POST", "/faults", json={"endpoint": endpoint, "fault": fault, "count": count, **options})

    def clear_faults(self) -> None:
        self.control("DELETE", "/faults")

    def expire_tokens(self) -> dict:
        self._token = None
        return self.control("POST", "/tokens/expire")

    def reset(self) -> dict:
        """Restore the seeded data, clear faults, reset the config; returns the state."""
        self._token = None
        return self.control("POST", "/reset")

    def state(self) -> dict:
        return self.control("GET", "/state")

    def calls(self, since: int | None = None) -> list[dict]:
        """The call log (``{id, method, path, query, status, fault, traceId}``) after call ``since``."""
        return self.control("GET", "/calls", params={"since": since} if since is not None else None)

    def last_call_id(self) -> int:
        return self.state()["lastCallId"]

    def token(self) -> str:
        if self._token is None:
            response = self.session.post(
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "audience": "https://api.24sevenoffice.com",
                    "login_organization": self.organization,
                },
                timeout=10,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """``requests`` call to ``api_url + path`` with a valid bearer token (default timeout 10 s)."""
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.api_url + path, headers=headers, **kwargs)

    # --- The Autofy stand-in ----------------------------------------------------------------------

    def autofy(self, method: str, path: str, **kwargs) -> requests.Response:
        """``requests`` call to ``autofy_url + path`` (e.g. ``/SalesOrder``) with the sandbox's
        ``x-api-key`` (default timeout 10 s)."""
        headers = {"x-api-key": self.autofy_key, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.autofy_url + path, headers=headers, **kwargs)

    def autofy_configure(self, **config) -> dict:
        """Partial update of the Autofy agent's knobs (``sandbox.autofy.control``); returns them all."""
        return self.control("POST", "/autofy/config", json=config)

    def autofy_fault(self, endpoint: str, fault: str, count: int = 1, **options) -> dict:
        """Make the next ``count`` Autofy calls matching ``endpoint`` (e.g. ``"POST /SalesOrder"``) fail
        with ``fault``; options: ``seconds``, ``retry_after``, ``code``."""
        return self.fault(endpoint, fault, count, api="autofy", **options)

    def autofy_state(self) -> dict:
        return self.control("GET", "/autofy/state")


def _sandbox_environment(db_path: Path) -> dict:
    """The environment for the sandbox's management commands (and server) on the database ``db_path``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "SANDBOX_DB": str(db_path),
        "SANDBOX_CLIENT_ID": SANDBOX_CLIENT_ID,
        "SANDBOX_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "SANDBOX_AUTOFY_API_KEY": SANDBOX_AUTOFY_API_KEY,
        "SANDBOX_AUTOFY_ENDPOINT_ID": SANDBOX_AUTOFY_ENDPOINT,
    }


def _django_command(*args: str) -> list[str]:
    """The command line running ``python -m django <args>`` with this interpreter."""
    return [sys.executable, "-m", "django", *args]


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sandbox")
    db_path = workdir / "sandbox.sqlite3"
    env = _sandbox_environment(db_path)
    subprocess.run(_django_command("migrate", "--noinput", "-v", "0"), env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run(_django_command("seed_sandbox", "--anchor", SANDBOX_ANCHOR, "--seed", str(SANDBOX_SEED)),
                   env=env, cwd=REPO, check=True, capture_output=True)

    # --port 0: the server binds a free port and prints it.
    log_path = workdir / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(_django_command("runsandbox", "--host", "127.0.0.1", "--port", "0"),
                                   env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        server = SandboxServer(_wait_until_listening(process, log_path), db_path)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def sandbox_workers(sandbox_server: SandboxServer, tmp_path_factory) -> str:
    """A second sandbox server on the session's database, with three worker processes sharing its port as
    ``make demo`` runs it (what holds in one process only shows there): its URL."""
    log_path = tmp_path_factory.mktemp("sandbox-workers") / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            _django_command("runsandbox", "--host", "127.0.0.1", "--port", "0", "--workers", "3"),
            env=_sandbox_environment(sandbox_server.db_path), cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_until_listening(process, log_path)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_listening(process: subprocess.Popen, log_path: Path) -> str:
    """The server's URL once it answers; fails with its log if it does not start."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        match = re.search(r"Sandbox listening on (http://\S+)", log_path.read_text())
        if match:
            try:
                requests.get(f"{match[1]}/_sandbox/state", timeout=2).raise_for_status()
                return match[1]
            except requests.RequestException:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"The sandbox did not start:\n{log_path.read_text()}")


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    sandbox_server.clear_faults()
    sandbox_server.configure(**DEFAULT_CONFIG)
    return sandbox_server


def restore_seed(sandbox: SandboxServer) -> None:
    """Both stand-ins back to their seeded data (for tests that change orders other tests read)."""
    sandbox.reset()
    sandbox.control("POST", "/autofy/reset")


@pytest.fixture
def seed_restored(sandbox_server: SandboxServer):
    """Restores the seeded data after the test (it changes orders that other tests read)."""
    yield
    restore_seed(sandbox_server)


@pytest.fixture
def autofy(sandbox: SandboxServer) -> SandboxServer:
    """The sandbox with the Autofy agent's knobs at their defaults and a fresh rate window."""
    sandbox.autofy_configure(**AUTOFY_DEFAULT_CONFIG)
    sandbox.control("POST", "/autofy/rate-limit/reset")
    return sandbox


# --- Pages in every state, for the accessibility and valid-HTML checks -------------------------------


def _every_record(sandbox: SandboxServer, path: str, **params) -> list[dict]:
    """Every record of a paged listing of the sandbox, following its Link header."""
    records = []
    response = sandbox.api("GET", path, params={"limit": 100, **params})
    while True:
        response.raise_for_status()
        records.extend(response.json())
        url = response.links.get("next", {}).get("url")
        if not url:
            return records
        response = sandbox.api("GET", url.removeprefix(sandbox.api_url))


@pytest.fixture(scope="session")
def sample_orders(sandbox_server) -> dict[str, int]:
    """Ids of seeded orders that show the detail page's states: ``plain`` (invoiced, every header
    field, NOK), ``customer_changed`` (the customer moved or was renamed since), ``foreign``
    (another currency)."""
    orders = _every_record(sandbox_server, "/salesorders")
    customers = {customer["id"]: customer for customer in _every_record(sandbox_server, "/customers")}

    def changed(order) -> bool:
        snapshot, now = order["customer"], customers.get(order["customer"]["id"])
        if now is None:
            return False
        postal_codes = {part.get("postalCode") for part in now["address"].values()}
        return snapshot["name"] != now["name"] or snapshot.get("postalCode") not in postal_codes

    return {
        "plain": next(o["id"] for o in orders if o["status"] == "Invoice" and o.get("referenceNumber")
                      and o.get("yourReference") and o["currency"]["code"] == "NOK"),
        "customer_changed": next(o["id"] for o in orders if changed(o)),
        "foreign": next(o["id"] for o in orders if o["currency"]["code"] != "NOK"),
    }


@pytest.fixture(scope="session")
def qbd_seeded(sandbox_server) -> dict:
    """The Autofy stand-in's sales orders and customers as it serves them (read once a session)."""
    def every(name):
        body = sandbox_server.autofy("GET", f"/{name}", params={"pageSize": 500}).json()
        return [item["Object"] for item in body["Contents"]]

    return {"orders": every("SalesOrder"), "customers": {c["ID"]: c for c in every("Customer")}}


def qbd_group_and_closed_line(order) -> bool:
    lines = order["ItemLines"]
    return any(line["SubLines"] for line in lines) and any(line["IsManuallyClosed"] for line in lines)


def qbd_address_moved(customers):
    def moved(order) -> bool:
        customer = customers.get(order["Customer"]["ID"])
        return bool(customer and order["BillingAddress"] and customer["BillingAddress"]
                    and order["BillingAddress"]["Line2"] != customer["BillingAddress"]["Line2"])
    return moved


def qbd_index_copy(order: dict):
    """What the local index would keep of a stand-in's order (``domain.OrderSummary``)."""
    from decimal import Decimal

    from orders import domain

    return domain.OrderSummary(
        id=order["ID"], number=order["Number"] or "", state="open", reference=order["PONumber"] or "",
        customer=domain.Ref(id=order["Customer"]["ID"], name=order["Customer"]["FullName"]),
        total=Decimal(str(order["Amount"])), currency_code="USD")


@pytest.fixture(scope="session")
def qbd_sample_orders(qbd_seeded) -> dict[str, dict]:
    """Seeded QuickBooks orders that show the order page's states (the newest of each): ``group`` (a
    group line with sub-lines and a closed line), ``foreign`` (in CAD), ``moved`` (its bill-to differs
    from the customer's current record)."""
    orders = list(reversed(qbd_seeded["orders"]))
    return {
        "group": next(o for o in orders if qbd_group_and_closed_line(o)),
        "foreign": next(o for o in orders if (o["Currency"] or {}).get("FullName") == "Canadian Dollar"),
        "moved": next(o for o in orders if qbd_address_moved(qbd_seeded["customers"])(o)),
    }


@pytest.fixture
def qbd_upstream(autofy, settings):
    """The dashboard's QuickBooks company (``lakeshore``) pointed at the Autofy stand-in, with quick
    time-outs (the test needs the database)."""
    from django.core.cache import cache

    from orders.models import ErpConnection

    settings.AUTOFY = {**settings.AUTOFY, "BASE_URL": f"{autofy.url}/autofy/v2/data", "READ_TIMEOUT": 5,
                       "MAX_RETRIES": 1, "BACKOFF": 0.01, "API_KEY": autofy.autofy_key}
    connection = ErpConnection.objects.get(slug="lakeshore")
    connection.settings = {**connection.settings, "endpoint_id": autofy.autofy_endpoint}
    connection.save()
    cache.clear()
    yield autofy
    cache.clear()


@pytest.fixture
def qbd_tampered(sandbox_server):
    """``qbd_tampered(order, **fields)``: the Autofy stand-in serves the order with these fields changed
    (written into its database), as a QuickBooks whose totals do not add up would; put back afterwards."""
    import json
    import sqlite3

    saved = []

    def tamper(order, **fields):
        with sqlite3.connect(sandbox_server.db_path) as db:
            (data,) = db.execute("SELECT data FROM sandbox_qbsalesorder WHERE txn_id = ?", (order["ID"],)).fetchone()
            saved.append((order["ID"], data))
            db.execute("UPDATE sandbox_qbsalesorder SET data = ? WHERE txn_id = ?",
                       (json.dumps({**json.loads(data), **fields}), order["ID"]))

    yield tamper
    with sqlite3.connect(sandbox_server.db_path) as db:
        for txn_id, data in reversed(saved):
            db.execute("UPDATE sandbox_qbsalesorder SET data = ? WHERE txn_id = ?", (data, txn_id))


STORED_SUBMISSIONS = ("rejected", "incomplete", "checking", "sending", "needs_attention", "closed", "succeeded")


@pytest.fixture
def stored_submission(sandbox, settings):
    """``stored_submission(client, kind)``: an order sent from the builder by ``client``'s user (a
    signed-in Django test client, the dashboard pointed at ``sandbox``) that ended as ``kind``, one of
    ``STORED_SUBMISSIONS``: ``rejected`` (the ERP refused it: a Confirmed order of a sales type that
    needs a project), ``incomplete`` (the order is made, a line failed: "Try again"), ``checking`` (a
    write in doubt, waiting to be checked), ``sending`` (stopped after its first step, the page carries
    on), ``needs_attention``, ``closed`` (by an admin, with a note) or ``succeeded``."""
    from django.utils import timezone

    from orders import forms, services
    from orders.models import Submission
    from orders.submissions import submission_token
    from orders.views import builder as views

    def make(client, kind: str):
        assert kind in STORED_SUBMISSIONS, kind
        state = forms.blank_state(day=timezone.localdate(), tax_id=1)
        line = forms.blank_line(tax_id=1)
        line.update(product_id="101", product_number="KON-1001", product_query="KON-1001",
                    description="Seniorkonsulent", quantity="2", price="1450.00")
        state.update(customer_id="10006", lines=[line, dict(line, description="Reise")])
        forms.fill_customer(state, services.customer_detail(customer_id=10006))  # as picking it does
        if kind in ("rejected", "needs_attention", "closed"):
            state.update(status="Confirmed", sales_type_id="3")  # "Prosjektsalg" needs a project
        elif kind == "incomplete":
            sandbox.fault("POST /salesorders/*/lines", "503", retry_after=0)
        elif kind == "checking":
            settings.TSO = {**settings.TSO, "SETTLE_SECONDS": 600}
            sandbox.fault("POST /salesorders", "drop_after_commit")
        token = submission_token()
        with pytest.MonkeyPatch.context() as patch:
            if kind == "sending":
                patch.setattr(views, "SEND_BUDGET_SECONDS", 0)  # one step per request
            client.post("/c/nordlys/orders/new/", {**forms.state_to_post(state), "token": token, "submit": ""})
        sandbox.clear_faults()
        submission = Submission.objects.get(token=token)
        if kind == "needs_attention":
            submission.state = Submission.State.NEEDS_ATTENTION
            submission.save(update_fields=["state"])
        elif kind == "closed":
            submission.state = Submission.State.CLOSED
            submission.closed_at = timezone.now()
            submission.closed_by = submission.created_by
            submission.close_note = "Made the order by hand in 24SevenOffice."
            submission.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
        return submission

    return make


QBD_STORED_SUBMISSIONS = ("waiting", "in_doubt", "rejected", "needs_attention", "succeeded")


@pytest.fixture
def qbd_stored_submission(quickbooks, settings):
    """``qbd_stored_submission(user, kind)``: a QuickBooks order sent by ``user`` to the Autofy stand-in that
    ended as ``kind``, one of ``QBD_STORED_SUBMISSIONS``: ``waiting`` (the agent was offline), ``in_doubt``
    (the connection dropped after QuickBooks saved it; it waits to be looked for), ``rejected`` (an unknown
    customer), ``needs_attention`` (QuickBooks holds two orders with its marker) or ``succeeded``."""
    import uuid
    from dataclasses import replace

    from orders.domain import Ref
    from orders.submissions.quickbooks import qbd_submission_run, qbd_submission_start
    from tests.orders.test_qbd_submissions import make_draft

    sandbox = quickbooks.sandbox

    def make(user, kind: str):
        assert kind in QBD_STORED_SUBMISSIONS, kind
        draft = make_draft(sandbox)
        if kind == "rejected":
            draft = replace(draft, customer=Ref("80000999-1234567890", "Nobody"))
        submission = qbd_submission_start(user=user, connection=quickbooks.connection, token=uuid.uuid4().hex,
                                          draft=draft)
        saved = settings.AUTOFY
        settings.AUTOFY = {**saved, "SETTLE_SECONDS": 600 if kind == "in_doubt" else 0, "AGENT_QUEUE_SECONDS": 0}
        try:
            if kind == "waiting":
                sandbox.autofy_configure(agent_offline=True)
            elif kind in ("in_doubt", "needs_attention"):
                sandbox.autofy_fault("POST /SalesOrder", "drop_after_commit")
            submission = qbd_submission_run(submission=submission)
            if kind == "needs_attention":
                sandbox.autofy("POST", "/SalesOrder", json=submission.steps.get().request)
                submission = qbd_submission_run(submission=submission)
        finally:
            sandbox.autofy_configure(agent_offline=False)
            sandbox.clear_faults()
            settings.AUTOFY = saved
        return submission

    return make


# --- ERP connections ----------------------------------------------------------------------------------

# The demo's 24SevenOffice company (``manage.py demo_connections``): order pages live under its slug.
TSO_SLUG = "nordlys"


@pytest.fixture(autouse=True)
def _kept_values_go_with_the_cache(monkeypatch):
    """In a test ``cache.clear()`` means "start from an empty cache": this process's copies of cached
    data (``orders.services.common.kept``) and of ERP tokens (kept 30 s each) go with it."""
    from django.core.cache import caches

    from orders.erp import tso
    from orders.services import common

    backend = type(caches["default"])
    clear = backend.clear

    def clear_and_forget(self):
        clear(self)
        common.forget_kept()
        tso.forget_kept_tokens()

    monkeypatch.setattr(backend, "clear", clear_and_forget)


@pytest.fixture(autouse=True)
def _demo_connections(request):
    """Every test that uses the database starts with the demo's ERP connections, as ``make demo`` sets
    them up (the Norwegian company on 24SevenOffice, the default; the US one on QuickBooks Desktop),
    shared with the Sales and Admins groups."""
    names = request.fixturenames
    wanted = next((name for name in ("transactional_db", "db") if name in names), None)
    if wanted is None and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue(wanted or "db")
    from io import StringIO

    from django.core.management import call_command

    call_command("demo_connections", stdout=StringIO())
    from orders.services import index

    index._customer_names.clear()  # kept per process for a few seconds: not from one test to the next


# The demo's QuickBooks company (``manage.py demo_connections``): its list reads the local order index.
QBD_SLUG = "lakeshore"


@pytest.fixture
def quickbooks(qbd_upstream):
    """``qbd_upstream`` with the company file reset as seeded (these tests change it) and the company's order
    index empty: ``quickbooks.sync()`` fills it through the real sync (``orders.services.index.sync``);
    ``quickbooks.connection``, ``quickbooks.sandbox``."""
    from orders.models import ErpConnection
    from orders.services import index

    qbd_upstream.control("POST", "/autofy/reset")

    class QuickBooks:
        sandbox = qbd_upstream
        connection = ErpConnection.objects.get(kind=ErpConnection.Kind.QBD_AUTOFY, slug=QBD_SLUG)

        def sync(self):
            result = index.sync(self.connection)
            assert not result.error, result.error
            return result

    yield QuickBooks()
    qbd_upstream.control("POST", "/autofy/reset")


@functools.cache
def _qbd_seed_lists() -> dict[str, list[dict]]:
    """The Autofy stand-in's reference lists as it serves them, by object name (from its seed: the same anchor
    and seed as the test sandbox, so the same records and IDs)."""
    import datetime as dt

    from sandbox.autofy.pricing import SALES_TAX_TYPES
    from sandbox.autofy.seed import generate

    by_kind: dict[str, list[dict]] = {}
    for record in generate(dt.date.fromisoformat(SANDBOX_ANCHOR), SANDBOX_SEED).lists:
        by_kind.setdefault(record["kind"], []).append(record["data"])
    by_kind["ItemSalesTax"] = [data for data in by_kind["Item"] if data["Type"] in SALES_TAX_TYPES]
    return by_kind


def fill_qbd_references(slug: str = QBD_SLUG) -> None:
    """The QuickBooks company's reference data in its local cache, as a full sync of the stand-in leaves it,
    written from the stand-in's seed (no HTTP: Autofy's rate limit is for the tests of the sync itself)."""
    from django.utils import timezone

    from orders.models import ErpConnection, ReferenceSyncState
    from orders.services import qbd_references

    connection = ErpConnection.objects.get(slug=slug)
    lists = _qbd_seed_lists()
    for list_name in qbd_references.LISTS:
        qbd_references.upsert(connection, list_name, lists.get(list_name, []))
    ReferenceSyncState.objects.update_or_create(connection=connection, defaults={"last_success_at": timezone.now()})


@pytest.fixture
def qbd_references_cached(request):
    """The demo's QuickBooks company with its reference data in the local cache (``fill_qbd_references``)."""
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
    fill_qbd_references()
