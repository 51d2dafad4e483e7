"""What a person naturally writes when building settings in code is taken, and stored as the declared type.

Strict mode stays for what would be a guess (a string for a number, 1 for a flag); see also
test_settings_invariants.py. The stack config (JSON mode) is tested in the other files of this folder.
"""

import dataclasses
import operator
import typing
from enum import Enum

import pytest
from pydantic import TypeAdapter

from ecs_event_patterns.config.model import Listed, SettingsEnum, SettingsModel, StringMap, settings_model
from ecs_event_patterns.config.settings import (
    AlertSettings,
    CpuArchitecture,
    Egress,
    Environment,
    FargateSize,
    NetworkMode,
    NetworkSettings,
    QueueSettings,
    SettingsError,
    StackSettings,
    UploadSettings,
)


def problems(build: typing.Callable[[], object]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        build()
    return [str(problem) for problem in caught.value.problems]


def test_an_enum_value_written_as_a_string_is_stored_as_the_member():
    network = NetworkSettings(mode="isolated-vpc", egress="nat")  # type: ignore[arg-type]
    stack = StackSettings(
        environment="dev",  # type: ignore[arg-type]
        cpu_architecture="ARM64",  # type: ignore[arg-type]
        queue=QueueSettings(use_spot=False),
    )

    assert network.mode is NetworkMode.ISOLATED_VPC
    assert network.egress is Egress.NAT
    assert stack.environment is Environment.DEV
    assert stack.cpu_architecture is CpuArchitecture.ARM64
    assert network == NetworkSettings(mode=NetworkMode.ISOLATED_VPC, egress=Egress.NAT)


def test_rules_see_the_member_of_an_enum_written_as_a_string():
    assert problems(lambda: StackSettings(environment="prod")) == [  # type: ignore[arg-type]
        "alerts.emails: [] is empty; prod needs at least one address, or stopped-task and dead-letter alerts "
        "reach nobody",
        'network.mode: "default-vpc" is not allowed in prod; use "isolated-vpc" (private subnets, no public '
        "IPs on tasks)",
        "data.point_in_time_recovery: false is not allowed in prod; the results table must survive a bad "
        "write or a mistaken delete",
        "data.deletion_protection: false is not allowed in prod; the results table must survive a bad write "
        "or a mistaken delete",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "isolated",
            'mode: "isolated" is not one of default-vpc, isolated-vpc; did you mean "isolated-vpc"?',
        ),
        ("ISOLATED_VPC", 'mode: "ISOLATED_VPC" is not one of default-vpc, isolated-vpc'),
        (Egress.NAT, 'mode: "nat" is not one of default-vpc, isolated-vpc'),
        (2, "mode: 2 is not one of default-vpc, isolated-vpc"),
    ],
)
def test_a_wrong_enum_value_is_refused_with_the_config_s_message(value, message):
    assert problems(lambda: NetworkSettings(mode=value)) == [message]


def test_lists_where_tuples_are_declared_are_stored_as_tuples():
    upload = UploadSettings(key_suffixes=[".csv"])  # type: ignore[arg-type]
    alerts = AlertSettings(emails=["oncall@example.com"])  # type: ignore[arg-type]

    assert upload.key_suffixes == (".csv",)
    assert alerts.emails == ("oncall@example.com",)
    assert hash(upload) == hash(UploadSettings(key_suffixes=(".csv",)))


def test_a_nested_settings_object_written_as_a_dict():
    stack = StackSettings(
        environment=Environment.DEV,
        network={"mode": "isolated-vpc", "az_count": 3},  # type: ignore[arg-type]
        upload={"size": {"cpu": 1024, "memory": 2048}, "key_suffixes": [".csv"]},  # type: ignore[arg-type]
    )

    assert stack.network == NetworkSettings(mode=NetworkMode.ISOLATED_VPC, az_count=3)
    assert stack.upload.size == FargateSize(cpu=1024, memory=2048)
    assert stack.upload.key_suffixes == (".csv",)
    hash(stack)  # still frozen values all the way down


