"""Every process the demo starts, so that all of them are stopped at the end, on an error and on Ctrl-C.

Each child starts in a session of its own: a Ctrl-C in the terminal reaches only the demo, which then
stops its children here, by pid, SIGTERM first and SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Sequence
from typing import Any


class Processes:
    def __init__(self) -> None:
        self._started: list[subprocess.Popen[str]] = []
        self._lock = threading.Lock()

    def start(self, command: Sequence[str], **options: Any) -> subprocess.Popen[str]:
        process = subprocess.Popen(  # noqa: S603 - the demo's own commands (tasks from this repository, moto)
            list(command), start_new_session=True, text=True, **options
        )
        with self._lock:
            self._started.append(process)
        return process

    def running(self) -> list[int]:
        with self._lock:
            return [process.pid for process in self._started if process.poll() is None]

    def stop_all(self, grace_seconds: float = 10) -> None:
        with self._lock:
            alive = [process for process in self._started if process.poll() is None]
        for process in alive:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        deadline = time.monotonic() + grace_seconds
        for process in alive:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()
