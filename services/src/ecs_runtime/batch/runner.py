"""The batch runtime: process the objects under the input prefix that earlier runs have not, write one
report.

The runtime lists the prefix (all pages, at most twice CONCURRENCY objects listed ahead), skips the
objects whose checkpoint marker exists, opens each other object as a stream for the handler,
CONCURRENCY at a time, writes the object's marker when the handler returns its summary, logs progress
and writes the report. A handler raising makes the object `failed` (no marker: the next run retries
it, exit 6); SIGTERM makes the streams' next read raise, and the run writes an interrupted report.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import ClientError

from ecs_runtime.aws import Clients
from ecs_runtime.batch.checkpoint import Checkpoint
from ecs_runtime.batch.progress import Progress
from ecs_runtime.batch.settings import BatchSettings
from ecs_runtime.context import Context
from ecs_runtime.errors import RejectedObjectError
from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.handlers import Loaded, ObjectHandler, function_or, run_pattern
from ecs_runtime.lifecycle import Runtime, StopRequestedError
from ecs_runtime.logs import JsonLog
from ecs_runtime.s3_objects import ObjectUnavailableError, Unavailable, open_object
from ecs_runtime.streams import ObjectStream

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


class FileStatus(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"
    MISSING = "missing"
    """Deleted between listing and reading: nothing to do, not a failure."""
    INTERRUPTED = "interrupted"


RESERVED_FIELDS = frozenset({"key", "etag", "status", "error"})
"""Fields of a report entry the runtime writes itself."""


@dataclass(frozen=True)
class BatchObject:
    """One listed object, as the handler sees it."""

    bucket: str
    key: str
    etag: str
    """Of the content being read."""
    size: int
    content_type: str | None


BatchFunction = Callable[[BatchObject, ObjectStream, Context[Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class BatchHandler(ObjectHandler[BatchObject, Mapping[str, Any]]):
    """A per-object handler with what the report adds up (`BatchHandler(process, totals=(...))`) and
    settings of its own."""

    totals: tuple[str, ...] = ()
    """Numeric summary fields summed over the processed objects into the report's `totals`."""


class BatchRun:
    def __init__(
        self,
        settings: BatchSettings,
        runtime: Runtime,
        handler: BatchHandler,
        handler_settings: Any = None,
        clients: Clients | None = None,
    ) -> None:
        self._clients = clients or Clients(max_pool_connections=settings.concurrency + 2)
        self._settings = settings
        self._runtime = runtime
        self._handler = handler
        self._handler_settings = handler_settings
        self._log = runtime.log
        self._s3: S3Client = self._clients.s3
        self._checkpoint = Checkpoint(self._s3, settings.bucket, settings.output_prefix)
        self._files: list[dict[str, Any]] = []
        self._bytes = 0
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
        bucket = self._settings.bucket
        log = self._log.bind(correlation_id=f"s3://{bucket}/{key}")
        context = Context(
            log, self._runtime.stop, self._runtime.task_arn, self._handler_settings, self._clients
        )
        try:
            opened = open_object(self._s3, bucket, key)
            listed = BatchObject(bucket, key, opened.etag, opened.size, opened.content_type)
            stream = ObjectStream(opened.body, self._runtime.stop)
            summary = dict(self._handler.process(listed, stream, context))
            clashing = sorted(RESERVED_FIELDS & set(summary))
            if clashing:
                raise ValueError(f"the handler returned fields the runtime writes itself: {clashing}")
            result = {"key": key, "etag": opened.etag, "status": FileStatus.PROCESSED, **summary}
            self._checkpoint.mark_done(key, opened.etag, result)
        except StopRequestedError:
            return {"key": key, "status": FileStatus.INTERRUPTED}
        except ObjectUnavailableError as problem:
            if problem.reason is Unavailable.MISSING:
                log.warning("object.missing", detail=problem.detail)
                return {"key": key, "status": FileStatus.MISSING}
            return self._failed(log, key, str(problem))
        except (RejectedObjectError, ClientError) as error:
            return self._failed(log, key, str(error))
        except Exception as error:  # one bad object must not stop the other objects' work
            return self._failed(log, key, repr(error))
        with self._files_lock:
            self._bytes += stream.bytes_read
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
            **{name: sum(f.get(name, 0) for f in processed) for name in self._handler.totals},
            "bytes": self._bytes,
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


def _work(loaded: Loaded[BatchSettings, BatchHandler], runtime: Runtime) -> ExitCode:
    return BatchRun(loaded.settings, runtime, loaded.handler, loaded.handler_settings).run()


def run(handler: BatchFunction | BatchHandler | None = None, service: str = "batch") -> NoReturn:
    """Run the batch pattern with `handler`, or with the one `HANDLER` names when None; exits."""
    run_pattern(
        service,
        BatchSettings,
        handler,
        "a batch handler (a function (obj, stream, context) -> summary, or a BatchHandler)",
        function_or(BatchHandler),
        lambda spec: spec.settings,
        _work,
    )
