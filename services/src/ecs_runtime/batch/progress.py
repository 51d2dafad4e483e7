"""Progress counters and a log line at least every PROGRESS_SECONDS or every PROGRESS_OBJECTS objects."""

from __future__ import annotations

import threading
import time
from collections import Counter

from ecs_runtime.logs import JsonLog

PROGRESS_SECONDS = 10.0
PROGRESS_OBJECTS = 1000


class Progress:
    """Thread-safe counts; a background thread logs on time, `count` logs on volume."""

    def __init__(self, log: JsonLog) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._started = time.monotonic()
        self._finished_since_line = 0
        self._stopped = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)

    def __enter__(self) -> Progress:
        self._ticker.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        self._ticker.join()
        self.log_line(final=True)

    def count(self, name: str, finished: bool = True) -> None:
        with self._lock:
            self._counts[name] += 1
            if finished:
                self._finished_since_line += 1
            if self._finished_since_line >= PROGRESS_OBJECTS:
                self._log_line_locked(final=False)

    def totals(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def log_line(self, final: bool = False) -> None:
        with self._lock:
            self._log_line_locked(final)

    def _log_line_locked(self, final: bool) -> None:
        # Counted, reset and written under the one lock: no count slips in between the decision and the
        # line, and lines appear in the order of their counts, so no two lines are more than
        # PROGRESS_OBJECTS finished objects apart (several threads may reach the mark at once).
        self._finished_since_line = 0
        self._log.info(
            "report.progress",
            final=final,
            seconds=round(time.monotonic() - self._started, 1),
            **self._counts,
        )

    def _tick(self) -> None:
        while not self._stopped.wait(PROGRESS_SECONDS):
            self.log_line()
