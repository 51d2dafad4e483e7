"""An `Object Created` event in the shape AWS documents, from the one moto puts on the bus.

moto 5.2's event differs from AWS's (NOTES-moto.md): `eTag` for `etag`, `reason` `ObjectCreated`
(AWS: `PutObject`, `CompleteMultipartUpload`, `CopyObject`, ...), `version-id` `"null"` on unversioned
buckets (AWS leaves the field out), keys not URL-encoded (AWS encodes them as a form does: `+` for a
space, UTF-8 `%XX`; `/` stays), and one constant `sequencer` on every event. `to_aws_shape` repairs each,
so the input transformer and the worker see what they would see in AWS. Sequencers are made increasing in
arrival order, which is what AWS guarantees for events of one key.
"""

from __future__ import annotations

import itertools
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any


class Sequencers:
    """Increasing hex sequencers, in the order events arrive."""

    def __init__(self, start: int = 0x617F08299329D189) -> None:
        self._next: Iterator[int] = itertools.count(start)

    def next(self) -> str:
        return f"{next(self._next):016X}"


def encode_key(key: str) -> str:
    return urllib.parse.quote_plus(key, safe="/")


def to_aws_shape(
    event: Mapping[str, Any], sequencers: Sequencers, reason: str = "PutObject"
) -> dict[str, Any]:
    """`event` (from moto or from AWS) as AWS sends it; an event already in AWS's shape is kept as it is."""
    shaped = dict(event)
    detail = dict(event.get("detail") or {})
    if shaped.get("source") != "aws.s3" or "eTag" not in (detail.get("object") or {}):
        return shaped
    moto_object = dict(detail["object"])
    aws_object: dict[str, Any] = {
        "key": encode_key(str(moto_object["key"])),
        "size": moto_object.get("size"),
        "etag": str(moto_object["eTag"]).strip('"'),
    }
    if moto_object.get("version-id") not in (None, "", "null"):
        aws_object["version-id"] = moto_object["version-id"]
    aws_object["sequencer"] = sequencers.next()
    detail["object"] = aws_object
    if detail.get("reason") == "ObjectCreated":
        detail["reason"] = reason
    shaped["detail"] = detail
    return shaped
