"""``make bench``'s QuickBooks part: the list and order pages of the demo's QuickBooks company
(``lakeshore``) against the Autofy stand-in with the same added latency.

* The list reads the local order index: its median overhead over reading the index (``find_orders``,
  timed in a process of its own on the same database) must be ≤ 15 ms.
* The order page reads the order live: its median must be ≤ 1.3 × one upstream round trip (a GET of
  the order, timed directly against the stand-in).
* The QuickBooks builder with 100 lines (groups with their sub-lines among them): one line change, the
  recalculation htmx posts, must answer in a median ≤ 50 ms, timed at the client on this machine (so the
  server's time and less), without a call to QuickBooks (the stand-in's call log says so). The company's
  reference data is synced into its local cache first, as the worker does.

Autofy allows 100 calls a minute per company file: the stand-in's window is reset before each phase,
and the dashboard's own count (the file cache, shared with the sync run here) stays under it.
"""

from __future__ import annotations

import html
import json
import re
import statistics
import subprocess
import time

import requests

SLUG = "lakeshore"
API_KEY = "sandbox-autofy-key"
ENDPOINT = "sandbox-endpoint"
ROUNDS = 30  # pages of each kind: with the warm-up and the sync, under Autofy's 100 calls a minute

# Run in a process of its own (``manage.py shell``): fill the index from the stand-in, then time reading
# its first page as the list does, and name the orders on it.
INDEX_SCRIPT = """
import json, statistics, time
from orders.services import index
from orders.models import ErpConnection
connection = ErpConnection.objects.get(slug=%r)
result = index.sync(connection, full=True)
assert not result.error, result.error
index.find_orders(connection)
times = []
for _ in range(%d):
    started = time.perf_counter()
    page = index.find_orders(connection)
    times.append((time.perf_counter() - started) * 1000)
print("RESULT " + json.dumps({"ids": [order.id for order in page.items], "read_ms": statistics.median(times)}))
"""


# Run in a process of its own: the company's reference data into its local cache (what the worker does).
REFERENCES_SCRIPT = """
from orders.models import ErpConnection
from orders.services import qbd_references
result = qbd_references.sync_references(ErpConnection.objects.get(slug=%r), full=True)
assert not result.error, result.error
print("RESULT ok")
"""
BUILDER_LINES = 100
# What the builder's recalculation posts (its fields marked ``data-recalc``, the cells' ``shown``, the count).
RECALCULATED = re.compile(r"lines-TOTAL_FORMS|item_sales_tax_id|currency_id|currency_name|exchange_rate|"
                          r"csrfmiddlewaretoken|lines-\d+-(?:sub_lines-\d+-)?(?:kind|quantity|rate|rate_percent|amount|"
                          r"tax_code_id|shown)|lines-\d+-sub_lines-TOTAL_FORMS")


