"""Stack files become the engine's config map: namespaced keys, strings, objects as JSON, secrets masked."""

import json
from pathlib import Path

import pytest

from tools.stack_files import SECRET_PLACEHOLDER, StackFileError, read_stack_config


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(text, encoding="utf-8")


def test_reads_namespaced_scalars_objects_and_secrets(tmp_path: Path):
    write(tmp_path, "Pulumi.yaml", "name: shop\nruntime: python\n")
    write(
        tmp_path,
        "Pulumi.prod.yaml",
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  shop:queue:\n    max_tasks: 4\n    use_spot: false\n"
        "  replicas: 3\n"
        "  debug: true\n"
        "  shop:dbPassword:\n    secure: AAABAJ0=\n",
    )

    config = read_stack_config(tmp_path, "prod")

    assert config.project == "shop"
    assert config.region == "eu-west-1"
    assert config.values == {
        "aws:region": "eu-west-1",
        "shop:queue": json.dumps({"max_tasks": 4, "use_spot": False}),
        "shop:replicas": "3",
        "shop:debug": "true",
        "shop:dbPassword": SECRET_PLACEHOLDER,
    }
    assert config.secret_keys == ("shop:dbPassword",)


def test_missing_and_malformed_files_name_the_file(tmp_path: Path):
    with pytest.raises(StackFileError, match=r"Pulumi\.yaml: file not found"):
        read_stack_config(tmp_path, "dev")
    write(tmp_path, "Pulumi.yaml", "name: shop\n")
    with pytest.raises(StackFileError, match=r"Pulumi\.dev\.yaml: file not found"):
        read_stack_config(tmp_path, "dev")
    write(tmp_path, "Pulumi.dev.yaml", "config: [1, 2\n")
    with pytest.raises(StackFileError, match=r"Pulumi\.dev\.yaml: not valid YAML"):
        read_stack_config(tmp_path, "dev")
    write(tmp_path, "Pulumi.dev.yaml", "config: [1, 2]\n")
    with pytest.raises(StackFileError, match=r"Pulumi\.dev\.yaml: `config` must be a mapping"):
        read_stack_config(tmp_path, "dev")


def test_pulumi_yaml_defaults_apply_under_the_stack_file(tmp_path: Path):
    """The one reader for the tests and the policy gate: project defaults, then the stack's own values."""
    write(
        tmp_path,
        "Pulumi.yaml",
        "name: shop\nruntime: python\nconfig:\n  tier: {default: small}\n  region-hint: eu\n"
        "  replicas: {value: 2}\n  aws:region: {value: us-east-1}\n",
    )
    write(tmp_path, "Pulumi.dev.yaml", "config:\n  shop:tier: large\n")

    config = read_stack_config(tmp_path, "dev")

    assert config.values == {
        "shop:tier": "large",
        "shop:region-hint": "eu",
        "shop:replicas": "2",
        "aws:region": "us-east-1",
    }
    assert config.secret_keys == ()