def test_a_nested_dict_keeps_strict_fields_and_names_each_problem_by_its_path():
    assert problems(
        lambda: StackSettings(
            environment=Environment.DEV,
            network={"mode": "isolated", "azcount": 3},  # type: ignore[arg-type]
            queue={"max_tasks": "10"},  # type: ignore[arg-type]
        )
    ) == [
        'network.mode: "isolated" is not one of default-vpc, isolated-vpc; did you mean "isolated-vpc"?',
        'network.azcount: unknown key; did you mean "az_count"?',
        'queue.max_tasks: "10" is not a whole number',
    ]


def test_a_flattened_config_key_written_in_code_says_where_it_belongs():
    assert problems(lambda: UploadSettings(cpu=1024)) == [  # type: ignore[call-arg]
        "cpu: in code, a field of size, not of UploadSettings: write size=FargateSize(cpu=..., memory=...)"
    ]
    assert problems(lambda: UploadSettings(size=(1024, 2048))) == [  # type: ignore[arg-type]
        "size: [1024, 2048] is not an object (a mapping of keys to values)"
    ]


@settings_model
class _Job(SettingsModel):
    environment: StringMap = dataclasses.field(default_factory=StringMap)
    ports: Listed[int] = ()


def test_a_string_map_written_as_a_dict_is_frozen_and_hashable():
    job = _Job(environment={"MODE": "fast", "LEVEL": "2"})  # type: ignore[arg-type]

    assert isinstance(job.environment, StringMap)
    assert job.environment == {"MODE": "fast", "LEVEL": "2"}
    assert dict(job.environment) == {"MODE": "fast", "LEVEL": "2"}
    assert hash(job) == hash(_Job(environment=StringMap({"LEVEL": "2", "MODE": "fast"})))
    with pytest.raises(TypeError):
        job.environment["MODE"] = "slow"  # type: ignore[index]
    assert dataclasses.replace(job, ports=(1,)).environment == job.environment


def test_a_string_map_refuses_what_is_not_strings():
    assert problems(lambda: _Job(environment={"LEVEL": 2})) == [  # type: ignore[arg-type]
        "environment.LEVEL: 2 is not a string"
    ]
    assert problems(lambda: _Job(environment=[("LEVEL", "2")])) == [  # type: ignore[arg-type]
        'environment: [["LEVEL", "2"]] is not an object (a mapping of keys to values)'
    ]


def test_items_written_as_a_list_are_stored_as_a_tuple_and_keep_strict_items():
    assert _Job(ports=[80, 443]).ports == (80, 443)
    assert problems(lambda: _Job(ports=["80"])) == [  # type: ignore[list-item]
        'ports[0]: "80" is not a whole number'
    ]


def test_the_config_s_json_mode_takes_the_same_shapes():
    job = TypeAdapter(_Job).validate_json('{"environment": {"MODE": "fast"}, "ports": [80]}')

    assert job == _Job(environment=StringMap({"MODE": "fast"}), ports=(80,))


def _settings_classes(cls: type, seen: set[type]) -> set[type]:
    seen.add(cls)
    for field in cls.__pydantic_fields__.values():  # type: ignore[attr-defined]
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, SettingsModel) and kind not in seen:
                _settings_classes(kind, seen)
    return seen


@pytest.mark.parametrize(
    "cls", sorted(_settings_classes(StackSettings, set()), key=operator.attrgetter("__name__"))
)
def test_every_settings_field_takes_natural_values_and_stores_immutable_ones(cls):
    """A guard for fields added later: an enum must be a SettingsEnum, a collection a tuple or a StringMap."""
    for name, field in cls.__pydantic_fields__.items():
        kinds = (field.annotation, *typing.get_args(field.annotation))
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, Enum):
                assert issubclass(kind, SettingsEnum), f"{cls.__name__}.{name}: {kind.__name__}"
            assert typing.get_origin(kind) not in (list, dict, set), f"{cls.__name__}.{name}: {kind}"
            assert kind not in (list, dict, set), f"{cls.__name__}.{name}: {kind}"
