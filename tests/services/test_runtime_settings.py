"""Settings errors name each variable, and never print a secret's value (ECS injects secrets as variables)."""

import pytest
from pydantic import Field, Secret, SecretStr

from ecs_runtime import WorkerSettings
from ecs_runtime.settings import WorkerSettingsError, load


class TeamSettings(WorkerSettings):
    signing_key: SecretStr = Field(min_length=32)
    api_token: SecretStr | None = Field(default=None, min_length=8)
    pin: Secret[int] = Secret(0)
    batch_size: int = 10


def test_a_bad_secret_is_named_without_its_value_and_other_values_are_shown(monkeypatch):
    monkeypatch.setenv("SIGNING_KEY", "hunter2-too-short")
    monkeypatch.setenv("API_TOKEN", "tiny")
    monkeypatch.setenv("PIN", "12ab")
    monkeypatch.setenv("BATCH_SIZE", "many")

    with pytest.raises(WorkerSettingsError) as raised:
        load(TeamSettings)

    message = str(raised.value)
    assert message == (
        "SIGNING_KEY (a secret, its value not shown): Value should have at least 32 items after validation, not 17; "
        "API_TOKEN (a secret, its value not shown): Value should have at least 8 items after validation, not 4; "
        "PIN (a secret, its value not shown): Input should be a valid integer, unable to parse string as an integer; "
        "BATCH_SIZE='many': Input should be a valid integer, unable to parse string as an integer"
    )
    assert not {"hunter2-too-short", "tiny", "12ab"} & set(message.replace(";", " ").split())
