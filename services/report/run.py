"""`python -m services.report`: process the input objects earlier runs have not, write one report."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.common import aws
from services.common.exit_codes import ExitCode
from services.common.lifecycle import Runtime, StopRequestedError, run_worker
from services.common.logs import JsonLog
from services.common.records import RecordScanner, RejectedFileError, detect_format
from services.common.s3_objects import ObjectUnavailableError, Unavailable, open_object
from services.report.checkpoint import Checkpoint
from services.report.progress import Progress
from services.report.settings import ReportSettings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


class FileStatus(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"
    MISSING = "missing"
    """Deleted between listing and reading: nothing to do, not a failure."""
    INTERRUPTED = "interrupted"


def report(settings: ReportSettings, runtime: Runtime) -> ExitCode:
    s3 = aws.s3_client(max_pool_connections=settings.concurrency + 2)
    return ReportRun(settings, runtime, s3).run()


class ReportRun:
    def __init__(self, settings: ReportSettings, runtime: Runtime, s3: S3Client) -> None:
        self._settings = settings
        self._runtime = runtime
        self._log = runtime.log
        self._s3 = s3
        self._checkpoint = Checkpoint(s3, settings.bucket, settings.output_prefix)
        self._files: list[dict[str, Any]] = []
        self._files_lock = threading.Lock()

    def run(self) -> ExitCode:
        started_at = datetime.now(UTC)
        done = self._checkpoint.done()
        self._log.info(
            "report.started", already_done_markers=len(done), concurrency=self._settings.concurrency
        )
        # Bounds the objects listed but not yet finished, so a huge prefix never piles up in memory.
        slots = threading.BoundedSemaphore(self._settings.concurrency * 2)
        with Progress(self._log) as progress, ThreadPoolExecutor(self._settings.concurrency) as pool:
            for key, etag in self._listed():
                progress.count("listed", finished=False)
                if self._checkpoint.marker_key(key, etag) in done:
                    progress.count("already_done")
                    continue
                if self._runtime.stop.is_set():
                    break
                slots.acquire()
                future = pool.submit(self._process, key)
                future.add_done_callback(lambda f: self._finished(f, progress, slots))
        return self._write_report(started_at, progress.totals())

    def _listed(self) -> Iterator[tuple[str, str]]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._settings.bucket, Prefix=self._settings.input_prefix):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):  # folder placeholders of the S3 console
                    yield item["Key"], item["ETag"].strip('"')

    def _finished(
        self, future: Future[dict[str, Any]], progress: Progress, slots: threading.BoundedSemaphore
    ) -> None:
        slots.release()
        result = future.result()
        progress.count(result["status"])
        if result["status"] != FileStatus.INTERRUPTED:
            with self._files_lock:
                self._files.append(result)

    def _process(self, key: str) -> dict[str, Any]:
        log = self._log.bind(correlation_id=f"s3://{self._settings.bucket}/{key}")
        try:
            opened = open_object(self._s3, self._settings.bucket, key)
            data_format = detect_format(key, opened.content_type)
            if data_format is None:
                raise RejectedFileError(f"unknown format (Content-Type {opened.content_type!r})")
            scanner = RecordScanner(opened.body, data_format, self._runtime.stop)
            for _record in scanner.records():
                pass
            result = {
                "key": key,
                "etag": opened.etag,
                "status": FileStatus.PROCESSED,
                **scanner.summary.as_dict(),
            }
            self._checkpoint.mark_done(key, opened.etag, result)
        except StopRequestedError:
            return {"key": key, "status": FileStatus.INTERRUPTED}
        except ObjectUnavailableError as problem:
            if problem.reason is Unavailable.MISSING:
                log.warning("object.missing", detail=problem.detail)
                return {"key": key, "status": FileStatus.MISSING}
            return self._failed(log, key, str(problem))
        except (RejectedFileError, ClientError) as error:
            return self._failed(log, key, str(error))
        except Exception as error:  # one bad object must not stop the other objects' work
            return self._failed(log, key, repr(error))
        return result

    def _failed(self, log: JsonLog, key: str, error: str) -> dict[str, Any]:
        log.error("object.failed", error=error)
        return {"key": key, "status": FileStatus.FAILED, "error": error}

    def _write_report(self, started_at: datetime, counts: dict[str, int]) -> ExitCode:
        files = sorted(self._files, key=lambda f: f["key"])
        interrupted = self._runtime.stop.is_set()
        processed = [f for f in files if f["status"] == FileStatus.PROCESSED]
        totals = {
            "listed": counts.get("listed", 0),
            "already_done": counts.get("already_done", 0),
            "processed": len(processed),
            "failed": counts.get(FileStatus.FAILED, 0),
            "missing": counts.get(FileStatus.MISSING, 0),
            "interrupted": counts.get(FileStatus.INTERRUPTED, 0),
            "rows_good": sum(f["rows_good"] for f in processed),
            "rows_bad": sum(f["rows_bad"] for f in processed),
            "bytes": sum(f["size_bytes"] for f in processed),
        }
        finished_at = datetime.now(UTC)
        # Keys sort by time; the random part keeps two runs in the same microsecond apart.
        name = f"{finished_at:%Y%m%dT%H%M%S.%fZ}-{uuid.uuid4().hex[:8]}"
        key = f"{self._settings.output_prefix}reports/{name}.json"
        document = {
            "bucket": self._settings.bucket,
            "input_prefix": self._settings.input_prefix,
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": finished_at.isoformat(timespec="seconds"),
            "task_arn": self._runtime.task_arn,
            "interrupted": interrupted,
            "totals": totals,
            "files": files,
        }
        self._s3.put_object(
            Bucket=self._settings.bucket,
            Key=key,
            Body=json.dumps(document, ensure_ascii=False, indent=1).encode(),
            ContentType="application/json",
        )
        self._log.info("report.written", report_key=key, **totals)
        if interrupted:
            return ExitCode.INTERRUPTED
        return ExitCode.PARTIAL_FAILURE if totals["failed"] else ExitCode.OK


def main() -> None:
    run_worker("report", ReportSettings, report)
