"""Every ECS cluster has someone told when its tasks stop, through a chain that can deliver.

The chain, per cluster, each link checked and the missing one named:
1. an enabled EventBridge rule on the default bus whose pattern matches an `aws.ecs` / `ECS Task State
   Change` event with `detail.lastStatus` STOPPED from this cluster, evaluated with EventBridge's matching
   semantics (`event_patterns`) against the cluster's actual ARN; during preview, when the pattern or the ARN
   is not known yet, a pattern computed from the cluster is taken as matching and the result says so;
2. an EventTarget of that rule whose `arn` is an SNS topic, with a dead-letter queue (`deadLetterConfig`),
   where events go that EventBridge could not deliver;
3. a topic policy (the topic's `policy` or an `aws:sns/topicPolicy:TopicPolicy`) letting
   `events.amazonaws.com` `sns:Publish` to the topic, its `aws:SourceArn` condition (if any) matching the
   rule;
4. when the topic is encrypted, a customer managed KMS key whose key policy lets `events.amazonaws.com` use
   it (`kms:GenerateDataKey*`, `kms:Decrypt`): EventBridge cannot use the AWS managed `alias/aws/sns`
   (SNS developer guide, "Configure AWS KMS permissions for AWS services"; EventBridge user guide, "Amazon
   SNS permissions");
5. a subscription to that topic with an allowed protocol.
A rule matching only `stoppedReason` misses tasks that never started, so `lastStatus` is what counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from . import arns, documents, event_patterns
from .declarations import one_setting, stack_policy
from .stack_graph import Findings, depends_through, identities, of_type, refers_to
from .values import UNKNOWN, NotKnownYetError, read, setting, strings

CLUSTER = "aws:ecs/cluster:Cluster"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ALIAS = "aws:kms/alias:Alias"

EVENTS = "events.amazonaws.com"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
DEFAULT_PROTOCOLS = ["email", "email-json", "https", "sms", "lambda", "sqs"]
_ENABLED_STATES = (None, "", "ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

_SOURCE = ("source",)
_DETAIL_TYPE = ("detail-type",)
_LAST_STATUS = ("detail", "lastStatus")
_CLUSTER_ARN = ("detail", "clusterArn")


@dataclass
class _Chain:
    """One rule's way to a person: what is missing, and what could not be checked yet (preview)."""

    problems: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def check(self, link: Any, *args: Any) -> bool:
        """Run a link check; False when it found a problem (recorded) or could not run yet."""
        try:
            problem = link(*args)
        except NotKnownYetError as error:
            self.unknown.append(str(error))
            return False
        if problem:
            self.problems.append(problem)
            return False
        return True


def _stopped_event(cluster_arn: str) -> dict[str, Any]:
    return {
        "source": "aws.ecs",
        "detail-type": "ECS Task State Change",
        "detail": {"lastStatus": "STOPPED", "clusterArn": cluster_arn},
    }


def _pattern_problem(rule: PolicyResource, cluster: PolicyResource) -> str | None:
    """Why the rule's pattern does not match the cluster's stopped tasks; None when it does."""
    from_cluster = cluster.urn in {r.urn for r in depends_through(rule, "eventPattern")}
    raw = read(rule.props, "eventPattern")
    if raw is UNKNOWN:
        if from_cluster:
            raise NotKnownYetError(
                f"event pattern of rule {rule.name} (computed from cluster {cluster.name}, taken as matching "
                "until update)"
            )
        raise NotKnownYetError(f"event pattern of rule {rule.name}")
    if not isinstance(raw, str) or not raw.strip():
        return f"rule {rule.name} has no event pattern"
    try:
        pattern = event_patterns.parse(raw)
        return _field_problems(rule, cluster, pattern, from_cluster)
    except event_patterns.PatternError as error:
        return f"rule {rule.name} has an event pattern EventBridge rejects: {error}"


def _field_problems(
    rule: PolicyResource, cluster: PolicyResource, pattern: Mapping[str, Any], from_cluster: bool
) -> str | None:
    arn = read(cluster.props, "arn")
    event = _stopped_event(arn if isinstance(arn, str) else "")
    for path, wanted in ((_SOURCE, "source aws.ecs"), (_DETAIL_TYPE, "detail-type ECS Task State Change")):
        if not event_patterns.matches(pattern, event, only={path}):
            return f"rule {rule.name} does not match {wanted}"
    if read(pattern, *_LAST_STATUS) is None:
        return (
            f"rule {rule.name} has no detail.lastStatus filter; filter on STOPPED (a rule on stoppedReason "
            "or stopCode alone misses tasks that never started)"
        )
    if not event_patterns.matches(pattern, event, only={_LAST_STATUS}):
        statuses = strings(read(pattern, *_LAST_STATUS))
        return f"rule {rule.name} matches lastStatus {', '.join(statuses) or '(other values)'}, not STOPPED"
    if read(pattern, *_CLUSTER_ARN) is None:
        return None
    if not isinstance(arn, str):
        if from_cluster:
            raise NotKnownYetError(
                f"ARN of cluster {cluster.name} (rule {rule.name}'s clusterArn filter is computed from it, "
                "taken as matching until update)"
            )
        raise NotKnownYetError(
            f"ARN of cluster {cluster.name}, to match rule {rule.name}'s clusterArn filter"
        )
    if not event_patterns.matches(pattern, event, only={_SOURCE, _DETAIL_TYPE, _LAST_STATUS, _CLUSTER_ARN}):
        return _cluster_filter_problem(rule, cluster, pattern, arn)
    return None


