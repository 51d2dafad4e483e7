"""The job message schema (version 1), as JSON in the SQS message body.

    {"version": 1, "operation": "csv_to_jsonl", "bucket": "my-bucket", "key": "incoming/a b.csv"}

- `version`: 1. Anything else is malformed (a producer newer than this worker).
- `operation`: `csv_to_jsonl` (valid CSV rows become JSON objects, one a line, under OUTPUT_PREFIX) or
  `validate` (counts and checksum as a JSON summary under OUTPUT_PREFIX).
- `bucket`, `key`: the input object; the key is plain (not URL-encoded).
Unknown fields are refused, so a typo never silently changes what a job does.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Operation(StrEnum):
    CSV_TO_JSONL = "csv_to_jsonl"
    VALIDATE = "validate"


class JobMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1]
    operation: Operation
    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)


class MalformedMessageError(Exception):
    """The body is not a version 1 job message; the text says what is wrong."""


def parse(body: str) -> JobMessage:
    try:
        return JobMessage.model_validate_json(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
        raise MalformedMessageError(problems) from None
