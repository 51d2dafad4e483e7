"""ECS task scale-in protection through the container agent, held while the worker has jobs.

`PUT $ECS_AGENT_URI/task-protection/v1/state` with `{"ProtectionEnabled": true, "ExpiresInMinutes": N}`
(1 to 2,880 minutes); `{"ProtectionEnabled": false}` when idle. Without ECS_AGENT_URI (outside ECS)
every call is a no-op. A failed call is logged and the worker carries on: at worst a scale-in stops the
task and its messages return to the queue.
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.request

from ecs_runtime.logs import JsonLog

MAX_MINUTES = 2880


class TaskProtection:
    def __init__(self, agent_uri: str | None, job_timeout_seconds: int, log: JsonLog) -> None:
        self._url = f"{agent_uri.rstrip('/')}/task-protection/v1/state" if agent_uri else None
        # Long enough for a job started now to end; renewed while busy, when half of it is left.
        self.minutes = min(MAX_MINUTES, max(1, math.ceil(job_timeout_seconds / 60) + 1))
        self._log = log
        self._lock = threading.Lock()
        self._held_until: float | None = None

    def hold(self) -> None:
        with self._lock:
            now = time.monotonic()
            if self._url is None or (
                self._held_until is not None and self._held_until - now > self.minutes * 30
            ):
                return
            if self._put(self._url, {"ProtectionEnabled": True, "ExpiresInMinutes": self.minutes}):
                self._held_until = now + self.minutes * 60

    def release(self) -> None:
        with self._lock:
            if self._url is None or self._held_until is None:
                return
            if self._put(self._url, {"ProtectionEnabled": False}):
                self._held_until = None

    def _put(self, url: str, state: dict[str, object]) -> bool:
        # ECS_AGENT_URI is an http:// URL the agent sets; nothing else reaches these calls.
        request = urllib.request.Request(  # noqa: S310
            url,
            data=json.dumps(state).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                answer = json.load(response)
        except (OSError, ValueError) as error:
            self._log.warning("protection.failed", state=state, error=repr(error))
            return False
        # The agent answers 200 with {"protection": {...}} or with a "failure"/"error" object.
        if not isinstance(answer, dict) or "failure" in answer or "error" in answer:
            self._log.warning("protection.failed", state=state, answer=answer)
            return False
        self._log.info("protection.set", state=state)
        return True
