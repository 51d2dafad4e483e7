"""The pack judges a job's task role however its grants got there: the needs it declares pass; a grant a team
adds around the needs' checks (a `RolePolicy` on the exposed `task_role`) with what the needs refuse fails."""

import pytest

from tests.gate.test_gate import gate_json

FIXTURE = "gate_job-needs"
TASK_ROLE = (
    "ecs-event-patterns:index:QueueWorkers$ecs-event-patterns:index:WorkerTask$aws:iam/role:Role"
    "::orders-worker-task-role"
)


def test_a_job_with_every_kind_of_need_passes():
    code, result = gate_json(FIXTURE, "prod")

    assert (code, result["violations"], result["notApplicable"]) == (0, [], [])
    assert result["resourceCount"] == 48


@pytest.mark.parametrize(
    ("stack", "policy", "message"),
    [
        ("wildcard-action", "task-role-no-wildcard-actions", "statement 0 allows s3:*;"),
        (
            "resource-star",
            "task-role-no-wildcard-resource",
            'statement 0 allows sqs:SendMessage on Resource "*";',
        ),
        ("not-action", "task-role-no-not-action", "statement 0 allows with NotAction,"),
    ],
)
def test_a_grant_around_the_needs_that_they_would_refuse_fails(stack: str, policy: str, message: str):
    code, result = gate_json(FIXTURE, stack)

    assert code == 1
    found = [(v["policy"], v["enforcementLevel"], v["urn"]) for v in result["violations"]]
    # No policy config for these stacks: every policy is mandatory, the pack's default.
    assert found == [(policy, "mandatory", f"urn:pulumi:{stack}::gate-fixture::{TASK_ROLE}")]
    (violation,) = result["violations"]
    assert violation["message"].startswith(
        f"task role orders-worker-task-role: aws:iam/rolePolicy:RolePolicy 'team-extra-grant' {message}"
    )