def _index(root, python: str, env: dict, rounds: int) -> dict:
    done = subprocess.run([python, "manage.py", "shell", "-c", INDEX_SCRIPT % (SLUG, rounds)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise SystemExit(f"The QuickBooks index could not be filled:\n{done.stdout}\n{done.stderr}")


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(root, python: str, env: dict, sandbox_url: str, base: str, browser: requests.Session) -> dict:
    """{"list": [ms…], "index_read_ms": median, "detail": [ms…], "upstream": [ms…]}."""
    reset = f"{sandbox_url}/_sandbox/autofy/rate-limit/reset"
    requests.post(reset, timeout=5).raise_for_status()
    found = _index(root, python, env, ROUNDS)
    ids = found["ids"]

    def page(path: str) -> None:
        response = browser.get(f"{base}{path}", timeout=30)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    requests.post(reset, timeout=5).raise_for_status()
    upstream = requests.Session()
    upstream.headers["x-api-key"] = API_KEY
    orders = f"{sandbox_url}/autofy/v2/data/{ENDPOINT}/SalesOrder"
    up_detail = [_timed(lambda i=i: upstream.get(f"{orders}/{ids[i % len(ids)]}", timeout=10).raise_for_status())
                 for i in range(ROUNDS)]

    requests.post(reset, timeout=5).raise_for_status()
    for order_id in ids[:3]:  # warm-up: lookups (currencies, tax codes, items), customers, templates
        page(f"/c/{SLUG}/orders/{order_id}/")
    list_times = [_timed(lambda: page(f"/c/{SLUG}/orders/")) for _ in range(ROUNDS)]
    # The same few orders again and again, as people open them: their customers' records are kept.
    detail_times = [_timed(lambda i=i: page(f"/c/{SLUG}/orders/{ids[i % 3]}/")) for i in range(ROUNDS)]
    builder = measure_builder(sandbox_url, base, browser, root, python, env, ROUNDS)
    return {"list": list_times, "index_read_ms": found["read_ms"], "detail": detail_times, "upstream": up_detail,
            "builder": builder}


def _form(page: str) -> dict[str, str]:
    """The values a builder page's form sends (inputs and each select's chosen option)."""
    values = {name: html.unescape(value) for name, value in
              re.findall(r'<input type="(?:hidden|text|search|date)" name="([^"]+)"(?: id="[^"]*")?[^>]*? value="([^"]*)"', page)}
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = html.unescape(chosen[1]) if chosen else ""
    return values


def measure_builder(sandbox_url: str, base: str, browser: requests.Session, root, python: str, env: dict,
                    rounds: int) -> dict:
    """A 100-line QuickBooks order in the builder (a customer, groups and items picked as a user does, then
    the lines copied): the recalculation of one line change, timed; and the calls QuickBooks got meanwhile."""
    requests.post(f"{sandbox_url}/_sandbox/autofy/rate-limit/reset", timeout=5).raise_for_status()
    done = subprocess.run([python, "manage.py", "shell", "-c", REFERENCES_SCRIPT % SLUG], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    if "RESULT ok" not in done.stdout:
        raise SystemExit(f"The QuickBooks reference data could not be synced:\n{done.stdout}\n{done.stderr}")
    new = f"{base}/c/{SLUG}/orders/new/"
    htmx = {"HX-Request": "true"}

    def post(form: dict, **extra) -> str:
        response = browser.post(new, data=form, headers={"Referer": new, **extra}, timeout=30)
        if response.status_code != 200:
            raise SystemExit(f"The QuickBooks builder answered {response.status_code}")
        return response.text

    form = _form(browser.get(new, timeout=30).text)
    found = browser.get(f"{new}customers/", params={"customer_query": "Addison Dental"}, headers=htmx, timeout=30).text
    form = _form(post({**form, "pick_customer": re.search(r'name="pick_customer" value="([^"]+)"', found)[1]}))
    templates = []
    for name in ("Workstation Bundle", "Task Chair TC-100"):
        items = browser.get(f"{new}products/", params={"line": "0", "lines-0-item_query": name}, headers=htmx,
                            timeout=30).text
        picked = _form(post({**form, "pick_item": re.search(r'name="pick_item" value="([^"]+)"', items)[1]}))
        templates.append({key[len("lines-0-"):]: value for key, value in picked.items() if key.startswith("lines-0-")})
    body = {key: value for key, value in form.items() if not key.startswith("lines-")}
    body["lines-TOTAL_FORMS"] = str(BUILDER_LINES)
    for number in range(BUILDER_LINES):
        line = templates[0] if number % 10 == 0 else {**templates[1], "quantity": str(1 + number % 7)}
        body.update({f"lines-{number}-{key}": value for key, value in line.items()})
    form = _form(post({**body, "refresh": "1"}))
    if form.get("lines-TOTAL_FORMS") != str(BUILDER_LINES):
        raise SystemExit("The QuickBooks builder did not show the 100 lines.")
    sent = {key: value for key, value in form.items() if RECALCULATED.fullmatch(key)}
    since = requests.get(f"{sandbox_url}/_sandbox/state", timeout=5).json()["lastCallId"]
    line = f"lines-{BUILDER_LINES // 2 + 1}-quantity"
    times = []
    for number in range(rounds + 3):
        started = time.perf_counter()
        answer = post({**sent, line: str(2 + number % 9), "recalculate": "1"}, **htmx)
        times.append((time.perf_counter() - started) * 1000)
        if 'id="builder-totals"' not in answer:
            raise SystemExit("The QuickBooks builder's recalculation did not answer the totals.")
    calls = requests.get(f"{sandbox_url}/_sandbox/calls", params={"since": since}, timeout=5).json()
    return {"times": times[3:], "calls": len([call for call in calls if "/autofy/" in call["path"]])}


def checks(measured: dict) -> list[tuple[str, bool, str]]:
    overhead = statistics.median(measured["list"]) - measured["index_read_ms"]
    ratio = statistics.median(measured["detail"]) / statistics.median(measured["upstream"])
    return [
        (f"QuickBooks list median overhead over reading the index ({measured['index_read_ms']:.1f} ms) "
         f"= {overhead:.1f} ms", overhead <= 15, "≤ 15 ms"),
        (f"QuickBooks order page median = {ratio:.2f} × one upstream round trip", ratio <= 1.3, "≤ 1.3 ×"),
        *builder_checks(measured["builder"]),
    ]


def builder_checks(builder: dict) -> list[tuple[str, bool, str]]:
    median = statistics.median(builder["times"])
    return [(f"QuickBooks builder line change median = {median:.1f} ms with {BUILDER_LINES} lines, "
             f"{builder['calls']} calls to QuickBooks", median <= 50 and builder["calls"] == 0, "≤ 50 ms, 0 calls")]
