"""JSON log lines on stdout, one object per line, with the task ARN and a per-item correlation id.

Libraries log through the standard `logging` module (botocore, urllib3) or `warnings`; `bridge_logging`
sends those records through the same JSON lines, so stdout holds one format and nothing lands on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import Any, TextIO

# Re-entrant, so a line logged from a signal handler (on the main thread, maybe mid-write) cannot deadlock;
# the stop handler still hands its line to a thread (lifecycle.py): the stream itself is not re-entrant.
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
        self.write("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self.write("warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self.write("error", event, fields)

    def write(self, level: str, event: str, fields: dict[str, Any]) -> None:
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


LIBRARY_LEVEL = logging.WARNING
"""Library records at this level and above are logged: botocore's and urllib3's warnings and errors, not
their per-request debug chatter."""


class JsonLogHandler(logging.Handler):
    """A stdlib `logging` handler writing each record as a `library.log` line of a JsonLog."""

    def __init__(self, log: JsonLog) -> None:
        super().__init__()
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields: dict[str, Any] = {"logger": record.name, "message": record.getMessage()}
            if record.exc_info:
                fields["traceback"] = logging.Formatter().formatException(record.exc_info)
            self._log.write(record.levelname.lower(), "library.log", fields)
        except Exception:  # logging must never break the worker; the stdlib reports it on stderr
            self.handleError(record)


def bridge_logging(log: JsonLog) -> None:
    """Route the root logger (and with it every library's logger) and `warnings` into `log`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(JsonLogHandler(log))
    root.setLevel(LIBRARY_LEVEL)
    # `warnings.warn` (deprecations, urllib3's InsecureRequestWarning) becomes a `py.warnings` record.
    logging.captureWarnings(True)
