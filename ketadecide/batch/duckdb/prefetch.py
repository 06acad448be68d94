"""Running an iterator a step ahead on a thread of its own, with bounded memory."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def prefetched(batches: Iterator[T], depth: int = 4, name: str = "ketadecide-reader") -> Generator[T, None, None]:
    """``batches``, produced ahead on a second thread, so that the next ones are being read
    (or queried: pyarrow and DuckDB both work without the GIL) while the consumer works on
    this one. At most ``depth`` items wait. An error is raised here, in the consumer's
    thread, in its place. ``batches`` is run and closed on that thread only (a DuckDB
    connection, say, is then used from one thread)."""
    import queue
    import threading

    done = object()
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
        except BaseException as exc:  # handed to the consumer
            put(exc)
            return
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
        put(done)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ahead.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # the consumer stopped early (or finished): let the reader go
        # A reader blocked on a pipe that never speaks again must not keep the process from
        # ending (Ctrl-C, SIGTERM): it is a daemon, holding nothing that needs closing.
        thread.join(timeout=None if sys.exc_info()[0] is None else 2.0)
