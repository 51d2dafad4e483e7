"""Stopped-task alerting: the compliant chain, each link broken in turn, values unknown in preview."""

import json

import pytest

from policies.ecs_guardrails.rules import stopped_task_alerting
from tests.policies.harness import UNKNOWN, Resource, by_name, run_stack, urn
from tests.policies.stack import CLUSTER_ARN, KEY_ARN, RULE_ARN, compliant_stack, key_policy, topic_policy

(POLICY,) = stopped_task_alerting.POLICIES
CLUSTER_URN = urn("aws:ecs/cluster:Cluster", "jobs")


def pattern(**detail: object) -> str:
    return json.dumps({"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": detail})


def problem(stack: list[Resource], config: dict[str, object] | None = None) -> str:
    outcome = run_stack(POLICY, stack, config)
    assert outcome.urns == [CLUSTER_URN]
    return outcome.messages[0]


def test_compliant_chain_passes():
    assert run_stack(POLICY, compliant_stack()).violations == []


def test_rule_for_all_clusters_passes():
    stack = compliant_stack()
    rule = by_name(stack, "tasks-stopped")
    rule.props["eventPattern"] = pattern(lastStatus=["STOPPED"])
    rule.depends = {}
    assert run_stack(POLICY, stack).violations == []


def test_cluster_without_rule_is_reported():
    stack = [item for item in compliant_stack() if item.name != "tasks-stopped"]
    assert "no EventBridge rule in the stack" in problem(stack)


@pytest.mark.parametrize(
    ("event_pattern", "expected"),
    [
        (pattern(lastStatus=["RUNNING"]), "matches lastStatus RUNNING, not STOPPED"),
        (
            pattern(stoppedReason=["Essential container in task exited"]),
            "has no detail.lastStatus filter; filter on STOPPED",
        ),
        (json.dumps({"source": ["aws.s3"]}), "does not match source aws.ecs"),
        (
            json.dumps({"source": ["aws.ecs"], "detail-type": ["ECS Container Instance State Change"]}),
            "does not match detail-type ECS Task State Change",
        ),
    ],
)
def test_rule_that_misses_stopped_tasks_is_reported(event_pattern, expected):
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["eventPattern"] = event_pattern
    assert expected in problem(stack)


def test_rule_for_another_cluster_is_reported():
    stack = compliant_stack()
    rule = by_name(stack, "tasks-stopped")
    rule.props["eventPattern"] = pattern(lastStatus=["STOPPED"], clusterArn=[CLUSTER_ARN + "-other"])
    rule.depends = {}
    assert (
        f"rule tasks-stopped filters detail.clusterArn to ['{CLUSTER_ARN}-other'], which does not match "
        f"{CLUSTER_ARN} (the rule matches none of this cluster's events)"
    ) in problem(stack)


def test_disabled_rule_is_reported():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["state"] = "DISABLED"
    assert "rule tasks-stopped is disabled" in problem(stack)


def test_rule_without_topic_target_is_reported():
    stack = compliant_stack()
    target = by_name(stack, "tasks-stopped-to-alerts")
    target.props["arn"] = "arn:aws:sqs:us-east-1:123456789012:somewhere"
    target.depends = {"rule": ["tasks-stopped"]}
    assert "none of its targets is an SNS topic" in problem(stack)


def test_topic_without_subscription_is_reported():
    stack = [item for item in compliant_stack() if item.name != "alerts-oncall"]
    assert "topic alerts has no subscription with protocol email/email-json" in problem(stack)


def test_subscription_protocols_are_configurable():
    message = problem(compliant_stack(), {"subscriptionProtocols": ["sms"]})
    assert "no subscription with protocol sms" in message


def test_links_follow_dependencies_when_values_are_unknown():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped-to-alerts").props.update(rule=UNKNOWN, arn=UNKNOWN)
    by_name(stack, "alerts-oncall").props["topic"] = UNKNOWN
    assert run_stack(POLICY, stack).violations == []


