"""The validation all three bundled jobs do: a CSV or JSON Lines object's counts, problems and SHA-256."""

from __future__ import annotations

import threading
from typing import Any

from ecs_runtime import RejectedObjectError
from services.common.records import Readable, RecordScanner, RejectedFileError, detect_format


def validated_summary(
    key: str, content_type: str | None, body: Readable, stop: threading.Event | None = None
) -> dict[str, Any]:
    """Reads `body` once to its end; RejectedObjectError when it is no CSV or JSON Lines file at all."""
    data_format = detect_format(key, content_type)
    if data_format is None:
        raise RejectedObjectError(
            f"unknown format: neither the key's suffix nor Content-Type {content_type!r} names "
            "CSV (.csv, text/csv) or JSON Lines (.jsonl, .ndjson, application/x-ndjson)"
        )
    try:
        return RecordScanner(body, data_format, stop).summarize().as_dict()
    except RejectedFileError as rejected:
        raise RejectedObjectError(str(rejected)) from None
