"""Which objects earlier runs finished: one small marker object per (key, ETag) under the output prefix.

A marker is written right after its object's result is known, so a run killed at any point loses at most
the objects in flight, and the next run redoes exactly those. Keying on the ETag makes a replaced object
(new content) count as not done. Listing the markers costs one LIST per 1,000 objects, not a GET each.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

MARKERS = "state/done/"


class Checkpoint:
    def __init__(self, s3: S3Client, bucket: str, output_prefix: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefix = f"{output_prefix}{MARKERS}"

    def marker_key(self, key: str, etag: str) -> str:
        digest = hashlib.sha256(f"{key}\n{etag.strip(chr(34))}".encode()).hexdigest()
        return f"{self._prefix}{digest}.json"

    def done(self) -> set[str]:
        """The marker keys that exist now (all pages)."""
        paginator = self._s3.get_paginator("list_objects_v2")
        return {
            item["Key"]
            for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix)
            for item in page.get("Contents", [])
        }

    def mark_done(self, key: str, etag: str, result: dict[str, Any]) -> None:
        """Store the object's result as its marker: the durable record if the run dies before its report."""
        self._s3.put_object(
            Bucket=self._bucket,
            Key=self.marker_key(key, etag),
            Body=json.dumps(result, ensure_ascii=False).encode(),
            ContentType="application/json",
        )
