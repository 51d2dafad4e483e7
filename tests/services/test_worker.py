"""services.worker against moto: concurrency, heartbeats, dead-lettering, shutdown, task protection."""

from __future__ import annotations

import io
import json
import signal
import threading
import time
from typing import Any

import pytest

from ecs_runtime import Context
from ecs_runtime.aws import Clients
from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.lifecycle import Runtime
from ecs_runtime.logs import JsonLog
from ecs_runtime.queue import JobControl, JobFunction, QueueHandlers
from ecs_runtime.queue.leases import Leases
from ecs_runtime.queue.protection import TaskProtection
from ecs_runtime.queue.runner import QueueWorker
from ecs_runtime.queue.settings import QueueWorkerSettings
from services.worker.operations import HANDLERS, ObjectMessage, Output, OutputSettings
from tests.services.support import Aws, LogTail, Queues, assert_bad_setting_named, make_queues, start
from tools.demo.agent import AgentTask, LocalAgent

TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/workers/0123456789abcdef0123456789abcdef"

# A 1 s visibility timeout and stop deadlines of a few seconds: run alone (`make test`), not beside other tests.
pytestmark = pytest.mark.timing

BUCKET = "jobs"
OUTPUT = "results/"


@pytest.fixture
def s3(aws: Aws) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def worker_env(aws: Aws, queues: Queues, visibility_seconds: int, **overrides: str) -> dict[str, str]:
    return {
        **aws.env,
        "QUEUE_URL": queues.url,
        "OUTPUT_BUCKET": BUCKET,
        "OUTPUT_PREFIX": OUTPUT,
        "WORKER_CONCURRENCY": "4",
        "JOB_TIMEOUT_SECONDS": "60",
        "VISIBILITY_TIMEOUT_SECONDS": str(visibility_seconds),
        "STOP_TIMEOUT_SECONDS": "10",
        "RECEIVE_WAIT_SECONDS": "1",
        **overrides,
    }


def job(key: str, operation: str = "csv_to_jsonl") -> str:
    return json.dumps({"version": 1, "operation": operation, "bucket": BUCKET, "key": key})


def send(aws: Aws, queue_url: str, bodies: list[str]) -> None:
    sqs = aws.client("sqs")
    for start_at in range(0, len(bodies), 10):
        entries = [
            {"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies[start_at : start_at + 10])
        ]
        assert not sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed")


def drain_bodies(aws: Aws, queue_url: str) -> list[str]:
    """Every message visible now (received with a long visibility so none is read twice)."""
    sqs = aws.client("sqs")
    bodies: list[str] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return bodies
        bodies += [m["Body"] for m in messages]


def output_lines(s3: Any, key: str) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def output_keys(s3: Any) -> set[str]:
    return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=OUTPUT).get("Contents", [])}


def big_csv(rows: int) -> bytes:
    return b"id,name,payload\n" + b"".join(b"%d,name %d,%s\n" % (n, n, b"p" * 80) for n in range(rows))


