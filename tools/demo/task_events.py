"""The `ECS Task State Change` event a stopped task produces, in the shape AWS documents.

Field names and nesting follow the ECS developer guide's task state change event (the sample in
`/work/shared/events/ecs-task-stopped.json`); the demo sets what it knows of the local task (ARNs, group,
startedBy, exit codes, stop code and reason, times) and leaves out what only Fargate knows (network
attachments, pull times, availability zone).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SOURCE = "aws.ecs"
DETAIL_TYPE = "ECS Task State Change"

ESSENTIAL_CONTAINER_EXITED = ("EssentialContainerExited", "Essential container in task exited")
SERVICE_SCALE_IN = ("ServiceSchedulerInitiated", "Scaling activity initiated by (deployment {deployment})")


@dataclass(frozen=True)
class StoppedContainer:
    name: str
    image: str
    exit_code: int | None
    reason: str | None = None


@dataclass(frozen=True)
class StoppedTask:
    cluster_arn: str
    task_arn: str
    task_definition_arn: str
    group: str
    started_by: str
    launch_type: str
    cpu: str
    memory: str
    stop_code: str
    stopped_reason: str
    containers: Sequence[StoppedContainer]
    created_at: datetime
    stopped_at: datetime
    overrides: dict[str, Any]


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def detail(task: StoppedTask) -> dict[str, Any]:
    task_id = task.task_arn.rsplit("/", 1)[-1]
    containers = []
    for index, container in enumerate(task.containers):
        entry: dict[str, Any] = {
            "containerArn": task.task_arn.replace(":task/", ":container/", 1)
            + f"/{index:08x}-0000-4000-8000-{task_id[:12]}",
            "lastStatus": "STOPPED",
            "name": container.name,
            "image": container.image,
            "taskArn": task.task_arn,
            "networkInterfaces": [],
            "cpu": "0",
        }
        if container.exit_code is not None:
            entry["exitCode"] = container.exit_code
        if container.reason:
            entry["reason"] = container.reason
        containers.append(entry)
    return {
        "attachments": [],
        "clusterArn": task.cluster_arn,
        "containers": containers,
        "createdAt": _time(task.created_at),
        "launchType": task.launch_type,
        "cpu": task.cpu,
        "memory": task.memory,
        "desiredStatus": "STOPPED",
        "group": task.group,
        "lastStatus": "STOPPED",
        "overrides": task.overrides,
        "startedAt": _time(task.created_at),
        "startedBy": task.started_by,
        "stoppingAt": _time(task.stopped_at),
        "stoppedAt": _time(task.stopped_at),
        "executionStoppedAt": _time(task.stopped_at),
        "stoppedReason": task.stopped_reason,
        "stopCode": task.stop_code,
        "updatedAt": _time(task.stopped_at),
        "taskArn": task.task_arn,
        "taskDefinitionArn": task.task_definition_arn,
        "version": 3,
        "platformVersion": "1.4.0",
    }


def entry(task: StoppedTask) -> dict[str, Any]:
    """The `PutEvents` entry that puts the event on the default bus, as ECS would."""
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Resources": [task.task_arn],
        "Detail": json.dumps(detail(task)),
    }
