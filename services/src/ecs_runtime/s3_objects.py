"""Opening an S3 object for streaming, with S3's errors turned into the few outcomes a worker acts on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.streams import Readable

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


class Unavailable(StrEnum):
    MISSING = "missing"
    """NoSuchKey / NoSuchVersion: deleted (or never there) by the time the worker read it."""
    ACCESS_DENIED = "access_denied"
    """403: the task role may not read it (or its KMS key)."""
    CHANGED = "changed"
    """412 on If-Match: the object was overwritten after the event; a newer event covers the new data."""

    @property
    def exit_code(self) -> ExitCode:
        return {
            Unavailable.MISSING: ExitCode.OBJECT_MISSING,
            Unavailable.ACCESS_DENIED: ExitCode.ACCESS_DENIED,
            Unavailable.CHANGED: ExitCode.OK,
        }[self]


class ObjectUnavailableError(Exception):
    def __init__(self, reason: Unavailable, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


_UNAVAILABLE_CODES = {
    "NoSuchKey": Unavailable.MISSING,
    "NoSuchVersion": Unavailable.MISSING,
    "404": Unavailable.MISSING,
    "AccessDenied": Unavailable.ACCESS_DENIED,
    "403": Unavailable.ACCESS_DENIED,
    "PreconditionFailed": Unavailable.CHANGED,
    "412": Unavailable.CHANGED,
}


def unavailable_reason(error: ClientError) -> Unavailable | None:
    return _UNAVAILABLE_CODES.get(error.response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class OpenedObject:
    body: Readable
    content_type: str | None
    size: int
    etag: str
    version_id: str | None


def open_object(
    s3: S3Client, bucket: str, key: str, version_id: str | None = None, etag: str | None = None
) -> OpenedObject:
    """GET the object as a stream; `etag` makes S3 refuse (412) if the content is no longer that one."""
    request: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    if etag:
        request["IfMatch"] = etag if etag.startswith('"') else f'"{etag}"'
    try:
        response = s3.get_object(**request)
    except ClientError as error:
        reason = unavailable_reason(error)
        if reason is None:
            raise
        raise ObjectUnavailableError(reason, str(error)) from None
    return OpenedObject(
        body=response["Body"],
        content_type=response.get("ContentType"),
        size=int(response.get("ContentLength", 0)),
        etag=str(response.get("ETag", "")).strip('"'),
        version_id=response.get("VersionId"),
    )