def test_poison_messages_reach_the_dlq_while_good_jobs_complete(aws: Aws, s3: Any) -> None:
    queues = make_queues(aws, visibility_seconds=1)
    for n in range(3):
        s3.put_object(Bucket=BUCKET, Key=f"in/good {n}.csv", Body=f"id,city\n{n},Zürich\n,\n".encode())
    poison = [
        "not json at all",
        json.dumps({"version": 2, "operation": "csv_to_jsonl", "bucket": BUCKET, "key": "in/good 0.csv"}),
        job("in/missing.csv"),
    ]
    send(aws, queues.url, [job(f"in/good {n}.csv") for n in range(3)] + poison)
    sqs = aws.client("sqs")

    worker = LogTail(start("worker", worker_env(aws, queues, visibility_seconds=1)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queues.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        if int(attributes["Attributes"]["ApproximateNumberOfMessages"]) == len(poison):
            break
        time.sleep(0.2)
    finished = worker.stop()

    assert finished.returncode == 0, finished
    for n in range(3):
        assert output_lines(s3, f"{OUTPUT}{BUCKET}/in/good {n}.jsonl") == [{"id": str(n), "city": "Zürich"}]
    assert sorted(drain_bodies(aws, queues.dlq_url)) == sorted(poison)
    assert drain_bodies(aws, queues.url) == []
    malformed = {line["problem"] for line in finished.events("message.malformed")}
    assert any("Invalid JSON" in problem for problem in malformed)
    assert any(problem.startswith("version: Input should be 1") for problem in malformed)
    failures = finished.events("job.failed")
    assert {line["object"] for line in failures} == {f"s3://{BUCKET}/in/missing.csv"}
    completed = finished.events("job.completed")
    assert sorted(line["rows_bad"] for line in completed) == [1, 1, 1]
    assert sum(line["count"] for line in finished.events("messages.deleted")) == 3


def test_visibility_is_extended_while_a_job_outlasts_the_timeout(aws: Aws, s3: Any) -> None:
    queues = make_queues(aws, visibility_seconds=1)
    s3.put_object(Bucket=BUCKET, Key="in/big.csv", Body=big_csv(400_000))
    send(aws, queues.url, [job("in/big.csv")])
    sqs = aws.client("sqs")

    worker = LogTail(start("worker", worker_env(aws, queues, visibility_seconds=1)))
    worker.wait_for("job.started")
    seen_visible = []
    while not [line for line in worker.logs if line["event"] == "job.completed"]:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queues.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        seen_visible.append(int(attributes["ApproximateNumberOfMessages"]))
        time.sleep(0.1)
    finished = worker.stop()

    assert finished.returncode == 0, finished
    seconds = finished.event("job.completed")["seconds"]
    assert seconds > 2, f"the job must outlast the 1 s visibility timeout several times, took {seconds}"
    assert len(finished.events("job.started")) == 1
    assert set(seen_visible) == {0}
    assert len(finished.events("visibility.extended")) >= 3
    assert finished.event("job.completed")["rows_good"] == 400_000
    assert drain_bodies(aws, queues.url) == []


def test_sigterm_mid_batch_finishes_or_releases_every_message(aws: Aws, s3: Any) -> None:
    queues = make_queues(aws, visibility_seconds=30)
    keys = [f"in/small-{n}.csv" for n in range(2)] + [f"in/big-{n}.csv" for n in range(6)]
    s3.put_object(Bucket=BUCKET, Key="in/small-0.csv", Body=big_csv(1_000))
    s3.put_object(Bucket=BUCKET, Key="in/big-0.csv", Body=big_csv(500_000))
    for key in keys:
        source = "in/small-0.csv" if "small" in key else "in/big-0.csv"
        if key != source:
            s3.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": source})
    bodies = {key: job(key, "validate" if key.endswith("1.csv") else "csv_to_jsonl") for key in keys}
    send(aws, queues.url, list(bodies.values()))

    worker = LogTail(
        start("worker", worker_env(aws, queues, visibility_seconds=30, STOP_TIMEOUT_SECONDS="3"))
    )
    worker.wait_for("job.completed")
    worker.wait_for("job.started", count=4)
    signalled = time.monotonic()
    finished = worker.stop(signal.SIGTERM)

    assert finished.returncode == 0, finished
    assert time.monotonic() - signalled < 3, "must exit before SIGKILL at the stop timeout"
    visible = set(drain_bodies(aws, queues.url))
    outputs = output_keys(s3)
    for key, body in bodies.items():
        stem = f"{OUTPUT}{BUCKET}/{key.removesuffix('.csv')}"
        has_output = f"{stem}.jsonl" in outputs or f"{stem}.summary.json" in outputs
        assert has_output != (body in visible), f"{key}: output {has_output}, visible {body in visible}"
    released = [mid for line in finished.events("messages.released") for mid in line.get("message_ids", [])]
    completed = finished.events("job.completed")
    assert released, "SIGTERM must land while jobs run"
    assert completed
    # Jobs still running at the drain deadline were cancelled; their messages are among the released.
    cancelled = {line["correlation_id"] for line in finished.events("job.cancelled")}
    assert cancelled
    assert cancelled <= set(released)
    assert len(released) + len(completed) <= len(keys)
    assert not [
        line
        for line in finished.logs
        if line["event"] == "job.started" and line["time"] > finished.event("stop.requested")["time"]
    ]


def test_job_over_its_timeout_is_cancelled_and_retried(aws: Aws, s3: Any) -> None:
    queues = make_queues(aws, visibility_seconds=1, max_receive_count=5)
    s3.put_object(Bucket=BUCKET, Key="in/slow.csv", Body=big_csv(400_000))
    send(aws, queues.url, [job("in/slow.csv")])

    worker = LogTail(start("worker", worker_env(aws, queues, visibility_seconds=1, JOB_TIMEOUT_SECONDS="1")))
    timed_out = worker.wait_for("job.timed_out")
    worker.wait_for("job.started", count=2)
    finished = worker.stop()

    assert finished.returncode == 0, finished
    assert timed_out[0]["receive_count"] == "1"
    assert [line["receive_count"] for line in finished.events("job.started")][:2] == ["1", "2"]
    assert output_keys(s3) == set()
    assert not finished.events("job.completed")


def test_task_protection_is_held_while_busy_and_released_when_idle(aws: Aws, s3: Any) -> None:
    queues = make_queues(aws, visibility_seconds=5)
    s3.put_object(Bucket=BUCKET, Key="in/a.csv", Body=b"a\n1\n")
    send(aws, queues.url, [job("in/a.csv")])

    agent = LocalAgent()
    calls: list[dict[str, Any]] = []
    task = AgentTask(
        TASK_ARN, "arn:aws:ecs:us-east-1:123456789012:cluster/workers", "workers", "1", calls.append
    )
    try:
        agent_env = agent.register("task-1", task)
        worker = LogTail(start("worker", {**worker_env(aws, queues, visibility_seconds=5), **agent_env}))
        worker.wait_for("job.completed")
        worker.wait_for("protection.set", count=2)
        finished = worker.stop()
    finally:
        agent.close()

    assert finished.returncode == 0, finished
    assert task.protection_requests == [
        {"ProtectionEnabled": True, "ExpiresInMinutes": 2},
        {"ProtectionEnabled": False},
    ]
    assert [call["operation"] for call in calls] == ["UpdateTaskProtection", "UpdateTaskProtection"]
    assert {line["task_arn"] for line in finished.logs} == {TASK_ARN}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"QUEUE_URL": None}, "QUEUE_URL is required but not set"),
        ({"WORKER_CONCURRENCY": "11"}, "WORKER_CONCURRENCY='11'"),
        ({"RECEIVE_WAIT_SECONDS": "21"}, "RECEIVE_WAIT_SECONDS='21'"),
        ({"JOB_TIMEOUT_SECONDS": "soon"}, "JOB_TIMEOUT_SECONDS='soon'"),
    ],
)
def test_bad_setting_is_named_and_exits_2(aws: Aws, change: dict[str, str | None], named: str) -> None:
    queues = Queues("http://127.0.0.1:1/123456789012/jobs", "")
    assert_bad_setting_named("worker", worker_env(aws, queues, visibility_seconds=30), change, named)


