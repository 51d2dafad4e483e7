"""The upload runtime: one object per run, read as a stream, one result item per object version.

The runtime does the parts every upload job needs; the handler only turns the object's bytes into
result attributes:
1. the recorded sequencer of the item is read (strongly consistent); an equal (duplicate event) or
   greater one (this event is older) ends the run, exit 0, without reading the object;
2. the object (that version, if any) is opened with `If-Match` on the event's ETag: overwritten since
   (412) ends the run, exit 0 (the newer event records the new content); missing or denied are recorded
   as `missing` / `access_denied`, exit 4 / 5;
3. the handler reads the stream and returns the attributes to store; they are written with the
   conditional put (`attribute_not_exists(pk) OR sequencer < :sequencer`), so no older or duplicate
   event ever overwrites a newer result. RejectedObjectError records `rejected`, exit 3; SIGTERM
   makes the stream's next read raise, exit 143 with nothing written; any other exception is a crash,
   exit 1 with nothing written.

Without a results table (`RESULTS_TABLE` unset: the pattern's `upload.store_results: false`) there is no
record to check or write: step 1 is skipped, so every event runs the handler (duplicates and older events
too; the read in step 2 still gets exactly the content the event names), outcomes are logged only, and the
handler returns None. Attributes returned with nowhere to store them are an error (exit 1, logged in full),
not silently dropped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn

from ecs_runtime.aws import Clients
from ecs_runtime.context import Context
from ecs_runtime.errors import RejectedObjectError
from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.handlers import Loaded, ObjectHandler, function_or, run_pattern
from ecs_runtime.lifecycle import Runtime, StopRequestedError
from ecs_runtime.s3_objects import ObjectUnavailableError, Unavailable, open_object
from ecs_runtime.streams import ObjectStream
from ecs_runtime.upload.results import ResultsTable, item_key
from ecs_runtime.upload.settings import UploadSettings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


class Status(StrEnum):
    PROCESSED = "processed"
    REJECTED = "rejected"


RESERVED_ATTRIBUTES = frozenset(
    {
        "pk",
        "sk",
        "sequencer",
        "bucket",
        "key",
        "version_id",
        "etag",
        "event_size_bytes",
        "status",
        "reason",
        "processed_at",
        "task_arn",
    }
)
"""Attributes the runtime writes itself; a handler returning one of them is a bug (exit 1)."""


@dataclass(frozen=True)
class UploadedObject:
    """The object the event named, as the handler sees it."""

    bucket: str
    key: str
    """Decoded (S3 events URL-encode keys, `+` for a space)."""
    version_id: str | None
    """None in an unversioned bucket."""
    etag: str
    size: int
    """From the event, in bytes."""
    sequencer: str
    """Upper-case hex, zero-padded to 64 digits."""
    content_type: str | None
    """From the GET."""


UploadFunction = Callable[[UploadedObject, ObjectStream, Context[Any]], Mapping[str, Any] | None]
"""Returns the result attributes to store (None: none of its own); None always without a results table."""


@dataclass(frozen=True)
class UploadHandler(ObjectHandler[UploadedObject, Mapping[str, Any] | None]):
    """An upload handler with settings of its own (`UploadHandler(process, settings=...)`)."""

    needs_results_table: bool = False
    """True for a handler that always returns attributes: a task without RESULTS_TABLE then stops at start
    (exit 2) instead of failing after the read."""


class UploadRun:
    def __init__(
        self,
        settings: UploadSettings,
        runtime: Runtime,
        handler: UploadHandler,
        handler_settings: Any = None,
        clients: Clients | None = None,
    ) -> None:
        clients = clients or Clients()
        self._settings = settings
        self._stop = runtime.stop
        self._s3: S3Client = clients.s3
        self._results = (
            ResultsTable(clients.dynamodb, settings.results_table) if settings.results_table else None
        )
        self._handler = handler
        self._key = item_key(settings.bucket, settings.key, settings.version_id)
        self._log = runtime.log.bind(
            correlation_id=self._key["pk"], version_id=settings.version_id, sequencer=settings.sequencer
        )
        self._context = Context(self._log, runtime.stop, runtime.task_arn, handler_settings, clients)
        self._task_arn = runtime.task_arn

    def run(self) -> ExitCode:
        started = time.monotonic()
        settings = self._settings
        recorded = self._results.recorded_sequencer(self._key) if self._results is not None else None
        if recorded is not None and recorded >= settings.sequencer:
            self._log.info(
                "event.skipped",
                reason="duplicate" if recorded == settings.sequencer else "older than the recorded result",
                recorded_sequencer=recorded,
            )
            return ExitCode.OK
        try:
            opened = open_object(
                self._s3, settings.bucket, settings.key, settings.version_id, settings.object_etag
            )
        except ObjectUnavailableError as problem:
            return self._unavailable(problem)
        uploaded = UploadedObject(
            bucket=settings.bucket,
            key=settings.key,
            version_id=settings.version_id,
            etag=settings.object_etag,
            size=settings.object_size,
            sequencer=settings.sequencer,
            content_type=opened.content_type,
        )
        self._log.info("object.reading", size_bytes=opened.size, content_type=opened.content_type)
        stream = ObjectStream(opened.body, self._stop)
        try:
            attributes = self._handler.process(uploaded, stream, self._context)
        except RejectedObjectError as rejected:
            return self._rejected(str(rejected))
        except StopRequestedError:
            self._log.warning(
                "object.interrupted", reason="SIGTERM before the object was read; no result written"
            )
            return ExitCode.INTERRUPTED
        if self._results is None and attributes:
            return self._unstorable(attributes)
        stored = _storable(attributes or {})
        self._write(Status.PROCESSED, **stored)
        self._log.info(
            "object.processed",
            seconds=round(time.monotonic() - started, 3),
            bytes_read=stream.bytes_read,
            **{name: value for name, value in stored.items() if not isinstance(value, list | dict)},
        )
        return ExitCode.OK

    def _unstorable(self, attributes: Mapping[str, Any]) -> ExitCode:
        self._log.error(
            "result.unstorable",
            reason=f"the handler returned attributes {sorted(attributes)} and there is no results table to "
            "store them in (RESULTS_TABLE is unset: the pattern's upload.store_results is false); return "
            "None from the handler, or set upload.store_results to true",
            attributes=dict(attributes),
        )
        return ExitCode.FAILED

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
        """Record the outcome in the results table; without one, the outcome's log line is its record."""
        if self._results is None:
            return
        settings = self._settings
        item = {
            "bucket": settings.bucket,
            "key": settings.key,
            "version_id": settings.version_id or "null",
            "etag": settings.object_etag,
            "event_size_bytes": settings.object_size,
            "status": str(status),
            "processed_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "task_arn": self._task_arn,
            **attributes,
        }
        winner = self._results.record(self._key, settings.sequencer, item)
        if winner is None:
            self._log.info("result.written", status=str(status))
        else:
            self._log.info(
                "result.kept",
                reason="an equal or newer event wrote the item meanwhile",
                recorded_sequencer=winner,
            )


