"""URL paths that do not change while the process runs, reversed once.

``reverse()`` costs about 60 µs here; the list page and the header use a dozen such paths per
request. The URLconf is fixed at start-up, so a path depends only on its name, its arguments and the
script prefix (part of the cache key). Tests that swap ``ROOT_URLCONF`` empty the cache.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse


@lru_cache(maxsize=512)
def _reverse(name: str, args: tuple, prefix: str) -> str:
    return reverse(name, args=args)


def path_to(name: str, *args: object) -> str:
    """``reverse(name, args=args)``, remembered."""
    return _reverse(name, args, get_script_prefix())


def order_path(name: str, *args: object, connection=None) -> str:
    """The path of an order page (``orders:list``, ``orders:detail``, …) of ``connection``: by default
    the one the request works on (``orders.connections.current()``)."""
    from orders import connections

    connection = connection or connections.current()
    if connection is None:
        raise LookupError(f"{name} needs an ERP connection")
    return _reverse(name, (connection.slug, *args), get_script_prefix())


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
