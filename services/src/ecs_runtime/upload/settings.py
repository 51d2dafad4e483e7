"""Upload settings: the object (set per task by the EventBridge input transformer) and the results table, if
the job stores its results there."""

from __future__ import annotations

import urllib.parse

from pydantic import Field, field_validator

from ecs_runtime.settings import WorkerSettings

SEQUENCER_WIDTH = 64
"""Sequencers are compared as hex strings left-padded with zeros to one width (as S3 documents)."""


class UploadSettings(WorkerSettings):
    bucket: str = Field(min_length=3, max_length=63)
    """BUCKET: the bucket of the event (`detail.bucket.name`)."""
    object_key: str = Field(min_length=1)
    """OBJECT_KEY: `detail.object.key`, URL-encoded as S3 events encode it (`+` for a space)."""
    object_size: int = Field(ge=0)
    """OBJECT_SIZE: `detail.object.size` in bytes."""
    object_etag: str = Field(min_length=1)
    """OBJECT_ETAG: `detail.object.etag`; the read is refused if the object no longer has it."""
    object_sequencer: str = Field(pattern=r"^[0-9A-Fa-f]{1,64}$")
    """OBJECT_SEQUENCER: `detail.object.sequencer`, hex; orders events of the same key."""
    object_version_id: str | None = None
    """OBJECT_VERSION_ID: `detail.object.version-id`; absent, empty or `null` for unversioned buckets."""
    results_table: str | None = Field(default=None, min_length=3, max_length=255)
    """RESULTS_TABLE: the DynamoDB table the result item goes to; unset when the job stores no results there
    (the pattern's `upload.store_results: false`)."""

    @field_validator("object_etag")
    @classmethod
    def _unquoted(cls, value: str) -> str:
        return value.strip('"')

    @property
    def key(self) -> str:
        """The real object key: S3 events encode keys like an HTML form (`+` is a space)."""
        return urllib.parse.unquote_plus(self.object_key)

    @property
    def version_id(self) -> str | None:
        """The version to read; None for unversioned buckets (S3 reports their objects' version as `null`)."""
        if self.object_version_id in (None, "null"):
            return None
        return self.object_version_id

    @property
    def sequencer(self) -> str:
        return self.object_sequencer.upper().rjust(SEQUENCER_WIDTH, "0")