def test_unknown_event_pattern_computed_from_the_cluster_counts_until_update_and_says_so():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["eventPattern"] = UNKNOWN
    outcome = run_stack(POLICY, stack)
    assert outcome.violations == []
    assert outcome.not_applicable == (
        "not known until update: event pattern of rule tasks-stopped (computed from cluster jobs, taken as "
        "matching until update)"
    )


def test_unknown_event_pattern_computed_from_the_cluster_still_needs_the_rest_of_the_chain():
    stack = [item for item in compliant_stack() if item.name != "alerts-policy"]
    by_name(stack, "tasks-stopped").props["eventPattern"] = UNKNOWN
    assert "topic alerts has no topic policy" in problem(stack)


def test_unknown_event_pattern_not_computed_from_the_cluster_is_not_a_match():
    stack = compliant_stack()
    rule = by_name(stack, "tasks-stopped")
    rule.props["eventPattern"] = UNKNOWN
    rule.depends = {}
    outcome = run_stack(POLICY, stack)
    assert outcome.violations == []
    assert outcome.not_applicable == "not known until update: event pattern of rule tasks-stopped"


@pytest.mark.parametrize(
    "cluster_filter",
    [
        {"prefix": "arn:aws:ecs:us-east-1:123456789012:cluster/"},
        {"suffix": ":cluster/jobs"},
        {"wildcard": "arn:aws:ecs:*:cluster/jobs"},
        {"anything-but": CLUSTER_ARN + "-other"},
    ],
)
def test_cluster_filter_is_evaluated_against_the_cluster_arn(cluster_filter):
    stack = compliant_stack()
    rule = by_name(stack, "tasks-stopped")
    rule.props["eventPattern"] = pattern(lastStatus=["STOPPED"], clusterArn=[cluster_filter])
    rule.depends = {}
    assert run_stack(POLICY, stack).violations == []


def test_rule_built_from_the_cluster_name_is_reported_although_it_depends_on_the_cluster():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["eventPattern"] = pattern(
        lastStatus=["STOPPED"], clusterArn=["jobs"]
    )
    assert (
        f"rule tasks-stopped filters detail.clusterArn to ['jobs'], which does not match {CLUSTER_ARN} (it names "
        "the cluster; ECS events carry the cluster's ARN: use cluster.arn)"
    ) in problem(stack)


def test_unknown_cluster_arn_counts_through_the_dependency_and_says_so():
    stack = compliant_stack()
    by_name(stack, "jobs").props["arn"] = UNKNOWN
    outcome = run_stack(POLICY, stack)
    assert outcome.violations == []
    assert outcome.not_applicable == (
        "not known until update: ARN of cluster jobs (rule tasks-stopped's clusterArn filter is computed from "
        "it, taken as matching until update)"
    )


def test_invalid_pattern_is_reported():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped").props["eventPattern"] = pattern(lastStatus=[{"prefx": "STOP"}])
    assert "has an event pattern EventBridge rejects: detail.lastStatus: unknown operator 'prefx'" in problem(
        stack
    )


def test_topic_without_topic_policy_is_reported():
    stack = [item for item in compliant_stack() if item.name != "alerts-policy"]
    assert (
        "topic alerts has no topic policy letting events.amazonaws.com sns:Publish for rule tasks-stopped; add an "
        "aws.sns.TopicPolicy allowing it, limited by aws:SourceArn to the rule's ARN"
    ) in problem(stack)


