"""The stream of an object's bytes a handler reads: counted, and interrupted when the runtime stops."""

from __future__ import annotations

import threading
from typing import Protocol

from ecs_runtime.lifecycle import StopRequestedError


class Readable(Protocol):
    def read(self, amt: int | None = ..., /) -> bytes: ...


class ObjectStream:
    """Wraps an S3 body: `read` raises StopRequestedError once `stop` is set, so a handler that reads
    stops at its next read without checking anything itself; `bytes_read` counts what it read."""

    def __init__(self, body: Readable, stop: threading.Event) -> None:
        self._body = body
        self._stop = stop
        self.bytes_read = 0

    def read(self, amt: int | None = None, /) -> bytes:
        if self._stop.is_set():
            raise StopRequestedError
        data = self._body.read(amt)
        self.bytes_read += len(data)
        return data
