"""A team's own handler package (tests/fixtures/handlers/team_jobs) run through each runtime's entry
point, `python -m ecs_runtime.<pattern>` with `HANDLER=...`, as a subprocess against moto."""

from __future__ import annotations

import json
import signal
import time
import urllib.parse
from dataclasses import astuple
from typing import Any

import pytest

from ecs_runtime.upload.results import item_key
from tests.services.support import (
    REPO_ROOT,
    RUNTIME_SOURCE,
    Aws,
    LogTail,
    create_results_table,
    make_queues,
    run,
    start,
)

TEAM_HANDLERS = REPO_ROOT / "tests" / "fixtures" / "handlers"
BUCKET = "team-data"
TABLE = "team-results"


def team_env(aws: Aws, handler: str, **settings: str) -> dict[str, str]:
    """The environment of a team's container: the runtime and the team's package installed."""
    return {**aws.env, "PYTHONPATH": f"{RUNTIME_SOURCE}:{TEAM_HANDLERS}", "HANDLER": handler, **settings}


@pytest.fixture
def s3(aws: Aws) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


# upload


def upload_env(aws: Aws, s3: Any, key: str, body: bytes, handler: str = "team_jobs.upload:count") -> dict:
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"].strip('"')
    return team_env(
        aws,
        handler,
        BUCKET=BUCKET,
        OBJECT_KEY=urllib.parse.quote_plus(key, safe="/"),
        OBJECT_SIZE=str(len(body)),
        OBJECT_ETAG=etag,
        OBJECT_SEQUENCER="0A",
        RESULTS_TABLE=TABLE,
    )


def result_item(aws: Aws, key: str) -> dict[str, Any] | None:
    item = aws.client("dynamodb").get_item(
        TableName=TABLE,
        Key={name: {"S": value} for name, value in item_key(BUCKET, key, None).items()},
        ConsistentRead=True,
    )
    found = item.get("Item")
    return None if found is None else {name: next(iter(value.values())) for name, value in found.items()}


@pytest.fixture
def table(aws: Aws, s3: Any) -> None:
    create_results_table(aws.client("dynamodb"), TABLE)


@pytest.mark.usefixtures("table")
def test_upload_handler_result_is_stored_with_the_runtimes_attributes(aws: Aws, s3: Any) -> None:
    key = "incoming/three lines.txt"
    finished = run("ecs_runtime.upload", upload_env(aws, s3, key, b"a\nb\nc\n"))

    assert finished.returncode == 0, finished
    item = result_item(aws, key)
    assert item is not None
    assert (item["status"], item["lines"], item["seen_key"]) == ("processed", "3", key)
    assert item["sequencer"] == "0A".rjust(64, "0")
    assert finished.event("object.processed")["bytes_read"] == 6
    assert {line["service"] for line in finished.logs} == {"upload"}


@pytest.mark.usefixtures("table")
def test_upload_handler_raising_exits_1_and_stores_no_result(aws: Aws, s3: Any) -> None:
    key = "incoming/bad.txt"
    finished = run("ecs_runtime.upload", upload_env(aws, s3, key, b"explode\n"))

    assert finished.returncode == 1, finished
    assert "exploded on purpose" in finished.event("worker.crashed")["error"]
    assert result_item(aws, key) is None


@pytest.mark.usefixtures("table")
def test_upload_sigterm_during_the_handler_exits_143_and_stores_nothing(aws: Aws, s3: Any) -> None:
    key = "incoming/slow.txt"
    worker = LogTail(start("ecs_runtime.upload", upload_env(aws, s3, key, b"wait\nmore\n")))
    worker.wait_for("handler.waiting")
    finished = worker.stop(signal.SIGTERM)

    assert finished.returncode == 143, finished.logs
    finished.event("object.interrupted")
    assert result_item(aws, key) is None


# batch

BATCH_SETTINGS = {"BUCKET": BUCKET, "INPUT_PREFIX": "input/", "OUTPUT_PREFIX": "out/", "CONCURRENCY": "2"}


def batch_env(aws: Aws, handler: str = "team_jobs.batch:JOB") -> dict[str, str]:
    return team_env(aws, handler, **BATCH_SETTINGS)


