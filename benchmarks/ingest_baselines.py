"""The baselines of the ingest benchmark, each run as its own process like the worker.

`python -m benchmarks.ingest_baselines raw|minimal` reads s3://$BUCKET/$OBJECT_KEY through $AWS_ENDPOINT_URL
in 1 MiB reads, the worker's read size, and prints one JSON line `{"event": "object.processed", ...}`:
- raw: the streamed read alone;
- minimal: the least the same work needs, in one loop: streamed read -> SHA-256 -> `csv.reader` row count.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from typing import Any

from ecs_runtime import aws

READ_BYTES = 1 << 20


class _Hashing(io.RawIOBase):
    def __init__(self, body: Any) -> None:
        self._body = body
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("raw", "minimal"):
        print("usage: python -m benchmarks.ingest_baselines raw|minimal", file=sys.stderr)
        return 2
    s3 = aws.s3_client()
    started = time.monotonic()  # like the worker's figure: from its first call, its client made
    body = s3.get_object(Bucket=os.environ["BUCKET"], Key=os.environ["OBJECT_KEY"])["Body"]
    rows = None
    if argv[1] == "raw":
        size = 0
        while chunk := body.read(READ_BYTES):
            size += len(chunk)
    else:
        hashing = _Hashing(body)
        text = io.TextIOWrapper(io.BufferedReader(hashing, READ_BYTES), encoding="utf-8", newline="")
        rows = sum(1 for _row in csv.reader(text))
        size = hashing.size
    seconds = time.monotonic() - started
    print(json.dumps({"event": "object.processed", "seconds": seconds, "size_bytes": size, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