def test_unusable_queue_stops_the_worker_with_exit_1(aws: Aws) -> None:
    queues = Queues(f"{aws.endpoint}/123456789012/no-such-queue", "")

    worker = LogTail(start("worker", worker_env(aws, queues, visibility_seconds=30)))
    worker.process.wait(timeout=30)
    finished = worker.stop()

    assert finished.returncode == 1
    assert "NonExistentQueue" in finished.event("queue.unusable")["error"]


def test_batch_calls_report_each_failed_entry_by_message_id(aws: Aws) -> None:
    """Twelve messages (two batches of SQS's ten), two with receipt handles SQS refuses."""
    queues = make_queues(aws, visibility_seconds=30)
    send(aws, queues.url, [job(f"in/{n}.csv") for n in range(12)])
    sqs = aws.client("sqs")
    received: list[tuple[str, str]] = []
    while len(received) < 12:
        messages = sqs.receive_message(QueueUrl=queues.url, MaxNumberOfMessages=10).get("Messages", [])
        received += [(m["MessageId"], m["ReceiptHandle"]) for m in messages]
    broken = {received[3][0], received[11][0]}
    handles = [(mid, "not-a-receipt-handle" if mid in broken else handle) for mid, handle in received]
    leases = Leases(sqs, queues.url)

    assert set(leases.change_visibility(handles, 0)) == broken
    refused = leases.delete(handles)

    assert set(refused) == broken
    assert all("ReceiptHandleIsInvalid" in reason for reason in refused.values())
    # The ten good ones are gone; the two refused are still in flight (invisible), not lost.
    counts = sqs.get_queue_attributes(
        QueueUrl=queues.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == (
        "0",
        "2",
    )


class InProcessWorker:
    """The queue worker on a thread of the test (stop timeout 2 s): for jobs the test steps through."""

    def __init__(
        self, aws: Aws, s3: Any, queues: Queues, validate: JobFunction, concurrency: int = 1
    ) -> None:
        settings = QueueWorkerSettings(
            queue_url=queues.url,
            worker_concurrency=concurrency,
            visibility_timeout_seconds=30,
            stop_timeout_seconds=2,
            receive_wait_seconds=1,
        )
        self.stop_timeout_seconds = settings.stop_timeout_seconds
        self._lines = io.StringIO()
        self.runtime = Runtime(JsonLog("worker", stream=self._lines), threading.Event(), task_arn=None)
        protection = TaskProtection(None, settings.job_timeout_seconds, self.runtime.log)
        # The bundled handlers' settings and log fields, with the test's own `validate` operation.
        handlers = QueueHandlers(settings=OutputSettings, log_fields=HANDLERS.log_fields)
        handlers.add("validate", validate, ObjectMessage)
        output = OutputSettings(output_bucket=BUCKET, output_prefix=OUTPUT)
        worker = QueueWorker(
            settings, self.runtime, aws.client("sqs"), handlers, output, Clients(s3=s3), protection
        )
        self.exit_codes: list[ExitCode] = []
        self.thread = threading.Thread(target=lambda: self.exit_codes.append(worker.run()))
        self.thread.start()

    def stop(self) -> None:
        """SIGTERM's effect, then wait (at most 10 s) for `run` to return."""
        self.runtime.stop.set()
        self.thread.join(timeout=10)

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._lines.getvalue().splitlines()]


