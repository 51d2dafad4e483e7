"""The bundled queue job's operations, registered on HANDLERS. Each reads its input object as a stream
and writes under OUTPUT_PREFIX. The message (after the envelope's `version` and `operation`):

    {"bucket": "my-bucket", "key": "incoming/a b.csv"}

`bucket` and `key` name the input object; the key is plain (not URL-encoded); other fields are refused.
Outputs are named from the input key, so running a job twice (a redelivered message) overwrites the
same object with the same content: every operation is idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ecs_runtime import Context, RejectedObjectError, WorkerSettings
from ecs_runtime.queue import JobControl, QueueHandlers
from ecs_runtime.s3_objects import open_object
from services.common.records import DataFormat, RecordScanner, detect_format
from services.common.validation import validated_summary

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client
    from types_boto3_s3.type_defs import CompletedPartTypeDef

PART_BYTES = 8 << 20
"""Multipart part size: S3's minimum is 5 MiB (except the last part); memory holds one part."""


class OutputSettings(WorkerSettings):
    output_bucket: str = Field(min_length=3, max_length=63)
    """OUTPUT_BUCKET: where job results are written."""
    output_prefix: str = Field(min_length=1)
    """OUTPUT_PREFIX: results go under it (the task role may write only there)."""


class ObjectMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)


HANDLERS = QueueHandlers(
    settings=OutputSettings, log_fields=lambda message: {"object": f"s3://{message.bucket}/{message.key}"}
)


@dataclass(frozen=True)
class Output:
    bucket: str
    prefix: str

    @classmethod
    def of(cls, settings: OutputSettings) -> Output:
        return cls(settings.output_bucket, settings.output_prefix)

    def key_for(self, source_bucket: str, source_key: str, suffix: str) -> str:
        stem = source_key.rsplit(".", 1)[0] if "." in source_key.rsplit("/", 1)[-1] else source_key
        return f"{self.prefix}{source_bucket}/{stem}{suffix}"


class StreamingUpload:
    """Writes an object part by part (multipart above one part), aborting the upload on any error."""

    def __init__(self, s3: S3Client, bucket: str, key: str, content_type: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._content_type = content_type
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[CompletedPartTypeDef] = []

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= PART_BYTES:
            self._flush_part()

    def finish(self, metadata: dict[str, str]) -> None:
        if self._upload_id is None:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=self._key,
                Body=bytes(self._buffer),
                ContentType=self._content_type,
                Metadata=metadata,
            )
            return
        if self._buffer:
            self._flush_part()
        self._s3.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)

    def _flush_part(self) -> None:
        if self._upload_id is None:
            started = self._s3.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, ContentType=self._content_type
            )
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        response = self._s3.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buffer),
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})
        self._buffer.clear()


@HANDLERS.operation("csv_to_jsonl", model=ObjectMessage)
def csv_to_jsonl(job: ObjectMessage, control: JobControl, context: Context[OutputSettings]) -> dict[str, Any]:
    """Valid CSV rows become JSON objects (header names as keys), one a line; bad rows are counted."""
    s3, output = context.aws.s3, Output.of(context.settings)
    source = open_object(s3, job.bucket, job.key)
    if detect_format(job.key, source.content_type) is not DataFormat.CSV:
        raise RejectedObjectError(
            f"csv_to_jsonl needs a CSV object (.csv or text/csv), got {source.content_type!r}"
        )
    target = output.key_for(job.bucket, job.key, ".jsonl")
    upload = StreamingUpload(s3, output.bucket, target, "application/x-ndjson")
    scanner = RecordScanner(source.body, DataFormat.CSV, control.cancel)
    try:
        for record in scanner.records():
            upload.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        summary = scanner.summary
        control.commit()
        upload.finish(
            {
                "source-etag": source.etag,
                "rows-good": str(summary.rows_good),
                "rows-bad": str(summary.rows_bad),
            }
        )
    except BaseException:
        upload.abort()
        raise
    return {"output_key": target, **scanner.summary.as_dict()}


@HANDLERS.operation("validate", model=ObjectMessage)
def validate(job: ObjectMessage, control: JobControl, context: Context[OutputSettings]) -> dict[str, Any]:
    """Counts, problems and SHA-256 of a CSV or JSON Lines object, written as a JSON summary."""
    s3, output = context.aws.s3, Output.of(context.settings)
    source = open_object(s3, job.bucket, job.key)
    counts = validated_summary(job.key, source.content_type, source.body, control.cancel)
    target = output.key_for(job.bucket, job.key, ".summary.json")
    summary = {"bucket": job.bucket, "key": job.key, "etag": source.etag, **counts}
    control.commit()
    s3.put_object(
        Bucket=output.bucket, Key=target, Body=json.dumps(summary).encode(), ContentType="application/json"
    )
    return {"output_key": target, **counts}
