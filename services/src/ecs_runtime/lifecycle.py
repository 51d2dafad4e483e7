"""SIGTERM handling and the one way every runtime starts: settings, log, stop event, exit code."""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import NoReturn, TypeVar

from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.logs import JsonLog, bridge_logging
from ecs_runtime.settings import WorkerSettingsError
from ecs_runtime.task_metadata import task_arn

T = TypeVar("T")


class StopRequestedError(BaseException):
    """Raised inside a handler once the runtime wants it to stop (SIGTERM, a job timeout); the runtime
    then exits or hands the work back.

    A BaseException, as `asyncio.CancelledError` is since Python 3.8: a handler's own `except Exception`
    must not swallow the stop.
    """


@dataclass(frozen=True)
class Runtime:
    """What every pattern's runner gets besides its settings."""

    log: JsonLog
    stop: threading.Event
    """Set by SIGTERM/SIGINT."""
    task_arn: str | None
    """The ECS task's ARN (None outside ECS); also in every log line."""


def install_stop_handlers(stop: threading.Event, log: JsonLog) -> None:
    """SIGTERM (what ECS sends, `stopTimeout` before SIGKILL) and SIGINT only set `stop`.

    With the exec-form entry point Python is PID 1, which gets no default signal actions: without this
    handler SIGTERM would be ignored until SIGKILL. The work loop decides how to wind down.
    """

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Set before the line is written: whatever a worker does after seeing `stop` unset was decided
        # before "stop.requested" was logged (writing the line lets other threads run meanwhile).
        first = not stop.is_set()
        stop.set()
        if first:
            # Written by another thread: the handler runs on the main thread between two bytecodes, maybe
            # inside that thread's own write to stdout, and a buffered stream refuses a reentrant write
            # ("RuntimeError: reentrant call inside <_io.BufferedWriter>"). The thread waits for the log's
            # lock, which the interrupted write holds until it finishes.
            name = signal.Signals(signum).name
            threading.Thread(target=lambda: log.info("stop.requested", signal=name), daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def run_worker(service: str, load: Callable[[], T], work: Callable[[T, Runtime], ExitCode]) -> NoReturn:
    """`load` the settings (exit 2 on a bad one), then run `work` and exit with the code it returns."""
    arn = task_arn(os.environ)
    log = JsonLog(service, {"task_arn": arn})
    bridge_logging(log)
    try:
        settings = load()
    except WorkerSettingsError as error:
        log.error("settings.invalid", message=str(error))
        sys.exit(ExitCode.BAD_SETTINGS)
    stop = threading.Event()
    install_stop_handlers(stop, log)
    try:
        code = work(settings, Runtime(log, stop, arn))
    except Exception as error:
        log.error(
            "worker.crashed",
            error=repr(error),
            error_type=type(error).__name__,
            traceback=traceback.format_exc(),
        )
        code = ExitCode.FAILED
    log.info("worker.exit", exit_code=int(code), exit_reason=code.name)
    sys.exit(code)
