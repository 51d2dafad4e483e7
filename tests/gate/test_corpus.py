"""The corpus: small programs written the way public examples and teams write them, each with its exact
findings per stack config (dev advisory, prod mandatory); the good ones have none."""

import pytest

from tests.gate.test_gate import gate_json

ROLE = "aws:iam/role:Role"
CLUSTER = "aws:ecs/cluster:Cluster"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "corpus_good-execution-policy": [],
    "corpus_good-policy-document": [],
    "corpus_good-inline-policies": [],
    "corpus_docker-build-image": [],
    "corpus_awsx-fargate-default-roles": [
        ("ecr-repository-hardened", "awsx:ecr:Repository", "repo", "does not scan images on push"),
        ("ecr-repository-hardened", "awsx:ecr:Repository", "repo", "has mutable tags"),
        ("stopped-task-alerting", CLUSTER, "cluster", "no EventBridge rule in the stack"),
    ],
    "corpus_task-role-managed-policies": [
        (
            "task-role-no-managed-policies",
            ROLE,
            "task-role",
            "task role task-role has AWS managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess attached",
        ),
    ],
    "corpus_policy-and-attachment": [
        (
            "task-role-no-wildcard-actions",
            ROLE,
            "task-role",
            "task role task-role: managed policy 'app-storage' statement 0 allows s3:*;",
        ),
        (
            "task-role-no-wildcard-resource",
            ROLE,
            "task-role",
            """managed policy 'app-storage' statement 0 allows s3:* on Resource "*";""",
        ),
    ],
    "corpus_rule-from-cluster-name": [
        (
            "stopped-task-alerting",
            CLUSTER,
            "jobs",
            "(it names the cluster; ECS events carry the cluster's ARN: use cluster.arn)",
        ),
    ],
    "corpus_topic-aws-managed-key": [
        ("sns-topic-encrypted", "aws:sns/topic:Topic", "alerts", "uses the AWS managed key alias/aws/sns"),
        ("stopped-task-alerting", CLUSTER, "jobs", "is encrypted with the AWS managed key alias/aws/sns"),
    ],
    "corpus_chain-without-topic-policy": [
        (
            "stopped-task-alerting",
            CLUSTER,
            "jobs",
            "topic alerts has no topic policy letting events.amazonaws.com",
        ),
    ],
    "corpus_one-role-for-both": [
        (
            "task-role-no-managed-policies",
            ROLE,
            "ecs-role",
            f"task role ecs-role has AWS managed policy {EXECUTION_POLICY}",
        ),
        (
            "ecs-task-roles-distinct",
            "aws:ecs/taskDefinition:TaskDefinition",
            "job",
            "uses one role as task role and",
        ),
    ],
}


@pytest.mark.parametrize(("stack", "level"), [("dev", "advisory"), ("prod", "mandatory")])
@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_corpus_program_has_exactly_its_findings(fixture, stack, level):
    code, result = gate_json(fixture, stack)
    assert "error" not in result, result.get("error")
    expected = EXPECTED[fixture]
    found = [
        (v["policy"], v["resourceType"], v["resourceName"], v["enforcementLevel"])
        for v in result["violations"]
    ]
    assert found == [(policy, typ, name, level) for policy, typ, name, _ in expected]
    for violation, (_, _, _, fragment) in zip(result["violations"], expected, strict=True):
        assert fragment in violation["message"]
    assert result["notApplicable"] == []
    assert code == (1 if expected and level == "mandatory" else 0)


def test_the_corpus_has_at_least_ten_programs():
    assert len(EXPECTED) >= 10
    assert sum(1 for findings in EXPECTED.values() if not findings) >= 3
