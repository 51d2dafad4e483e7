"""The queue runtime: a long-polling SQS consumer running the registered handlers' jobs concurrently.

Threads: the receiver long-polls for full batches (SQS's ten) whenever its buffer of received messages is
empty, so a job slot that frees starts the next buffered message at once instead of waiting on a
receive; each job runs on a daemon thread of its own; the lease keeper extends the visibility of
running and buffered messages every third of the timeout, cancels jobs over JOB_TIMEOUT_SECONDS and
deletes completed messages in batches. The main thread waits for SIGTERM, releases the buffered
messages at once (visibility 0), then drains: no new receives or starts, running jobs get 3/4 of the
stop timeout to finish, the rest are cancelled and released unless already writing their output,
which they finish. A job still running a second before SIGKILL is abandoned and the process exits: its
message was released, or, if the job was writing its output, returns after its visibility timeout. A
message is deleted only after its job completed, so none is ever lost: each is either done and deleted,
or back on the queue (and in the dead-letter queue after maxReceiveCount).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import ClientError

from ecs_runtime import aws
from ecs_runtime.context import Context
from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.handlers import Loaded, run_pattern
from ecs_runtime.lifecycle import Runtime, StopRequestedError
from ecs_runtime.logs import JsonLog
from ecs_runtime.queue.control import JobControl
from ecs_runtime.queue.leases import Leases
from ecs_runtime.queue.messages import MalformedMessageError, ParsedMessage, QueueHandlers
from ecs_runtime.queue.protection import TaskProtection
from ecs_runtime.queue.settings import QueueWorkerSettings

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.type_defs import MessageTypeDef

RECEIVE_BATCH = 10
"""SQS's most messages per receive: always asked for, so a deep queue costs one receive per ten."""

KEEPER_TICK_SECONDS = 0.25
"""How often completed messages are deleted (all completed by then go in one batch call)."""


@dataclass(frozen=True)
class Received:
    """A message received and parsed, waiting in the buffer for a job slot."""

    message_id: str
    receipt_handle: str
    parsed: ParsedMessage
    receive_count: str

    @property
    def handle(self) -> tuple[str, str]:
        return self.message_id, self.receipt_handle


@dataclass
class Job:
    message_id: str
    receipt_handle: str
    parsed: ParsedMessage
    receive_count: str
    started: float = field(default_factory=time.monotonic)
    cancel: threading.Event = field(default_factory=threading.Event)
    timed_out: bool = False
    committing: bool = False
    """Set once the job starts writing its output: from then on it is finished, never released."""

    @property
    def handle(self) -> tuple[str, str]:
        return self.message_id, self.receipt_handle


def _work(loaded: Loaded[QueueWorkerSettings, QueueHandlers], runtime: Runtime) -> ExitCode:
    settings = loaded.settings
    protection = TaskProtection(settings.ecs_agent_uri, settings.job_timeout_seconds, runtime.log)
    clients = aws.Clients(max_pool_connections=settings.worker_concurrency + 2)
    return QueueWorker(
        settings, runtime, aws.sqs_client(), loaded.handler, loaded.handler_settings, clients, protection
    ).run()


