"""Run in a process of its own by ``test_throttle``: make ``count`` calls to the Autofy sandbox through the
production client and print, as JSON, when each call was on the wire (time.time() before and after)."""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesadmin.settings")
django.setup()

from django.conf import settings  # noqa: E402

from orders.erp.autofy.client import AutofyClient  # noqa: E402


def main(base_url: str, cache_location: str, count: int) -> None:
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES["default"]["LOCATION"] = cache_location  # the test's: its locks and rate state
    client = AutofyClient({**settings.AUTOFY, "BASE_URL": base_url, "NAME": f"QuickBooks ({os.getpid()})",
                           "MAX_RETRIES": 0})
    send = client.connection.send
    spans = []

    def timed(*args, **kwargs):
        started = time.time()
        try:
            return send(*args, **kwargs)
        finally:
            spans.append((started, time.time()))

    client.connection.send = timed
    for _ in range(count):
        client.list_sales_orders(page=1, page_size=1)
    print(json.dumps(spans))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
