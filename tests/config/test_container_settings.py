"""A job's container: image references, secret ARNs and variable names checked before any resource, in code and
in the stack config, each problem under its full key path."""

from typing import Any

import pytest

from ecs_event_patterns.config.container import (
    BATCH_VARIABLES,
    ECS_VARIABLES,
    QUEUE_VARIABLES,
    UPLOAD_VARIABLES,
    ContainerSettings,
    ImageBuild,
    SecretStore,
    secret_source,
)
from ecs_event_patterns.config.image_reference import (
    ImageReferenceError,
    image_reference_problem,
    parse_image_reference,
)
from ecs_event_patterns.config.settings import BatchSettings, QueueSettings, SettingsError, UploadSettings
from ecs_event_patterns.config.stack_config import parse_stack_config
from ecs_runtime.batch.settings import BatchSettings as BatchRuntimeSettings
from ecs_runtime.queue.settings import QueueWorkerSettings
from ecs_runtime.upload.settings import UploadSettings as UploadRuntimeSettings

DIGEST = "sha256:" + "0123456789abcdef" * 4
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/jobs/api-token"
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jobs/db-AbC123"
PUBLIC = f"public.ecr.aws/acme/jobs@{DIGEST}"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("text", "registry", "path", "tag", "digest"),
    [
        (f"{ECR}/team/jobs:v1", ECR, "team/jobs", "v1", None),
        (f"{ECR}/jobs@{DIGEST}", ECR, "jobs", None, DIGEST),
        (f"{ECR}/jobs:v1@{DIGEST}", ECR, "jobs", "v1", DIGEST),
        (f"public.ecr.aws/acme/job-runner@{DIGEST}", "public.ecr.aws", "acme/job-runner", None, DIGEST),
        ("python:3.12-slim", "docker.io", "library/python", "3.12-slim", None),
        ("docker.io/python", "docker.io", "library/python", None, None),
        ("acme/worker_v2.1", "docker.io", "acme/worker_v2.1", None, None),
        ("ghcr.io/acme/jobs/upload:2026.12.01", "ghcr.io", "acme/jobs/upload", "2026.12.01", None),
        ("localhost:5000/jobs", "localhost:5000", "jobs", None, None),
    ],
)
def test_image_references_parse_into_their_parts(text, registry, path, tag, digest):
    reference = parse_image_reference(text)
    assert (reference.registry, reference.path, reference.tag, reference.digest) == (
        registry,
        path,
        tag,
        digest,
    )
    assert str(reference) == text
    assert reference.pinned is (digest is not None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        (" python", "surrounding spaces"),
        ("Acme/jobs", 'path component "Acme" is not lower-case'),
        ("acme//jobs", 'path component "" is not lower-case'),
        ("acme/jobs-", 'path component "jobs-"'),
        ("acme/jobs:-v1", 'tag "-v1" is not a tag'),
        ("acme/jobs:" + "v" * 129, "is not a tag: at most 128"),
        ("acme/jobs@sha256:abc", 'digest "sha256:abc" is not <algorithm>:<hex>'),
        ("acme/jobs@sha256:" + "A" * 64, "a sha256 digest is 64 lower-case hex digits"),
        ("acme/jobs@" + "0" * 64, "is not <algorithm>:<hex>"),
        ("ghcr.io/", "is followed by no repository path"),
        ("reg_istry.io/jobs", 'registry "reg_istry.io" is not a host name'),
        ("a/" * 130 + "b", "characters long; at most 255"),
    ],
)
def test_what_is_not_an_image_reference_says_why(text, reason):
    with pytest.raises(ImageReferenceError, match=reason.replace("(", r"\(").replace("+", r"\+")):
        parse_image_reference(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"{ECR}/jobs@{DIGEST}", None),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/jobs:v1", None),
        ("public.ecr.aws/acme/jobs:v1", None),
        ("quay.io/acme/jobs:v1", None),
        (
            "registry.example.com/acme/jobs:v1",
            '"registry.example.com/acme/jobs:v1": registry "registry.example.com" is not Amazon ECR nor a known '
            "public registry (public.ecr.aws, docker.io, ghcr.io, quay.io, registry.k8s.io, mcr.microsoft.com, "
            "gcr.io); a private registry needs credentials (repositoryCredentials), which the patterns do not "
            "set: push the image to ECR or use a public one",
        ),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.org/jobs",
            '"123456789012.dkr.ecr.eu-west-1.amazonaws.org/jobs": registry '
            '"123456789012.dkr.ecr.eu-west-1.amazonaws.org" is not Amazon ECR nor a known public registry',
        ),
        (
            "12345.dkr.ecr.eu-west-1.amazonaws.com/jobs",
            '"12345.dkr.ecr.eu-west-1.amazonaws.com/jobs": registry "12345.dkr.ecr.eu-west-1.amazonaws.com" is '
            "not an ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com[.cn])",
        ),
    ],
)
def test_only_ecr_and_public_registries_can_be_pulled_without_credentials(text, problem):
    found = image_reference_problem(text)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)


