"""How an S3 `Object Created` event on EventBridge becomes one Fargate task: the rule's event pattern and
the input transformer that turns the event into RunTask container overrides.

Pure functions, so tests check the pattern and the overrides against AWS's documented event shape without
any Pulumi runtime. S3 URL-encodes object keys in its events (form encoding: `+` for a space, `%XX` for
UTF-8 bytes), so the key filter is written in that encoded form and the worker decodes the key it gets.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ecs_event_patterns.config.validation import event_key_problem

OBJECT_ENVIRONMENT: Mapping[str, str] = {
    "BUCKET": "$.detail.bucket.name",
    "OBJECT_KEY": "$.detail.object.key",
    "OBJECT_SIZE": "$.detail.object.size",
    "OBJECT_ETAG": "$.detail.object.etag",
    "OBJECT_SEQUENCER": "$.detail.object.sequencer",
    "OBJECT_VERSION_ID": "$.detail.object.version-id",
}
"""Contract with services.ingest: container environment variable -> JSON path in the event."""

_WILDCARD_SPECIAL = ("\\", "*")


def event_key_form(text: str) -> str:
    """A piece of an object key as it appears in S3 events: form-encoded, `/` kept."""
    problem = event_key_problem(text)  # UploadSettings refuses such keys already, in the stack's one list
    if problem is not None:
        raise ValueError(problem)
    return urllib.parse.quote_plus(text, safe="/")


def wildcard_literal(text: str) -> str:
    """`text` matched literally inside an EventBridge `wildcard` filter (`\\` and `*` escaped)."""
    for special in _WILDCARD_SPECIAL:
        text = text.replace(special, "\\" + special)
    return text


def object_key_filters(prefix: str, suffixes: Sequence[str]) -> list[dict[str, str]]:
    """EventBridge filters for `detail.object.key`: under `prefix` and ending in one of `suffixes`.

    `prefix` and `suffixes` are plain key text; they are matched in the encoded form S3 sends. An empty
    list means any key.
    """
    if any(not suffix for suffix in suffixes):
        raise ValueError(f"key suffixes {list(suffixes)!r}: an empty suffix would match every key")
    encoded_prefix = event_key_form(prefix)
    encoded_suffixes = [event_key_form(suffix) for suffix in suffixes]
    if encoded_prefix and encoded_suffixes:
        # `*` also matches `/`, so deeper keys under the prefix match too, as with `prefix`.
        return [
            {"wildcard": f"{wildcard_literal(encoded_prefix)}*{wildcard_literal(suffix)}"}
            for suffix in encoded_suffixes
        ]
    if encoded_prefix:
        return [{"prefix": encoded_prefix}]
    return [{"suffix": suffix} for suffix in encoded_suffixes]


def object_created_pattern(
    bucket_name: pulumi.Input[str], prefix: str, suffixes: Sequence[str]
) -> pulumi.Output[str]:
    """Event pattern: `Object Created` in this one bucket, for keys under `prefix` with one of `suffixes`."""
    detail: dict[str, Any] = {"bucket": {"name": [bucket_name]}}
    key_filters = object_key_filters(prefix, suffixes)
    if key_filters:
        detail["object"] = {"key": key_filters}
    return pulumi.Output.json_dumps(
        {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}
    )


def _placeholder(variable: str) -> str:
    return variable.lower()


def run_task_overrides_transformer(container_name: str) -> dict[str, Any]:
    """An input transformer whose output is RunTask `overrides`: the object's details as environment.

    Every placeholder sits inside a JSON string, so each value reaches the container as a string (the size
    too). EventBridge does not escape inserted values; none of these can hold a quote or backslash (keys
    are URL-encoded, the rest are names, numbers and hex).
    """
    template = {
        "containerOverrides": [
            {
                "name": container_name,
                "environment": [
                    {"name": variable, "value": f"<{_placeholder(variable)}>"}
                    for variable in OBJECT_ENVIRONMENT
                ],
            }
        ]
    }
    return {
        "input_paths": {_placeholder(variable): path for variable, path in OBJECT_ENVIRONMENT.items()},
        "input_template": json.dumps(template),
    }