class QueueWorker:
    def __init__(
        self,
        settings: QueueWorkerSettings,
        runtime: Runtime,
        sqs: SQSClient,
        handlers: QueueHandlers,
        handler_settings: Any,
        clients: aws.Clients,
        protection: TaskProtection,
    ) -> None:
        self._settings = settings
        self._stop = runtime.stop
        self._log = runtime.log
        self._task_arn = runtime.task_arn
        self._sqs = sqs
        self._handlers = handlers
        self._handler_settings = handler_settings
        self._clients = clients
        self._protection = protection
        self._leases = Leases(sqs, settings.queue_url)
        self._state = threading.Condition()
        self._running: dict[str, Job] = {}
        """By receipt handle: a message delivered twice (a lost lease) is two jobs."""
        self._buffer: deque[Received] = deque()
        """Received, not yet started: at most one batch (RECEIVE_BATCH), started in order as slots free."""
        self._completed: list[Job] = []
        self._lease_calls = threading.Lock()
        """Serialises heartbeats and releases, so no heartbeat lands after a job's release."""
        self._keeper_stop = threading.Event()
        self._exit_code = ExitCode.OK

    def run(self) -> ExitCode:
        receiver = threading.Thread(target=self._receive_loop, name="receiver", daemon=True)
        keeper = threading.Thread(target=self._keep_leases, name="lease-keeper", daemon=True)
        keeper.start()
        receiver.start()
        self._log.info("worker.started", concurrency=self._settings.worker_concurrency)
        while not self._stop.wait(1.0):
            pass
        stopped_at = time.monotonic()
        self._release_buffered()
        self._drain(until=stopped_at + self._settings.drain_seconds)
        self._release_running()
        # What is left of the stop timeout, less a second to exit cleanly before SIGKILL.
        final = stopped_at + self._settings.stop_timeout_seconds - 1
        receiver.join(timeout=max(0.0, final - time.monotonic()))
        with self._state:
            self._state.wait_for(lambda: not self._running, timeout=max(0.0, final - time.monotonic()))
        self._keeper_stop.set()
        keeper.join()
        self._delete_completed()
        self._protection.release()
        return self._exit_code

    # receiving

    def _receive_loop(self) -> None:
        try:
            while not self._stop.is_set():
                with self._state:
                    # A full batch is asked for only once the buffer is empty: at most one batch waits.
                    self._state.wait_for(lambda: self._stop.is_set() or not self._buffer, timeout=1.0)
                    empty = not self._buffer
                    busy = bool(self._running)
                if busy:
                    self._protection.hold()
                if empty and not self._stop.is_set():
                    self._receive()
        except Exception as error:  # after the client's retries: stop, so ECS replaces the task
            code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
            self._exit_code = ExitCode.ACCESS_DENIED if "AccessDenied" in code else ExitCode.FAILED
            self._log.error("queue.unusable", error=str(error), error_type=type(error).__name__)
            self._stop.set()

    def _receive(self) -> None:
        response = self._sqs.receive_message(
            QueueUrl=self._settings.queue_url,
            MaxNumberOfMessages=RECEIVE_BATCH,
            WaitTimeSeconds=self._settings.poll_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = response.get("Messages", [])
        if messages:
            self._log.info("messages.received", count=len(messages))
        if messages and not self._stop.is_set():
            self._protection.hold()
        received = [item for item in map(self._parsed, messages) if item is not None]
        with self._state:
            # Buffered and started under the lock the drain takes after SIGTERM: a message is either
            # buffered before the buffer is released, or handed back here.
            stopping = self._stop.is_set()
            if not stopping:
                self._buffer.extend(received)
                self._start_buffered()
            idle = not self._running and not self._buffer
        if stopping and received:
            # Received during shutdown: hand them straight back.
            self._release([item.handle for item in received])
        elif idle and not messages:
            self._protection.release()

    def _parsed(self, message: MessageTypeDef) -> Received | None:
        """The message ready to run, or None when it is malformed (logged, left to the dead-letter queue)."""
        message_id = message["MessageId"]
        receive_count = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        try:
            parsed = self._handlers.parse(message["Body"])
        except MalformedMessageError as problem:
            # Not deleted and not extended: it comes back after the visibility timeout and goes to the
            # dead-letter queue after maxReceiveCount, without holding a job slot meanwhile.
            self._log.error(
                "message.malformed",
                correlation_id=message_id,
                receive_count=receive_count,
                problem=str(problem),
            )
            return None
        return Received(message_id, message["ReceiptHandle"], parsed, receive_count)

    def _start_buffered(self) -> None:
        """Start buffered messages while slots are free. Called with `_state` held, so checking the stop
        event, registering the job and logging `job.started` happen under the lock the drain takes after
        SIGTERM: a job is either started (and drained or released) before the drain looks, or not at all.
        """
        while self._buffer and len(self._running) < self._settings.worker_concurrency:
            if self._stop.is_set():
                return
            item = self._buffer.popleft()
            job = Job(item.message_id, item.receipt_handle, item.parsed, item.receive_count)
            self._running[job.receipt_handle] = job
            self._job_log(job).info("job.started", operation=job.parsed.operation.name)
            # One daemon thread per job (at most WORKER_CONCURRENCY run): a job stuck in a call that
            # ignores cancellation must not keep the process alive past the stop timeout into SIGKILL.
            threading.Thread(
                target=self._execute, args=(job,), name=f"job-{job.message_id}", daemon=True
            ).start()
        self._state.notify_all()

    # running

    def _execute(self, job: Job) -> None:
        log = self._job_log(job)
        result: Mapping[str, Any] | None = None
        try:
            control = JobControl(job.cancel, lambda: self._commit(job))
            context = Context(log, job.cancel, self._task_arn, self._handler_settings, self._clients)
            result = job.parsed.operation.function(job.parsed.message, control, context) or {}
        except StopRequestedError:
            self._log_stopped(job, log)
        except Exception as error:  # any failure leaves the message to be retried, then dead-lettered
            log.error("job.failed", error=str(error), error_type=type(error).__name__)
        with self._state:
            if result is not None and job.cancel.is_set() and not job.committing:
                # The handler returned after its cancellation without committing: its message was
                # released or is past its timeout, so it is handled as stopped, never deleted.
                result = None
                self._log_stopped(job, log)
            if result is not None:
                log.info("job.completed", seconds=round(time.monotonic() - job.started, 3), **result)
                self._completed.append(job)
            del self._running[job.receipt_handle]
            self._start_buffered()
            self._state.notify_all()

    def _log_stopped(self, job: Job, log: JsonLog) -> None:
        if job.timed_out:
            log.error("job.timed_out", seconds=self._settings.job_timeout_seconds)
        else:
            log.warning("job.cancelled", reason="stopping; the message was released")

    def _commit(self, job: Job) -> None:
        # Under the same lock as _release_running: a job is either released or commits, never both.
        with self._state:
            if job.cancel.is_set():
                raise StopRequestedError
            job.committing = True

    def _job_log(self, job: Job) -> JsonLog:
        return self._log.bind(
            correlation_id=job.message_id,
            receive_count=job.receive_count,
            **self._handlers.log_fields(job.parsed.message),
        )

    # leases

    def _keep_leases(self) -> None:
        next_heartbeat = time.monotonic() + self._settings.heartbeat_seconds
        # Wake at the heartbeat itself, not at the first tick after it: waiting for whole ticks stretched
        # the interval from a third of the visibility timeout to e.g. half of it (1 s timeout, 0.25 s tick).
        while not self._keeper_stop.wait(
            max(0.0, min(KEEPER_TICK_SECONDS, next_heartbeat - time.monotonic()))
        ):
            try:
                self._cancel_overdue()
                # The heartbeat first: its deadline is the visibility timeout, the deletes' is not.
                if time.monotonic() >= next_heartbeat:
                    next_heartbeat = time.monotonic() + self._settings.heartbeat_seconds
                    self._extend_running()
                self._delete_completed()
            except Exception as error:  # a failed call is retried on the next tick, never fatal here
                self._log.error("leases.failed", error=str(error), error_type=type(error).__name__)

    def _cancel_overdue(self) -> None:
        limit = time.monotonic() - self._settings.job_timeout_seconds
        with self._state:
            for job in self._running.values():
                if job.started < limit and not job.cancel.is_set():
                    job.timed_out = True
                    job.cancel.set()

    def _extend_running(self) -> None:
        with self._lease_calls:
            with self._state:
                # Buffered messages too: they may wait for a slot longer than the visibility timeout.
                handles = [job.handle for job in self._running.values() if not job.cancel.is_set()]
                handles += [item.handle for item in self._buffer]
            if not handles:
                return
            refused = self._leases.change_visibility(handles, self._settings.visibility_timeout_seconds)
        self._log.info(
            "visibility.extended",
            message_ids=[message_id for message_id, _ in handles],
            seconds=self._settings.visibility_timeout_seconds,
            failed=refused,
        )

    def _delete_completed(self) -> None:
        with self._state:
            done, self._completed = self._completed, []
        if not done:
            return
        try:
            refused = self._leases.delete([job.handle for job in done])
        except Exception:
            with self._state:
                self._completed[:0] = done  # try again on the next tick
            raise
        for message_id, reason in refused.items():
            # The message will be delivered again and its (idempotent) job run again.
            self._log.error("message.delete_failed", correlation_id=message_id, reason=reason)
        self._log.info("messages.deleted", count=len(done) - len(refused))

    # stopping

    def _drain(self, until: float) -> None:
        with self._state:
            self._log.info(
                "worker.draining", running=len(self._running), seconds=self._settings.drain_seconds
            )
            self._state.wait_for(lambda: not self._running, timeout=max(0.0, until - time.monotonic()))

    def _release_buffered(self) -> None:
        """At SIGTERM: messages no job has started go straight back to the queue for other tasks."""
        with self._lease_calls:
            with self._state:
                handles = [item.handle for item in self._buffer]
                self._buffer.clear()
            if handles:
                self._release(handles)

    def _release(self, handles: list[tuple[str, str]]) -> None:
        refused = self._leases.change_visibility(handles, 0)
        self._log.warning("messages.released", message_ids=[h[0] for h in handles], failed=refused)

    def _release_running(self) -> None:
        with self._lease_calls:
            with self._state:
                # Committing jobs are writing their output: they finish and their messages are deleted.
                jobs = [job for job in self._running.values() if not job.committing]
                for job in jobs:
                    job.cancel.set()
            if jobs:
                self._release([job.handle for job in jobs])


def _coerce(named: Any) -> QueueHandlers | None:
    if isinstance(named, QueueHandlers):
        return named
    if isinstance(named, Mapping) and named and all(callable(f) for f in named.values()):
        handlers = QueueHandlers()
        for name, function in named.items():
            handlers.add(str(name), function)
        return handlers
    return None


def run(handlers: QueueHandlers | None = None, service: str = "queue") -> NoReturn:
    """Run the queue pattern with `handlers`, or with the ones `HANDLER` names when None; exits."""
    run_pattern(
        service,
        QueueWorkerSettings,
        handlers,
        "queue handlers (a QueueHandlers, or a dict of operation name to function)",
        _coerce,
        lambda spec: spec.settings,
        _work,
    )
