"""What the stopped-task alert rule matches and what its message says: pure functions, no Pulumi resources.

The event pattern
-----------------
Every ECS `Task State Change` event of the cluster whose `lastStatus` is STOPPED is a candidate. The noise
filters of `AlertSettings` then drop some of them:

- `ignore_service_scheduler_stops`: stopCode `ServiceSchedulerInitiated` (scale-in, deployments, and also
  tasks the scheduler replaces after failed health checks: those stop with that code too, so a service that
  keeps failing health checks is only visible through its own metrics when this filter is on).
- `ignore_user_stops`: stopCode `UserInitiated` (StopTask by a person or a tool).
- `ignore_successful_one_off_tasks`: a one-off task (RunTask; `group` starts with "family:", service tasks
  have "service:<name>") that stopped because its essential container exited and whose containers all
  exited 0.

EventBridge patterns cannot say "all containers exited 0": a filter on `containers.exitCode` matches when
ANY element of the array matches. So the rule is written as the positive set of stops that alert, an `$or`
of alternatives, each one a reason to tell a person:

1. the task is not a one-off task (`group` does not start with "family:", or has no group): service
   crashes always alert;
2. some container has an exit code other than 0;
3. no container has an exit code at all (the task never started: TaskFailedToStart, image pull or secret
   errors, ENI limits);
4. the stop code is not `EssentialContainerExited` (Spot interruption, termination notice, failed start),
   or there is no stop code.

A one-off task is dropped only when none of these holds: it stopped with EssentialContainerExited, at
least one container reported an exit code, and every reported exit code is 0. The residual blind spot: a
one-off task whose essential container exited 0 while a non-essential container never started (no exit
code) is dropped. The opposite trade-off: the event does not say which containers are essential, so a
sidecar that exits non-zero when ECS stops it (143 after SIGTERM, 137 after SIGKILL) makes a successful
one-off task alert; sidecars of one-off tasks should exit 0 on SIGTERM. The excluded stop codes (first two
filters) are combined into every alternative but one: an event without any `stopCode` is always kept,
because `anything-but` never matches a missing field. Alternative 3 relies only on the documented case of
`exists: false` (no element of the array has the field); it does not need to tell apart arrays where
only some containers lack an exit code.

The message
-----------
An input transformer turns the event into plain text, one item per line, and it is plain text, not JSON:
EventBridge does not escape the values it inserts ("EventBridge doesn't escape values extracted by Input Path,
when populating the Input Template for a target", user guide, "Amazon EventBridge input transformation",
Common issues). A placeholder inside a JSON string (the form EventBridge documents for multi-line text, one
quoted string per line) breaks that string as soon as the value holds a double quote, a backslash or a line
break, and ECS stop reasons often do (`failed to resolve ref "..."`, a quoted `Head "https://..."` URL). A
template that is not JSON is sent to the target as the text it produces (the InputTransformer API reference
shows `<instance> is in state <status>`); SNS delivers a message body as it is. So no placeholder sits between
quotes, the fixed text has none, and whatever a value holds only adds text (a line break in a value starts a
new line, nothing more). A field the event lacks (a task that never started has no exit codes) inserts
nothing. EventBridge inserts a string outside quotes as JSON (with its quotes) in a JSON template; whether it
adds them in a text template is not documented, and the message reads the same either way. EventBridge cannot
split strings, so the console link is built at deploy time from the cluster ARN (the cluster's task list,
where the task ARN in the message identifies the task); the task ARN itself is in the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ecs_event_patterns.config.settings import AlertSettings
from ecs_event_patterns.iam import arns

ONE_OFF_GROUP_PREFIX = "family:"
"""`group` of tasks started by RunTask (EventBridge, Scheduler, people); services use "service:<name>"."""

SUCCESSFUL_STOP_CODE = "EssentialContainerExited"
SERVICE_SCHEDULER_STOP_CODE = "ServiceSchedulerInitiated"
USER_STOP_CODE = "UserInitiated"

REPORTED_CONTAINERS = 3
"""Containers named in the message (worker plus sidecars); the console shows the rest of a bigger task."""


def excluded_stop_codes(settings: AlertSettings) -> tuple[str, ...]:
    """Stop codes the settings drop for every task, in a stable order."""
    codes: list[str] = []
    if settings.ignore_service_scheduler_stops:
        codes.append(SERVICE_SCHEDULER_STOP_CODE)
    if settings.ignore_user_stops:
        codes.append(USER_STOP_CODE)
    return tuple(codes)


NO_STOP_CODE: dict[str, Any] = {"stopCode": [{"exists": False}]}
"""`anything-but` never matches a missing field, so this alternative keeps events without a stop code."""


def _alerting_stop_alternatives() -> list[dict[str, Any]]:
    """The reasons a stop alerts even when successful one-off tasks are ignored (module docstring, 1-4),
    except "no stop code", which is always an alternative of its own."""
    return [
        {"group": [{"anything-but": {"prefix": ONE_OFF_GROUP_PREFIX}}]},
        {"group": [{"exists": False}]},
        {"containers": {"exitCode": [{"anything-but": [0]}]}},
        {"containers": {"exitCode": [{"exists": False}]}},
        {"stopCode": [{"anything-but": [SUCCESSFUL_STOP_CODE]}]},
    ]


def _conjoin(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """One alternative meaning `a AND b`; two `anything-but` filters on one field become one."""
    merged = dict(a)
    for key, value in b.items():
        if key in merged:
            (first,), (second,) = merged[key], value
            excluded = [*first["anything-but"], *second["anything-but"]]
            value = [{"anything-but": list(dict.fromkeys(excluded))}]
        merged[key] = value
    return merged


def stopped_task_event_pattern(cluster_arn: pulumi.Input[str], settings: AlertSettings) -> dict[str, Any]:
    """The rule's event pattern (a dict; `pulumi.Output.json_dumps` it when the ARN is an Output)."""
    excluded = excluded_stop_codes(settings)
    base: dict[str, Any] = {"stopCode": [{"anything-but": list(excluded)}]} if excluded else {}
    if settings.ignore_successful_one_off_tasks:
        alternatives = [NO_STOP_CODE] + [_conjoin(base, f) for f in _alerting_stop_alternatives()]
    else:
        alternatives = [NO_STOP_CODE, base] if base else []
    detail: dict[str, Any] = {"lastStatus": ["STOPPED"], "clusterArn": [cluster_arn]}
    if alternatives:
        detail["$or"] = alternatives
    return {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": detail}


def cluster_tasks_console_url(region: str, cluster_arn: str) -> str:
    """The ECS console page listing the cluster's tasks (filter "Stopped" there to see this one)."""
    name = arns.cluster_name(cluster_arn)
    return f"https://{region}.console.aws.amazon.com/ecs/v2/clusters/{name}/tasks?region={region}"


def stopped_task_input_paths() -> dict[str, str]:
    """InputPathsMap of the alert message: variable name (alphanumeric, as EventBridge requires) -> path."""
    paths = {
        "stopCode": "$.detail.stopCode",
        "stoppedReason": "$.detail.stoppedReason",
        "cluster": "$.detail.clusterArn",
        "group": "$.detail.group",
        "taskDefinition": "$.detail.taskDefinitionArn",
        "startedBy": "$.detail.startedBy",
        "stoppedAt": "$.detail.stoppedAt",
        "task": "$.detail.taskArn",
    }
    for index in range(REPORTED_CONTAINERS):
        paths[f"container{index}Name"] = f"$.detail.containers[{index}].name"
        paths[f"container{index}ExitCode"] = f"$.detail.containers[{index}].exitCode"
        paths[f"container{index}Reason"] = f"$.detail.containers[{index}].reason"
    return paths


def stopped_task_message_lines(console_url: str) -> list[str]:
    """The message, line by line, with `<variable>` placeholders."""
    lines = [
        "An ECS task stopped and needs a look.",
        "",
        "Stop code: <stopCode>",
        "Reason: <stoppedReason>",
        "Cluster: <cluster>",
        "Group: <group>",
        "Task definition: <taskDefinition>",
        "Started by: <startedBy>",
        "Stopped at: <stoppedAt>",
        "Task: <task>",
    ]
    for index in range(REPORTED_CONTAINERS):
        lines.append(
            f"Container {index + 1}: <container{index}Name> exit code <container{index}ExitCode>"
            f" <container{index}Reason>"
        )
    lines += ["", f"Console (stopped tasks of this cluster): {console_url}"]
    return lines


def stopped_task_input_template(console_url: str) -> str:
    """InputTemplate: the message as plain text; no placeholder inside quotes (module docstring)."""
    lines = stopped_task_message_lines(console_url)
    if any('"' in line for line in lines):
        # A quote would open a JSON string that an inserted value could break; the URL comes from config.
        raise ValueError(f"alert text must not contain a double quote: {console_url!r}")
    return "\n".join(lines)
