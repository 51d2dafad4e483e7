"""The ECS task ARN from the task metadata endpoint v4, used as the correlation id of every log line."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping

METADATA_ENV = "ECS_CONTAINER_METADATA_URI_V4"


def task_arn(environ: Mapping[str, str], timeout_seconds: float = 2.0) -> str | None:
    """`TaskARN` of `$ECS_CONTAINER_METADATA_URI_V4/task`; None outside ECS or when the endpoint fails.

    Logging must never stop a worker, so any failure here only means log lines carry no ARN.
    """
    base = environ.get(METADATA_ENV)
    if not base:
        return None
    try:
        # The agent sets an http:// link-local URL; nothing else reaches this call.
        with urllib.request.urlopen(f"{base}/task", timeout=timeout_seconds) as response:  # noqa: S310
            document = json.load(response)
    except (OSError, ValueError):
        return None
    arn = document.get("TaskARN") if isinstance(document, dict) else None
    return arn if isinstance(arn, str) else None
