"""Good stack configs: per-environment defaults, explicit overrides, values as the Pulumi CLI stores them."""

import dataclasses

import pytest

from ecs_event_patterns.config.settings import (
    AlertSettings,
    BatchSettings,
    CpuArchitecture,
    DataSettings,
    Egress,
    Environment,
    FargateSize,
    LogSettings,
    NetworkMode,
    NetworkSettings,
    QueueSettings,
    StackSettings,
    TargetRetry,
    UploadSettings,
)
from ecs_event_patterns.config.stack_config import config_keys, parse_stack_config

ONCALL = {"emails": ["platform-oncall@example.com"]}


def test_dev_defaults():
    settings = parse_stack_config({}, "dev")

    assert settings == StackSettings(
        environment=Environment.DEV,
        cpu_architecture=CpuArchitecture.X86_64,
        network=NetworkSettings(mode=NetworkMode.DEFAULT_VPC),
        logs=LogSettings(retention_days=7),
        data=DataSettings(deletion_protection=False, point_in_time_recovery=False, retain_on_delete=False),
        alerts=AlertSettings(emails=()),
        upload=UploadSettings(),
        batch=BatchSettings(),
        queue=QueueSettings(min_tasks=0, use_spot=True, on_demand_base=0),
    )
    assert settings.network.assign_public_ip


def test_staging_defaults():
    settings = parse_stack_config({}, "staging")

    assert settings.environment is Environment.STAGING
    assert settings.network == NetworkSettings(
        mode=NetworkMode.ISOLATED_VPC, vpc_cidr="10.0.0.0/16", az_count=2, egress=Egress.VPC_ENDPOINTS
    )
    assert not settings.network.assign_public_ip
    assert settings.logs.retention_days == 30
    assert settings.data == DataSettings(
        deletion_protection=True, point_in_time_recovery=True, retain_on_delete=False
    )
    assert (settings.queue.use_spot, settings.queue.on_demand_base) == (True, 0)
    assert settings.alerts.emails == ()


def test_prod_defaults():
    settings = parse_stack_config({"alerts": ONCALL}, "prod")

    assert settings.environment is Environment.PROD
    assert settings.network == NetworkSettings(mode=NetworkMode.ISOLATED_VPC, az_count=3)
    assert settings.logs.retention_days == 365
    assert settings.data == DataSettings(
        deletion_protection=True, point_in_time_recovery=True, retain_on_delete=True
    )
    assert (settings.queue.min_tasks, settings.queue.use_spot, settings.queue.on_demand_base) == (0, True, 1)
    # Everything not environment-specific keeps the classes' defaults.
    assert settings.upload == UploadSettings()
    assert settings.batch == BatchSettings()
    assert dataclasses.replace(settings.queue, on_demand_base=0) == QueueSettings()


def test_explicit_config_overrides_environment_defaults():
    settings = parse_stack_config(
        {
            "logs": {"retention_days": 3},
            "network": {"mode": "isolated-vpc", "vpc_cidr": "172.16.0.0/20", "az_count": 4, "egress": "nat"},
            "queue": {"use_spot": False, "max_tasks": 4, "on_demand_base": 4},
        },
        "dev",
    )

    assert settings.logs.retention_days == 3
    assert settings.network == NetworkSettings(
        mode=NetworkMode.ISOLATED_VPC, vpc_cidr="172.16.0.0/20", az_count=4, egress=Egress.NAT
    )
    assert (settings.queue.use_spot, settings.queue.max_tasks, settings.queue.on_demand_base) == (False, 4, 4)


def test_prod_may_keep_its_data_on_delete_or_not():
    settings = parse_stack_config({"alerts": ONCALL, "data": {"retain_on_delete": False}}, "prod")

    assert settings.data == DataSettings(
        deletion_protection=True, point_in_time_recovery=True, retain_on_delete=False
    )


def test_a_stack_of_another_name_takes_the_environment_it_names():
    settings = parse_stack_config({"environment": "staging"}, "staging-eu")

    assert settings.environment is Environment.STAGING
    assert settings.logs.retention_days == 30


def test_scalars_as_the_pulumi_cli_stores_them_are_converted():
    settings = parse_stack_config(
        {
            "queue": {"max_tasks": "25", "min_tasks": "+1", "use_spot": "false", "on_demand_base": " 2 "},
            "data": {"retain_on_delete": "True"},
            "upload": {"cpu": "1024", "memory": "3072", "retry": {"max_attempts": "0"}},
        },
        "dev",
    )

    assert (settings.queue.max_tasks, settings.queue.min_tasks) == (25, 1)
    assert settings.queue.use_spot is False
    assert settings.queue.on_demand_base == 2
    assert settings.data.retain_on_delete is True
    assert settings.upload.size == FargateSize(cpu=1024, memory=3072)
    assert settings.upload.retry == TargetRetry(max_attempts=0, max_event_age_seconds=3600)


