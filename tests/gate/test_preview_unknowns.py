"""Every fixture program in preview mode, where every value computed from another resource is unknown (as in
`pulumi preview` before the resources exist): no policy crashes, and what a policy could not check it says."""

import pytest

from tests.gate.test_corpus import EXPECTED
from tests.gate.test_gate import FIXTURES, gate_json

PROGRAMS = sorted(
    path.name
    for path in FIXTURES.iterdir()
    if path.name.startswith(("gate_", "corpus_")) and path.name != "gate_broken"
)


@pytest.mark.parametrize("fixture", PROGRAMS)
def test_no_policy_crashes_and_none_passes_silently_on_unknowns(fixture):
    code, result = gate_json(fixture, "prod", "--preview")
    assert "error" not in result, result.get("error")
    assert code in (0, 1)
    waiting = {item["policy"]: item["reason"] for item in result["notApplicable"]}
    assert all(reason.strip() for reason in waiting.values())
    reported = {violation["policy"] for violation in result["violations"]}
    # Every cluster's alert chain is built from ARNs nobody knows before the update: it is reported either as
    # a link that is missing whatever the values, or as waiting for them; never as passing.
    assert "stopped-task-alerting" in reported | set(waiting)
    if "stopped-task-alerting" in waiting:
        assert waiting["stopped-task-alerting"].startswith("not known until update: ")


def test_the_compliant_program_says_what_each_policy_could_not_check():
    code, result = gate_json("gate_compliant", "prod", "--preview")
    assert (code, result["violations"]) == (0, [])
    waiting = {item["policy"]: item["reason"] for item in result["notApplicable"]}
    assert sorted(waiting) == sorted(PREVIEW_WAITING["gate_compliant"])
    for policy, fragment in PREVIEW_WAITING["gate_compliant"].items():
        assert fragment in waiting[policy], policy


CONTAINERS_UNKNOWN = "container definitions are not known until update"
PREVIEW_WAITING = {
    "gate_compliant": {
        "ecs-task-not-privileged": CONTAINERS_UNKNOWN,
        "ecs-task-logging": CONTAINERS_UNKNOWN,
        "ecs-task-no-plaintext-secrets": CONTAINERS_UNKNOWN,
        "ecs-task-read-only-root": CONTAINERS_UNKNOWN,
        "ecs-task-image-pinned": CONTAINERS_UNKNOWN,
        "execution-role-minimal": "aws:iam/rolePolicy:RolePolicy 'execution-role-pull-and-log' of role "
        "execution-role; container definitions of job",
        "trigger-role-scoped": "aws:iam/rolePolicy:RolePolicy 'scheduler-role-run-task' of role scheduler-role",
        "stopped-task-alerting": "event pattern of rule tasks-stopped (computed from cluster jobs, taken as "
        "matching until update); policy of alerts-policy; kmsMasterKeyId of topic alerts",
        "sqs-queue-tls-only": "policy of work-dlq-tls-only; policy of work-tls-only",
        "s3-bucket-hardened": "policy of uploads-tls-only",
    },
}


def test_good_corpus_programs_have_no_violation_in_preview_either():
    for fixture in (name for name, findings in EXPECTED.items() if not findings):
        code, result = gate_json(fixture, "prod", "--preview")
        assert (fixture, code, result["violations"]) == (fixture, 0, [])
