"""The gate over every combination of enabled job patterns, on prod's config, where every policy is mandatory.

Each combination is a project directory of its own in tmp_path: a `Pulumi.yaml` whose `main` is this
repository's program and a `Pulumi.prod.yaml` that is prod's with the other patterns switched off, run
through the gate's command line like a team's program (`--cwd`). One test per combination, so xdist spreads
them; each starts the program once and shares the packs with the other gate tests (see `gate`).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.gate.test_gate import gate
from tests.program.expected_resources import (
    COMBINATIONS,
    NONE_ENABLED,
    combination_id,
    expected_types,
    with_only,
)
from tools.stack_files import load_document
from tools.stack_program import ROOT

STACK = "prod"


def project_enabling(directory: Path, patterns: tuple[str, ...]) -> Path:
    """This project, with prod's stack file enabling only `patterns` (YAML 1.2 reads JSON as it is)."""
    (directory / "Pulumi.yaml").write_text(
        json.dumps({"name": "ecs-event-patterns", "runtime": "python", "main": str(ROOT)})
    )
    stack_file: dict[str, Any] = load_document(ROOT / f"Pulumi.{STACK}.yaml")
    config = {
        key: json.dumps(value) for key, value in stack_file["config"].items() if isinstance(value, dict)
    }
    sections = {key: json.loads(value) for key, value in with_only(config, patterns).items()}
    (directory / f"Pulumi.{STACK}.yaml").write_text(
        json.dumps({"config": {**stack_file["config"], **sections}})
    )
    return directory


def gate_over(directory: Path) -> tuple[int, dict[str, Any]]:
    # From the repository root, the gate's defaults: this repository's packs and policies/config/prod.json.
    completed = gate("--cwd", str(directory), "--stack", STACK, "--json", cwd=ROOT)
    return completed.returncode, json.loads(completed.stdout)


@pytest.mark.parametrize("patterns", [p for p in COMBINATIONS if p], ids=combination_id)
def test_every_combination_of_patterns_passes_the_gate(tmp_path: Path, patterns: tuple[str, ...]):
    code, result = gate_over(project_enabling(tmp_path, patterns))

    assert (code, result["violations"], result["notApplicable"]) == (0, [], [])
    assert set(result["packs"][0]["policies"].values()) == {"mandatory"}
    assert result["resourceCount"] == sum(expected_types(STACK, patterns).values())


def test_a_stack_without_any_job_pattern_is_a_program_error_listing_the_problem(tmp_path: Path):
    code, result = gate_over(project_enabling(tmp_path, ()))

    assert code == 2
    assert any(error.startswith(NONE_ENABLED) for error in result["errors"]), result["errors"]