def latest_report(s3: Any) -> dict[str, Any]:
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/reports/")["Contents"])
    report: dict[str, Any] = json.loads(s3.get_object(Bucket=BUCKET, Key=keys[-1])["Body"].read())
    return report


def test_batch_handler_failure_is_reported_and_retried_next_run(aws: Aws, s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="input/good.txt", Body=b"1\n2\n")
    s3.put_object(Bucket=BUCKET, Key="input/bad.txt", Body=b"explode\n")

    first = run("ecs_runtime.batch", batch_env(aws))

    assert first.returncode == 6, first
    report = latest_report(s3)
    assert {f["key"]: f["status"] for f in report["files"]} == {
        "input/good.txt": "processed",
        "input/bad.txt": "failed",
    }
    assert "exploded on purpose" in next(f for f in report["files"] if f["status"] == "failed")["error"]
    assert (report["totals"]["lines"], report["totals"]["failed"]) == (2, 1)

    s3.put_object(Bucket=BUCKET, Key="input/bad.txt", Body=b"fixed\nnow\nthree\n")
    second = run("ecs_runtime.batch", batch_env(aws))

    assert second.returncode == 0, second
    report = latest_report(s3)
    assert [(f["key"], f["status"], f["lines"]) for f in report["files"]] == [
        ("input/bad.txt", "processed", 3)
    ]
    assert (report["totals"]["already_done"], report["totals"]["lines"]) == (1, 3)


def test_batch_sigterm_during_the_handler_writes_an_interrupted_report(aws: Aws, s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="input/slow.txt", Body=b"wait\n")

    worker = LogTail(start("ecs_runtime.batch", batch_env(aws)))
    worker.wait_for("handler.waiting")
    finished = worker.stop(signal.SIGTERM)

    assert finished.returncode == 143, finished
    report = latest_report(s3)
    assert report["interrupted"] is True
    assert (report["totals"]["interrupted"], report["files"]) == (1, [])
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="out/state/done/").get("KeyCount") == 0


# queue


def queue_env(aws: Aws, url: str, visibility_seconds: int, **overrides: str) -> dict[str, str]:
    settings = {
        "QUEUE_URL": url,
        "RESULT_BUCKET": BUCKET,
        "WORKER_CONCURRENCY": "2",
        "JOB_TIMEOUT_SECONDS": "60",
        "VISIBILITY_TIMEOUT_SECONDS": str(visibility_seconds),
        "STOP_TIMEOUT_SECONDS": "6",
        "RECEIVE_WAIT_SECONDS": "1",
    }
    return team_env(aws, "team_jobs.queue:HANDLERS", **{**settings, **overrides})


def message(operation: str, message_id: str, text: str = "") -> str:
    return json.dumps({"version": 1, "operation": operation, "id": message_id, "text": text})


def visible_bodies(aws: Aws, url: str) -> list[str]:
    sqs = aws.client("sqs")
    bodies: list[str] = []
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, WaitTimeSeconds=0
    ).get("Messages", []):
        bodies += [m["Body"] for m in messages]
    return bodies


def wait_for_count(aws: Aws, url: str, count: int, timeout: float = 60) -> None:
    sqs = aws.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        if int(attributes["Attributes"]["ApproximateNumberOfMessages"]) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} messages in {url} after {timeout} s")


@pytest.mark.timing
def test_queue_handlers_succeed_and_a_raising_one_is_retried_then_dead_lettered(aws: Aws, s3: Any) -> None:
    url, dlq_url = astuple(make_queues(aws, visibility_seconds=1, name="team"))
    aws.client("sqs").send_message(QueueUrl=url, MessageBody=message("echo", "m1", "hello"))
    aws.client("sqs").send_message(QueueUrl=url, MessageBody=message("explode", "m2"))

    worker = LogTail(start("ecs_runtime.queue", queue_env(aws, url, visibility_seconds=1)))
    worker.wait_for("messages.deleted")
    wait_for_count(aws, dlq_url, 1)
    finished = worker.stop()

    assert finished.returncode == 0, finished
    assert s3.get_object(Bucket=BUCKET, Key="echo/m1.txt")["Body"].read() == b"hello"
    [completed] = finished.events("job.completed")
    assert (completed["message_key"], completed["written"]) == ("m1", "echo/m1.txt")
    failures = finished.events("job.failed")
    assert [line["receive_count"] for line in failures] == ["1", "2"]
    assert all(line["message_key"] == "m2" for line in failures)
    assert visible_bodies(aws, dlq_url) == [message("explode", "m2")]
    assert visible_bodies(aws, url) == []


