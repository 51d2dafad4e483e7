"""Exceptions a handler raises to tell the runtime what happened to its input."""

from __future__ import annotations


class RejectedObjectError(Exception):
    """The object cannot be processed as it is (unknown format, a bad header); the message says why.

    Upload: recorded as a `rejected` result item, exit 3. Batch: the object is `failed` in the report
    and retried by the next run. Any other exception means the same to batch; to upload it means a
    crash (exit 1, no result item), for a person to look at.
    """
