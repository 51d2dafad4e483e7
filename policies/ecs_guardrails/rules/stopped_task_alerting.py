"""Every ECS cluster has someone told when its tasks stop.

The chain, per cluster: an enabled EventBridge rule on the default bus matching `source: aws.ecs`,
`detail-type: ECS Task State Change`, `detail.lastStatus: STOPPED`, and either no `detail.clusterArn`
filter or one naming the cluster -> an EventTarget of that rule whose `arn` is an SNS topic -> at least one
subscription to that topic with an allowed protocol. A violation names the first link that is missing.
A rule matching only `stoppedReason` misses tasks that never started, so `lastStatus` is what counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
)

from .declarations import one_setting, stack_policy
from .stack_graph import Findings, depends_through, of_type, refers_to
from .values import UNKNOWN, NotKnownYetError, read, setting, strings

CLUSTER = "aws:ecs/cluster:Cluster"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

DEFAULT_PROTOCOLS = ["email", "email-json", "https", "sms", "lambda", "sqs"]
_ENABLED_STATES = (None, "", "ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")


def _pattern(rule: PolicyResource) -> Mapping[str, Any] | None:
    raw = read(rule.props, "eventPattern")
    if raw is UNKNOWN:
        raise NotKnownYetError(f"event pattern of rule {rule.name}")
    if not isinstance(raw, str):
        return None
    try:
        pattern = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return pattern if isinstance(pattern, Mapping) else None


def _rule_problem(rule: PolicyResource, cluster: PolicyResource) -> str | None:
    """Why this rule does not alert on the cluster's stopped tasks; None when it does."""
    pattern = _pattern(rule)
    if pattern is None:
        return f"rule {rule.name} has no event pattern"
    if "aws.ecs" not in strings(read(pattern, "source")):
        return f"rule {rule.name} does not match source aws.ecs"
    if "ECS Task State Change" not in strings(read(pattern, "detail-type")):
        return f"rule {rule.name} does not match detail-type ECS Task State Change"
    statuses = strings(read(pattern, "detail", "lastStatus"))
    if "STOPPED" not in statuses:
        shown = ", ".join(statuses) or "no lastStatus filter"
        return f"rule {rule.name} matches lastStatus {shown}, not STOPPED"
    clusters = read(pattern, "detail", "clusterArn")
    if clusters is not None and not (
        cluster.urn in {r.urn for r in depends_through(rule, "eventPattern")}
        or set(strings(clusters)) & {str(read(cluster.props, "arn"))}
    ):
        return f"rule {rule.name} filters clusterArn to other clusters"
    state = read(rule.props, "state")
    if state is UNKNOWN:
        raise NotKnownYetError(f"state of rule {rule.name}")
    if state not in _ENABLED_STATES or read(rule.props, "isEnabled") is False:
        return f"rule {rule.name} is disabled"
    if read(rule.props, "eventBusName") not in (None, "", "default"):
        bus = read(rule.props, "eventBusName")
        return f"rule {rule.name} is on event bus {bus}; ECS sends task events to the default bus"
    return None


def _alerting_topics(rule: PolicyResource, resources: list[PolicyResource]) -> list[PolicyResource]:
    topics = of_type(resources, TOPIC)
    found: list[PolicyResource] = []
    for target in of_type(resources, EVENT_TARGET):
        if refers_to(target, "rule", rule):
            found.extend(topic for topic in topics if refers_to(target, "arn", topic))
    return found


def _subscribed(topic: PolicyResource, resources: list[PolicyResource], protocols: set[str]) -> bool:
    return any(
        refers_to(subscription, "topic", topic) and read(subscription.props, "protocol") in protocols
        for subscription in of_type(resources, SUBSCRIPTION)
    )


def _cluster_problem(
    cluster: PolicyResource, resources: list[PolicyResource], protocols: set[str]
) -> str | None:
    """The missing link of the cluster's best chain, or None when one chain is complete."""
    problems = []
    unknown: list[str] = []
    for rule in of_type(resources, EVENT_RULE):
        try:
            problem = _rule_problem(rule, cluster)
        except NotKnownYetError as error:
            unknown.append(str(error))
            continue
        if problem:
            problems.append(problem)
            continue
        topics = _alerting_topics(rule, resources)
        if not topics:
            problems.append(f"rule {rule.name} matches, but none of its targets is an SNS topic")
            continue
        if any(_subscribed(topic, resources, protocols) for topic in topics):
            return None
        names = ", ".join(topic.name for topic in topics)
        problems.append(
            f"rule {rule.name} targets topic {names}, which has no subscription with protocol "
            f"{'/'.join(sorted(protocols))}"
        )
    if unknown:
        raise NotKnownYetError(", ".join(unknown))
    if not problems:
        return "no EventBridge rule in the stack"
    return "; ".join(problems)


def stopped_task_alerting(args: StackValidationArgs, report: ReportViolation) -> None:
    findings = Findings(report)
    protocols = set(setting(args.get_config(), "subscriptionProtocols", DEFAULT_PROTOCOLS))
    resources = list(args.resources)
    for cluster in of_type(resources, CLUSTER):
        try:
            problem = _cluster_problem(cluster, resources, protocols)
        except NotKnownYetError as unknown:
            findings.skip(str(unknown))
            continue
        if problem:
            findings.violation(
                f"cluster {cluster.name}: no alert when its tasks stop: {problem}. Expected: an enabled rule "
                "matching aws.ecs / ECS Task State Change / lastStatus STOPPED for this cluster (or all), "
                "targeting an SNS topic that has a subscription",
                cluster.urn,
            )
    findings.finish(args)


POLICIES = [
    stack_policy(
        "stopped-task-alerting",
        "Every ECS cluster has an enabled EventBridge rule for STOPPED tasks that targets an SNS "
        "topic with a subscription.",
        stopped_task_alerting,
        one_setting(
            "subscriptionProtocols",
            "Subscription protocols that reach a person or a system that pages one.",
            DEFAULT_PROTOCOLS,
        ),
    ),
]
