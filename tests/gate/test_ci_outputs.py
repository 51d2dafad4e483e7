"""The gate's outputs for CI: SARIF 2.1.0 (valid against the schema) and a Markdown summary."""

import json
from pathlib import Path

import jsonschema

from tests.gate.test_gate import FIXTURES, ROOT, gate, urn

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())
BASELINE = ROOT / "tests" / "fixtures" / "_shared" / "ecs_baseline.py"


def line_of(text: str) -> int:
    return next(number for number, line in enumerate(BASELINE.read_text().splitlines(), 1) if text in line)


def test_sarif_is_valid_and_points_at_the_line_that_made_the_resource(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    completed = gate(
        "--stack",
        "prod",
        "--cwd",
        str(FIXTURES / "gate_s3-wildcard"),
        "--format",
        "sarif",
        "--summary",
        str(summary),
    )
    assert completed.returncode == 1, completed.stderr
    log = json.loads(completed.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run,) = log["runs"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["task-role-no-wildcard-actions"]
    (result,) = run["results"]
    assert (result["ruleId"], result["ruleIndex"], result["level"]) == (
        "task-role-no-wildcard-actions",
        0,
        "error",
    )
    assert result["message"]["text"].startswith(
        "aws:iam/role:Role: task-role: task role task-role: inline policy 'work' statement 0 allows s3:*;"
    )
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/fixtures/_shared/ecs_baseline.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line_of("task_role = aws.iam.Role(")},
    }
    role_urn = urn("prod", "aws:iam/role:Role", "task-role")
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": role_urn, "name": "task-role", "kind": "resource"}
    ]
    assert run["automationDetails"] == {"id": "policy-gate/prod/"}

    markdown = summary.read_text().splitlines()
    assert markdown[0] == "earlier step"
    assert markdown[1] == "### ❌ Policy gate, stack `prod`: 1 mandatory and 0 advisory violation(s)"
    assert markdown[3] == "25 resources checked with `ecs-event-patterns@0.1.0`."
    assert markdown[5:7] == ["| level | policy | resource | what to change |", "|---|---|---|---|"]
    assert markdown[7].startswith(
        "| mandatory | `task-role-no-wildcard-actions` | `aws:iam/role:Role: task-role` | task role task-role: "
    )
    assert len(markdown) == 8


def test_a_program_that_fails_is_a_valid_sarif_log_saying_so(tmp_path):
    sarif = tmp_path / "gate.sarif"
    completed = gate(
        "--stack",
        "dev",
        "--cwd",
        str(FIXTURES / "gate_broken"),
        "--format",
        "markdown",
        "--sarif",
        str(sarif),
    )
    assert completed.returncode == 2
    assert completed.stdout.startswith("### ❌ Policy gate, stack `dev`: could not run\n\n- program ")
    log = json.loads(sarif.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert "ValueError: broken fixture: jobs.max_tasks is missing" in notification["message"]["text"]
    assert log["runs"][0]["results"] == []
