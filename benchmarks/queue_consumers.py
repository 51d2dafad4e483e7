"""The baselines of the queue benchmark, each run as its own process like the worker.

`python -m benchmarks.queue_consumers minimal|naive|ceiling`, configured like the worker (QUEUE_URL,
OUTPUT_BUCKET, OUTPUT_PREFIX, WORKER_CONCURRENCY, AWS_ENDPOINT_URL). Each prints `{"event": "worker.started"}`
once polling, then `{"event": "job.completed", "correlation_id": <message id>}` per message, and stops on
SIGTERM after the batch in hand.

- minimal: the least a correct consumer does for the worker's `validate` job: receive(10), the same S3 read,
  scan and write on a thread pool of the same concurrency, delete_message_batch of the completed.
- naive: receive 1, work, delete 1, one at a time.
- ceiling: receive(10) + delete_message_batch, no work: what the emulator allows at all.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ecs_runtime import aws
from services.common.records import DataFormat, RecordScanner

WAIT_SECONDS = 1


def _emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class _Consumer:
    def __init__(self) -> None:
        self.queue_url = os.environ["QUEUE_URL"]
        self.bucket = os.environ["OUTPUT_BUCKET"]
        self.prefix = os.environ["OUTPUT_PREFIX"]
        self.concurrency = int(os.environ.get("WORKER_CONCURRENCY", "4"))
        self.sqs = aws.sqs_client()
        self.s3 = aws.s3_client(max_pool_connections=self.concurrency + 2)
        self.stop = threading.Event()

    def receive(self, most: int) -> list[dict[str, Any]]:
        # Plain dicts (the typed client answers TypedDicts): the consumers pass messages around as JSON.
        messages: list[dict[str, Any]] = [
            dict(message)
            for message in self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=most, WaitTimeSeconds=WAIT_SECONDS
            ).get("Messages", [])
        ]
        return messages

    def work(self, message: dict[str, Any]) -> dict[str, Any]:
        """What the worker's `validate` does: read the object, scan it, write its summary."""
        job = json.loads(message["Body"])
        body = self.s3.get_object(Bucket=job["bucket"], Key=job["key"])["Body"]
        summary = RecordScanner(body, DataFormat.CSV).summarize().as_dict()
        key = f"{self.prefix}{job['bucket']}/{job['key'].rsplit('.', 1)[0]}.summary.json"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(summary).encode())
        return message

    def delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            batch = messages[start : start + 10]
            response = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)],
            )
            if response.get("Failed"):
                raise RuntimeError(f"delete_message_batch failed: {response['Failed']}")

    def completed(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            _emit("job.completed", correlation_id=message["MessageId"])

    def minimal(self) -> None:
        with ThreadPoolExecutor(self.concurrency) as pool:
            while not self.stop.is_set():
                done = list(pool.map(self.work, self.receive(10)))
                self.delete(done)
                self.completed(done)

    def naive(self) -> None:
        while not self.stop.is_set():
            for message in self.receive(1):
                self.work(message)
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                self.completed([message])

    def ceiling(self) -> None:
        while not self.stop.is_set():
            messages = self.receive(10)
            self.delete(messages)
            self.completed(messages)


def main(argv: list[str]) -> int:
    consumer = _Consumer()
    loops: dict[str, Callable[[], None]] = {
        "minimal": consumer.minimal,
        "naive": consumer.naive,
        "ceiling": consumer.ceiling,
    }
    if len(argv) != 2 or argv[1] not in loops:
        print(f"usage: python -m benchmarks.queue_consumers {'|'.join(loops)}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: consumer.stop.set())
    _emit("worker.started", consumer=argv[1])
    loops[argv[1]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