def test_an_ecr_reference_names_its_repository():
    ecr = parse_image_reference(f"{ECR}/team/jobs:v1@{DIGEST}").ecr
    assert ecr is not None
    assert ecr.arn("aws") == "arn:aws:ecr:eu-west-1:123456789012:repository/team/jobs"
    china = parse_image_reference("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/jobs").ecr
    assert china is not None
    assert china.china is True
    assert china.arn("aws-cn") == "arn:aws-cn:ecr:cn-north-1:123456789012:repository/jobs"
    assert parse_image_reference("public.ecr.aws/acme/jobs").ecr is None


@pytest.mark.parametrize(
    ("value_from", "store", "resource"),
    [
        (PARAMETER, SecretStore.PARAMETER, PARAMETER),
        ("arn:aws:ssm:eu-west-1:123456789012:parameter/flat_name", SecretStore.PARAMETER, None),
        (SECRET, SecretStore.SECRET, SECRET),
        (f"{SECRET}:password::", SecretStore.SECRET, SECRET),
        (f"{SECRET}:password:AWSPREVIOUS:", SecretStore.SECRET, SECRET),
        (f"{SECRET}::AWSCURRENT:", SecretStore.SECRET, SECRET),
        (
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-password-x1Y2z3",
            SecretStore.SECRET,
            None,
        ),
    ],
)
def test_secret_sources_name_the_arn_iam_grants(value_from, store, resource):
    source = secret_source(value_from)
    assert source.store is store
    assert source.value_from == value_from
    assert source.resource_arn == (resource or value_from)


@pytest.mark.parametrize(
    "value_from",
    [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jobs/db",  # no 6-character suffix
        f"{SECRET}:password",  # a suffix has three parts
        "arn:aws:s3:::bucket/key",
        "/jobs/api-token",  # a name, not an ARN
        "arn:aws:ssm:eu-west-1:123456789012:parameter//jobs",
        "arn:aws:ssm:eu-west-1:1234:parameter/jobs",
    ],
)
def test_what_is_neither_a_secret_nor_a_parameter_is_refused(value_from):
    with pytest.raises(ValueError, match="is neither an SSM Parameter Store parameter ARN"):
        secret_source(value_from)


def test_a_container_from_code():
    container = ContainerSettings(
        image=f"{ECR}/jobs@{DIGEST}",
        command=("python", "-m", "jobs.upload"),
        environment={"LOG_LEVEL": "DEBUG"},
        secrets={"API_TOKEN": PARAMETER, "DB_PASSWORD": f"{SECRET}:password::"},
        secrets_kms_key_arn=KEY,
    )
    assert container.image_reference is not None
    assert container.image_reference.ecr is not None
    assert list(container.secret_sources) == ["API_TOKEN", "DB_PASSWORD"]
    assert container.secret_sources["DB_PASSWORD"].resource_arn == SECRET
    assert UploadSettings(container=container).container is container
    assert ContainerSettings(build=ImageBuild(context="./jobs", target="upload")).image_reference is None


