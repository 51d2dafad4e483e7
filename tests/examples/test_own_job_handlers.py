"""examples/own-job's handlers (package `textstats`) run through the runtimes exactly as their containers
run them: `python -m ecs_runtime.<pattern>` with `HANDLER` from the example's Dockerfile, the runtime and
the team's package on the path (as installed in the image), only environment variables, against moto."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import threading

import pytest
from textstats.counting import TextStats, count_text

from ecs_runtime import ObjectStream, RejectedObjectError
from ecs_runtime.upload.results import item_key
from tests.examples.own_job import EXAMPLE
from tests.services.support import (
    RUNTIME_SOURCE,
    Aws,
    LogTail,
    create_results_table,
    make_queues,
    run,
    start,
)

TEXT = "one two three\nvier fünf\n".encode()
"""2 lines, 5 words, 24 characters in 25 bytes (ü is two)."""
OURS = ("ecs_runtime", "services", "ecs_event_patterns", "tools")
SIGNING_KEY = "example-signing-key-0123456789abcdef"


def dockerfile_handler(target: str) -> str:
    """The HANDLER the example's Dockerfile sets in `target`: the tests run what the image would."""
    stage, handler = None, {}
    for line in (EXAMPLE / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            stage = line.split()[-1]
        elif line.startswith("ENV HANDLER="):
            handler[stage] = line.removeprefix("ENV HANDLER=")
    return handler[target]


def container_env(aws: Aws, target: str, **settings: str) -> dict[str, str]:
    return {
        **aws.env,
        "PYTHONPATH": f"{RUNTIME_SOURCE}:{EXAMPLE / 'jobs'}",
        "HANDLER": dockerfile_handler(target),
        **settings,
    }


def word_count_env(aws: Aws, etag: str, **table: str) -> dict[str, str]:
    """What the upload rule's input transformer sets for an upload of TEXT as `incoming/notes 2026.txt`."""
    return container_env(
        aws,
        "word-count",
        BUCKET="text-uploads",
        OBJECT_KEY="incoming/notes+2026.txt",  # URL-encoded, as S3 events carry it
        OBJECT_SIZE=str(len(TEXT)),
        OBJECT_ETAG=etag,
        OBJECT_SEQUENCER="0055AED6DCD90281E5",
        **table,
    )


def test_word_count_stores_the_counts_in_the_result_item(aws: Aws) -> None:
    s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
    s3.create_bucket(Bucket="text-uploads")
    create_results_table(dynamodb, "text-results")
    key = "incoming/notes 2026.txt"
    etag = s3.put_object(Bucket="text-uploads", Key=key, Body=TEXT)["ETag"].strip('"')

    finished = run("ecs_runtime.upload", word_count_env(aws, etag, RESULTS_TABLE="text-results"))

    assert finished.returncode == 0, finished
    item = dynamodb.get_item(
        TableName="text-results",
        Key={name: {"S": value} for name, value in item_key("text-uploads", key, None).items()},
        ConsistentRead=True,
    )["Item"]
    assert item.pop("processed_at")["S"].endswith("+00:00")
    assert item == {
        "pk": {"S": "s3://text-uploads/incoming/notes 2026.txt"},
        "sk": {"S": "version#null"},
        "bucket": {"S": "text-uploads"},
        "key": {"S": key},
        "version_id": {"S": "null"},
        "etag": {"S": etag},
        "event_size_bytes": {"N": "25"},
        "sequencer": {"S": "0055AED6DCD90281E5".rjust(64, "0")},
        "status": {"S": "processed"},
        "task_arn": {"NULL": True},
        "lines": {"N": "2"},
        "words": {"N": "5"},
        "characters": {"N": "24"},
    }
    processed = finished.event("object.processed")
    assert (processed["bytes_read"], processed["lines"], processed["words"]) == (25, 2, 5)


def test_word_count_without_a_results_table_stops_at_start(aws: Aws) -> None:
    """Its counts have nowhere to go when the pattern stores no results: exit 2 before reading anything."""
    finished = run("ecs_runtime.upload", word_count_env(aws, "0123456789abcdef0123456789abcdef"))

    assert finished.returncode == 2, finished
    assert finished.event("settings.invalid")["message"].startswith(
        "RESULTS_TABLE is required by this handler, which returns result attributes, but not set"
    )
    assert not finished.events("object.reading")


def test_publish_stats_writes_the_signed_counts_to_the_publishing_bucket(aws: Aws) -> None:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    s3.create_bucket(Bucket="text-data")
    s3.create_bucket(Bucket="team-site")
    etag = s3.put_object(Bucket="text-data", Key="input/notes.txt", Body=TEXT)["ETag"].strip('"')
    queues = make_queues(aws, visibility_seconds=120, name="text-jobs")
    body = {"version": 1, "operation": "publish_stats", "bucket": "text-data", "key": "input/notes.txt"}
    sqs.send_message(QueueUrl=queues.url, MessageBody=json.dumps(body))

    worker = LogTail(
        start(
            "ecs_runtime.queue",
            container_env(
                aws,
                "publish-stats",
                QUEUE_URL=queues.url,
                PUBLISH_BUCKET="team-site",
                SIGNING_KEY=SIGNING_KEY,
                WORKER_CONCURRENCY="2",
                JOB_TIMEOUT_SECONDS="60",
                VISIBILITY_TIMEOUT_SECONDS="120",
                STOP_TIMEOUT_SECONDS="6",
                RECEIVE_WAIT_SECONDS="1",
            ),
        )
    )
    worker.wait_for("messages.deleted")
    finished = worker.stop()

    assert finished.returncode == 0, finished
    published = s3.get_object(Bucket="team-site", Key="text-stats/input/notes.txt.json")
    expected = (
        f'{{"characters":24,"etag":"{etag}","lines":2,"source":"s3://text-data/input/notes.txt","words":5}}'
    ).encode()
    assert published["Body"].read() == expected
    assert published["ContentType"] == "application/json"
    digest = hmac.new(SIGNING_KEY.encode(), expected, hashlib.sha256).hexdigest()
    assert published["Metadata"] == {"signature": f"sha256={digest}"}
    [completed] = finished.events("job.completed")
    assert (completed["object"], completed["published"], completed["words"]) == (
        "s3://text-data/input/notes.txt",
        "s3://team-site/text-stats/input/notes.txt.json",
        5,
    )
    assert SIGNING_KEY not in json.dumps(finished.logs), "the secret must never reach a log line"
    assert sqs.get_queue_attributes(
        QueueUrl=queues.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


class Trickle:
    """An S3 body that returns at most `size` bytes a read, so words and characters straddle reads."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size, self._at = data, size, 0

    def read(self, amt: int | None = None, /) -> bytes:
        chunk = self._data[self._at : self._at + min(self._size, amt or self._size)]
        self._at += len(chunk)
        return chunk


@pytest.mark.parametrize("size", [1, 2, 3, 5, 1 << 20])
def test_counts_do_not_depend_on_where_the_reads_split_the_text(size: int) -> None:
    text = "\ufeffone  two\tthree\nvier fünf — sechs\n\nlast".encode()
    stats = count_text(ObjectStream(Trickle(text, size), threading.Event()))
    assert stats == TextStats(lines=3, words=8, characters=38)


def test_text_that_is_not_utf8_is_rejected_naming_the_byte() -> None:
    data = b"fine text \xc3\xbc then \xff bad"
    with pytest.raises(RejectedObjectError, match="the byte at offset 18 is invalid"):
        count_text(ObjectStream(Trickle(data, 4), threading.Event()))


def test_the_example_package_uses_only_the_public_runtime_api() -> None:
    """What the handlers import of ours: names in `__all__` of `ecs_runtime` and its pattern packages,
    nothing of `services` (the bundled jobs) or of the Pulumi components."""
    import ecs_runtime
    import ecs_runtime.queue
    import ecs_runtime.upload

    public = {
        "ecs_runtime": set(ecs_runtime.__all__),
        "ecs_runtime.queue": set(ecs_runtime.queue.__all__),
        "ecs_runtime.upload": set(ecs_runtime.upload.__all__),
    }
    imported: dict[str, set[str]] = {}
    for source in (EXAMPLE / "jobs" / "textstats").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.setdefault(node.module, set()).update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update({alias.name: set() for alias in node.names})
    ours = {module: names for module, names in imported.items() if module.split(".")[0] in OURS}
    assert set(ours) == set(public), ours
    for module, names in ours.items():
        assert names <= public[module], f"{module}: {sorted(names - public[module])} are not public"
