"""Owns the prefetch thread: the next chunk is parsed and validated while the current one is copied."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run ``items`` in a background thread, ``depth`` ahead, so parsing and validating the next chunk
    overlaps with the database copying the current one.

    Yields the items of ``items`` in order. An exception raised by ``items`` is re-raised in the
    consumer at the point the item would have been yielded; a consumer that stops early (or raises)
    stops the producer at its next item, and the thread is joined (at most 5 s) before returning.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((True, _DONE))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            buffer.put((False, err))

    worker = threading.Thread(target=produce, name="import-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
