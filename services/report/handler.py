"""The bundled batch job: validate each object; the report adds up good and bad rows."""

from __future__ import annotations

from typing import Any

from ecs_runtime import Context, ObjectStream
from ecs_runtime.batch import BatchHandler, BatchObject
from services.common.validation import validated_summary


def summarise(obj: BatchObject, stream: ObjectStream, _context: Context[None]) -> dict[str, Any]:
    return validated_summary(obj.key, obj.content_type, stream)


REPORT = BatchHandler(summarise, totals=("rows_good", "rows_bad"))
