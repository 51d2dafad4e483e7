"""The gate on this project's own stacks: every stack passes its policy config (run by `make test`).

Skips until the project's Pulumi program (`__main__.py` at the repository root) exists.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


NO_PROGRAM = not (ROOT / "__main__.py").is_file()


@pytest.mark.skipif(NO_PROGRAM, reason="the project's __main__.py does not exist yet")
@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_project_stack_passes_the_gate(stack):
    completed = subprocess.run(
        [sys.executable, "-m", "tools.policy_gate", "--stack", stack, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    result = json.loads(completed.stdout)
    mandatory = [v for v in result["violations"] if v["enforcementLevel"] == "mandatory"]
    assert mandatory == []
    assert result["resourceCount"] > 0
