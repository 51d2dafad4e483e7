"""The gate on this project's own stacks: every stack passes its policy config (run by `make test`)."""

import json

import pytest

from tests.gate.test_gate import gate, gate_cli

# Dev subscribes no e-mail to its alert topic, which its advisory config reports; the others are clean.
EXPECTED_ADVISORIES = {"dev": ["stopped-task-alerting"], "staging": [], "prod": []}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_project_stack_passes_the_gate(stack):
    # prod as `make gate STACK=prod` runs it, in a process of its own; the others in this one (see `gate`).
    completed = (gate_cli if stack == "prod" else gate)("--stack", stack, "--json")
    assert completed.returncode == 0, completed.stderr + completed.stdout
    result = json.loads(completed.stdout)
    mandatory = [v for v in result["violations"] if v["enforcementLevel"] == "mandatory"]
    assert mandatory == []
    assert [v["policy"] for v in result["violations"]] == EXPECTED_ADVISORIES[stack]
    # Offline every value is known, so no policy had to skip a resource.
    assert result["notApplicable"] == []
    assert result["resourceCount"] > 100