def _storable(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The handler's attributes as DynamoDB values: JSON values, numbers as Decimal (DynamoDB's N)."""
    clashing = sorted(RESERVED_ATTRIBUTES & set(attributes))
    if clashing:
        raise ValueError(f"the handler returned attributes the runtime writes itself: {clashing}")
    try:
        stored: dict[str, Any] = json.loads(json.dumps(dict(attributes)), parse_float=Decimal)
    except TypeError as error:
        raise ValueError(f"the handler's attributes must be JSON values: {error}") from None
    return stored


def _work(loaded: Loaded[UploadSettings, UploadHandler], runtime: Runtime) -> ExitCode:
    return UploadRun(loaded.settings, runtime, loaded.handler, loaded.handler_settings).run()


def run(handler: UploadFunction | UploadHandler | None = None, service: str = "upload") -> NoReturn:
    """Run the upload pattern with `handler`, or with the one `HANDLER` names when None; exits."""
    run_pattern(
        service,
        UploadSettings,
        handler,
        "an upload handler (a function (obj, stream, context) -> attributes, or an UploadHandler)",
        function_or(UploadHandler),
        lambda spec: spec.settings,
        _work,
        _table_if_needed,
    )


def _table_if_needed(settings: UploadSettings, handler: UploadHandler) -> str | None:
    if handler.needs_results_table and settings.results_table is None:
        return (
            "RESULTS_TABLE is required by this handler, which returns result attributes, but not set (is the "
            "pattern's upload.store_results false?)"
        )
    return None