@pytest.mark.timing
def test_queue_handler_running_past_the_job_timeout_is_cancelled_not_deleted(aws: Aws) -> None:
    url, dlq_url = astuple(make_queues(aws, visibility_seconds=2, name="team"))
    aws.client("sqs").send_message(QueueUrl=url, MessageBody=message("linger", "m3"))

    worker = LogTail(
        start("ecs_runtime.queue", queue_env(aws, url, visibility_seconds=2, JOB_TIMEOUT_SECONDS="1"))
    )
    worker.wait_for("job.timed_out", count=2)
    wait_for_count(aws, dlq_url, 1)
    finished = worker.stop()

    assert finished.returncode == 0, finished
    assert not finished.events("job.completed")
    assert not finished.events("messages.deleted")
    assert [line["receive_count"] for line in finished.events("job.timed_out")] == ["1", "2"]
    assert visible_bodies(aws, dlq_url) == [message("linger", "m3")]


@pytest.mark.timing
def test_queue_sigterm_during_a_handler_releases_its_message(aws: Aws) -> None:
    url = make_queues(aws, visibility_seconds=60, name="team").url
    aws.client("sqs").send_message(QueueUrl=url, MessageBody=message("linger", "m4"))

    worker = LogTail(start("ecs_runtime.queue", queue_env(aws, url, visibility_seconds=60)))
    worker.wait_for("handler.waiting")
    finished = worker.stop(signal.SIGTERM)

    assert finished.returncode == 0, finished
    assert [line["message_key"] for line in finished.events("job.cancelled")] == ["m4"]
    assert not finished.events("job.completed")
    # Released (visibility 0) at the drain deadline, not left invisible for the 60 s timeout.
    assert visible_bodies(aws, url) == [message("linger", "m4")]


# handler names


@pytest.mark.parametrize(
    ("pattern", "handler", "named"),
    [
        ("upload", "team_jobs.nowhere:count", "No module named 'team_jobs.nowhere'"),
        ("upload", "team_jobs.upload:missing", "missing"),
        ("upload", "team_jobs.upload:not_a_handler", "names str 'a string, not a function', not an upload"),
        ("batch", "team_jobs.batch:JOBS", "JOBS"),
        ("queue", "team_jobs.queue:count", "count"),
        ("queue", "team_jobs.upload:count", "names function"),
    ],
)
def test_a_handler_name_that_does_not_resolve_exits_2_naming_it(
    aws: Aws, pattern: str, handler: str, named: str
) -> None:
    settings = {
        "upload": {
            "BUCKET": BUCKET,
            "OBJECT_KEY": "k",
            "OBJECT_SIZE": "1",
            "OBJECT_ETAG": "e",
            "OBJECT_SEQUENCER": "1",
            "RESULTS_TABLE": TABLE,
        },
        "batch": BATCH_SETTINGS,
        "queue": {"QUEUE_URL": f"{aws.endpoint}/123456789012/team", "RESULT_BUCKET": BUCKET},
    }[pattern]

    finished = run(f"ecs_runtime.{pattern}", team_env(aws, handler, **settings))

    assert finished.returncode == 2, finished
    problem = finished.event("settings.invalid")["message"]
    assert problem.startswith(f"HANDLER={handler!r}") or f"HANDLER='{handler}'" in problem, problem
    assert named in problem
    assert not [line for line in finished.logs if line["event"] == "worker.started"]


def test_a_missing_handler_and_bad_settings_of_runtime_and_handler_are_named_in_one_line(aws: Aws) -> None:
    unset = run("ecs_runtime.batch", {**team_env(aws, "x:y", **BATCH_SETTINGS), "HANDLER": ""})
    both = run("ecs_runtime.queue", team_env(aws, "team_jobs.queue:HANDLERS"))

    assert (unset.returncode, both.returncode) == (2, 2)
    assert unset.event("settings.invalid")["message"] == "HANDLER is required but not set"
    assert both.event("settings.invalid")["message"] == (
        "QUEUE_URL is required but not set; RESULT_BUCKET is required but not set"
    )


