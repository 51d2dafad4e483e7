"""Least privilege for task, execution and trigger roles: a compliant stack, then one change per rule."""

import json

import pytest

from policies.ecs_guardrails.rules import roles, task_definitions, task_roles, trigger_roles
from policies.ecs_guardrails.rules.stack_graph import Findings
from tests.policies.harness import (
    UNKNOWN,
    Resource,
    by_name,
    document,
    policy_named,
    role_arn,
    run_stack,
    run_stack_resources,
    trust,
    urn,
)
from tests.policies.stack import CLUSTER_ARN, SECRET_ARN, SOURCE_ACCOUNT, compliant_stack

ROLE = "aws:iam/role:Role"
TASK_ROLE_URN = urn(ROLE, "task-role")
EXECUTION_ROLE_URN = urn(ROLE, "execution-role")
ALL_STACK_POLICIES = task_roles.POLICIES + trigger_roles.POLICIES + task_definitions.POLICIES[:1]


def policy(name: str):
    return policy_named(ALL_STACK_POLICIES, name)


def with_task_statement(**statement) -> list[Resource]:
    stack = compliant_stack()
    by_name(stack, "task-role").props["inlinePolicies"] = [
        {"name": "work", "policy": document({"Effect": "Allow", **statement})}
    ]
    return stack


@pytest.mark.parametrize("checked", ALL_STACK_POLICIES, ids=lambda p: p.name)
def test_compliant_stack_passes(checked):
    outcome = run_stack(checked, compliant_stack())
    assert outcome.violations == []
    assert outcome.not_applicable is None


@pytest.mark.parametrize("action", ["s3:*", "*"])
def test_service_wide_action_is_reported(action):
    stack = with_task_statement(Action=["s3:GetObject", action], Resource="arn:aws:s3:::uploads/*")
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.urns == [TASK_ROLE_URN]
    assert f"allows {action};" in outcome.messages[0]
    assert "inline policy 'work'" in outcome.messages[0]


def test_partial_wildcard_action_is_not_service_wide():
    stack = with_task_statement(Action="s3:Get*", Resource="arn:aws:s3:::uploads/*")
    assert run_stack(policy("task-role-no-wildcard-actions"), stack).violations == []


