"""Library log records and warnings become the workers' own JSON lines (ecs_runtime/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.lifecycle import Runtime, install_stop_handlers, run_worker
from ecs_runtime.logs import JsonLog, bridge_logging
from ecs_runtime.settings import WorkerSettings, load


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """The bridge rewires the root logger and `warnings`: put both back after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    logging.captureWarnings(False)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_library_warnings_and_errors_become_json_lines_and_debug_is_dropped() -> None:
    stream = io.StringIO()
    bridge_logging(JsonLog("worker", {"task_arn": "arn:aws:ecs:us-east-1:123456789012:task/c/t"}, stream))

    logging.getLogger("botocore.credentials").debug("looking for credentials")
    logging.getLogger("urllib3.connectionpool").warning("Connection pool is full, discarding: %s", "sqs")
    try:
        raise ValueError("bad answer")
    except ValueError:
        logging.getLogger("botocore.parsers").exception("cannot parse")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("this call is deprecated", DeprecationWarning, stacklevel=1)

    [pool, parser, warning] = lines(stream)
    assert {name: pool[name] for name in ("level", "service", "event", "logger", "message", "task_arn")} == {
        "level": "warning",
        "service": "worker",
        "event": "library.log",
        "logger": "urllib3.connectionpool",
        "message": "Connection pool is full, discarding: sqs",
        "task_arn": "arn:aws:ecs:us-east-1:123456789012:task/c/t",
    }
    assert (parser["level"], parser["logger"], parser["message"]) == (
        "error",
        "botocore.parsers",
        "cannot parse",
    )
    assert "ValueError: bad answer" in parser["traceback"]
    assert (warning["level"], warning["logger"]) == ("warning", "py.warnings")
    assert "DeprecationWarning: this call is deprecated" in warning["message"]


def test_every_worker_starts_with_the_bridge(capsys: pytest.CaptureFixture[str]) -> None:
    def work(_settings: WorkerSettings, runtime: Runtime) -> ExitCode:
        logging.getLogger("botocore.hooks").warning("a library speaks")
        return ExitCode.OK

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises(SystemExit) as exited:
            run_worker("report", lambda: load(WorkerSettings), work)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    captured = capsys.readouterr()
    assert exited.value.code == ExitCode.OK
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [(line["event"], line.get("logger")) for line in records] == [
        ("library.log", "botocore.hooks"),
        ("worker.exit", None),
    ]
    assert captured.err == ""


class _NonReentrantStream(io.StringIO):
    """Like stdout's BufferedWriter, refuses a write inside a write; its first flush takes SIGTERM."""

    def __init__(self) -> None:
        super().__init__()
        self._writing = False
        self.signalled = False

    def write(self, text: str) -> int:
        if self._writing:
            raise RuntimeError("reentrant call inside the stream")
        self._writing = True
        try:
            return super().write(text)
        finally:
            self._writing = False

    def flush(self) -> None:
        self._writing = True
        try:
            if not self.signalled:
                self.signalled = True
                handler = signal.getsignal(signal.SIGTERM)
                assert callable(handler)
                handler(signal.SIGTERM, None)  # the signal lands while the main thread writes a line
        finally:
            self._writing = False


def test_sigterm_landing_mid_write_sets_stop_and_logs_after_the_interrupted_line() -> None:
    stream = _NonReentrantStream()
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        install_stop_handlers(stop, JsonLog("upload", stream=stream))
        JsonLog("upload", stream=stream).info("handler.waiting")
        deadline = time.monotonic() + 10
        while "stop.requested" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    assert stop.is_set()
    assert [line["event"] for line in lines(stream)] == ["handler.waiting", "stop.requested"]
    assert lines(stream)[1]["signal"] == "SIGTERM"
