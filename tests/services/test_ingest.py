"""services.ingest against moto: one object per run, results written once per object version."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import urllib.parse
from typing import Any

import boto3
import pytest

from ecs_runtime.aws import Clients
from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.lifecycle import Runtime
from ecs_runtime.logs import JsonLog
from ecs_runtime.upload.results import ResultsTable, item_key
from ecs_runtime.upload.runner import UploadHandler, UploadRun
from ecs_runtime.upload.settings import UploadSettings
from services.ingest.handler import ingest
from tests.services.support import (
    REGION,
    Aws,
    assert_bad_setting_named,
    create_results_table,
    moto_server,
    run,
    run_measured,
    upload_generated_csv,
)

BUCKET = "uploads"
TABLE = "results"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@pytest.fixture
def s3(aws: Aws) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    create_results_table(aws.client("dynamodb"), TABLE)
    return client


def put(s3: Any, key: str, body: bytes, **extra: Any) -> dict[str, Any]:
    response = s3.put_object(Bucket=BUCKET, Key=key, Body=body, **extra)
    return {"etag": response["ETag"].strip('"'), "size": len(body), "version": response.get("VersionId")}


def event_env(aws: Aws, key: str, put_result: dict[str, Any], sequencer: str) -> dict[str, str]:
    """What the rule's input transformer sets: the key URL-encoded as in a real S3 event."""
    return {
        **aws.env,
        "BUCKET": BUCKET,
        "OBJECT_KEY": urllib.parse.quote_plus(key, safe="/"),
        "OBJECT_SIZE": str(put_result["size"]),
        "OBJECT_ETAG": put_result["etag"],
        "OBJECT_SEQUENCER": sequencer,
        "OBJECT_VERSION_ID": put_result["version"] or "",
        "RESULTS_TABLE": TABLE,
    }


def result_item(aws: Aws, key: str, version: str | None = None) -> dict[str, Any] | None:
    response = aws.client("dynamodb").get_item(
        TableName=TABLE, Key={name: {"S": value} for name, value in item_key(BUCKET, key, version).items()}
    )
    item = response.get("Item")
    return None if item is None else {name: next(iter(value.values())) for name, value in item.items()}


MIXED_CSV = (
    b"id,name,amount\n"
    b"1,alice,10\n"
    b'2,"bob, jr",20\n'
    b"3,carol\n"  # too few fields
    b"\n"  # blank: skipped, not counted
    b",,\n"  # empty row
    b'4,"multi\nline",40\n'
    b"5,dan,50,extra\n"  # too many fields
    b"6,\xff\xfe,60\n"  # not UTF-8
)


def test_csv_rows_are_counted_validated_and_checksummed(aws: Aws, s3: Any) -> None:
    key = "incoming/mixed.csv"
    finished = run("ingest", event_env(aws, key, put(s3, key, MIXED_CSV), "0A"))

    assert finished.returncode == 0, finished
    item = result_item(aws, key)
    assert item is not None
    assert item["status"] == "processed"
    assert item["format"] == "csv"
    assert (item["rows_good"], item["rows_bad"]) == ("3", "4")
    assert item["sha256"] == hashlib.sha256(MIXED_CSV).hexdigest()
    assert item["size_bytes"] == str(len(MIXED_CSV))
    assert item["sequencer"] == "0A".rjust(64, "0")
    problems = [(p["M"]["line"]["N"], p["M"]["reason"]["S"]) for p in item["problems"]]
    assert problems == [
        ("4", "expected 3 fields, found 2"),
        ("6", "empty row"),
        ("9", "expected 3 fields, found 4"),
        ("10", "not valid UTF-8"),
    ]
    processed = finished.event("object.processed")
    assert processed["correlation_id"] == f"s3://{BUCKET}/{key}"
    assert "task_arn" in processed


def test_json_lines_need_one_object_per_line(aws: Aws, s3: Any) -> None:
    body = b'{"a": 1}\n\n[1, 2]\n{"a": 2}\nnot json\n"text"\n{"b": {"c": 3}}'
    key = "incoming/events.jsonl"
    assert run("ingest", event_env(aws, key, put(s3, key, body), "1")).returncode == 0
    item = result_item(aws, key)
    assert item is not None
    assert (item["rows_good"], item["rows_bad"]) == ("3", "3")


def test_format_falls_back_to_content_type(aws: Aws, s3: Any) -> None:
    key = "incoming/export"
    body = b'{"a": 1}\n'
    env = event_env(aws, key, put(s3, key, body, ContentType="application/x-ndjson"), "1")
    assert run("ingest", env).returncode == 0
    item = result_item(aws, key)
    assert item is not None
    assert (item["format"], item["rows_good"]) == ("jsonl", "1")


