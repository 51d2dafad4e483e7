"""Queue worker throughput: `services.worker` beside the minimal and the naive consumer, bare and at 20 ms.

Each candidate runs as its own process (the worker exactly as its container would), against moto_server
directly and through a delay proxy adding 20 ms a call, as AWS's network would. A feeder keeps the queue
at most `DEPTH` messages deep (moto's SQS slows with depth), so the figure is the consumer's, not moto's.
Each message names its own small CSV object; the job is the worker's `validate` (read, scan, write a
summary). A run counts as measured only if every message completed exactly once, every output exists
and the queue and its dead-letter queue are empty after the consumers stopped. Every consumer runs under
`benchmarks.call_counter`, which counts its ReceiveMessage calls (empty long polls included) at the client.

`python -m benchmarks.queue_throughput [--quick]` prints the figures.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from benchmarks import call_counter
from benchmarks.harness import Figure, Samples, Section, delay_proxy, interleaved, moto_server
from tests.services.support import REPO_ROOT, Aws

DEPTH = 40
DELAY_MS = 20
CONCURRENCY = 4
BUCKET = "bench-queue"
ROWS_PER_OBJECT = 20


@dataclass
class _Progress:
    """Completions read from the consumers' stdout, by message id."""

    completions: list[str] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    distinct: set[str] = field(default_factory=set)
    sqs_calls: list[dict[str, int]] = field(default_factory=list)
    """Per process that exited, its SQS calls by operation (`benchmarks.call_counter`)."""

    def add(self, message_id: str) -> None:
        with self.lock:
            self.completions.append(message_id)
            self.distinct.add(message_id)
            self.lock.notify_all()

    def add_calls(self, calls: dict[str, int]) -> None:
        with self.lock:
            self.sqs_calls.append(calls)

    @property
    def done(self) -> int:
        with self.lock:
            return len(self.distinct)


def _read(process: subprocess.Popen[str], progress: _Progress, started: threading.Event) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if not line.startswith("{"):
            continue
        calls = call_counter.parse(line)
        if calls is not None:
            progress.add_calls(calls)
            continue
        event = json.loads(line)
        if event.get("event") == "worker.started":
            started.set()
        elif event.get("event") == "job.completed":
            progress.add(event["correlation_id"])


@dataclass(frozen=True)
class _Setup:
    aws: Aws
    """Direct to moto: the feeder and the checks."""
    consumer_endpoint: str
    """Direct, or through the delay proxy: what the consumers use."""
    queue_url: str
    dlq_url: str
    keys: tuple[str, ...]


def _prepare(aws: Aws, consumer_endpoint: str, messages: int, name: str) -> _Setup:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        s3.create_bucket(Bucket=BUCKET)
    body = b"id,name,amount\n" + b"".join(b"%d,name %d,%d.50\n" % (n, n, n) for n in range(ROWS_PER_OBJECT))
    keys = tuple(f"input/{n:05d}.csv" for n in range(messages))
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="text/csv")
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": "60",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}),
        },
    )["QueueUrl"]
    return _Setup(aws, consumer_endpoint, queue_url, dlq_url, keys)


def _command(candidate: str) -> list[str]:
    counted = [sys.executable, "-m", "benchmarks.call_counter"]
    if candidate.startswith("worker"):
        return [*counted, "services.worker"]
    return [*counted, "benchmarks.queue_consumers", candidate]


def _processes(candidate: str) -> int:
    return int(candidate.split("x")[1]) if candidate.startswith("worker x") else 1


@dataclass
class _Tally:
    """What the runs add up besides their throughput, per candidate."""

    duplicates: dict[str, int] = field(default_factory=dict)
    """Messages completed twice (candidates with several processes)."""
    receives_per_message: dict[str, list[float]] = field(default_factory=dict)
    """ReceiveMessage calls of all its processes over messages drained, one value per run."""