def test_nested_defaults_of_a_section_survive_a_partial_override():
    settings = parse_stack_config(
        {"batch": {"retry": {"max_event_age_seconds": 600}}, "upload": {"cpu": 512, "memory": 1024}}, "dev"
    )

    # The batch retry's own default (2 attempts) stays; only the given key changes.
    assert settings.batch.retry == TargetRetry(max_attempts=2, max_event_age_seconds=600)
    assert settings.batch.size == FargateSize(cpu=512, memory=1024)
    assert settings.upload.size == FargateSize(cpu=512, memory=1024)


@pytest.mark.parametrize(
    ("section", "values"),
    [
        pytest.param("batch", {"schedule": "rate(1 minute)"}, id="rate-1-minute"),
        pytest.param("batch", {"schedule": "rate(1 day)"}, id="rate-1-day"),
        pytest.param("batch", {"schedule": "rate(15 minutes)"}, id="rate-15-minutes"),
        pytest.param("batch", {"schedule": "cron(0 8 ? * MON-FRI *)"}, id="cron-weekdays"),
        pytest.param("batch", {"schedule": "cron(0/15 * * * ? *)"}, id="cron-step"),
        pytest.param("batch", {"schedule": "cron(0 18 L * ? *)"}, id="cron-last-day"),
        pytest.param("batch", {"schedule": "cron(0 10 ? * 6#3 2027-2029)"}, id="cron-third-friday"),
        pytest.param("batch", {"schedule": "cron(30 4 15W JAN,JUL ? *)"}, id="cron-weekday-nearest"),
        pytest.param("batch", {"schedule": "at(2027-01-01T00:00:00)"}, id="at"),
        pytest.param("batch", {"timezone": "America/Argentina/Buenos_Aires"}, id="timezone-deep"),
        pytest.param("batch", {"flexible_window_minutes": 1440, "concurrency": 64}, id="window-max"),
        pytest.param(
            "batch", {"input_prefix": "in/", "output_prefix": "input-reports/"}, id="prefixes-disjoint"
        ),
        pytest.param("batch", {"cpu": 16384, "memory": 122880}, id="fargate-16-vcpu-max"),
        pytest.param("queue", {"cpu": 8192, "memory": 16384}, id="fargate-8-vcpu-min"),
        pytest.param("queue", {"cpu": 4096, "memory": 30720}, id="fargate-4-vcpu-max"),
        pytest.param("queue", {"min_tasks": 1000, "max_tasks": 1000, "on_demand_base": 1000}, id="tasks-cap"),
        pytest.param("queue", {"max_receive_count": 1000, "message_retention_seconds": 60}, id="queue-edges"),
        pytest.param(
            "queue",
            {"visibility_timeout_seconds": 43200, "job_timeout_seconds": 43199, "stop_timeout_seconds": 2},
            id="visibility-max",
        ),
        pytest.param("upload", {"key_prefix": "", "key_suffixes": []}, id="whole-bucket-any-key"),
        pytest.param(
            "upload", {"key_prefix": "é" * 512, "key_suffixes": ["_done.csv"]}, id="prefix-1024-bytes"
        ),
        pytest.param(
            "upload", {"retry": {"max_attempts": 185, "max_event_age_seconds": 86400}}, id="retry-max"
        ),
        pytest.param("upload", {"retry": {"max_attempts": 0, "max_event_age_seconds": 60}}, id="retry-min"),
        pytest.param(
            "alerts",
            {"emails": ["first.last+ecs@sub.example.co.uk", "o'brien@xn--bcher-kva.example"]},
            id="emails",
        ),
        pytest.param(
            "network", {"mode": "isolated-vpc", "vpc_cidr": "192.168.10.0/24", "az_count": 6}, id="vpc"
        ),
        pytest.param("logs", {"retention_days": 3653}, id="retention-max"),
    ],
)
def test_edge_values_are_accepted(section, values):
    settings = parse_stack_config({section: values}, "dev")

    part = getattr(settings, section)
    for key, value in values.items():
        if key in ("cpu", "memory"):
            assert getattr(part.size, key) == value
        elif key == "retry":
            assert dataclasses.asdict(part.retry) == value
        elif isinstance(value, list):
            assert getattr(part, key) == tuple(value)
        else:
            assert getattr(part, key) == value


def test_config_keys_list_every_leaf_key_once():
    keys = config_keys()

    assert len(keys) == len(set(keys)) == 49 + 3 * 7 + 3 * 9  # each job pattern's 7 needs, 9 container keys
    assert {
        "environment",
        "queue.max_tasks",
        "upload.cpu",
        "batch.retry.max_attempts",
        "alerts.emails",
        "upload.container.build.context",
        "queue.container.secrets",
    } <= set(keys)
    assert not any(key.endswith(".size") or ".size." in key for key in keys)