@pytest.mark.parametrize("key", ["NotAction", "NotResource"])
def test_not_action_and_not_resource_are_reported(key):
    statement = {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::uploads/*"}
    statement[key] = statement.pop("Action" if key == "NotAction" else "Resource")
    outcome = run_stack(policy("task-role-no-not-action"), with_task_statement(**statement))
    assert outcome.urns == [TASK_ROLE_URN]
    assert f"allows with {key}" in outcome.messages[0]


def test_wildcard_resource_on_scoped_action_is_reported():
    stack = with_task_statement(Action=["dynamodb:PutItem"], Resource="*")
    outcome = run_stack(policy("task-role-no-wildcard-resource"), stack)
    assert outcome.urns == [TASK_ROLE_URN]
    assert 'allows dynamodb:PutItem on Resource "*"' in outcome.messages[0]


def test_wildcard_resource_is_allowed_for_actions_without_resources_and_configurable():
    stack = with_task_statement(Action=["cloudwatch:PutMetricData"], Resource="*")
    assert run_stack(policy("task-role-no-wildcard-resource"), stack).violations == []
    configured = run_stack(policy("task-role-no-wildcard-resource"), stack, {"allowedActions": []})
    assert "cloudwatch:PutMetricData" in configured.messages[0]


def test_aws_managed_policy_attachment_is_reported_unless_allowed():
    stack = [
        *compliant_stack(),
        Resource(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "task-role-admin",
            {"role": "task-role", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        ),
    ]
    outcome = run_stack(policy("task-role-no-managed-policies"), stack)
    assert outcome.urns == [TASK_ROLE_URN]
    assert "AWS managed policy arn:aws:iam::aws:policy/AdministratorAccess" in outcome.messages[0]
    allowed = {"allowedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}
    assert run_stack(policy("task-role-no-managed-policies"), stack, allowed).violations == []


EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_execution_role_may_carry_the_aws_execution_policy_by_default():
    stack = compliant_stack()
    by_name(stack, "execution-role").props["managedPolicyArns"] = [EXECUTION_POLICY]
    stack = [item for item in stack if item.name != "execution-role-policy"]
    for checked in ALL_STACK_POLICIES:
        assert run_stack(policy(checked.name), stack).violations == [], checked.name
    strict = run_stack(policy("execution-role-minimal"), stack, {"allowedPolicyArns": []})
    assert strict.messages == [
        f"execution role execution-role has managed policy {EXECUTION_POLICY} attached; an execution role "
        "needs only AmazonECSTaskExecutionRolePolicy or exact image, log and secret reads (or allow the policy "
        "in execution-role-minimal.allowedPolicyArns)"
    ]


def test_execution_policy_is_recognised_in_other_partitions():
    stack = compliant_stack()
    by_name(stack, "execution-role").props["managedPolicyArns"] = [
        EXECUTION_POLICY.replace("arn:aws:", "arn:aws-cn:", 1)
    ]
    assert run_stack(policy("execution-role-minimal"), stack).violations == []


def test_other_managed_policy_on_the_execution_role_is_reported():
    stack = compliant_stack()
    by_name(stack, "execution-role").props["managedPolicyArns"] = [
        "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    ]
    outcome = run_stack(policy("execution-role-minimal"), stack)
    assert outcome.urns == [EXECUTION_ROLE_URN]
    assert "managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess attached" in outcome.messages[0]
    assert run_stack(policy("task-role-no-managed-policies"), stack).violations == []


def test_the_execution_policy_on_a_task_role_is_reported_as_a_task_role_policy():
    stack = compliant_stack()
    by_name(stack, "task-role").props["managedPolicyArns"] = [EXECUTION_POLICY]
    outcome = run_stack(policy("task-role-no-managed-policies"), stack)
    assert outcome.messages == [
        f"task role task-role has AWS managed policy {EXECUTION_POLICY} attached; grant the containers exact "
        "actions on exact ARNs instead (or allow the policy in task-role-no-managed-policies.allowedPolicyArns)"
    ]


def test_execution_role_is_not_judged_by_task_role_rules():
    stack = compliant_stack()
    by_name(stack, "execution-role-policy").props["policy"] = document(
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}
    )
    assert run_stack(policy("task-role-no-wildcard-resource"), stack).violations == []
    assert run_stack(policy("execution-role-minimal"), stack).violations == []


def test_role_in_two_uses_gets_the_rules_of_both():
    stack = compliant_stack()
    job = by_name(stack, "job")
    other = Resource(
        job.type,
        "other-job",
        {**job.props, "family": "other", "executionRoleArn": role_arn("task-role")},
        depends={},
    )
    stack.append(other)
    outcome = run_stack(policy("execution-role-minimal"), stack)
    assert outcome.urns == [TASK_ROLE_URN]
    assert outcome.messages[0].startswith(
        "execution role task-role: inline policy 'work' statement 0 allows dynamodb:PutItem;"
    )
    by_name(stack, "task-role").props["inlinePolicies"][0]["policy"] = document(
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}
    )
    assert run_stack(policy("task-role-no-wildcard-resource"), stack).urns == [TASK_ROLE_URN]


def test_role_nothing_references_is_judged_by_its_trust_and_says_so():
    stack = compliant_stack()
    stack.append(
        Resource(
            ROLE,
            "spare",
            {
                "name": "spare",
                "arn": role_arn("spare"),
                "assumeRolePolicy": trust("ecs-tasks.amazonaws.com", SOURCE_ACCOUNT),
                "inlinePolicies": [
                    {
                        "name": "all",
                        "policy": document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
                    }
                ],
            },
        )
    )
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.messages == [
        "task role spare (not referenced in the stack; judged by its trust policy): inline policy 'all' "
        "statement 0 allows s3:*; list the exact actions the containers need"
    ]


def test_role_used_by_an_event_target_is_an_events_role_whatever_it_trusts():
    stack = compliant_stack()
    events_role = by_name(stack, "events-role")
    events_role.props["assumeRolePolicy"] = trust("ecs-tasks.amazonaws.com", SOURCE_ACCOUNT)
    events_role.props["inlinePolicies"][0]["policy"] = document(
        {"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*"}
    )
    assert run_stack(policy("task-role-no-wildcard-resource"), stack).violations == []
    outcome = run_stack(policy("trigger-role-scoped"), stack)
    assert outcome.messages == [
        "events role events-role: inline policy 'run-task' statement 0 allows ecs:RunTask on *; scope it to "
        "task definition ARNs (family, optionally :revision or :*)"
    ]


def test_role_of_a_schedule_is_a_scheduler_role():
    stack = compliant_stack()
    stack.append(
        Resource(
            "aws:scheduler/schedule:Schedule",
            "nightly",
            {"target": {"arn": CLUSTER_ARN, "roleArn": UNKNOWN}},
            depends={"target": ["events-role"]},
        )
    )
    by_name(stack, "events-role").props["inlinePolicies"][0]["policy"] = document(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    )
    outcome = run_stack(policy("trigger-role-scoped"), stack)
    assert outcome.messages[0].startswith("events role events-role: inline policy 'run-task'")
    uses = roles.roles_used_as(
        run_stack_resources(stack), {roles.Use.SCHEDULER}, Findings(lambda message, urn: None)
    )
    assert [(view.name, sorted(use.value for use in view.uses)) for view in uses] == [
        ("events-role", ["events role", "scheduler role"])
    ]


def test_awsx_service_roles_are_classified_by_their_inputs_and_wait_when_ambiguous():
    stack = compliant_stack()
    service = Resource(
        "awsx:ecs:FargateService",
        "web",
        {"taskDefinitionArgs": {"taskRole": {"roleArn": role_arn("events-role")}}},
    )
    stack.append(service)
    by_name(stack, "events-role").props["inlinePolicies"][0]["policy"] = document(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::x/*"}
    )
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.urns == [urn(ROLE, "events-role")]
    service.props = {
        "taskDefinitionArgs": {"taskRole": {"roleArn": UNKNOWN}, "executionRole": {"roleArn": UNKNOWN}}
    }
    service.depends = {"taskDefinitionArgs": ["events-role", "execution-role"]}
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.violations == []
    assert "taskDefinitionArgs.taskRole.roleArn of web (is it role events-role?)" in (
        outcome.not_applicable or ""
    )


def test_customer_policy_in_the_stack_is_followed_through_its_attachment():
    policy_arn = "arn:aws:iam::123456789012:policy/broad"
    stack = [
        *compliant_stack(),
        Resource(
            "aws:iam/policy:Policy",
            "broad",
            {
                "arn": policy_arn,
                "name": "broad",
                "policy": document({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}),
            },
        ),
        Resource(
            "aws:iam/policyAttachment:PolicyAttachment",
            "broad-to-task",
            {"roles": [UNKNOWN], "policyArn": UNKNOWN},
            depends={"roles": ["task-role"], "policyArn": ["broad"]},
        ),
    ]
    assert run_stack(policy("task-role-no-managed-policies"), stack).violations == []
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.urns == [TASK_ROLE_URN]
    assert "managed policy 'broad' statement 0 allows sqs:*" in outcome.messages[0]


def test_role_policy_is_linked_through_property_dependencies_when_the_role_name_is_unknown():
    stack = [
        *compliant_stack(),
        Resource(
            "aws:iam/rolePolicy:RolePolicy",
            "task-role-extra",
            {"role": UNKNOWN, "policy": document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})},
            depends={"role": ["task-role"]},
        ),
    ]
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.urns == [TASK_ROLE_URN]


def test_unknown_document_makes_the_policy_not_applicable_until_update():
    stack = compliant_stack()
    by_name(stack, "task-role").props["inlinePolicies"] = [{"name": "work", "policy": UNKNOWN}]
    outcome = run_stack(policy("task-role-no-wildcard-actions"), stack)
    assert outcome.violations == []
    assert "inline policy 'work' of role task-role" in (outcome.not_applicable or "")


def test_trust_policy_without_source_condition_is_reported():
    stack = compliant_stack()
    by_name(stack, "task-role").props["assumeRolePolicy"] = trust("ecs-tasks.amazonaws.com")
    outcome = run_stack(policy("task-role-trust-scoped"), stack)
    assert outcome.urns == [TASK_ROLE_URN]
    assert "no aws:SourceAccount or aws:SourceArn condition" in outcome.messages[0]


def test_trust_policy_admitting_another_principal_is_reported():
    stack = compliant_stack()
    document_with_lambda = document(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"]},
            "Action": "sts:AssumeRole",
            "Condition": SOURCE_ACCOUNT,
        }
    )
    by_name(stack, "task-role").props["assumeRolePolicy"] = document_with_lambda
    outcome = run_stack(policy("task-role-trust-scoped"), stack)
    assert outcome.messages == [
        "task role task-role: trust statement 0 also admits lambda.amazonaws.com; "
        "a role ECS tasks run with trusts only ecs-tasks.amazonaws.com (give the others their own role)"
    ]


def test_execution_role_with_container_permissions_is_reported():
    stack = compliant_stack()
    by_name(stack, "execution-role-policy").props["policy"] = document(
        {"Effect": "Allow", "Action": ["logs:PutLogEvents", "s3:GetObject"], "Resource": "arn:aws:s3:::x/*"}
    )
    outcome = run_stack(policy("execution-role-minimal"), stack)
    assert outcome.urns == [EXECUTION_ROLE_URN]
    assert "allows s3:GetObject;" in outcome.messages[0]


def test_execution_role_reading_a_secret_its_task_does_not_use_is_reported():
    other = SECRET_ARN.replace("job/db", "other/db")
    stack = compliant_stack()
    by_name(stack, "execution-role-policy").props["policy"] = document(
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": [SECRET_ARN, other]}
    )
    outcome = run_stack(policy("execution-role-minimal"), stack)
    assert len(outcome.violations) == 1
    assert f"reads {other}, which no container" in outcome.messages[0]


@pytest.mark.parametrize(
    ("value_from", "granted"),
    [
        ("/jobs/db-password", "arn:aws:ssm:us-east-1:123456789012:parameter/jobs/db-password"),
        ("job/db", SECRET_ARN),
        (f"{SECRET_ARN}:password::", f"{SECRET_ARN[:-7]}-*"),
    ],
)
def test_execution_role_may_read_secrets_named_by_name_or_arn(value_from, granted):
    stack = compliant_stack()
    job = by_name(stack, "job")
    containers = json.loads(job.props["containerDefinitions"])
    containers[0]["secrets"] = [{"name": "DB_PASSWORD", "valueFrom": value_from}]
    job.props["containerDefinitions"] = json.dumps(containers)
    action = "ssm:GetParameters" if ":parameter/" in granted else "secretsmanager:GetSecretValue"
    by_name(stack, "execution-role-policy").props["policy"] = document(
        {"Effect": "Allow", "Action": action, "Resource": granted}
    )
    assert run_stack(policy("execution-role-minimal"), stack).violations == []
    by_name(stack, "execution-role-policy").props["policy"] = document(
        {"Effect": "Allow", "Action": action, "Resource": granted.replace("db", "other")}
    )
    assert len(run_stack(policy("execution-role-minimal"), stack).violations) == 1


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("ecs:RunTask", "*", "allows ecs:RunTask on *"),
        ("ecs:*", "arn:aws:ecs:us-east-1:123456789012:cluster/jobs", "allows ecs:RunTask on arn:aws:ecs"),
        (
            "iam:PassRole",
            "arn:aws:iam::123456789012:role/*",
            "allows iam:PassRole on arn:aws:iam::123456789012:role/*",
        ),
    ],
)
def test_trigger_role_wildcards_are_reported(action, resource, expected):
    stack = compliant_stack()
    by_name(stack, "events-role").props["inlinePolicies"] = [
        {"name": "run-task", "policy": document({"Effect": "Allow", "Action": action, "Resource": resource})}
    ]
    outcome = run_stack(policy("trigger-role-scoped"), stack)
    assert outcome.urns == [urn(ROLE, "events-role")]
    assert expected in outcome.messages[0]


def test_scheduler_role_is_checked_too():
    stack = compliant_stack()
    by_name(stack, "events-role").props["assumeRolePolicy"] = trust("scheduler.amazonaws.com", SOURCE_ACCOUNT)
    by_name(stack, "events-role").props["inlinePolicies"] = [
        {
            "name": "run-task",
            "policy": document({"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*"}),
        }
    ]
    assert len(run_stack(policy("trigger-role-scoped"), stack).violations) == 1


def test_one_role_as_task_and_execution_role_is_reported():
    stack = compliant_stack()
    by_name(stack, "job").props["taskRoleArn"] = role_arn("execution-role")
    outcome = run_stack(policy("ecs-task-roles-distinct"), stack)
    assert outcome.urns == [urn("aws:ecs/taskDefinition:TaskDefinition", "job")]


def test_same_role_is_found_through_dependencies_when_arns_are_unknown():
    stack = compliant_stack()
    job = by_name(stack, "job")
    job.props.update(taskRoleArn=UNKNOWN, executionRoleArn=UNKNOWN)
    assert run_stack(policy("ecs-task-roles-distinct"), stack).violations == []
    job.depends["taskRoleArn"] = ["execution-role"]
    assert len(run_stack(policy("ecs-task-roles-distinct"), stack).violations) == 1


def test_trigger_role_with_not_action_is_reported():
    stack = compliant_stack()
    by_name(stack, "events-role").props["inlinePolicies"] = [
        {"name": "run-task", "policy": document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})}
    ]
    outcome = run_stack(policy("trigger-role-scoped"), stack)
    assert outcome.messages == [
        "events role events-role: inline policy 'run-task' statement 0 allows with NotAction or NotResource; "
        "list the actions and resources"
    ]
