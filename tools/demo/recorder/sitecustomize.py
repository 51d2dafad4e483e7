"""Records every AWS call a local task makes, without touching the task's code.

The demo starts each task with this directory first on `PYTHONPATH` and `DEMO_CALL_LOG` naming a file;
Python imports `sitecustomize` at start-up, and this one registers a botocore handler on every session
the task creates (boto3 included): before each request is built it appends one JSON line (service,
operation, the parameters that name resources) to the file. Without `DEMO_CALL_LOG` it does nothing.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

_LOG = os.environ.get("DEMO_CALL_LOG")
# Parameters that name what a call acts on; bodies and message contents are never written.
_NAMING = (
    "Bucket",
    "Key",
    "Prefix",
    "VersionId",
    "UploadId",
    "QueueUrl",
    "QueueName",
    "TableName",
    "TopicArn",
    "TargetArn",
    "Name",
    "RoleArn",
    "cluster",
    "tasks",
    "taskDefinition",
)


def _install(log_path: str) -> None:
    import botocore.session

    lock = threading.Lock()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        line = {
            "service": model.service_model.signing_name,
            "operation": model.name,
            "params": {key: params[key] for key in _NAMING if isinstance(params.get(key), (str, list))},
        }
        with lock, open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")

    original = botocore.session.Session.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-parameter-build", record, unique_id="demo-call-recorder")

    botocore.session.Session.__init__ = init  # type: ignore[method-assign]


if _LOG:
    _install(_LOG)
