"""Task definition resource policies: a compliant container, then one field changed per rule."""

import json

import pytest

from policies.ecs_guardrails.rules import task_definitions
from tests.policies.harness import UNKNOWN, Resource, policy_named, run_resource
from tests.policies.stack import containers

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
RESOURCE_POLICIES = task_definitions.POLICIES[1:]


def task_definition(**changes: object) -> Resource:
    (container,) = containers()
    container.update(changes)
    return Resource(
        TASK_DEFINITION, "job", {"family": "job", "containerDefinitions": json.dumps([container])}
    )


def policy(name: str):
    return policy_named(RESOURCE_POLICIES, name)


@pytest.mark.parametrize("checked", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_compliant_task_definition_passes(checked):
    outcome = run_resource(checked, task_definition())
    assert (outcome.violations, outcome.not_applicable) == ([], None)


@pytest.mark.parametrize("checked", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_unknown_container_definitions_are_checked_at_update(checked):
    outcome = run_resource(checked, Resource(TASK_DEFINITION, "job", {"containerDefinitions": UNKNOWN}))
    assert outcome.violations == []
    assert outcome.not_applicable == "container definitions are not known until update"


def test_privileged_container_is_reported():
    outcome = run_resource(policy("ecs-task-not-privileged"), task_definition(privileged=True))
    assert outcome.messages == ["container job: runs privileged; remove `privileged: true`"]


def test_container_without_log_configuration_is_reported():
    outcome = run_resource(policy("ecs-task-logging"), task_definition(logConfiguration=None))
    assert outcome.messages[0].startswith("container job: has no logConfiguration")


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (
            {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"},
            "AWS_ACCESS_KEY_ID holds an AWS access key id",
        ),
        ({"name": "SESSION", "value": "ASIAIOSFODNN7EXAMPLE"}, "SESSION holds an AWS access key id"),
        ({"name": "DB_PASSWORD", "value": "hunter2"}, "DB_PASSWORD looks like a secret in plain text"),
        ({"name": "api_token", "value": "abc"}, "api_token looks like a secret in plain text"),
    ],
)
def test_plaintext_secret_in_environment_is_reported(variable, expected):
    outcome = run_resource(policy("ecs-task-no-plaintext-secrets"), task_definition(environment=[variable]))
    assert len(outcome.messages) == 1
    assert expected in outcome.messages[0]


def test_secret_references_and_configured_names_are_not_secrets():
    variables = [
        {"name": "DB_SECRET_ARN", "value": "arn:aws:secretsmanager:us-east-1:1:secret:x"},
        {"name": "TOKEN_PARAMETER", "value": "/jobs/token"},
        {"name": "SECRET_SAUCE", "value": "ketchup"},
    ]
    checked = policy("ecs-task-no-plaintext-secrets")
    assert run_resource(checked, task_definition(environment=variables[:2])).violations == []
    configured = run_resource(
        checked, task_definition(environment=variables), {"secretNamePattern": "PASSWORD"}
    )
    assert configured.violations == []


def test_writable_root_file_system_is_reported_unless_exempt():
    writable = task_definition(readonlyRootFilesystem=False)
    outcome = run_resource(policy("ecs-task-read-only-root"), writable)
    assert outcome.messages[0].startswith("container job: root file system is writable")
    exempt = run_resource(policy("ecs-task-read-only-root"), writable, {"exemptContainers": ["job"]})
    assert exempt.violations == []


def test_other_resource_types_are_ignored():
    outcome = run_resource(policy("ecs-task-not-privileged"), Resource("aws:sqs/queue:Queue", "q", {}))
    assert (outcome.violations, outcome.not_applicable) == ([], None)
