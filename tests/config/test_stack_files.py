"""The committed Pulumi.<stack>.yaml files parse, and say what each environment should."""

from pathlib import Path

import pytest
import yaml

from ecs_event_patterns.config.settings import (
    CpuArchitecture,
    DataSettings,
    Egress,
    Environment,
    FargateSize,
    NetworkMode,
    StackSettings,
    TargetRetry,
)
from ecs_event_patterns.config.stack_config import PROJECT, parse_stack_config

ROOT = Path(__file__).resolve().parents[2]


def stack_file(stack: str) -> dict[str, object]:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config = document["config"]
    assert isinstance(config, dict)
    return config


def load(stack: str) -> StackSettings:
    prefix = f"{PROJECT}:"
    raw = {
        key.removeprefix(prefix): value for key, value in stack_file(stack).items() if key.startswith(prefix)
    }
    return parse_stack_config(raw, stack)


@pytest.mark.parametrize(
    ("stack", "region"), [("dev", "us-east-1"), ("staging", "us-east-1"), ("prod", "eu-west-1")]
)
def test_every_stack_file_names_its_region_and_only_known_namespaces(stack, region):
    config = stack_file(stack)

    assert config["aws:region"] == region
    assert {key.split(":", 1)[0] for key in config} == {"aws", PROJECT}


def test_dev_stack_file():
    settings = load("dev")

    assert settings.environment is Environment.DEV
    assert settings.network.mode is NetworkMode.DEFAULT_VPC
    assert settings.logs.retention_days == 7
    assert settings.data == DataSettings(
        deletion_protection=False, point_in_time_recovery=False, retain_on_delete=False
    )
    assert settings.batch.schedule == "rate(6 hours)"
    assert (settings.queue.min_tasks, settings.queue.max_tasks, settings.queue.use_spot) == (0, 3, True)
    assert settings.queue.on_demand_base == 0


def test_staging_stack_file():
    settings = load("staging")

    assert settings.environment is Environment.STAGING
    assert settings.network.mode is NetworkMode.ISOLATED_VPC
    assert (settings.network.vpc_cidr, settings.network.az_count) == ("10.20.0.0/16", 2)
    assert settings.logs.retention_days == 30
    assert settings.data == DataSettings(
        deletion_protection=True, point_in_time_recovery=True, retain_on_delete=False
    )
    assert settings.alerts.emails == ("platform-staging-alerts@example.com",)
    assert (settings.batch.schedule, settings.batch.timezone) == ("cron(0 6 ? * MON-FRI *)", "Europe/Berlin")


def test_prod_stack_file():
    settings = load("prod")

    assert settings.environment is Environment.PROD
    assert settings.cpu_architecture is CpuArchitecture.X86_64
    assert settings.network.mode is NetworkMode.ISOLATED_VPC
    assert (settings.network.vpc_cidr, settings.network.az_count) == ("10.30.0.0/16", 3)
    assert settings.network.egress is Egress.VPC_ENDPOINTS
    assert settings.logs.retention_days == 365
    assert settings.data == DataSettings(
        deletion_protection=True, point_in_time_recovery=True, retain_on_delete=True
    )
    assert settings.alerts.emails == ("platform-oncall@example.com", "data-pipeline-team@example.com")
    assert settings.upload.size == FargateSize(cpu=512, memory=1024)
    assert settings.upload.retry == TargetRetry(max_attempts=5, max_event_age_seconds=7200)
    assert (settings.batch.schedule, settings.batch.timezone) == ("cron(30 4 * * ? *)", "Europe/Berlin")
    assert settings.batch.size == FargateSize(cpu=1024, memory=2048)
    assert (settings.queue.min_tasks, settings.queue.max_tasks) == (0, 50)
    assert (settings.queue.use_spot, settings.queue.on_demand_base) == (True, 1)
    assert (settings.queue.job_timeout_seconds, settings.queue.visibility_timeout_seconds) == (600, 900)
