"""Upload processing: each uploaded text file's counts become its result item's attributes.

The runtime (`python -m ecs_runtime.upload`, `HANDLER=textstats.upload:count_words`) does the rest: it
decodes the key, skips duplicate and older events, reads the exact version the event named and writes
the item once. A file that is not UTF-8 is recorded as `rejected` with the reason (exit 3).
"""

from __future__ import annotations

from ecs_runtime import Context, ObjectStream
from ecs_runtime.upload import UploadedObject
from textstats.counting import count_text


def count_words(obj: UploadedObject, stream: ObjectStream, context: Context[None]) -> dict[str, int]:
    return count_text(stream).as_dict()
