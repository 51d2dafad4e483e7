"""Batched SQS calls on received messages: delete, change visibility; each entry's failure is reported."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

BATCH = 10
"""SQS's most entries per batch call."""

T = TypeVar("T")


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


class Leases:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def delete(self, handles: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Delete (message id, receipt handle) pairs; returns {message id: why} for those SQS refused."""
        return self._each_batch("delete_message_batch", handles, {})

    def change_visibility(self, handles: Sequence[tuple[str, str]], seconds: int) -> dict[str, str]:
        """Set each message's visibility timeout to `seconds` from now (0 makes it visible at once)."""
        return self._each_batch("change_message_visibility_batch", handles, {"VisibilityTimeout": seconds})

    def _each_batch(
        self, call: str, handles: Sequence[tuple[str, str]], extra: dict[str, Any]
    ) -> dict[str, str]:
        failed: dict[str, str] = {}
        for batch in _batches(handles):
            entries = [
                {"Id": str(n), "ReceiptHandle": handle, **extra} for n, (_, handle) in enumerate(batch)
            ]
            response = getattr(self._sqs, call)(QueueUrl=self._queue_url, Entries=entries)
            for failure in response.get("Failed", []):
                message_id = batch[int(failure["Id"])][0]
                failed[message_id] = f"{failure.get('Code')}: {failure.get('Message', '')}"
        return failed
