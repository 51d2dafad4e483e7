"""Least privilege, proven: each task's recorded AWS calls against its task role as the program defines it.

Two checks, both must be empty:
- denied: a call the role's statements (the recorded `RolePolicy` documents of the role) do not allow;
- unused: an action the role grants that no call of the worker needed, except the justified exceptions
  below (each with its reason).
A call's IAM action and resource come from `authorization`: IAM's action is the API operation's name in
the service's prefix, except where the service authorizes an operation under another action (S3's
`ListObjectsV2` is `s3:ListBucket`, a multipart upload is `s3:PutObject`, SQS batches are authorized as
their single action); each such case is listed in `_ACTION_OF` (from the services' "Actions, resources,
and condition keys" pages). A call with no resource mapping is reported as such, never passed.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tools.demo import iam_policy
from tools.demo.graph import Graph

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"

_ACTION_OF = {
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
    ("sqs", "SendMessageBatch"): "SendMessage",
}

JUSTIFIED_UNUSED: dict[tuple[str, str], str] = {
    # (the module the container runs, action): why the role may grant it although the flows never call it.
    ("services.ingest", "s3:GetObject"): (
        "reads an object without a version id when the event has none (an unversioned bucket); "
        "the program's upload bucket is versioned, so every event here names a version"
    ),
    ("services.report", "s3:AbortMultipartUpload"): (
        "granted with s3:PutObject by the write-objects grant, so a failed multipart upload can be aborted; "
        "the report writes single-part objects"
    ),
    ("services.worker", "s3:AbortMultipartUpload"): (
        "aborts the multipart upload of a large result that fails midway (ecs_runtime.queue); "
        "the demo's results are single-part"
    ),
    ("services.worker", "sqs:ChangeMessageVisibility"): (
        "extends a job running longer than a third of the visibility timeout and releases in-flight "
        "messages on SIGTERM (tests/services cover both); the demo's jobs end sooner and none is in flight "
        "at scale-in"
    ),
}


@dataclass(frozen=True)
class Request:
    service: str
    operation: str
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


def _queue_arn(url: str, partition: str, region: str) -> str:
    path = urllib.parse.urlsplit(url).path.strip("/").split("/")
    account, name = path[0], path[-1]
    return f"arn:{partition}:sqs:{region}:{account}:{name}"


def authorization(call: Mapping[str, Any], partition: str, region: str, account: str) -> Request:
    """The IAM request a recorded call is authorized as."""
    service, operation = str(call["service"]), str(call["operation"])
    params: Mapping[str, Any] = call.get("params") or {}
    action = f"{service}:{_ACTION_OF.get((service, operation), operation)}"
    context: dict[str, str] = {}
    resource = "*"
    if service == "s3" and "Bucket" in params:
        if action == "s3:ListBucket":
            resource = f"arn:{partition}:s3:::{params['Bucket']}"
            context["s3:prefix"] = str(params.get("Prefix", ""))
        else:
            resource = f"arn:{partition}:s3:::{params['Bucket']}/{params.get('Key', '')}"
            if action == "s3:GetObject" and params.get("VersionId"):
                action = "s3:GetObjectVersion"
    elif service == "dynamodb" and "TableName" in params:
        resource = f"arn:{partition}:dynamodb:{region}:{account}:table/{params['TableName']}"
    elif service == "sqs" and "QueueUrl" in params:
        resource = _queue_arn(str(params["QueueUrl"]), partition, region)
    elif service == "sns" and ("TopicArn" in params or "TargetArn" in params):
        resource = str(params.get("TopicArn") or params["TargetArn"])
    elif service == "ecs" and params.get("tasks"):
        resource = str(params["tasks"][0])
    return Request(service, operation, action, resource, tuple(sorted(context.items())))


@dataclass(frozen=True)
class CheckedCall:
    request: Request
    count: int
    allowed: bool
    statement: int | None


@dataclass(frozen=True)
class RoleCheck:
    worker: str
    role: str
    calls: list[CheckedCall]
    granted: list[str]
    unused: list[str]
    justified: dict[str, str]
    problems: list[str]

    @property
    def denied(self) -> list[CheckedCall]:
        return [call for call in self.calls if not call.allowed]

    @property
    def ok(self) -> bool:
        return not self.denied and not self.unused and not self.problems


def role_documents(graph: Graph, role_arn: str) -> tuple[str, list[dict[str, Any]], list[str]]:
    """The role's name, its identity policy documents, and what of it cannot be evaluated here."""
    role = graph.with_output(ROLE, "arn", role_arn)
    name = str(role.outputs["name"])
    documents = [
        json.loads(policy.inputs["policy"])
        for policy in graph.find(ROLE_POLICY, lambda policy: policy.inputs.get("role") == name)
    ]
    documents += [
        json.loads(inline["policy"])
        for inline in role.inputs.get("inlinePolicies") or []
        if inline.get("policy")
    ]
    problems = [
        f"managed policy {arn} is attached: its document is not in the graph"
        for arn in role.inputs.get("managedPolicyArns") or []
    ]
    return name, documents, problems


def check(
    worker: str,
    role: str,
    documents: Sequence[Mapping[str, Any]],
    calls: Iterable[Mapping[str, Any]],
    *,
    partition: str,
    region: str,
    account: str,
    problems: Sequence[str] = (),
    justified: Mapping[tuple[str, str], str] = JUSTIFIED_UNUSED,
) -> RoleCheck:
    """`documents` and `calls` in the same names (both the emulator's, or both as recorded)."""
    policy = iam_policy.statements(documents)
    counted: dict[Request, int] = {}
    found_problems = list(problems)
    for call in calls:
        request = authorization(call, partition, region, account)
        if request.resource == "*":
            found_problems.append(f"{request.action}: no resource mapping in tools/demo/privilege.py")
        counted[request] = counted.get(request, 0) + 1
    checked = []
    for request, count in counted.items():
        decision = iam_policy.evaluate(policy, request.action, request.resource, dict(request.context))
        checked.append(CheckedCall(request, count, decision.allowed, decision.statement))
    granted = sorted(
        {action for statement in policy if statement.effect == "Allow" for action in statement.actions}
    )
    used = [call.request.action for call in checked if call.allowed]
    exceptions = {action: reason for (command, action), reason in justified.items() if command == worker}
    unused = [
        action
        for action in granted
        if not any(iam_policy.wildcard_match(action, name, ignore_case=True) for name in used)
        and action not in exceptions
    ]
    return RoleCheck(
        worker,
        role,
        checked,
        granted,
        unused,
        {a: r for a, r in exceptions.items() if a in granted},
        found_problems,
    )


def table(result: RoleCheck) -> list[str]:
    lines = [f"{result.worker}  (task role {result.role})"]
    for call in sorted(result.calls, key=lambda call: (call.request.action, call.request.resource)):
        verdict = (
            f"allowed by statement {call.statement}" if call.allowed else "DENIED: no statement allows it"
        )
        condition = "".join(f" [{key}={value!r}]" for key, value in call.request.context)
        lines.append(
            f"  {call.count:3d} x {call.request.action:32s} {call.request.resource}{condition}  {verdict}"
        )
    for action in result.granted:
        if action in result.unused:
            lines.append(f"        {action:32s} granted, NEVER USED")
        elif action in result.justified:
            lines.append(f"        {action:32s} granted, unused here, justified: {result.justified[action]}")
    lines.extend(f"  PROBLEM: {problem}" for problem in result.problems)
    lines.append("  least privilege: " + ("holds" if result.ok else "VIOLATED"))
    return lines