def test_duplicate_event_writes_nothing_new(aws: Aws, s3: Any) -> None:
    key = "incoming/once.csv"
    env = event_env(aws, key, put(s3, key, b"a\n1\n"), "617F08299329D189")
    assert run("ingest", env).returncode == 0
    first = result_item(aws, key)

    again = run("ingest", env)

    assert again.returncode == 0
    assert again.event("event.skipped")["reason"] == "duplicate"
    assert result_item(aws, key) == first


def test_older_event_after_newer_never_overwrites(aws: Aws, s3: Any) -> None:
    key = "incoming/twice.csv"
    older = put(s3, key, b"a\n1\n")
    newer = put(s3, key, b"a\n1\n2\n")
    assert run("ingest", event_env(aws, key, newer, "0200")).returncode == 0

    # "FF" is shorter but, zero-padded, smaller than "0200": the older event.
    late = run("ingest", event_env(aws, key, older, "FF"))

    assert late.returncode == 0
    assert late.event("event.skipped")["reason"] == "older than the recorded result"
    item = result_item(aws, key)
    assert item is not None
    assert (item["etag"], item["rows_good"]) == (newer["etag"], "2")


def test_event_for_overwritten_content_is_skipped_without_a_result(aws: Aws, s3: Any) -> None:
    key = "incoming/replaced.csv"
    older = put(s3, key, b"a\n1\n")
    put(s3, key, b"a\n1\n2\n")

    finished = run("ingest", event_env(aws, key, older, "01"))

    assert finished.returncode == 0
    assert "overwritten" in finished.event("event.skipped")["reason"]
    assert result_item(aws, key) is None


def test_conditional_write_refuses_equal_and_older_sequencers(aws: Aws, s3: Any) -> None:
    table = ResultsTable(aws.client("dynamodb"), TABLE)
    key = item_key(BUCKET, "k.csv", None)
    assert table.record(key, "0B", {"status": "processed", "rows_good": 2}) is None

    assert table.record(key, "0B", {"status": "processed", "rows_good": 99}) == "0B"
    assert table.record(key, "0A", {"status": "processed", "rows_good": 98}) == "0B"
    assert table.record(key, "0C", {"status": "processed", "rows_good": 3}) is None
    assert result_item(aws, "k.csv") == {**key, "sequencer": "0C", "status": "processed", "rows_good": "3"}


def test_versioned_bucket_keeps_one_item_per_version(aws: Aws, s3: Any) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    key = "incoming/versioned.csv"
    first = put(s3, key, b"a\n1\n")
    second = put(s3, key, b"a\n1\n2\n")

    assert run("ingest", event_env(aws, key, second, "02")).returncode == 0
    # The first version is still readable by its id, so its (older) event records it separately.
    assert run("ingest", event_env(aws, key, first, "01")).returncode == 0

    items = {v: result_item(aws, key, v) for v in (first["version"], second["version"])}
    assert {v: item["rows_good"] for v, item in items.items() if item} == {
        first["version"]: "1",
        second["version"]: "2",
    }


@pytest.mark.parametrize(
    "key",
    [
        "incoming/with space.csv",
        "incoming/plus+sign.csv",
        "incoming/ünïcødé 名前.csv",
        "incoming/already%20encoded%2Fslash.csv",
        "incoming/mixed +%&=?#~.csv",
    ],
)
def test_keys_are_decoded_as_s3_events_encode_them(aws: Aws, s3: Any, key: str) -> None:
    finished = run("ingest", event_env(aws, key, put(s3, key, b"a\n1\n"), "01"))

    assert finished.returncode == 0, finished
    item = result_item(aws, key)
    assert item is not None
    assert (item["key"], item["pk"], item["rows_good"]) == (key, f"s3://{BUCKET}/{key}", "1")


def test_zero_byte_object_is_processed_with_no_rows(aws: Aws, s3: Any) -> None:
    key = "incoming/empty.csv"
    assert run("ingest", event_env(aws, key, put(s3, key, b""), "01")).returncode == 0
    item = result_item(aws, key)
    assert item is not None
    assert (item["status"], item["rows_good"], item["rows_bad"], item["sha256"]) == (
        "processed",
        "0",
        "0",
        EMPTY_SHA256,
    )


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("incoming/dup.csv", b"a,a\n1,2\n", "repeats column names ['a']"),
        ("incoming/blank-name.csv", b"a,,c\n1,2,3\n", "empty column name"),
        ("incoming/picture.png", b"\x89PNG", "neither the key's suffix nor Content-Type"),
    ],
)
def test_unreadable_file_is_recorded_as_rejected(
    aws: Aws, s3: Any, key: str, body: bytes, reason: str
) -> None:
    finished = run("ingest", event_env(aws, key, put(s3, key, body), "01"))

    assert finished.returncode == 3
    item = result_item(aws, key)
    assert item is not None
    assert item["status"] == "rejected"
    assert reason in item["reason"]
    assert reason in finished.event("object.rejected")["reason"]


