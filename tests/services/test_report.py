"""services.report against moto: all pages, checkpoints that survive a kill, failures in the report."""

from __future__ import annotations

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.services.support import Aws, assert_bad_setting_named, finish, run, start

BUCKET = "batch"
INPUT = "input/"
OUTPUT = "reports/"


@pytest.fixture
def s3(aws: Aws) -> Any:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def report_env(aws: Aws, concurrency: int = 4) -> dict[str, str]:
    return {
        **aws.env,
        "BUCKET": BUCKET,
        "INPUT_PREFIX": INPUT,
        "OUTPUT_PREFIX": OUTPUT,
        "CONCURRENCY": str(concurrency),
    }


def put_many(s3: Any, bodies: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: s3.put_object(Bucket=BUCKET, Key=item[0], Body=item[1]), bodies.items()))


def keys_under(s3: Any, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def settled_keys(s3: Any, prefix: str, quiet_seconds: float = 0.5) -> list[str]:
    """The keys under `prefix` once they stop changing.

    A killed worker may have sent a PUT that moto has not finished storing when the process is gone;
    it lands a moment later. There is no signal for "no request in flight", so wait until the listing
    has stayed the same for `quiet_seconds` (a small PUT takes moto milliseconds).
    """
    keys = keys_under(s3, prefix)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < quiet_seconds:
        time.sleep(0.1)
        latest = keys_under(s3, prefix)
        if latest != keys:
            keys, quiet_since = latest, time.monotonic()
    return keys


def reports(s3: Any) -> list[dict[str, Any]]:
    """Every report written so far, oldest first (keys start with the UTC time)."""
    return [
        json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        for key in keys_under(s3, f"{OUTPUT}reports/")
    ]


def test_all_pages_are_processed_once_with_progress_and_totals(aws: Aws, s3: Any) -> None:
    bodies = {f"{INPUT}part-{n:04d}.csv": f"id,value\n{n},{n * 2}\n".encode() for n in range(1003)}
    bodies[f"{INPUT}nested/events.jsonl"] = b'{"a": 1}\n{"a": 2}\nbroken\n'
    put_many(s3, bodies)
    s3.put_object(Bucket=BUCKET, Key="elsewhere/ignored.csv", Body=b"a\n1\n")

    first = run("report", report_env(aws, concurrency=8), timeout=120)

    assert first.returncode == 0, first
    [document] = reports(s3)
    assert document["totals"] == {
        "listed": 1004,
        "already_done": 0,
        "processed": 1004,
        "failed": 0,
        "missing": 0,
        "interrupted": 0,
        "rows_good": 1003 + 2,
        "rows_bad": 1,
        "bytes": sum(len(body) for body in bodies.values()),
    }
    assert [f["key"] for f in document["files"]] == sorted(bodies)
    jsonl = next(f for f in document["files"] if f["key"].endswith(".jsonl"))
    assert (jsonl["rows_good"], jsonl["rows_bad"], jsonl["problems"][0]["line"]) == (2, 1, 3)
    progress = first.events("report.progress")
    # A line at least every 1,000 finished objects (or sooner, every 10 s), and a final one.
    finished_counts = [sum(line.get(name, 0) for name in ("processed", "already_done")) for line in progress]
    assert len(progress) >= 2
    assert all(b - a <= 1000 for a, b in zip([0, *finished_counts], finished_counts, strict=False))
    assert (progress[-1]["final"], finished_counts[-1]) == (True, 1004)

    second = run("report", report_env(aws))

    assert second.returncode == 0
    assert reports(s3)[-1]["totals"]["already_done"] == 1004
    assert reports(s3)[-1]["files"] == []


def test_failed_objects_are_reported_exit_6_and_retried_next_run(aws: Aws, s3: Any) -> None:
    put_many(
        s3,
        {
            f"{INPUT}good.csv": b"a,b\n1,2\n",
            f"{INPUT}bad-header.csv": b"a,a\n1,2\n",
            f"{INPUT}photo.png": b"\x89PNG",
        },
    )

    first = run("report", report_env(aws))

    assert first.returncode == 6
    files = {f["key"]: f for f in reports(s3)[-1]["files"]}
    assert files[f"{INPUT}good.csv"]["status"] == "processed"
    assert files[f"{INPUT}bad-header.csv"]["status"] == "failed"
    assert "repeats column names" in files[f"{INPUT}bad-header.csv"]["error"]
    assert "unknown format" in files[f"{INPUT}photo.png"]["error"]

    s3.put_object(Bucket=BUCKET, Key=f"{INPUT}bad-header.csv", Body=b"a,b\n1,2\n")
    second = run("report", report_env(aws))

    assert second.returncode == 6
    latest = reports(s3)[-1]
    assert latest["totals"]["already_done"] == 1
    assert {f["key"]: f["status"] for f in latest["files"]} == {
        f"{INPUT}bad-header.csv": "processed",
        f"{INPUT}photo.png": "failed",
    }


def test_run_killed_midway_is_resumed_without_redoing_or_skipping(aws: Aws, s3: Any) -> None:
    rows = b"".join(b"%d,%s\n" % (n, b"v" * 200) for n in range(10000))
    keys = [f"{INPUT}chunk-{n:02d}.csv" for n in range(40)]
    put_many(s3, {key: b"id,value\n" + rows for key in keys})

    killed = start("report", report_env(aws, concurrency=2))
    deadline = time.monotonic() + 60
    while len(keys_under(s3, f"{OUTPUT}state/done/")) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    assert finish(killed).returncode == -signal.SIGKILL
    markers = settled_keys(s3, f"{OUTPUT}state/done/")
    done_before = {json.loads(s3.get_object(Bucket=BUCKET, Key=m)["Body"].read())["key"] for m in markers}
    assert 5 <= len(done_before) < len(keys), "the kill must land mid-run"
    assert reports(s3) == []

    resumed = run("report", report_env(aws, concurrency=4), timeout=120)

    assert resumed.returncode == 0, resumed
    assert resumed.event("report.started")["already_done_markers"] == len(markers)
    [document] = reports(s3)
    assert document["totals"]["already_done"] == len(done_before)
    redone = {f["key"] for f in document["files"]}
    assert redone == set(keys) - done_before
    assert all(f["rows_good"] == 10000 for f in document["files"])


def test_sigterm_writes_an_interrupted_report_and_exits_143(aws: Aws, s3: Any) -> None:
    rows = b"".join(b"%d,%s\n" % (n, b"v" * 200) for n in range(10000))
    put_many(s3, {f"{INPUT}chunk-{n:02d}.csv": b"id,value\n" + rows for n in range(40)})

    process = start("report", report_env(aws, concurrency=2))
    deadline = time.monotonic() + 60
    while not keys_under(s3, f"{OUTPUT}state/done/") and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    finished = finish(process)

    assert finished.returncode == 143, finished
    [document] = reports(s3)
    assert document["interrupted"] is True
    marked = {
        json.loads(s3.get_object(Bucket=BUCKET, Key=m)["Body"].read())["key"]
        for m in keys_under(s3, f"{OUTPUT}state/done/")
    }
    # Every object the report counts as processed has its marker: the next run will not redo it.
    assert {f["key"] for f in document["files"]} == marked
    assert 0 < len(marked) < 40


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            {"OUTPUT_PREFIX": "input/reports/"},
            "INPUT_PREFIX 'input/' and OUTPUT_PREFIX 'input/reports/' overlap",
        ),
        ({"CONCURRENCY": "0"}, "CONCURRENCY='0'"),
        ({"INPUT_PREFIX": None}, "INPUT_PREFIX is required but not set"),
    ],
)
def test_bad_setting_is_named_and_exits_2(aws: Aws, change: dict[str, str | None], named: str) -> None:
    assert_bad_setting_named("report", report_env(aws), change, named)
