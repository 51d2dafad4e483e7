"""ecs_runtime: the job runtimes of the ECS event patterns. A team writes a handler; the runtime does
the pattern's hard parts (see services/README.md for each pattern's contract).

- `ecs_runtime.upload`: one S3 object per run, one result item (`python -m ecs_runtime.upload`);
- `ecs_runtime.batch`: every object under a prefix, checkpoints, one report (`python -m ecs_runtime.batch`);
- `ecs_runtime.queue`: SQS messages by operation name (`python -m ecs_runtime.queue`).

`HANDLER=package.module:object` names the handler for those entry points.
"""

from ecs_runtime.context import Context
from ecs_runtime.errors import RejectedObjectError
from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.lifecycle import StopRequestedError
from ecs_runtime.logs import JsonLog
from ecs_runtime.settings import WorkerSettings
from ecs_runtime.streams import ObjectStream

__all__ = [
    "Context",
    "ExitCode",
    "JsonLog",
    "ObjectStream",
    "RejectedObjectError",
    "StopRequestedError",
    "WorkerSettings",
]
