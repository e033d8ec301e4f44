"""The Redis cache (``salesadmin.cache``, production's cache): Django's behaviour, one client per process.
Runs where ``REDIS_URL`` names a Redis (CI's second pass), else is skipped."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from salesadmin.cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis to talk to)")


def test_every_thread_s_cache_object_shares_one_client_and_works_as_django_s():
    prefix = uuid.uuid4().hex
    made = []

    def in_a_thread():  # Django makes one cache object per thread
        made.append(RedisCache(REDIS_URL, {"KEY_PREFIX": prefix}))

    threads = [threading.Thread(target=in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = made
    assert first._cache is second._cache
    assert first._cache.get_client() is second._cache.get_client(write=True)  # one redis.Redis, not one a call

    first.set("order", {"id": 1001, "total": "24900.00"}, 30)
    assert second.get("order") == {"id": 1001, "total": "24900.00"}
    second.set_many({"a": 1, "b": (2, "two")}, 30)
    assert first.get_many(["a", "b", "c"]) == {"a": 1, "b": (2, "two")}
    assert first.incr("a") == 2
    first.delete_many(["order", "a", "b"])
    assert second.get("order", "gone") == "gone"
