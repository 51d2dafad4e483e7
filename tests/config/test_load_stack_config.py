"""`load_stack_config` reads the stack's config the way a Pulumi program run receives it."""

import json

import pulumi
import pytest

from ecs_event_patterns.config.settings import Environment, FargateSize, NetworkMode, SettingsError
from ecs_event_patterns.config.stack_config import load_stack_config
from tools import pulumi_mocks


@pytest.fixture
def config():
    """Set the run's config (values are strings; objects JSON-encoded, as the engine passes them)."""

    def set_config(stack: str, values: dict[str, object]) -> None:
        pulumi_mocks.install(stack=stack)
        encoded = {
            f"ecs-event-patterns:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in values.items()
        }
        pulumi.runtime.config.set_all_config(encoded)

    yield set_config
    pulumi.runtime.config.set_all_config({})


def test_reads_scalars_and_objects_of_the_namespace(config):
    config(
        "prod",
        {
            "environment": "prod",
            "cpu_architecture": "ARM64",
            "alerts": {"emails": ["platform-oncall@example.com"]},
            "queue": {"max_tasks": "20", "use_spot": "false", "cpu": 1024, "memory": 2048},
            "batch": {"schedule": "cron(0 8 ? * MON-FRI *)", "timezone": "Europe/Berlin"},
        },
    )
    pulumi.runtime.config.set_config("aws:region", "eu-west-1")

    settings = load_stack_config()

    assert settings.environment is Environment.PROD
    assert settings.cpu_architecture.value == "ARM64"
    assert settings.alerts.emails == ("platform-oncall@example.com",)
    assert (settings.queue.max_tasks, settings.queue.use_spot) == (20, False)
    assert settings.queue.size == FargateSize(cpu=1024, memory=2048)
    assert settings.batch.timezone == "Europe/Berlin"
    assert settings.network.mode is NetworkMode.ISOLATED_VPC  # prod default
    assert settings.logs.retention_days == 365


def test_the_stack_name_gives_the_environment(config):
    config("staging", {})

    assert load_stack_config().environment is Environment.STAGING


def test_unknown_and_malformed_keys_of_the_namespace_are_reported(config):
    config(
        "dev",
        {
            "queues": {"max_tasks": 3},
            "network": "isolated-vpc",
            "queue": {"max_tasks": "0"},
            "upload.cpu": "512",  # `pulumi config set upload.cpu 512`, without --path
        },
    )

    with pytest.raises(SettingsError) as caught:
        load_stack_config()

    assert sorted(str(p) for p in caught.value.problems) == [
        'network: "isolated-vpc" is not an object (a mapping of keys to values)',
        "queue.max_tasks: 0 is outside the allowed range 1 to 1000",
        'queues: unknown key; did you mean "queue"?',
        "upload.cpu: is a top-level key with a dot in its name; a key inside upload is set with "
        "`pulumi config set --path 'upload.cpu' <value>` "
        "(then remove this one with `pulumi config rm 'upload.cpu'`)",
    ]


def test_config_from_the_pulumi_config_environment_variable(config, monkeypatch):
    config("team-a", {})
    monkeypatch.setenv(
        "PULUMI_CONFIG",
        json.dumps(
            {"ecs-event-patterns:environment": "staging", "ecs-event-patterns:logs": '{"retention_days": 90}'}
        ),
    )

    settings = load_stack_config()

    assert settings.environment is Environment.STAGING
    assert settings.logs.retention_days == 90
