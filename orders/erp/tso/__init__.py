"""Upstream ERP clients. ``get_client()`` returns this process's client (one pooled session)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from orders.erp.tso.client import TwentyFourSevenClient

_client: TwentyFourSevenClient | None = None
_lock = threading.Lock()


def get_client() -> TwentyFourSevenClient:
    global _client
    client = _client
    if client is None:
        with _lock:
            if _client is None:
                _client = TwentyFourSevenClient(settings.TSO)
            client = _client
    return client


@receiver(setting_changed)
def _reset_client(*, setting: str, **kwargs) -> None:
    global _client
    if setting in {"TSO", "CACHES"}:
        with _lock:
            _client = None
