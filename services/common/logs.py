"""JSON log lines on stdout, one object per line, with the task ARN and a per-item correlation id."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, TextIO

# Re-entrant: a signal handler runs on the main thread and may log while that thread is mid-write.
_write_lock = threading.RLock()


class JsonLog:
    """Writes `{"time", "level", "service", "event", ...fields}` lines; `bind` adds fields for one item.

    Lines go to stdout (what `awslogs` ships) and are written whole under a lock, so lines from
    concurrent jobs never interleave.
    """

    def __init__(
        self, service: str, fields: dict[str, Any] | None = None, stream: TextIO | None = None
    ) -> None:
        self._service = service
        self._fields = dict(fields or {})
        self._stream = stream

    def bind(self, **fields: Any) -> JsonLog:
        return JsonLog(self._service, {**self._fields, **fields}, self._stream)

    def info(self, event: str, **fields: Any) -> None:
        self._write("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._write("warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._write("error", event, fields)

    def _write(self, level: str, event: str, fields: dict[str, Any]) -> None:
        now = time.time()
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
            "level": level,
            "service": self._service,
            "event": event,
            **self._fields,
            **fields,
        }
        line = json.dumps(record, default=str, ensure_ascii=False)
        stream = self._stream or sys.stdout
        with _write_lock:
            stream.write(line + "\n")
            stream.flush()
