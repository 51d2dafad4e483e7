"""Queue pattern: an ECS service long-polling SQS, running each message's job by its operation name.

Handlers are registered by operation name on a QueueHandlers; each gets the parsed message, a
JobControl (`cancel`, `commit`) and its Context. Run them with `python -m ecs_runtime.queue` and
`HANDLER=package.module:handlers`, or from a program of your own with `ecs_runtime.queue.run(handlers)`.
services/README.md states the whole contract (message envelope, settings, SIGTERM, task protection).
"""

from ecs_runtime.queue.control import JobControl
from ecs_runtime.queue.messages import JobFunction, QueueHandlers
from ecs_runtime.queue.runner import run

__all__ = ["JobControl", "JobFunction", "QueueHandlers", "run"]
