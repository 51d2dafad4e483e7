"""The offline gate end to end: fixture programs, the real pack server, per-stack enforcement levels."""

import contextlib
import io
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tools.policy_gate.analyzer import PackServers
from tools.policy_gate.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

SHARED_PACKS = PackServers()
"""The pack servers this test process's gate runs share (tests/gate/conftest.py stops them at the end)."""


def gate(
    *args: str, cwd: Path = ROOT, packs: PackServers | None = SHARED_PACKS
) -> subprocess.CompletedProcess[str]:
    """`policy-gate ARGS` run from `cwd`, in this process with the session's pack servers: each run still
    starts its program in a process of its own and configures every pack afresh over gRPC, but skips a
    second of interpreter and pack start-up. `packs=None` starts and stops the run's own (for packs a
    test writes); `gate_cli` runs the real command."""
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(list(args), packs=packs)
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["policy-gate", *args], code, stdout.getvalue(), stderr.getvalue())


def gate_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m tools.policy_gate ARGS` as its own process, as `make gate` and CI run it."""
    return subprocess.run(
        [sys.executable, "-m", "tools.policy_gate", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def gate_json(fixture: str, stack: str, *extra: str) -> tuple[int, dict[str, Any]]:
    completed = gate("--stack", stack, "--cwd", str(FIXTURES / fixture), "--json", *extra)
    return completed.returncode, json.loads(completed.stdout)


def urn(stack: str, typ: str, name: str) -> str:
    return f"urn:pulumi:{stack}::gate-fixture::{typ}::{name}"


ROLE = "aws:iam/role:Role"
CLUSTER = "aws:ecs/cluster:Cluster"
CASES = [
    ("gate_s3-wildcard", "task-role-no-wildcard-actions", ROLE, "task-role", "allows s3:*"),
    (
        "gate_resource-star",
        "task-role-no-wildcard-resource",
        ROLE,
        "task-role",
        'dynamodb:PutItem on Resource "*"',
    ),
    ("gate_admin-attached", "task-role-no-managed-policies", ROLE, "task-role", "policy/AdministratorAccess"),
    ("gate_trust-no-condition", "task-role-trust-scoped", ROLE, "task-role", "no aws:SourceAccount"),
    ("gate_no-alert-rule", "stopped-task-alerting", CLUSTER, "jobs", "no EventBridge rule in the stack"),
    (
        "gate_running-rule",
        "stopped-task-alerting",
        CLUSTER,
        "jobs",
        "matches lastStatus RUNNING, not STOPPED",
    ),
    ("gate_no-subscription", "stopped-task-alerting", CLUSTER, "jobs", "has no subscription with protocol"),
]


@pytest.mark.parametrize(("stack", "level", "exit_code"), [("dev", "advisory", 0), ("prod", "mandatory", 1)])
@pytest.mark.parametrize(
    ("fixture", "policy", "typ", "name", "message"), CASES, ids=[case[0] for case in CASES]
)
def test_violation_is_reported_at_the_stack_level(
    fixture, policy, typ, name, message, stack, level, exit_code
):
    code, result = gate_json(fixture, stack)
    assert code == exit_code
    assert result["exitCode"] == exit_code
    found = [(v["policy"], v["enforcementLevel"], v["urn"]) for v in result["violations"]]
    assert found == [(policy, level, urn(stack, typ, name))]
    (violation,) = result["violations"]
    assert message in violation["message"]
    assert violation["policyPack"] == "ecs-event-patterns"
    assert violation["resourceType"] == typ
    assert result["packs"][0]["policies"][policy] == level


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plaintext_secret_is_mandatory_even_in_dev(stack):
    code, result = gate_json("gate_plaintext-secret", stack)
    assert code == 1
    found = [(v["policy"], v["enforcementLevel"], v["urn"]) for v in result["violations"]]
    typ = "aws:ecs/taskDefinition:TaskDefinition"
    assert found == [("ecs-task-no-plaintext-secrets", "mandatory", urn(stack, typ, "job"))]
    assert "DB_PASSWORD looks like a secret in plain text" in result["violations"][0]["message"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_compliant_program_passes(stack):
    code, result = gate_json("gate_compliant", stack)
    assert (code, result["violations"], result["exitCode"]) == (0, [], 0)
    assert result["notApplicable"] == []  # under the mock every value is known: nothing waits for update
    assert result["resourceCount"] == 25
    assert result["packs"][0]["path"] == "policies/ecs_guardrails"


def test_broken_program_exits_2_with_its_error():
    completed = gate_cli("--stack", "dev", "--cwd", str(FIXTURES / "gate_broken"))
    assert completed.returncode == 2
    assert "ValueError: broken fixture: jobs.max_tasks is missing" in completed.stderr
    assert 'ecs_baseline.py", line' in completed.stderr
    assert "program_host.py" not in completed.stderr
    assert completed.stdout == ""


def test_text_output_groups_by_pack_and_policy():
    completed = gate_cli("--stack", "prod", "--cwd", str(FIXTURES / "gate_s3-wildcard"))
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[1] == "    ❌ ecs-event-patterns@v0.1.0 (local: policies/ecs_guardrails)"
    assert lines[2] == "        - [mandatory]  task-role-no-wildcard-actions  (aws:iam/role:Role: task-role)"
    assert lines[3] == "          urn:pulumi:prod::gate-fixture::aws:iam/role:Role::task-role"
    assert lines[4] == "          ECS task roles allow no `*` or `service:*` actions."
    assert lines[5].startswith("          task role task-role: inline policy 'work' statement 0 allows s3:*;")
    assert lines[-1] == "1 mandatory and 0 advisory violation(s), 25 resources checked"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"stopped-task-alerting": {"subscriptionProtocols": "email"}},
            "subscriptionProtocols: 'email' is not",
        ),
        (
            {"task-role-no-wildcard-action": "mandatory"},
            "no policy pack has a policy named task-role-no-wildcard",
        ),
        ({"all": "strict"}, "enforcement level 'strict' is not one of"),
        ({"stopped-task-alerting": {"protocols": []}}, "Additional properties are not allowed ('protocols'"),
    ],
)
def test_config_that_does_not_match_the_pack_exits_2(tmp_path, config, expected):
    config_file = tmp_path / "bad.json"
    config_file.write_text(json.dumps(config))
    completed = gate(
        "--stack",
        "dev",
        "--cwd",
        str(FIXTURES / "gate_compliant"),
        "--policy-pack",
        "policies/ecs_guardrails",
        "--policy-pack-config",
        str(config_file),
        "--json",
    )
    assert completed.returncode == 2
    assert expected in json.loads(completed.stdout)["error"]


def test_explicit_config_overrides_levels_and_settings(tmp_path):
    config_file = tmp_path / "custom.json"
    config_file.write_text(
        json.dumps(
            {
                "all": "disabled",
                "stopped-task-alerting": {"enforcementLevel": "mandatory", "subscriptionProtocols": ["sms"]},
            }
        )
    )
    code, result = gate_json(
        "gate_compliant",
        "dev",
        "--policy-pack",
        "policies/ecs_guardrails",
        "--policy-pack-config",
        str(config_file),
    )
    assert code == 1
    assert [v["policy"] for v in result["violations"]] == ["stopped-task-alerting"]
    assert "no subscription with protocol sms" in result["violations"][0]["message"]


def test_unknown_stack_is_a_usage_error():
    completed = gate("--stack", "qa", "--cwd", str(FIXTURES / "gate_compliant"))
    assert completed.returncode == 2
    assert "has no Pulumi.qa.yaml" in completed.stderr


def test_defaults_are_relative_to_where_the_gate_runs(tmp_path):
    pack = tmp_path / "policies" / "local"
    pack.mkdir(parents=True)
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(
        "from pulumi_policy import PolicyPack, ResourceValidationPolicy\n\n"
        "PolicyPack(name='local', policies=[\n"
        "    ResourceValidationPolicy(name='nothing', description='d', validate=lambda args, report: None)])\n"
    )
    completed = gate(
        "--stack", "prod", "--cwd", str(FIXTURES / "gate_s3-wildcard"), "--json", cwd=tmp_path, packs=None
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert [pack["path"] for pack in result["packs"]] == ["policies/local"]
    assert result["violations"] == []


def test_the_console_command_runs_from_any_directory_with_the_repositorys_packs(tmp_path):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, function = scripts["policy-gate"].split(":")
    source = ROOT / (module.replace(".", "/") + ".py")
    # What the installed command does, with nothing of the checkout on the path (`-I`: no PYTHONPATH, no
    # current directory): the command's module, loaded from its file, must find the gate itself.
    command = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location({module!r}, {str(source)!r})\n"
        "command = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(command)\n"
        f"sys.exit(command.{function}())\n"
    )
    arguments = ("--stack", "prod", "--cwd", str(FIXTURES / "gate_s3-wildcard"), "--json")
    completed = subprocess.run(
        [sys.executable, "-I", "-c", command, *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    result = json.loads(completed.stdout)
    assert [pack["path"] for pack in result["packs"]] == [str(ROOT / "policies" / "ecs_guardrails")]
    assert [violation["policy"] for violation in result["violations"]] == ["task-role-no-wildcard-actions"]
    assert result["packs"][0]["policies"]["task-role-no-wildcard-actions"] == "mandatory"  # prod's config


def test_the_console_command_outside_a_checkout_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from ecs_event_patterns import policy_gate_command

    monkeypatch.setattr(policy_gate_command, "CHECKOUT", tmp_path)
    assert policy_gate_command.main(["--stack", "dev"]) == 2
    assert capsys.readouterr().err == (
        f"policy-gate: the gate runs from a checkout of ecs-event-patterns, and this installation is not one "
        f"({tmp_path} has no tools/policy_gate); install the checkout editable (pip install -e <checkout>), "
        "or run python -m tools.policy_gate in it\n"
    )


def test_pack_that_does_not_start_is_an_error_with_its_traceback(tmp_path):
    pack = tmp_path / "broken-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text("import no_such_module\n")
    completed = gate(
        "--stack", "dev", "--cwd", str(FIXTURES / "gate_compliant"), "--policy-pack", str(pack), packs=None
    )
    assert completed.returncode == 2
    assert f"policy pack {pack} exited before serving" in completed.stderr
    assert "ModuleNotFoundError: No module named 'no_such_module'" in completed.stderr


def test_pack_that_crashes_is_an_error_with_its_message(tmp_path):
    pack = tmp_path / "crashing-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(
        "from pulumi_policy import PolicyPack, ResourceValidationPolicy\n\n\n"
        "def crash(args, report):\n    raise TypeError('policy bug')\n\n\n"
        "PolicyPack(name='crashing', policies=[\n"
        "    ResourceValidationPolicy(name='crash', description='d', validate=crash)])\n"
    )
    completed = gate(
        "--stack", "dev", "--cwd", str(FIXTURES / "gate_compliant"), "--policy-pack", str(pack), packs=None
    )
    assert completed.returncode == 2
    assert "failed: Exception calling application: policy bug" in completed.stderr


def test_each_config_pairs_with_a_pack():
    completed = gate(
        "--stack",
        "dev",
        "--cwd",
        str(FIXTURES / "gate_compliant"),
        "--policy-pack",
        "policies/ecs_guardrails",
        "--policy-pack",
        "policies/ecs_guardrails",
        "--policy-pack-config",
        "policies/config/dev.json",
    )
    assert completed.returncode == 2
    assert "1 --policy-pack-config for 2 policy packs: one per pack, in order" in completed.stderr


def test_each_run_configures_a_shared_pack_server_afresh(tmp_path):
    disabled = tmp_path / "disabled.json"
    disabled.write_text(json.dumps({"all": "disabled"}))
    program = ("--stack", "prod", "--cwd", str(FIXTURES / "gate_s3-wildcard"), "--json")
    pack = ("--policy-pack", "policies/ecs_guardrails")
    with PackServers() as packs:
        server = packs.start(ROOT / "policies" / "ecs_guardrails")
        quiet = gate(*program, *pack, "--policy-pack-config", str(disabled), packs=packs)
        loud = gate(*program, *pack, packs=packs)
        assert packs.start(ROOT / "policies" / "ecs_guardrails") is server  # one server for both runs
    assert (quiet.returncode, json.loads(quiet.stdout)["violations"]) == (0, [])
    # The first run's `all: disabled` is gone: the pack's own default, mandatory, as from a fresh server.
    assert loud.returncode == 1
    violations = json.loads(loud.stdout)["violations"]
    assert [(v["policy"], v["enforcementLevel"]) for v in violations] == [
        ("task-role-no-wildcard-actions", "mandatory")
    ]


def test_a_config_that_does_not_match_the_pack_stops_a_program_still_running(tmp_path):
    """The packs' schemas are read while the program runs: the gate neither waits for it nor leaves it."""
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: forever\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text("config: {}\n")
    (program / "__main__.py").write_text(
        "import os, threading\nfrom pathlib import Path\n\n"
        "Path('pid').write_text(str(os.getpid()))\nthreading.Event().wait()\n"
    )
    config_file = tmp_path / "bad.json"
    config_file.write_text(
        json.dumps({"task-role-no-wildcard-action": "mandatory"})
    )  # checked against the pack
    completed = gate(
        *("--stack", "dev", "--cwd", str(program), "--json"),
        *("--policy-pack", "policies/ecs_guardrails", "--policy-pack-config", str(config_file)),
    )
    assert completed.returncode == 2
    assert (
        "no policy pack has a policy named task-role-no-wildcard-action"
        in json.loads(completed.stdout)["error"]
    )
    if (program / "pid").is_file():  # the program got as far as its first line: it is stopped now
        with pytest.raises(ProcessLookupError):
            os.kill(int((program / "pid").read_text()), 0)