def problems(error: pytest.ExceptionInfo[SettingsError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_build_and_image_together_are_refused_naming_both():
    with pytest.raises(SettingsError) as error:
        ContainerSettings(build=ImageBuild(context="./jobs"), image="public.ecr.aws/acme/jobs:v1")
    [problem] = error.value.problems
    assert problem.path == "image"
    assert problem.involves == ("build", "image")
    assert "is given and so is build" in problem.message
    assert "remove one of them" in problem.message


def test_every_container_problem_at_once():
    with pytest.raises(SettingsError) as error:
        ContainerSettings(
            image="Acme/jobs",
            environment={"9LIVES": "x", "API_TOKEN": "plain"},
            secrets={"API_TOKEN": PARAMETER, "DB": "arn:aws:s3:::bucket"},
            build_args={},  # type: ignore[call-arg]
        )
    found = problems(error)
    assert [line.split(":", 1)[0] for line in found] == [
        "image",
        "environment.9LIVES",
        "secrets.DB",
        "build_args",
    ]
    assert found[-1] == 'build_args: unknown key; did you mean "build"?'


def test_a_secret_and_a_variable_of_one_name_are_refused():
    with pytest.raises(SettingsError) as error:
        ContainerSettings(environment={"API_TOKEN": "x"}, secrets={"API_TOKEN": PARAMETER})
    assert problems(error) == [
        "secrets.API_TOKEN: is also set in environment.API_TOKEN; a variable comes from one of them: remove one"
    ]


def test_a_kms_key_without_secrets_is_refused():
    with pytest.raises(SettingsError) as error:
        ContainerSettings(secrets_kms_key_arn=KEY)
    assert problems(error) == [
        f'secrets_kms_key_arn: "{KEY}" is given but secrets is empty; remove it or add secrets'
    ]
    with pytest.raises(SettingsError, match="an alias does not work here"):
        ContainerSettings(
            secrets={"A": PARAMETER}, secrets_kms_key_arn="arn:aws:kms:eu-west-1:123456789012:alias/x"
        )


@pytest.mark.parametrize(
    ("settings_class", "pattern", "variable", "what"),
    [
        (UploadSettings, "upload", "OBJECT_KEY", "the uploaded object's key, per event"),
        (BatchSettings, "batch", "INPUT_PREFIX", "batch.input_prefix"),
        (QueueSettings, "queue", "QUEUE_URL", "the work queue"),
    ],
)
def test_a_variable_the_pattern_sets_cannot_be_overridden(settings_class, pattern, variable, what):
    with pytest.raises(SettingsError) as in_environment:
        settings_class(container=ContainerSettings(environment={variable: "x"}))
    with pytest.raises(SettingsError) as in_secrets:
        settings_class(container=ContainerSettings(secrets={variable: PARAMETER}))
    for key, error in (("environment", in_environment), ("secrets", in_secrets)):
        assert problems(error) == [
            f"container.{key}.{variable}: collides with {variable}, which the {pattern} pattern sets itself "
            f"({what}); give your variable another name"
        ]
    with pytest.raises(SettingsError, match="collides with AWS_REGION, which ECS sets itself"):
        settings_class(container=ContainerSettings(environment={"AWS_REGION": "eu-west-1"}))
    assert settings_class(container=ContainerSettings(environment={"HANDLER": "jobs.upload:handle"}))


@pytest.mark.parametrize(
    ("runtime_settings", "reserved"),
    [
        (UploadRuntimeSettings, UPLOAD_VARIABLES),
        (BatchRuntimeSettings, BATCH_VARIABLES),
        (QueueWorkerSettings, QUEUE_VARIABLES),
    ],
)
def test_every_variable_a_runtime_reads_is_reserved(runtime_settings, reserved):
    """A team's variable must never shadow what the runtime reads; the pattern's own are checked in
    tests/components/test_job_containers.py."""
    taken = reserved.keys() | ECS_VARIABLES.keys()
    assert {name.upper() for name in runtime_settings.model_fields} <= taken


def parse(raw: dict[str, Any], stack: str = "dev") -> list[str]:
    with pytest.raises(SettingsError) as error:
        parse_stack_config(raw, stack)
    return problems(error)


def test_stack_config_names_the_full_key_path():
    found = parse(
        {
            "upload": {"container": {"image": "public.ecr.aws/acme/jobs:v1", "build": {"context": "./jobs"}}},
            "batch": {"container": {"image": "not a reference", "secrets": {"TOKEN": "arn:aws:s3:::bucket"}}},
            "queue": {"container": {"environment": {"QUEUE_URL": "https://example.com"}, "command": "run"}},
        }
    )
    assert [line.split(": ", 1)[0] for line in found] == [
        "upload.container.image",
        "batch.container.image",
        "batch.container.secrets.TOKEN",
        "queue.container.command",
        "queue.container.environment.QUEUE_URL",
    ]
    assert found[0].startswith(
        'upload.container.image: "public.ecr.aws/acme/jobs:v1" is given and so is build'
    )
    assert "is neither an SSM Parameter Store parameter ARN" in found[2]
    assert found[3] == 'queue.container.command: "run" is a single string; write a list, such as ["run"]'


def test_stack_config_types_are_strict():
    found = parse(
        {
            "upload": {
                "container": {
                    "environment": {"RETRIES": 3},
                    "build": {"target": "upload", "platform": "linux/arm64"},
                    "secrets": ["API_TOKEN"],
                }
            }
        }
    )
    assert found == [
        "upload.container.build.context: not set, and it has no default",
        "upload.container.build.platform: unknown key; allowed: context, dockerfile, target, build_args",
        "upload.container.environment.RETRIES: 3 is not a string",
        'upload.container.secrets: ["API_TOKEN"] is not an object (a mapping of keys to values)',
    ]


def test_stack_config_of_a_team_job():
    settings = parse_stack_config(
        {
            "upload": {
                "container": {
                    "build": {"context": "./jobs", "target": "upload", "build_args": {"PYTHON": "3.12"}},
                    "command": ["python", "-m", "jobs.upload"],
                    "environment": {"LOG_LEVEL": "DEBUG"},
                    "secrets": {"API_TOKEN": PARAMETER},
                }
            },
            "queue": {"container": {"image": f"{ECR}/jobs@{DIGEST}"}},
        },
        "dev",
    )
    upload = settings.upload.container
    assert upload.build == ImageBuild(context="./jobs", target="upload", build_args={"PYTHON": "3.12"})
    assert upload.command == ("python", "-m", "jobs.upload")
    assert upload.secrets == {"API_TOKEN": PARAMETER}
    assert settings.queue.container.image == f"{ECR}/jobs@{DIGEST}"
    assert settings.batch.container == ContainerSettings()


def test_a_public_image_behind_vpc_endpoints_alone_is_refused():
    network = {"mode": "isolated-vpc", "egress": "vpc-endpoints"}
    found = parse(
        {"network": network, "batch": {"container": {"image": f"public.ecr.aws/acme/jobs@{DIGEST}"}}}
    )
    assert found == [
        f'batch.container.image: "public.ecr.aws/acme/jobs@{DIGEST}" is on public.ecr.aws, which the tasks '
        'cannot reach: network.egress is "vpc-endpoints" (no internet, only AWS endpoints); push the image to '
        'an ECR repository of the stack\'s region, or set network.egress to "nat"'
    ]
    # Through a NAT, from ECR, or in a pattern the stack leaves out, the same image is fine.
    assert parse_stack_config(
        {"network": {**network, "egress": "nat"}, "batch": {"container": {"image": PUBLIC}}}, "dev"
    )
    assert parse_stack_config(
        {"network": network, "batch": {"container": {"image": f"{ECR}/jobs@{DIGEST}"}}}, "dev"
    )
    assert parse_stack_config(
        {"network": network, "batch": {"enabled": False, "container": {"image": PUBLIC}}}, "dev"
    )


def test_secrets_of_two_partitions_are_refused():
    china = "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/jobs/api-token"
    with pytest.raises(SettingsError) as error:
        ContainerSettings(secrets={"A": PARAMETER, "B": china}, secrets_kms_key_arn=KEY)
    assert problems(error) == [
        f'secrets.B: "{china}" is in partition aws-cn, but secrets.A is in aws; a role can only be granted '
        "resources of its own partition: write the ARN as arn:aws:..."
    ]
    found = parse(
        {
            "upload": {"container": {"secrets": {"A": PARAMETER}}},
            "queue": {"container": {"secrets": {"B": china}}},
        }
    )
    assert found == [
        f'queue.container.secrets.B: "{china}" is in partition aws-cn, but upload.container.secrets.A is in aws; '
        "a role can only be granted resources of its own partition: write the ARN as arn:aws:..."
    ]
