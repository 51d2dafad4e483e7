"""Run a Python module, counting its SQS API calls: `python -m benchmarks.call_counter MODULE [ARG ...]`.

The module runs as `python -m MODULE [ARG ...]` would; at exit one JSON line is printed on stdout,
`{"event": "bench.sqs_calls", "calls": {"ReceiveMessage": 12, ...}}`, one count per operation. Every
consumer of the queue benchmark (the worker and each baseline) runs under it, so all are counted the same
way, at the client, with nothing changed in the code measured.

The counter is a botocore `before-parameter-build.sqs` handler (emitted once per API call, before its
request is built: retries are not counted again) added to `botocore.handlers.BUILTIN_HANDLERS`, the list
every new botocore session registers when it is created: the worker makes its own sessions
(`boto3.session.Session()` per client), so a handler on any one session or client would miss them.
"""

from __future__ import annotations

import atexit
import json
import runpy
import sys
import threading
from collections import Counter
from typing import Any

from botocore import handlers

EVENT = "bench.sqs_calls"
EVENT_NAME = "before-parameter-build.sqs"
"""botocore's event, emitted once per call with the operation's model, whatever later handlers answer."""


class SqsCalls:
    """Counts SQS calls by operation name, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._calls[model.name] += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    def install(self) -> None:
        """Count the calls of every botocore session created from now on."""
        handlers.BUILTIN_HANDLERS.append((EVENT_NAME, self))

    def uninstall(self) -> None:
        handlers.BUILTIN_HANDLERS.remove((EVENT_NAME, self))


def parse(line: str) -> dict[str, int] | None:
    """The counts from the line `main` prints at exit, or None for any other line."""
    if not line.startswith("{"):
        return None
    event = json.loads(line)
    if event.get("event") != EVENT:
        return None
    return {str(name): int(count) for name, count in event["calls"].items()}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m benchmarks.call_counter MODULE [ARG ...]", file=sys.stderr)
        return 2
    calls = SqsCalls()
    calls.install()
    # Registered before the module runs, so it runs after the module's own exit handlers, on sys.exit too.
    atexit.register(lambda: print(json.dumps({"event": EVENT, "calls": calls.counts()}), flush=True))
    sys.argv = argv[1:]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
