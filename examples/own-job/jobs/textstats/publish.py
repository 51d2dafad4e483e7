"""Queue workers: `publish_stats` counts a text file and publishes the counts, signed, to the team's bucket.

A message (SQS body, the runtime's version 1 envelope):

    {"version": 1, "operation": "publish_stats", "bucket": "<queue data bucket>", "key": "input/notes.txt"}

The job reads that object as a stream and writes `s3://PUBLISH_BUCKET/PUBLISH_PREFIX<key>.json`:

    {"characters": 42, "etag": "...", "lines": 3, "source": "s3://<bucket>/input/notes.txt", "words": 8}

with the metadata `signature`: `sha256=` and the hex HMAC-SHA256 of those bytes under `SIGNING_KEY` (a
secret ECS injects from SSM Parameter Store), so a reader of the published bucket can tell the counts came
from this job. The output is named from the input and holds no time, so a redelivered message rewrites
the same object with the same bytes. A file that is not UTF-8 fails its job, so after the queue's
`max_receive_count` receives its message waits in the dead-letter queue, whose alarm tells the team.
The runtime (`python -m ecs_runtime.queue`, `HANDLER=textstats.publish:handlers`) polls, extends
visibility, deletes, retries and drains.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ecs_runtime import Context, ObjectStream, WorkerSettings
from ecs_runtime.queue import JobControl, QueueHandlers
from textstats.counting import count_text


class PublishSettings(WorkerSettings):
    publish_bucket: str = Field(min_length=3, max_length=63)
    """PUBLISH_BUCKET: the team's bucket the counts are published to."""
    publish_prefix: str = Field(default="text-stats/", min_length=1)
    """PUBLISH_PREFIX: the counts go under it (the task role may write only there)."""
    signing_key: SecretStr
    """SIGNING_KEY: the HMAC key; a secret, so it is never shown in a log line or a repr."""


class TextFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str = Field(min_length=3, max_length=63)
    key: str = Field(min_length=1, max_length=1024)


handlers = QueueHandlers(
    settings=PublishSettings, log_fields=lambda message: {"object": f"s3://{message.bucket}/{message.key}"}
)


def signature(key: SecretStr, body: bytes) -> str:
    """What the `signature` metadata holds: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(key.get_secret_value().encode(), body, hashlib.sha256).hexdigest()


@handlers.operation("publish_stats", model=TextFile)
def publish_stats(
    message: TextFile, control: JobControl, context: Context[PublishSettings]
) -> dict[str, Any]:
    settings = context.settings
    source = context.aws.s3.get_object(Bucket=message.bucket, Key=message.key)
    with contextlib.closing(source["Body"]) as content:  # back to the connection pool, also on an error
        stats = count_text(ObjectStream(content, control.cancel))
    document = {"source": f"s3://{message.bucket}/{message.key}", "etag": source["ETag"].strip('"')}
    body = json.dumps({**document, **stats.as_dict()}, sort_keys=True, separators=(",", ":")).encode()
    key = f"{settings.publish_prefix}{message.key}.json"
    control.commit()  # from here on the job finishes: its message is never handed back half-written
    context.aws.s3.put_object(
        Bucket=settings.publish_bucket,
        Key=key,
        Body=body,
        ContentType="application/json",
        Metadata={"signature": signature(settings.signing_key, body)},
    )
    return {"published": f"s3://{settings.publish_bucket}/{key}", "words": stats.words}
