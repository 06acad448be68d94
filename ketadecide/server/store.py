"""What must be shared between requests sits behind this small interface: the JWT ``jti``
replay cache, the short-lived link ids and the feedback de-duplication.

In memory by default (one process). Several processes behind a load balancer need a shared
implementation (e.g. Redis ``SET key value NX EX ttl`` for :meth:`Store.add`) or sticky
sessions; README "In the EHR" says so. Nothing else is kept between requests.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class Store(Protocol):
    def add(self, key: str, value: str, ttl_s: float) -> bool:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds unless the key is live: True if stored."""
        ...

    def get(self, key: str) -> str | None:
        """The live value under ``key``, or None."""
        ...


class MemoryStore:
    """An in-process :class:`Store` with expiry and a size ceiling (oldest evicted first)."""

    def __init__(self, max_items: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_items
        self._clock = clock

    def add(self, key: str, value: str, ttl_s: float) -> bool:
        now = self._clock()
        with self._lock:
            held = self._items.get(key)
            if held is not None and held[0] > now:
                return False
            self._items[key] = (now + ttl_s, value)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)
            return True

    def get(self, key: str) -> str | None:
        with self._lock:
            held = self._items.get(key)
            if held is None:
                return None
            if held[0] <= self._clock():
                del self._items[key]
                return None
            return held[1]
