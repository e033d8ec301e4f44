"""24SevenOffice REST v1. ``get_client()`` returns the client of the current connection
(``orders.connections.current()``), one per connection and process (one pooled session each); outside
a connection, the one configured by ``settings.TSO``."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from orders import connections
from orders.erp.errors import UpstreamAuthError
from orders.erp.tso.client import NAME, TwentyFourSevenClient

_clients: dict[str, TwentyFourSevenClient] = {}
_lock = threading.Lock()


def get_client() -> TwentyFourSevenClient:
    config = _config(connections.current())
    # One client per configuration: connections configured alike share it (and its bulkhead); a
    # connection whose settings an admin changed gets a new one.
    key = repr(sorted(config.items()))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = TwentyFourSevenClient(config)
    return client


def _config(connection) -> dict:
    if connection is None or connection.kind != connections.Kind.TSO:
        return settings.TSO
    try:
        return connections.tso_config(connection)
    except connections.ConnectionNotConfigured as error:
        raise UpstreamAuthError(str(error), upstream=NAME) from None


@receiver(setting_changed)
def _reset_client(*, setting: str, **kwargs) -> None:
    if setting in {"TSO", "CACHES"}:
        with _lock:
            _clients.clear()


def forget_kept_tokens() -> None:
    """Every client asks the cache for its token on its next call (this process)."""
    with _lock:
        for client in _clients.values():
            client.forget_kept_token()