def _cluster_filter_problem(
    rule: PolicyResource, cluster: PolicyResource, pattern: Mapping[str, Any], arn: str
) -> str:
    shown = read(pattern, *_CLUSTER_ARN)
    message = f"rule {rule.name} filters detail.clusterArn to {shown!r}, which does not match {arn}"
    parsed = arns.parse(arn)
    name = parsed.resource_name if parsed else read(cluster.props, "name")
    if name and name in strings(shown):
        return message + " (it names the cluster; ECS events carry the cluster's ARN: use cluster.arn)"
    return message + " (the rule matches none of this cluster's events)"


def _rule_problem(rule: PolicyResource, cluster: PolicyResource) -> str | None:
    problem = _pattern_problem(rule, cluster)
    if problem:
        return problem
    state = read(rule.props, "state")
    if state is UNKNOWN:
        raise NotKnownYetError(f"state of rule {rule.name}")
    if state not in _ENABLED_STATES or read(rule.props, "isEnabled") is False:
        return f"rule {rule.name} is disabled; set state ENABLED"
    bus = read(rule.props, "eventBusName")
    if bus not in (None, "", "default"):
        return f"rule {rule.name} is on event bus {bus}; ECS sends task events to the default bus"
    return None


def _topic_targets(
    rule: PolicyResource, resources: list[PolicyResource]
) -> list[tuple[PolicyResource, PolicyResource]]:
    """(target, topic) for each of the rule's targets that is an SNS topic."""
    topics = of_type(resources, TOPIC)
    return [
        (target, topic)
        for target in of_type(resources, EVENT_TARGET)
        if refers_to(target, "rule", rule)
        for topic in topics
        if refers_to(target, "arn", topic)
    ]


def _dead_letter_problem(target: PolicyResource) -> str | None:
    arn = read(target.props, "deadLetterConfig", "arn")
    if arn is UNKNOWN or (isinstance(arn, str) and arn):
        return None
    return (
        f"target {target.name} has no deadLetterConfig: an alert EventBridge cannot deliver is lost; give it "
        "an SQS dead-letter queue"
    )


def _publishes(statement: documents.Statement, topic_arn: Any, rule_arn: Any) -> bool:
    """An Allow for EventBridge to sns:Publish to the topic, whose aws:SourceArn / aws:SourceAccount
    conditions (when known) admit the rule."""
    if not (statement.allows and statement.grants("sns:Publish")):
        return False
    if EVENTS not in statement.principal_services() and statement.principal != "*":
        return False
    if isinstance(topic_arn, str) and not any(documents.like(r, topic_arn) for r in statement.resources):
        return False
    rule = arns.parse(rule_arn)
    for key, expected in (("aws:sourcearn", rule_arn), ("aws:sourceaccount", rule.account if rule else None)):
        allowed = statement.condition_values(key)
        if allowed and isinstance(expected, str) and not any(documents.like(a, expected) for a in allowed):
            return False
    return True


def _topic_policy_problem(
    topic: PolicyResource, rule: PolicyResource, resources: list[PolicyResource]
) -> str | None:
    documents_of_topic = [(topic.name, read(topic.props, "policy"))] + [
        (policy.name, read(policy.props, "policy"))
        for policy in of_type(resources, TOPIC_POLICY)
        if refers_to(policy, "arn", topic)
    ]
    topic_arn, rule_arn = read(topic.props, "arn"), read(rule.props, "arn")
    unknown = []
    for name, value in documents_of_topic:
        if value is UNKNOWN:
            unknown.append(f"policy of {name}")
            continue
        try:
            parsed = documents.parse(value)
        except documents.DocumentError:
            continue
        if parsed and any(_publishes(s, topic_arn, rule_arn) for s in documents.statements(parsed)):
            return None
    if unknown:
        raise NotKnownYetError("; ".join(unknown))
    return (
        f"topic {topic.name} has no topic policy letting {EVENTS} sns:Publish for rule {rule.name}; add an "
        "aws.sns.TopicPolicy allowing it, limited by aws:SourceArn to the rule's ARN"
    )


