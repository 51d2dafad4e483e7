"""Upload processing: each uploaded text file's counts become its result item's attributes.

The runtime (`python -m ecs_runtime.upload`, `HANDLER=textstats.upload:WORD_COUNT`) does the rest: it
decodes the key, skips duplicate and older events, reads the exact version the event named and writes
the item once. A file that is not UTF-8 is recorded as `rejected` with the reason (exit 3).
"""

from __future__ import annotations

from ecs_runtime import Context, ObjectStream
from ecs_runtime.upload import UploadedObject, UploadHandler
from textstats.counting import count_text


def count_words(obj: UploadedObject, stream: ObjectStream, context: Context[None]) -> dict[str, int]:
    return count_text(stream).as_dict()


WORD_COUNT = UploadHandler(count_words, needs_results_table=True)
"""What HANDLER names: its counts are stored in the results table, so a task without one (the pattern's
`store_results` off) stops at start, exit 2, instead of failing after the read."""
