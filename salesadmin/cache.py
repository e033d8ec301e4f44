"""Django's Redis cache, with one Redis client per process (``CACHES`` uses it when ``REDIS_URL`` is set).

Django keeps a cache object per thread (and per context), and its Redis cache builds a new
``redis.Redis`` object for every command (about 60 µs of CPU each: the client's table of answer
parsers is built anew) on a connection pool of its own per cache object. A page makes five to ten cache
calls (session, ERP token, reference data, customer names), so here every cache object of the process
shares one client per server, and with it one connection pool (redis-py's pool is thread-safe). What is
stored and how is Django's, unchanged.
"""

from __future__ import annotations

import threading

from django.core.cache.backends import redis as django_redis
from django.utils.functional import cached_property

_clients: dict[str, django_redis.RedisCacheClient] = {}
_lock = threading.Lock()


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._redis_clients.get(id(pool))
        if client is None:
            client = self._redis_clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    @cached_property
    def _cache(self) -> django_redis.RedisCacheClient:
        # Shared by every cache object of the process configured alike.
        key = repr((self._servers, sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.get(key)
                if client is None:
                    client = _clients[key] = self._class(self._servers, **self._options)
        return client
