"""What each sandbox process remembers between calls: the config (and the Autofy agent's), whether any
fault is pending, and the access tokens it has checked.

Reading these from SQLite on every ``/v1`` call cost about half of the call's CPU; on a two-core
machine that slowed down the dashboard's concurrent calls. They change only through the control API
(``/_sandbox/...``) and the sandbox's management commands, which call ``changed()`` once the change
is committed. ``changed()`` replaces a small stamp file next to the database; every process compares
the stamp (one ``stat``) before trusting what it remembers, and forgets everything when it moved.

The stamp is read before the database, so a change committed meanwhile is seen on the next call at
the latest. Consuming a fault is still the database's atomic decrement (see ``sandbox.faults``):
only the "no fault is pending" answer is remembered.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from sandbox.models import AutofyConfig, Config

MAX_TOKENS = 1_000  # tokens remembered per process; more and the memory starts afresh


class Memory:
    """What one process knows while the stamp stays ``stamp``. A newer stamp gets a new ``Memory``; a
    request still holding the old one writes into it harmlessly."""

    def __init__(self, stamp: tuple[int, int]) -> None:
        self.stamp = stamp
        self.config: Config | None = None
        self.autofy_config: AutofyConfig | None = None  # see sandbox.autofy.gate
        self.no_faults = False  # True once a query found no pending fault
        self.tokens: dict[str, tuple[datetime, tuple[str, ...]]] = {}  # key -> (expires_at, scopes)

    def remember_token(self, key: str, expires_at: datetime, scopes: tuple[str, ...]) -> None:
        if len(self.tokens) >= MAX_TOKENS:
            self.tokens.clear()
        self.tokens[key] = (expires_at, scopes)


_memory = Memory((-1, -1))


def _stamp_path() -> str:
    return f"{settings.DATABASES['default']['NAME']}.knobs"


def current() -> Memory:
    """This process's memory, emptied first if the stamp moved since it was filled."""
    global _memory
    try:
        status = os.stat(_stamp_path())
        stamp = (status.st_ino, status.st_mtime_ns)
    except FileNotFoundError:
        stamp = (0, 0)
    memory = _memory
    if memory.stamp != stamp:
        memory = _memory = Memory(stamp)
    return memory


def changed() -> None:
    """Tell every process that the config, the faults or the tokens changed (call after commit)."""
    global _memory
    path = _stamp_path()
    temporary = f"{path}.{uuid.uuid4().hex}"
    with open(temporary, "w") as stamp:
        stamp.write(uuid.uuid4().hex)
    os.replace(temporary, path)  # a new inode: the stamp differs even within one clock tick
    _memory = Memory((-1, -1))


def config() -> Config:
    """The current config (``Config.current()``), read once per stamp."""
    memory = current()
    if memory.config is None:
        from sandbox.models import Config

        memory.config = Config.current()
    return memory.config