def _key_problem(topic: PolicyResource, resources: list[PolicyResource]) -> str | None:
    key_id = read(topic.props, "kmsMasterKeyId")
    if key_id is UNKNOWN:
        raise NotKnownYetError(f"kmsMasterKeyId of topic {topic.name}")
    if not isinstance(key_id, str) or not key_id:
        return None
    parsed = arns.parse(key_id)
    if key_id == AWS_MANAGED_SNS_KEY or (parsed and parsed.resource == AWS_MANAGED_SNS_KEY):
        return (
            f"topic {topic.name} is encrypted with the AWS managed key {AWS_MANAGED_SNS_KEY}, whose key "
            f"policy {EVENTS} cannot use: encrypt it with a customer managed key whose policy allows it"
        )
    key = _key_named(key_id, resources)
    if key is None:
        raise NotKnownYetError(
            f"key policy of {key_id} (topic {topic.name}'s key is defined outside the stack; it must let "
            f"{EVENTS} use it)"
        )
    policies = [read(key.props, "policy")] + [
        read(policy.props, "policy")
        for policy in of_type(resources, KEY_POLICY)
        if refers_to(policy, "keyId", key)
    ]
    if UNKNOWN in policies:
        raise NotKnownYetError(f"key policy of key {key.name}")
    for value in policies:
        try:
            document = documents.parse(value)
        except documents.DocumentError:
            continue
        if document and _lets_events_use(document):
            return None
    return (
        f"topic {topic.name}'s key {key.name} has no key policy statement letting {EVENTS} "
        "kms:GenerateDataKey* and kms:Decrypt, so EventBridge cannot publish to the encrypted topic; add one"
    )


def _lets_events_use(document: Mapping[str, Any]) -> bool:
    allowed = [
        statement
        for statement in documents.statements(document)
        if statement.allows and EVENTS in statement.principal_services()
    ]
    return all(any(statement.grants(action) for statement in allowed) for action in _KEY_ACTIONS)


def _key_named(key_id: str, resources: list[PolicyResource]) -> PolicyResource | None:
    """The stack's KMS key a `kmsMasterKeyId` names: by id or ARN, or through an alias."""
    keys = of_type(resources, KEY)
    for key in keys:
        if key_id in identities(key) or key_id == read(key.props, "keyId"):
            return key
    for alias in of_type(resources, ALIAS):
        if key_id in identities(alias):
            return next((key for key in keys if refers_to(alias, "targetKeyId", key)), None)
    return None


def _subscription_problem(
    topic: PolicyResource, resources: list[PolicyResource], protocols: set[str]
) -> str | None:
    if any(
        refers_to(subscription, "topic", topic) and read(subscription.props, "protocol") in protocols
        for subscription in of_type(resources, SUBSCRIPTION)
    ):
        return None
    return f"topic {topic.name} has no subscription with protocol {'/'.join(sorted(protocols))}"


def _chain(
    rule: PolicyResource, cluster: PolicyResource, resources: list[PolicyResource], protocols: set[str]
) -> _Chain:
    chain = _Chain()
    from_cluster = cluster.urn in {r.urn for r in depends_through(rule, "eventPattern")}
    if not chain.check(_rule_problem, rule, cluster) and not (chain.unknown and from_cluster):
        return chain  # a rule that does not match, or whose match is unknown and not tied to this cluster
    targets = _topic_targets(rule, resources)
    if not targets:
        chain.problems.append(f"rule {rule.name} matches, but none of its targets is an SNS topic")
        return chain
    best: _Chain | None = None
    for target, topic in targets:
        candidate = _Chain(unknown=list(chain.unknown))
        candidate.check(_topic_policy_problem, topic, rule, resources)
        candidate.check(_key_problem, topic, resources)
        candidate.check(_subscription_problem, topic, resources, protocols)
        candidate.check(_dead_letter_problem, target)
        if best is None or (len(candidate.problems), len(candidate.unknown)) < (
            len(best.problems),
            len(best.unknown),
        ):
            best = candidate
    return best or chain


def stopped_task_alerting(args: StackValidationArgs, findings: Findings) -> None:
    protocols = set(setting(args.get_config(), "subscriptionProtocols", DEFAULT_PROTOCOLS))
    resources = list(args.resources)
    rules = of_type(resources, EVENT_RULE)
    for cluster in of_type(resources, CLUSTER):
        chains = [_chain(rule, cluster, resources, protocols) for rule in rules]
        if any(not chain.problems and not chain.unknown for chain in chains):
            continue
        pending = [chain for chain in chains if not chain.problems]
        if pending:
            findings.skip("; ".join(pending[0].unknown))
            continue
        problems = "; ".join(problem for chain in chains for problem in chain.problems)
        findings.violation(
            f"cluster {cluster.name}: no alert can reach anyone when its tasks stop: "
            f"{problems or 'no EventBridge rule in the stack'}. Expected: an enabled rule matching aws.ecs / "
            "ECS Task State Change / lastStatus STOPPED for this cluster's ARN (or all clusters), targeting "
            "an SNS topic (with a dead-letter queue) that EventBridge may publish to and that has a "
            "subscription",
            cluster.urn,
        )


POLICIES = [
    stack_policy(
        "stopped-task-alerting",
        "Every ECS cluster has an enabled EventBridge rule for its STOPPED tasks targeting an SNS topic "
        "EventBridge can publish to (topic policy, usable KMS key), with a dead-letter queue and a "
        "subscription.",
        stopped_task_alerting,
        one_setting(
            "subscriptionProtocols",
            "Subscription protocols that reach a person or a system that pages one.",
            DEFAULT_PROTOCOLS,
        ),
    ),
]