# receiving in full batches, with a buffer


@pytest.mark.timing
def test_a_deep_queue_is_received_in_full_batches_and_each_message_done_once(aws: Aws, s3: Any) -> None:
    queues = make_queues(aws, visibility_seconds=30, name="team")
    sqs = aws.client("sqs")
    bodies = [message("echo", f"m{n:02d}", f"text {n}") for n in range(30)]
    for start_at in range(0, 30, 10):
        entries = [
            {"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies[start_at : start_at + 10])
        ]
        assert not sqs.send_message_batch(QueueUrl=queues.url, Entries=entries).get("Failed")

    worker = LogTail(start("ecs_runtime.queue", queue_env(aws, queues.url, visibility_seconds=30)))
    deadline = time.monotonic() + 120
    while sum(line["count"] for line in worker.logs if line["event"] == "messages.deleted") < 30:
        assert time.monotonic() < deadline, worker.logs
        time.sleep(0.2)
    finished = worker.stop()

    assert finished.returncode == 0, finished
    completed = [line["message_key"] for line in finished.events("job.completed")]
    assert sorted(completed) == [f"m{n:02d}" for n in range(30)], "each message done exactly once"
    assert {line["receive_count"] for line in finished.events("job.started")} == {"1"}
    for n in range(30):
        assert s3.get_object(Bucket=BUCKET, Key=f"echo/m{n:02d}.txt")["Body"].read() == f"text {n}".encode()
    received = [line["count"] for line in finished.events("messages.received")]
    assert sum(received) == 30
    assert max(received) == 10, f"full batches, not one message per free slot: {received}"
    assert visible_bodies(aws, queues.url) == []
    assert visible_bodies(aws, queues.dlq_url) == []


@pytest.mark.timing
def test_buffered_messages_are_kept_invisible_while_they_wait_and_released_at_sigterm(aws: Aws) -> None:
    """One job slot, held by a job that waits for its cancellation; the batch's other messages wait in
    the buffer longer than their 2 s visibility timeout: the heartbeats keep them, SIGTERM releases them."""
    queues = make_queues(aws, visibility_seconds=2, name="team")
    sqs = aws.client("sqs")
    bodies = [message("linger", "first")] + [message("echo", f"b{n}") for n in range(5)]
    entries = [{"Id": str(n), "MessageBody": body} for n, body in enumerate(bodies)]
    assert not sqs.send_message_batch(QueueUrl=queues.url, Entries=entries).get("Failed")

    worker = LogTail(
        start("ecs_runtime.queue", queue_env(aws, queues.url, visibility_seconds=2, WORKER_CONCURRENCY="1"))
    )
    [waiting] = worker.wait_for("handler.waiting")
    seen_visible = []
    deadline = time.monotonic() + 5  # more than twice the visibility timeout
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queues.url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        seen_visible.append(int(attributes["Attributes"]["ApproximateNumberOfMessages"]))
        time.sleep(0.2)
    finished = worker.stop(signal.SIGTERM)

    assert finished.returncode == 0, finished
    started = {line["message_key"] for line in finished.events("job.started")}
    completed = {line["message_key"] for line in finished.events("job.completed")}
    assert waiting["message_key"] in started
    buffered = {m for m in ["first"] + [f"b{n}" for n in range(5)]} - started
    assert buffered, "the batch must have left messages in the buffer"
    assert set(seen_visible) == {0}, "buffered messages must not become visible while they wait"
    # Nothing lost, nothing done twice: each message either completed once or is back on the queue.
    visible = {json.loads(body)["id"] for body in visible_bodies(aws, queues.url)}
    assert visible.isdisjoint(completed)
    assert visible | completed == {"first"} | {f"b{n}" for n in range(5)}
    assert len(finished.events("job.completed")) == len(completed)
    released = [set(line["message_ids"]) for line in finished.events("messages.released")]
    assert len(released) == 2, "the buffer at SIGTERM, then the cancelled job at the drain deadline"
    assert not [
        line
        for line in finished.logs
        if line["event"] == "job.started" and line["time"] > finished.event("stop.requested")["time"]
    ]
