"""``make bench``'s QuickBooks part: the list and order pages of the demo's QuickBooks company
(``lakeshore``) against the Autofy stand-in with the same added latency.

* The list reads the local order index: its median overhead over reading the index (``find_orders``,
  timed in a process of its own on the same database) must be ≤ 15 ms.
* The order page reads the order live: its median must be ≤ 1.3 × one upstream round trip (a GET of
  the order, timed directly against the stand-in).

Autofy allows 100 calls a minute per company file: the stand-in's window is reset before each phase,
and the dashboard's own count (the file cache, shared with the sync run here) stays under it.
"""

from __future__ import annotations

import json
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
    return {"list": list_times, "index_read_ms": found["read_ms"], "detail": detail_times, "upstream": up_detail}


def checks(measured: dict) -> list[tuple[str, bool, str]]:
    overhead = statistics.median(measured["list"]) - measured["index_read_ms"]
    ratio = statistics.median(measured["detail"]) / statistics.median(measured["upstream"])
    return [
        (f"QuickBooks list median overhead over reading the index ({measured['index_read_ms']:.1f} ms) "
         f"= {overhead:.1f} ms", overhead <= 15, "≤ 15 ms"),
        (f"QuickBooks order page median = {ratio:.2f} × one upstream round trip", ratio <= 1.3, "≤ 1.3 ×"),
    ]
