"""Batched SQS calls on received messages: delete, change visibility; each entry's failure is reported."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient
    from types_boto3_sqs.type_defs import BatchResultErrorEntryTypeDef

BATCH = 10
"""SQS's most entries per batch call."""

T = TypeVar("T")


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


class Leases:
    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def delete(self, handles: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Delete (message id, receipt handle) pairs; returns {message id: why} for those SQS refused."""
        failed: dict[str, str] = {}
        for batch in _batches(handles):
            response = self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": handle} for n, (_, handle) in enumerate(batch)],
            )
            failed.update(_refused(batch, response.get("Failed", [])))
        return failed

    def change_visibility(self, handles: Sequence[tuple[str, str]], seconds: int) -> dict[str, str]:
        """Set each message's visibility timeout to `seconds` from now (0 makes it visible at once)."""
        failed: dict[str, str] = {}
        for batch in _batches(handles):
            response = self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
                    for n, (_, handle) in enumerate(batch)
                ],
            )
            failed.update(_refused(batch, response.get("Failed", [])))
        return failed


def _refused(
    batch: Sequence[tuple[str, str]], failures: Sequence[BatchResultErrorEntryTypeDef]
) -> dict[str, str]:
    """{message id: "Code: Message"} of the entries (by their index `Id`) a batch call refused."""
    return {
        batch[int(failure["Id"])][0]: f"{failure.get('Code')}: {failure.get('Message', '')}"
        for failure in failures
    }
