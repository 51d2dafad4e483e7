"""A compliant stack as the analyzer's AnalyzeStack sees it (outputs and property dependencies).

Tests take it, change one field, and expect exactly the violation that change causes.
"""

from __future__ import annotations

import json

from tests.policies.harness import ACCOUNT, REGION, Resource, document, role_arn, trust

TASK_DEFINITION_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/job:1"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/jobs"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/results"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:job/db-AbCdEf"
SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tasks-stopped"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b1c2d3e-1234-4abc-8def-0123456789ab"
ALERT_DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:alerts-dead-letters"


def topic_policy(principal: object = None, condition: dict[str, object] | None = None) -> str:
    """The topic policy the alert chain needs: EventBridge may publish, for this rule only."""
    return document(
        {
            "Effect": "Allow",
            "Principal": principal or {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": TOPIC_ARN,
            "Condition": condition or {"ArnEquals": {"aws:SourceArn": RULE_ARN}},
        }
    )


def key_policy(*actions: str) -> str:
    """A key policy: the account administers the key, EventBridge may use it for the topic."""
    return document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": list(actions or ("kms:Decrypt", "kms:GenerateDataKey*")),
            "Resource": "*",
        },
    )


def containers() -> list[dict[str, object]]:
    return [
        {
            "name": "job",
            "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/jobs@sha256:{'0' * 64}",
            "essential": True,
            "readonlyRootFilesystem": True,
            "environment": [
                {"name": "TABLE_NAME", "value": "results"},
                {"name": "DB_SECRET_ARN", "value": SECRET_ARN},
            ],
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": f"{SECRET_ARN}:password::"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/jobs"}},
        }
    ]


def compliant_stack() -> list[Resource]:
    return [
        Resource(
            "aws:iam/role:Role",
            "task-role",
            {
                "name": "task-role",
                "arn": role_arn("task-role"),
                "assumeRolePolicy": trust("ecs-tasks.amazonaws.com", SOURCE_ACCOUNT),
                "inlinePolicies": [
                    {
                        "name": "work",
                        "policy": document(
                            {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": TABLE_ARN}
                        ),
                    }
                ],
            },
        ),
        Resource(
            "aws:iam/role:Role",
            "execution-role",
            {
                "name": "execution-role",
                "arn": role_arn("execution-role"),
                "assumeRolePolicy": trust(
                    "ecs-tasks.amazonaws.com",
                    {"ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"}},
                ),
            },
        ),
        Resource(
            "aws:iam/rolePolicy:RolePolicy",
            "execution-role-policy",
            {
                "role": "execution-role",
                "policy": document(
                    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/jobs",
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/jobs:*",
                    },
                    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN},
                ),
            },
            depends={"role": ["execution-role"]},
        ),
        Resource(
            "aws:iam/role:Role",
            "events-role",
            {
                "name": "events-role",
                "arn": role_arn("events-role"),
                "assumeRolePolicy": trust("events.amazonaws.com", SOURCE_ACCOUNT),
                "inlinePolicies": [
                    {
                        "name": "run-task",
                        "policy": document(
                            {
                                "Effect": "Allow",
                                "Action": "ecs:RunTask",
                                "Resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/job:*",
                            },
                            {
                                "Effect": "Allow",
                                "Action": "iam:PassRole",
                                "Resource": [role_arn("task-role"), role_arn("execution-role")],
                            },
                        ),
                    }
                ],
            },
        ),
        Resource(
            "aws:ecs/taskDefinition:TaskDefinition",
            "job",
            {
                "family": "job",
                "arn": TASK_DEFINITION_ARN,
                "taskRoleArn": role_arn("task-role"),
                "executionRoleArn": role_arn("execution-role"),
                "containerDefinitions": json.dumps(containers()),
            },
            depends={"taskRoleArn": ["task-role"], "executionRoleArn": ["execution-role"]},
        ),
        Resource("aws:ecs/cluster:Cluster", "jobs", {"name": "jobs", "arn": CLUSTER_ARN}),
        Resource(
            "aws:cloudwatch/eventTarget:EventTarget",
            "uploads-run-job",
            {
                "rule": "uploads",
                "arn": CLUSTER_ARN,
                "roleArn": role_arn("events-role"),
                "ecsTarget": {"taskDefinitionArn": TASK_DEFINITION_ARN},
            },
            depends={"roleArn": ["events-role"]},
        ),
        Resource(
            "aws:cloudwatch/eventRule:EventRule",
            "tasks-stopped",
            {
                "name": "tasks-stopped",
                "arn": RULE_ARN,
                "state": "ENABLED",
                "eventPattern": json.dumps(
                    {
                        "source": ["aws.ecs"],
                        "detail-type": ["ECS Task State Change"],
                        "detail": {"lastStatus": ["STOPPED"], "clusterArn": [CLUSTER_ARN]},
                    }
                ),
            },
            depends={"eventPattern": ["jobs"]},
        ),
        Resource(
            "aws:cloudwatch/eventTarget:EventTarget",
            "tasks-stopped-to-alerts",
            {"rule": "tasks-stopped", "arn": TOPIC_ARN, "deadLetterConfig": {"arn": ALERT_DLQ_ARN}},
            depends={"rule": ["tasks-stopped"], "arn": ["alerts"]},
        ),
        Resource(
            "aws:kms/key:Key",
            "alerts-key",
            {"arn": KEY_ARN, "keyId": KEY_ARN.rsplit("/", 1)[1], "policy": key_policy()},
        ),
        Resource(
            "aws:sns/topic:Topic",
            "alerts",
            {"name": "alerts", "arn": TOPIC_ARN, "kmsMasterKeyId": KEY_ARN},
            depends={"kmsMasterKeyId": ["alerts-key"]},
        ),
        Resource(
            "aws:sns/topicPolicy:TopicPolicy",
            "alerts-policy",
            {"arn": TOPIC_ARN, "policy": topic_policy()},
            depends={"arn": ["alerts"]},
        ),
        Resource(
            "aws:sns/topicSubscription:TopicSubscription",
            "alerts-oncall",
            {"topic": TOPIC_ARN, "protocol": "email", "endpoint": "oncall@example.com"},
            depends={"topic": ["alerts"]},
        ),
    ]
