"""What a job pattern's task runs: a container built from a team's own context, or an existing image, with
its command, extra environment and secrets. The settings field `container` of each job pattern.

Unset, a pattern runs its bundled example worker (built from `./services`, target `ingest`, `report` or
`worker`), exactly as before this setting existed.

Secrets are injected by ECS from the container definition's `secrets` (`valueFrom`), read by the execution
role at task start: "Pass sensitive data to an Amazon ECS container" and "Pass Secrets Manager secrets through
Amazon ECS environment variables", ECS Developer Guide
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html). A Secrets
Manager `valueFrom` may end in `:json-key:version-stage:version-id` (each part may be empty; Fargate platform
1.4.0 or later); IAM's resource is the secret's ARN without that suffix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

from ecs_event_patterns.config.image_reference import (
    PUBLIC_REGISTRIES,
    ImageReference,
    image_reference_problem,
    parse_image_reference,
)
from ecs_event_patterns.config.model import (
    Allowed,
    SettingsModel,
    StringMap,
    StringMapping,
    Strings,
    checked,
    settings_model,
)
from ecs_event_patterns.config.needs import partition_problems
from ecs_event_patterns.config.validation import Problem, SettingsError, show

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARTITION = r"aws(?:-[a-z]+)*"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
_ACCOUNT = r"\d{12}"
_PARAMETER_ARN = re.compile(
    rf"arn:{_PARTITION}:ssm:{_REGION}:{_ACCOUNT}:parameter/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*"
)
_SECRET_ARN = re.compile(
    rf"(?P<arn>arn:{_PARTITION}:secretsmanager:{_REGION}:{_ACCOUNT}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{{6}})"
    r"(?P<suffix>:[^:]*:[^:]*:[^:]*)?"
)
_KMS_KEY_ARN = re.compile(rf"arn:{_PARTITION}:kms:{_REGION}:{_ACCOUNT}:key/[A-Za-z0-9-]+")

ECS_VARIABLES: Mapping[str, str] = {
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "where the SDKs get the task role's credentials",
    "AWS_EXECUTION_ENV": "the launch type",
    "AWS_REGION": "the task's region",
    "AWS_DEFAULT_REGION": "the task's region",
    "ECS_CONTAINER_METADATA_URI": "the task metadata endpoint",
    "ECS_CONTAINER_METADATA_URI_V4": "the task metadata endpoint",
    "ECS_AGENT_URI": "the task protection endpoint the queue runtime calls",
}
"""What ECS on Fargate sets in every container; a value of the task definition's would shadow it."""

UPLOAD_VARIABLES: Mapping[str, str] = {
    "RESULTS_TABLE": "the results table",
    "BUCKET": "the uploaded object's bucket, per event",
    "OBJECT_KEY": "the uploaded object's key, per event",
    "OBJECT_SIZE": "the uploaded object's size, per event",
    "OBJECT_ETAG": "the uploaded object's ETag, per event",
    "OBJECT_SEQUENCER": "the event's sequencer, per event",
    "OBJECT_VERSION_ID": "the uploaded object's version, per event",
}
"""What the upload pattern sets (task definition and each event's RunTask overrides) and its runtime reads."""

BATCH_VARIABLES: Mapping[str, str] = {
    "BUCKET": "the data bucket",
    "INPUT_PREFIX": "batch.input_prefix",
    "OUTPUT_PREFIX": "batch.output_prefix",
    "CONCURRENCY": "batch.concurrency",
}
"""What the batch pattern sets and its runtime reads."""

QUEUE_VARIABLES: Mapping[str, str] = {
    "QUEUE_URL": "the work queue",
    "OUTPUT_BUCKET": "the data bucket",
    "OUTPUT_PREFIX": "the output prefix of the data bucket",
    "WORKER_CONCURRENCY": "queue.worker_concurrency",
    "JOB_TIMEOUT_SECONDS": "queue.job_timeout_seconds",
    "VISIBILITY_TIMEOUT_SECONDS": "queue.visibility_timeout_seconds",
    "STOP_TIMEOUT_SECONDS": "queue.stop_timeout_seconds",
    "RECEIVE_WAIT_SECONDS": "the queue's long polling, 20 s",
}
"""What the queue pattern sets and its runtime reads."""


