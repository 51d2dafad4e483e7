"""`python -m services.ingest`: read one object as a stream, validate it, record one result item."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from services.common import aws
from services.common.exit_codes import ExitCode
from services.common.lifecycle import Runtime, StopRequestedError, run_worker
from services.common.records import RecordScanner, RejectedFileError, detect_format
from services.common.s3_objects import ObjectUnavailableError, Unavailable, open_object
from services.ingest.results import ResultsTable, item_key
from services.ingest.settings import IngestSettings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


class Status(StrEnum):
    PROCESSED = "processed"
    REJECTED = "rejected"


def ingest(settings: IngestSettings, runtime: Runtime) -> ExitCode:
    results = ResultsTable(aws.dynamodb_client(), settings.results_table)
    return Ingest(settings, runtime, aws.s3_client(), results).run()


class Ingest:
    def __init__(
        self, settings: IngestSettings, runtime: Runtime, s3: S3Client, results: ResultsTable
    ) -> None:
        self._settings = settings
        self._stop = runtime.stop
        self._s3 = s3
        self._results = results
        self._key = item_key(settings.bucket, settings.key, settings.version_id)
        self._log = runtime.log.bind(
            correlation_id=self._key["pk"], version_id=settings.version_id, sequencer=settings.sequencer
        )
        self._task_arn = runtime.task_arn

    def run(self) -> ExitCode:
        started = time.monotonic()
        recorded = self._results.recorded_sequencer(self._key)
        if recorded is not None and recorded >= self._settings.sequencer:
            self._log.info(
                "event.skipped",
                reason="duplicate"
                if recorded == self._settings.sequencer
                else "older than the recorded result",
                recorded_sequencer=recorded,
            )
            return ExitCode.OK
        try:
            opened = open_object(
                self._s3,
                self._settings.bucket,
                self._settings.key,
                self._settings.version_id,
                self._settings.object_etag,
            )
        except ObjectUnavailableError as problem:
            return self._unavailable(problem)
        data_format = detect_format(self._settings.key, opened.content_type)
        if data_format is None:
            return self._rejected(
                f"neither the key's suffix nor Content-Type {opened.content_type!r} names "
                "CSV (.csv, text/csv) or JSON Lines (.jsonl, .ndjson, application/x-ndjson)"
            )
        self._log.info("object.reading", format=str(data_format), size_bytes=opened.size)
        scanner = RecordScanner(opened.body, data_format, self._stop)
        try:
            scanner.summarize()
        except RejectedFileError as rejected:
            return self._rejected(str(rejected))
        except StopRequestedError:
            self._log.warning(
                "object.interrupted", reason="SIGTERM before the object was read; no result written"
            )
            return ExitCode.INTERRUPTED
        summary = scanner.summary.as_dict()
        self._write(Status.PROCESSED, **summary)
        self._log.info(
            "object.processed",
            seconds=round(time.monotonic() - started, 3),
            **{name: value for name, value in summary.items() if name != "problems"},
        )
        return ExitCode.OK

    def _unavailable(self, problem: ObjectUnavailableError) -> ExitCode:
        if problem.reason is Unavailable.CHANGED:
            self._log.info(
                "event.skipped",
                reason="the object was overwritten after this event; the newer event records the new content",
                etag=self._settings.object_etag,
            )
            return ExitCode.OK
        self._log.error(f"object.{problem.reason}", detail=problem.detail)
        self._write(str(problem.reason), reason=problem.detail)
        return problem.reason.exit_code

    def _rejected(self, reason: str) -> ExitCode:
        self._log.error("object.rejected", reason=reason)
        self._write(Status.REJECTED, reason=reason)
        return ExitCode.INPUT_REJECTED

    def _write(self, status: str, **attributes: Any) -> None:
        settings = self._settings
        item = {
            "bucket": settings.bucket,
            "key": settings.key,
            "version_id": settings.version_id or "null",
            "etag": settings.object_etag,
            "event_size_bytes": settings.object_size,
            "status": status,
            "processed_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "task_arn": self._task_arn,
            **attributes,
        }
        winner = self._results.record(self._key, settings.sequencer, item)
        if winner is None:
            self._log.info("result.written", status=status)
        else:
            self._log.info(
                "result.kept",
                reason="an equal or newer event wrote the item meanwhile",
                recorded_sequencer=winner,
            )


def main() -> None:
    run_worker("ingest", IngestSettings, ingest)