def test_a_job_writing_its_output_at_the_drain_deadline_finishes_and_is_never_released(
    aws: Aws, s3: Any
) -> None:
    """The commit point decides, under one lock, whether a job is released or finishes.

    Job "committed" starts writing its output before the drain deadline and is still writing when it
    passes; job "late" is still reading. At the deadline "late" is cancelled and released, and it then
    reaches its commit point, which refuses; "committed" finishes and its message is deleted.
    """
    queues = make_queues(aws, visibility_seconds=30)
    send(aws, queues.url, [job("in/committed.csv", "validate"), job("in/late.csv", "validate")])
    committed = threading.Event()
    late_started = threading.Event()
    late_cancelled = threading.Event()
    refused: list[BaseException] = []

    def operation(message: ObjectMessage, control: JobControl, context: Context[OutputSettings]) -> dict:
        client, output = context.aws.s3, Output.of(context.settings)
        target = output.key_for(message.bucket, message.key, ".summary.json")
        if message.key == "in/committed.csv":
            control.commit()
            committed.set()
            assert late_cancelled.wait(10), "the other job was never released"
        else:
            late_started.set()
            assert control.cancel.wait(10), "the job was never cancelled"
            late_cancelled.set()
            try:
                control.commit()
            except BaseException as error:
                refused.append(error)
                raise
        client.put_object(Bucket=output.bucket, Key=target, Body=b"{}")
        return {"output_key": target}

    worker = InProcessWorker(aws, s3, queues, operation, concurrency=2)
    assert committed.wait(10)
    assert late_started.wait(10)
    worker.stop()

    assert not worker.thread.is_alive()
    assert worker.exit_codes == [ExitCode.OK]
    assert [type(error).__name__ for error in refused] == ["StopRequestedError"]
    assert output_keys(s3) == {f"{OUTPUT}{BUCKET}/in/committed.summary.json"}
    assert drain_bodies(aws, queues.url) == [job("in/late.csv", "validate")]
    logs = worker.logs()
    events = {(line["event"], line.get("object")) for line in logs}
    assert ("job.completed", f"s3://{BUCKET}/in/committed.csv") in events
    assert ("job.cancelled", f"s3://{BUCKET}/in/late.csv") in events
    assert [len(line["message_ids"]) for line in logs if line["event"] == "messages.released"] == [1]
    assert [line["count"] for line in logs if line["event"] == "messages.deleted"] == [1]


def test_a_job_stuck_past_the_drain_is_abandoned_so_the_worker_exits_before_sigkill(
    aws: Aws, s3: Any
) -> None:
    """A job blocked in a call that never checks cancellation: its message is released at the drain
    deadline and the worker returns within the stop timeout, its job thread a daemon that cannot hold
    the process open until SIGKILL."""
    queues = make_queues(aws, visibility_seconds=30)
    send(aws, queues.url, [job("in/stuck.csv", "validate")])
    started, unblock = threading.Event(), threading.Event()

    def operation(message: ObjectMessage, control: JobControl, context: Context[OutputSettings]) -> dict:
        started.set()
        unblock.wait(30)
        control.commit()
        return {}

    worker = InProcessWorker(aws, s3, queues, operation)
    try:
        assert started.wait(10)
        signalled = time.monotonic()
        worker.stop()

        assert time.monotonic() - signalled < worker.stop_timeout_seconds
        assert worker.exit_codes == [ExitCode.OK]
        [job_thread] = [thread for thread in threading.enumerate() if thread.name.startswith("job-")]
        assert job_thread.daemon
        assert job_thread.is_alive()
        assert drain_bodies(aws, queues.url) == [job("in/stuck.csv", "validate")]
    finally:
        unblock.set()


@pytest.mark.parametrize(
    ("receive_wait", "stop_timeout", "poll"), [(20, 30, 20), (20, 10, 8), (20, 2, 1), (0, 30, 0)]
)
def test_long_poll_ends_before_the_process_must(receive_wait: int, stop_timeout: int, poll: int) -> None:
    settings = QueueWorkerSettings(
        queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
        receive_wait_seconds=receive_wait,
        stop_timeout_seconds=stop_timeout,
    )
    assert settings.poll_seconds == poll