@pytest.mark.parametrize(
    ("policy", "passes"),
    [
        (topic_policy(), True),
        (topic_policy("*"), True),
        (topic_policy(condition={"StringEquals": {"aws:SourceAccount": "123456789012"}}), True),
        (
            topic_policy(condition={"ArnLike": {"aws:SourceArn": RULE_ARN.replace("tasks-stopped", "*")}}),
            True,
        ),
        (topic_policy(condition={"ArnEquals": {"aws:SourceArn": RULE_ARN + "-other"}}), False),
        (topic_policy(condition={"StringEquals": {"aws:SourceAccount": "999999999999"}}), False),
        (topic_policy({"Service": "cloudwatch.amazonaws.com"}), False),
    ],
)
def test_topic_policy_must_admit_eventbridge_for_this_rule(policy, passes):
    stack = compliant_stack()
    by_name(stack, "alerts-policy").props["policy"] = policy
    outcome = run_stack(POLICY, stack)
    assert (outcome.violations == []) is passes
    if not passes:
        assert "topic alerts has no topic policy letting events.amazonaws.com" in outcome.messages[0]


def test_inline_topic_policy_counts():
    stack = [item for item in compliant_stack() if item.name != "alerts-policy"]
    by_name(stack, "alerts").props["policy"] = topic_policy()
    assert run_stack(POLICY, stack).violations == []


def test_topic_under_the_aws_managed_key_is_reported():
    stack = compliant_stack()
    by_name(stack, "alerts").props["kmsMasterKeyId"] = "alias/aws/sns"
    assert (
        "topic alerts is encrypted with the AWS managed key alias/aws/sns, whose key policy events.amazonaws.com "
        "cannot use: encrypt it with a customer managed key whose policy allows it"
    ) in problem(stack)


@pytest.mark.parametrize("key_policy_value", [None, key_policy("kms:Decrypt")])
def test_key_whose_policy_does_not_let_eventbridge_use_it_is_reported(key_policy_value):
    stack = compliant_stack()
    key = by_name(stack, "alerts-key")
    key.props.pop("policy")
    if key_policy_value:
        key.props["policy"] = key_policy_value
    assert (
        "topic alerts's key alerts-key has no key policy statement letting events.amazonaws.com"
        in problem(stack)
    )


def test_key_found_through_an_alias_and_a_separate_key_policy():
    stack = compliant_stack()
    key = by_name(stack, "alerts-key")
    policy = key.props.pop("policy")
    by_name(stack, "alerts").props["kmsMasterKeyId"] = "alias/alerts"
    stack += [
        Resource(
            "aws:kms/alias:Alias", "alerts-alias", {"name": "alias/alerts", "targetKeyId": key.props["keyId"]}
        ),
        Resource(
            "aws:kms/keyPolicy:KeyPolicy",
            "alerts-key-policy",
            {"keyId": UNKNOWN, "policy": policy},
            depends={"keyId": ["alerts-key"]},
        ),
    ]
    assert run_stack(POLICY, stack).violations == []


def test_key_defined_outside_the_stack_cannot_be_checked_and_says_so():
    stack = [item for item in compliant_stack() if item.name != "alerts-key"]
    outcome = run_stack(POLICY, stack)
    assert outcome.violations == []
    assert outcome.not_applicable == (
        f"not known until update: key policy of {KEY_ARN} (topic alerts's key is defined outside the stack; it "
        "must let events.amazonaws.com use it)"
    )


def test_unencrypted_topic_needs_no_key_policy():
    stack = [item for item in compliant_stack() if item.name != "alerts-key"]
    by_name(stack, "alerts").props.pop("kmsMasterKeyId")
    assert run_stack(POLICY, stack).violations == []


def test_target_without_dead_letter_queue_is_reported():
    stack = compliant_stack()
    by_name(stack, "tasks-stopped-to-alerts").props.pop("deadLetterConfig")
    assert (
        "target tasks-stopped-to-alerts has no deadLetterConfig: an alert EventBridge cannot deliver is lost; "
        "give it an SQS dead-letter queue"
    ) in problem(stack)


def test_every_missing_link_is_named():
    stack = [item for item in compliant_stack() if item.name not in ("alerts-policy", "alerts-oncall")]
    by_name(stack, "tasks-stopped-to-alerts").props.pop("deadLetterConfig")
    message = problem(stack)
    for link in ("has no topic policy", "has no subscription", "has no deadLetterConfig"):
        assert link in message