def test_missing_object_is_recorded_and_exits_4(aws: Aws, s3: Any) -> None:
    key = "incoming/gone.csv"
    env = event_env(aws, key, put(s3, key, b"a\n1\n"), "01")
    s3.delete_object(Bucket=BUCKET, Key=key)

    finished = run("ingest", env)

    assert finished.returncode == 4
    item = result_item(aws, key)
    assert item is not None
    assert item["status"] == "missing"
    assert "NoSuchKey" in finished.event("object.missing")["detail"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"RESULTS_TABLE": None}, "RESULTS_TABLE is required by this handler, which returns result"),
        ({"OBJECT_SIZE": "12kb"}, "OBJECT_SIZE='12kb'"),
        ({"OBJECT_SEQUENCER": "not-hex"}, "OBJECT_SEQUENCER='not-hex'"),
        ({"BUCKET": ""}, "BUCKET is required but not set"),
    ],
)
def test_bad_setting_is_named_and_exits_2(aws: Aws, change: dict[str, str | None], named: str) -> None:
    assert_bad_setting_named(
        "ingest", event_env(aws, "k.csv", {"etag": "abc", "size": 1, "version": None}, "01"), change, named
    )


def test_sequencers_compare_as_zero_padded_hex() -> None:
    def sequencer(value: str) -> str:
        return UploadSettings.model_validate(
            {
                "bucket": "abc",
                "object_key": "k",
                "object_size": 1,
                "object_etag": "e",
                "object_sequencer": value,
                "results_table": "tab",
            }
        ).sequencer

    assert sequencer("FF") < sequencer("100") < sequencer("0101") < sequencer("617f08299329d189")
    assert sequencer("0a") == sequencer("A")


PEAK_RSS_LIMIT_KIB = 150 * 1024


def test_200_mib_object_is_streamed_under_150_mib_peak_rss(aws: Aws, s3: Any) -> None:
    key = "incoming/big file.csv"
    generated = upload_generated_csv(s3, BUCKET, key, parts=26)
    assert generated.size >= 200 * 1024 * 1024
    uploaded = {"etag": generated.etag, "size": generated.size, "version": None}

    finished, peak_kib = run_measured("ingest", event_env(aws, key, uploaded, "01"))

    assert finished.returncode == 0, finished
    item = result_item(aws, key)
    assert item is not None
    assert (item["rows_good"], item["rows_bad"], item["sha256"]) == (
        str(generated.rows),
        "0",
        generated.sha256,
    )
    assert peak_kib < PEAK_RSS_LIMIT_KIB, f"peak RSS {peak_kib} KiB"


def test_denied_read_is_recorded_and_exits_5() -> None:
    """On a moto server that enforces IAM after the setup calls: the task may write results, not read S3."""
    setup_calls = 6
    with moto_server({"INITIAL_NO_AUTH_ACTION_COUNT": str(setup_calls)}) as endpoint:
        aws = Aws(endpoint)
        s3 = aws.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        uploaded = put(s3, "incoming/secret.csv", b"a\n1\n")
        create_results_table(aws.client("dynamodb"), TABLE)
        iam = aws.client("iam")
        iam.create_user(UserName="ingest-task")
        credentials = iam.create_access_key(UserName="ingest-task")["AccessKey"]
        iam.put_user_policy(
            UserName="ingest-task",
            PolicyName="results-only",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                            "Resource": "*",
                        }
                    ],
                }
            ),
        )
        env = {
            **event_env(aws, "incoming/secret.csv", uploaded, "01"),
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        }

        finished = run("ingest", env)
        # Read back as the task user: the setup credentials no longer pass once IAM is enforced.
        as_task = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            region_name=REGION,
        ).client("dynamodb", endpoint_url=endpoint)
        key = item_key(BUCKET, "incoming/secret.csv", None)
        item = as_task.get_item(TableName=TABLE, Key={name: {"S": value} for name, value in key.items()}).get(
            "Item"
        )

    assert finished.returncode == 5, finished
    assert "AccessDenied" in finished.event("object.access_denied")["detail"]
    assert item is not None
    assert item["status"] == {"S": "access_denied"}


def test_stop_requested_mid_read_writes_nothing_and_exits_143(aws: Aws, s3: Any) -> None:
    """In process: SIGTERM only sets the stop event, and the streaming read gives up at its next chunk."""
    key = "incoming/stopped.csv"
    env = event_env(aws, key, put(s3, key, b"a\n1\n"), "01")
    settings = UploadSettings.model_validate({name.lower(): value for name, value in env.items() if value})
    stop = threading.Event()
    stop.set()
    lines = io.StringIO()
    runtime = Runtime(JsonLog("ingest", stream=lines), stop, task_arn=None)

    clients = Clients(s3=aws.client("s3"), dynamodb=aws.client("dynamodb"))
    code = UploadRun(settings, runtime, UploadHandler(ingest), clients=clients).run()

    assert code is ExitCode.INTERRUPTED
    assert [json.loads(line)["event"] for line in lines.getvalue().splitlines()] == [
        "object.reading",
        "object.interrupted",
    ]
    assert result_item(aws, key) is None