class SecretStore(StrEnum):
    PARAMETER = "ssm-parameter"
    SECRET = "secrets-manager"  # noqa: S105 - the name of a store, not a password


@dataclass(frozen=True)
class SecretSource:
    """Where ECS reads one secret from: the `valueFrom` as given, and the ARN an IAM statement names."""

    value_from: str
    store: SecretStore
    resource_arn: str
    """The parameter's or secret's ARN (a secret's without its `:json-key:version-stage:version-id`)."""


def secret_source(value_from: str) -> SecretSource:
    """The store and ARN of a `valueFrom`; ValueError saying which forms are allowed otherwise."""
    if _PARAMETER_ARN.fullmatch(value_from):
        return SecretSource(value_from, SecretStore.PARAMETER, value_from)
    match = _SECRET_ARN.fullmatch(value_from)
    if match is not None:
        return SecretSource(value_from, SecretStore.SECRET, match["arn"])
    hint = ""
    if ":secretsmanager:" in value_from:
        hint = (
            "; a secret's full ARN ends in its name, a hyphen and 6 characters Secrets Manager adds "
            "(`aws secretsmanager describe-secret --secret-id NAME` shows it), optionally followed by "
            "`:json-key:version-stage:version-id`"
        )
    raise ValueError(
        f"{show(value_from)} is neither an SSM Parameter Store parameter ARN "
        "(arn:aws:ssm:<region>:<account>:parameter/<name>) nor a Secrets Manager secret ARN "
        f"(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>){hint}"
    )


def _unless_none(problem: Callable[[str], str | None]) -> Callable[[str | None], str | None]:
    """A check of an optional setting: unset is fine."""
    return lambda value: None if value is None else problem(value)


def _variable_name_problem(name: str) -> str | None:
    if _VARIABLE_NAME.fullmatch(name):
        return None
    return f"{show(name)} is not a variable name (letters, digits and `_`, not starting with a digit)"


def _variable_names(values: Mapping[str, str]) -> Mapping[str, str]:
    problems = [Problem(name, reason) for name in values if (reason := _variable_name_problem(name))]
    if problems:
        raise SettingsError(problems)
    return values


def _secrets(values: Mapping[str, str]) -> Mapping[str, str]:
    problems = []
    for name, value_from in values.items():
        reason = _variable_name_problem(name)
        if reason is None:
            try:
                secret_source(value_from)
            except ValueError as error:
                reason = str(error)
        if reason is not None:
            problems.append(Problem(name, reason))
    if problems:
        raise SettingsError(problems)
    return values


def _kms_key_problem(arn: str) -> str | None:
    if _KMS_KEY_ARN.fullmatch(arn):
        return None
    return (
        f"{show(arn)} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>); an alias does not "
        "work here, since IAM matches kms:Decrypt against the key's ARN"
    )


def _context_problem(path: str) -> str | None:
    return '"" is empty; give the build context directory, such as "./jobs"' if not path.strip() else None


_VARIABLE_NAMES = "letters, digits and `_`"


@settings_model
class ImageBuild(SettingsModel):
    """A container image built from a team's own context and pushed to the pattern's own ECR repository
    (immutable tags, scan on push), tagged by a digest of what goes into the build; the platform is the
    stack's `cpu_architecture`. Paths are relative to the Pulumi project directory, where the program runs
    (awsx resolves them against the same directory)."""

    context: Annotated[str, checked(_context_problem), Allowed("a directory; required")]
    """Build context directory."""
    dockerfile: Annotated[str | None, Allowed("a file")] = None
    """Dockerfile path; unset: `<context>/Dockerfile`."""
    target: Annotated[str | None, Allowed("a stage of the Dockerfile")] = None
    """Build stage (`FROM ... AS <target>`); unset: the Dockerfile's last stage."""
    build_args: Annotated[StringMapping, AfterValidator(_variable_names), Allowed(_VARIABLE_NAMES)] = field(
        default_factory=StringMap
    )
    """Build arguments (`ARG`); they count in the image tag's digest."""


