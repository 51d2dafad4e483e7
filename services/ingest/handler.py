"""The bundled upload job: the object's record counts, problems and SHA-256 are its result attributes."""

from __future__ import annotations

from typing import Any

from ecs_runtime import Context, ObjectStream
from ecs_runtime.upload import UploadedObject
from services.common.validation import validated_summary


def ingest(obj: UploadedObject, stream: ObjectStream, _context: Context[None]) -> dict[str, Any]:
    return validated_summary(obj.key, obj.content_type, stream)