def run_once(setup: _Setup, candidate: str, tally: _Tally) -> float:
    """Messages per second drained by `candidate`; raises if any message was lost or done twice."""
    prefix = f"out/{uuid.uuid4().hex[:8]}/"
    env = {
        **setup.aws.env,
        "AWS_ENDPOINT_URL": setup.consumer_endpoint,
        "QUEUE_URL": setup.queue_url,
        "OUTPUT_BUCKET": BUCKET,
        "OUTPUT_PREFIX": prefix,
        "WORKER_CONCURRENCY": str(CONCURRENCY),
        "JOB_TIMEOUT_SECONDS": "60",
        "VISIBILITY_TIMEOUT_SECONDS": "60",
        "STOP_TIMEOUT_SECONDS": "10",
        "RECEIVE_WAIT_SECONDS": "1",
    }
    progress = _Progress()
    processes: list[subprocess.Popen[str]] = []
    readers: list[tuple[threading.Thread, threading.Event]] = []
    # All of a candidate's processes start at once, then it waits for each: no process waits on the others'
    # start (one after another, an x4 run took twice as long as an x1 run for the same 80 messages).
    for _ in range(_processes(candidate)):
        started = threading.Event()
        process = subprocess.Popen(
            _command(candidate),
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reader = threading.Thread(target=_read, args=(process, progress, started), daemon=True)
        reader.start()
        processes.append(process)
        readers.append((reader, started))
    for process, (_, started) in zip(processes, readers, strict=True):
        if not started.wait(60):
            for each in processes:
                each.kill()
            raise RuntimeError(
                f"{candidate} did not start: {process.stderr.read() if process.stderr else ''}"
            )
    sqs = setup.aws.client("sqs")
    bodies = [
        json.dumps({"version": 1, "operation": "validate", "bucket": BUCKET, "key": key})
        for key in setup.keys
    ]
    began = time.monotonic()
    sent = 0
    try:
        while sent < len(bodies):
            if sent - progress.done >= DEPTH:
                time.sleep(0.005)
                continue
            batch = bodies[sent : sent + 10]
            response = sqs.send_message_batch(
                QueueUrl=setup.queue_url,
                Entries=[{"Id": str(n), "MessageBody": b} for n, b in enumerate(batch)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"send_message_batch failed: {response['Failed']}")
            sent += len(batch)
        with progress.lock:
            if not progress.lock.wait_for(lambda: len(progress.distinct) >= len(bodies), timeout=600):
                raise RuntimeError(f"{candidate}: {len(progress.distinct)} of {len(bodies)} done in 600 s")
        seconds = time.monotonic() - began
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        for reader, _ in readers:
            reader.join(timeout=10)
    _check(setup, candidate, progress, prefix, tally)
    if len(progress.sqs_calls) != len(processes):
        raise RuntimeError(
            f"{candidate}: {len(progress.sqs_calls)} of {len(processes)} processes counted calls"
        )
    receives = sum(calls.get("ReceiveMessage", 0) for calls in progress.sqs_calls)
    tally.receives_per_message.setdefault(candidate, []).append(receives / len(bodies))
    print(
        f"  {candidate}: {len(bodies) / seconds:.1f} msg/s, {receives} receives",
        file=sys.stderr,
        flush=True,
    )
    return len(bodies) / seconds


def _check(setup: _Setup, candidate: str, progress: _Progress, prefix: str, tally: _Tally) -> None:
    """Nothing lost, nothing done twice: every message completed once, has its output, left the queue.

    With several processes a message may be delivered to two of them: a standard queue delivers at least
    once (moto's concurrent receives do it too). Those are counted, not failed: the job's output is the
    same object either way. One process must never complete a message twice.
    """
    twice = len(progress.completions) - len(progress.distinct)
    if twice and _processes(candidate) == 1:
        raise RuntimeError(f"{candidate}: {twice} messages completed twice")
    tally.duplicates[candidate] = tally.duplicates.get(candidate, 0) + twice
    s3, sqs = setup.aws.client("s3"), setup.aws.client("sqs")
    outputs = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        outputs += len(page.get("Contents", []))
    if outputs != (0 if candidate == "ceiling" else len(setup.keys)):
        raise RuntimeError(f"{candidate}: {outputs} outputs for {len(setup.keys)} messages")
    for url in (setup.queue_url, setup.dlq_url):
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if any(int(value) for value in attributes.values()):
            raise RuntimeError(f"{candidate}: messages left in {url}: {attributes}")


MEASURED = ("worker x1", "minimal", "naive")
"""Interleaved and repeated: the figures held to goals."""
CONTEXT = ("worker x2", "worker x4", "ceiling")
"""Once each, for context."""


def measure(quick: bool) -> Section:
    messages = 40 if quick else 80
    repeats = 1 if quick else 2
    figures: list[Figure] = []
    tally = _Tally()
    with ExitStack() as stack:
        endpoint = stack.enter_context(moto_server())
        aws = Aws(endpoint)
        proxied = stack.enter_context(delay_proxy(endpoint, DELAY_MS))
        for label, consumer_endpoint in (("bare", endpoint), (f"{DELAY_MS}ms", proxied)):
            setup = _prepare(aws, consumer_endpoint, messages, f"bench-{label}")

            def runner(candidate: str, setup: _Setup = setup) -> Callable[[], float]:
                return lambda: run_once(setup, candidate, tally)

            measured = {
                name: Samples(tuple(values), "msg/s")
                for name, values in {
                    **interleaved({c: runner(c) for c in MEASURED}, repeats),
                    **interleaved({c: runner(c) for c in CONTEXT}, 1),
                }.items()
            }
            worker = measured["worker x1"]
            held = label != "bare"
            figures += [
                Figure(
                    f"queue.{label}.worker_vs_minimal",
                    worker,
                    measured["minimal"],
                    goal="ratio >= 0.8" if held else "",
                    met=worker.median >= 0.8 * measured["minimal"].median if held else None,
                ),
                Figure(
                    f"queue.{label}.worker_vs_naive",
                    worker,
                    measured["naive"],
                    goal="ratio >= 5" if held else "",
                    met=worker.median >= 5 * measured["naive"].median if held else None,
                ),
                Figure(f"queue.{label}.worker_x2_vs_x1", measured["worker x2"], worker),
                Figure(f"queue.{label}.worker_x4_vs_x1", measured["worker x4"], worker),
                Figure(f"queue.{label}.ceiling_receive_delete", measured["ceiling"]),
                *_receive_figures(label, tally.receives_per_message),
            ]
            tally.receives_per_message.clear()
    notes = [
        f"{messages} messages a run, each naming its own {ROWS_PER_OBJECT}-row CSV object; the job is "
        f"`validate`; concurrency {CONCURRENCY} per process; a feeder talking to moto directly keeps the "
        f"queue at most {DEPTH} deep. `{DELAY_MS}ms`: every consumer call goes through a proxy adding "
        f"{DELAY_MS} ms. "
        "Every run is checked: every message completed (never twice by one process), one output each, queue "
        "and dead-letter queue "
        "empty afterwards. The worker, minimal and naive runs are interleaved and repeated; x2, x4 and the "
        "receive+delete ceiling run once. Messages completed twice (delivered to two processes): "
        + (", ".join(f"{name} {count}" for name, count in sorted(tally.duplicates.items())) or "none")
        + ". Receives per message: ReceiveMessage calls of all the candidate's processes, empty long polls "
        "(1 s) included, over the messages of the run; fewer is cheaper (SQS bills each call)."
    ]
    return Section("Queue worker throughput", figures, notes)


def _receive_figures(label: str, receives: dict[str, list[float]]) -> list[Figure]:
    """ReceiveMessage calls per message: the worker beside each baseline, then the ceiling for context."""
    per_message = {name: Samples(tuple(values), "calls/msg") for name, values in receives.items()}
    worker = per_message["worker x1"]
    return [
        Figure(f"queue.{label}.receives_per_message_vs_minimal", worker, per_message["minimal"]),
        Figure(f"queue.{label}.receives_per_message_vs_naive", worker, per_message["naive"]),
        Figure(f"queue.{label}.receives_per_message_x4_vs_x1", per_message["worker x4"], worker),
        Figure(f"queue.{label}.receives_per_message_ceiling", per_message["ceiling"]),
    ]


def main(argv: list[str]) -> int:
    section = measure(quick="--quick" in argv)
    for figure in section.figures:
        print(figure.line())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