@settings_model
class ContainerSettings(SettingsModel):
    """A job's container: `build` (its own context and Dockerfile) or `image` (an existing reference), not
    both; neither runs the bundled example worker. An `image` is pulled as given: from an ECR repository
    (the execution role may pull that repository only) or a public registry (no grant). Pin it by digest
    (`...@sha256:<digest>`): a tag can be moved to another image at any time, and ECS resolves a tag again
    for every task a rule or schedule starts, and at every deployment of the queue service, so a moved tag
    changes what runs without any change to the stack. `secrets` are injected by ECS at task start: the
    execution role may read exactly those parameters and secrets (and decrypt with `secrets_kms_key_arn`),
    nothing else."""

    build: ImageBuild | None = None
    """Its image built from your own context:"""
    image: Annotated[
        str | None,
        checked(_unless_none(image_reference_problem)),
        Allowed(f"an ECR image or one on {', '.join(PUBLIC_REGISTRIES)}; pin it by digest (see below)"),
    ] = None
    """Run an existing image: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag][@sha256:...]` or a public
    reference (`public.ecr.aws/...`); no repository and no build is created."""
    command: Annotated[Strings, Allowed("the command and its arguments")] = ()
    """The container's command, overriding the image's `CMD`; empty: the image's own."""
    environment: Annotated[StringMapping, AfterValidator(_variable_names), Allowed(_VARIABLE_NAMES)] = field(
        default_factory=StringMap
    )
    """Extra environment variables, beside the ones the pattern sets (which may not be overridden)."""
    secrets: Annotated[
        StringMapping,
        AfterValidator(_secrets),
        Allowed("variable name -> SSM parameter ARN or Secrets Manager secret ARN"),
    ] = field(default_factory=StringMap)
    """Environment variables whose values ECS reads from Parameter Store or Secrets Manager at task start."""
    secrets_kms_key_arn: Annotated[
        str | None, checked(_unless_none(_kms_key_problem)), Allowed("a KMS key ARN; only with `secrets`")
    ] = None
    """The customer-managed KMS key the secrets are encrypted with; unset: AWS-managed keys, no grant."""

    @property
    def image_reference(self) -> ImageReference | None:
        return None if self.image is None else parse_image_reference(self.image)

    @property
    def secret_sources(self) -> dict[str, SecretSource]:
        """Each secret's variable name -> where ECS reads it, sorted by name."""
        return {name: secret_source(self.secrets[name]) for name in sorted(self.secrets)}

    def named_arns(self) -> Iterator[tuple[str, str]]:
        """(key path, ARN) of each ARN the execution role is granted: the secrets' and the key's."""
        for name, source in self.secret_sources.items():
            yield f"secrets.{name}", source.resource_arn
        if self.secrets_kms_key_arn is not None:
            yield "secrets_kms_key_arn", self.secrets_kms_key_arn

    def rule_problems(self) -> Iterator[Problem]:
        yield from partition_problems(self.named_arns())
        if self.build is not None and self.image is not None:
            yield Problem(
                "image",
                f"{show(self.image)} is given and so is build; a container is either built from a context "
                "(build) or an existing image (image): remove one of them",
                ("build", "image"),
            )
        for name in sorted(self.secrets.keys() & self.environment.keys()):
            yield Problem(
                f"secrets.{name}",
                f"is also set in environment.{name}; a variable comes from one of them: remove one",
                (f"secrets.{name}", f"environment.{name}"),
            )
        if self.secrets_kms_key_arn is not None and not self.secrets:
            yield Problem(
                "secrets_kms_key_arn",
                f"{show(self.secrets_kms_key_arn)} is given but secrets is empty; remove it or add secrets",
                ("secrets_kms_key_arn", "secrets"),
            )

    def variable_problems(self, pattern: str, reserved: Mapping[str, str]) -> Iterator[Problem]:
        """`environment` and `secrets` names that the pattern or ECS sets itself, under `container.`."""
        taken = {**ECS_VARIABLES, **reserved}
        for key in ("environment", "secrets"):
            names: Mapping[str, str] = getattr(self, key)
            for name in sorted(names.keys() & taken.keys()):
                setter = "ECS" if name in ECS_VARIABLES else f"the {pattern} pattern"
                yield Problem(
                    f"container.{key}.{name}",
                    f"collides with {name}, which {setter} sets itself ({taken[name]}); "
                    "give your variable another name",
                )
