"""How the gate reads a program's project and stack files into the config the program sees."""

import json
import sys
from pathlib import Path

import pytest

from tools.policy_gate import program


def write(path: Path, text: str) -> None:
    path.write_text(text)


def test_stack_config_is_namespaced_and_json_encoded_like_the_cli(tmp_path):
    write(
        tmp_path / "Pulumi.yaml",
        "name: shop\nruntime:\n  name: python\nconfig:\n  tier: {default: small}\n  region-hint: eu\n",
    )
    write(tmp_path / "__main__.py", "")
    write(
        tmp_path / "Pulumi.prod.yaml",
        "config:\n  aws:region: eu-central-1\n  shop:queue:\n    max_tasks: 4\n"
        "  replicas: 3\n  debug: false\n  db_password:\n    secure: AAABAJ\n  tier: large\n",
    )
    loaded = program.load(tmp_path, "prod")
    assert dict(loaded.config) == {
        "shop:tier": "large",
        "shop:region-hint": "eu",
        "aws:region": "eu-central-1",
        "shop:queue": json.dumps({"max_tasks": 4}),
        "shop:replicas": "3",
        "shop:debug": "false",
        "shop:db_password": "mock-secret-value",
    }
    assert loaded.secret_keys == ("shop:db_password",)
    assert loaded.region == "eu-central-1"
    assert loaded.main == (tmp_path / "__main__.py").resolve()
    assert loaded.python == sys.executable


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, "has no Pulumi.yaml: not a Pulumi project"),
        ({"Pulumi.yaml": "name: x\nruntime: nodejs\n"}, "runtime 'nodejs' is not python"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n"}, "program entry point __main__.py not found"),
        ({"Pulumi.yaml": "name: x\nruntime: python\n", "__main__.py": ""}, "has no Pulumi.dev.yaml"),
        ({"Pulumi.yaml": "name: [x\n"}, "Pulumi.yaml: not valid YAML"),
    ],
)
def test_what_is_not_a_runnable_program_is_named(tmp_path, files, expected):
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(program.ProgramError, match=expected.replace("(", r"\(")):
        program.load(tmp_path, "dev")


def fake_python(directory: Path) -> Path:
    python = directory / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    return python


@pytest.mark.parametrize(
    ("options", "folder"),
    [
        ("  options:\n    virtualenv: venv\n", "venv"),
        ("  options:\n    toolchain: pip\n    virtualenv: .env\n", ".env"),
        ("  options:\n    toolchain: uv\n", ".venv"),
        ("  options:\n    toolchain: uv\n    virtualenv: envs/app\n", "envs/app"),
    ],
)
def test_program_runs_in_the_environment_its_runtime_options_name(tmp_path, options, folder):
    write(tmp_path / "Pulumi.yaml", f"name: shop\nruntime:\n  name: python\n{options}")
    write(tmp_path / "__main__.py", "")
    write(tmp_path / "Pulumi.dev.yaml", "config: {}\n")
    python = fake_python(tmp_path / folder)
    loaded = program.load(tmp_path, "dev")
    assert (loaded.python, loaded.environment_note) == (str(python.absolute()), "")


def test_a_named_environment_that_does_not_exist_yet_is_said(tmp_path):
    write(
        tmp_path / "Pulumi.yaml", "name: shop\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    write(tmp_path / "__main__.py", "")
    write(tmp_path / "Pulumi.dev.yaml", "config: {}\n")
    loaded = program.load(tmp_path, "dev")
    assert loaded.python == sys.executable
    assert loaded.environment_note.startswith(
        f"{tmp_path / 'Pulumi.yaml'} names the virtualenv 'venv', which does not exist yet; running the program "
        f"with the gate's interpreter {sys.executable}"
    )


def test_stack_files_are_yaml_1_2_as_the_cli_reads_them(tmp_path):
    write(tmp_path / "Pulumi.yaml", "name: shop\nruntime: python\n")
    write(tmp_path / "__main__.py", "")
    write(
        tmp_path / "Pulumi.dev.yaml",
        "config:\n  shop:spot: yes\n  shop:logs: off\n  shop:window: 1:30\n  shop:on: true\n",
    )
    loaded = program.load(tmp_path, "dev")
    assert {key: loaded.config[key] for key in ("shop:spot", "shop:logs", "shop:window", "shop:on")} == {
        "shop:spot": "yes",
        "shop:logs": "off",
        "shop:window": "1:30",
        "shop:on": "true",
    }


def test_a_namespace_one_edit_from_the_project_is_warned_with_the_right_one(tmp_path):
    write(tmp_path / "Pulumi.yaml", "name: ecs-event-patterns\nruntime: python\n")
    write(tmp_path / "__main__.py", "")
    write(
        tmp_path / "Pulumi.prod.yaml",
        "config:\n  aws:region: eu-west-1\n  ecs-events-patterns:queue: {}\n  ecs-event-pattern:alerts: {}\n"
        "  other-project:x: 1\n",
    )
    loaded = program.load(tmp_path, "prod")
    assert loaded.warnings == (
        "Pulumi.prod.yaml: config key 'ecs-events-patterns:queue' is under namespace 'ecs-events-patterns', one "
        "edit away from the project's name: the program reads ecs-event-patterns:queue; rename the key",
        "Pulumi.prod.yaml: config key 'ecs-event-pattern:alerts' is under namespace 'ecs-event-pattern', one "
        "edit away from the project's name: the program reads ecs-event-patterns:alerts; rename the key",
    )
