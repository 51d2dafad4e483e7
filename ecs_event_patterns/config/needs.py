"""What a job may touch in AWS, declared as needs rather than raw IAM: `Needs`, a field of each job pattern's
settings (`upload.needs`, `batch.needs`, `queue.needs` in the stack config).

Every need names its resource by ARN, so the need says which partition it is in: `arn:aws:s3:::team-data`,
not `team-data`. A bare bucket name is refused with the ARN to write instead: every other need is an ARN, a
bucket ARN is what IAM takes, and a stack in China or GovCloud then states its partition instead of getting
one it did not choose. The partition of every ARN must be one this project deploys to (`arns.PARTITIONS`) and
the same for all needs of a stack; where the stack's region is known (`aws:region`), its partition
(`stack_config.parse_stack_config`). `ecs_event_patterns.iam.job_needs` turns the needs into IAM statements.

`statements` is the escape hatch for what the needs do not cover: raw IAM statements, checked as strictly as
the pack checks a task role (exact `service:Action` actions, exact ARNs, no `NotAction`/`NotResource`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, GetCoreSchemaHandler, GetPydanticSchema
from pydantic_core import CoreSchema, core_schema

from ecs_event_patterns.config.model import (
    Allowed,
    Flag,
    FrozenMapping,
    KeyPrefix,
    Listed,
    SettingsModel,
    checked,
    settings_model,
)
from ecs_event_patterns.config.validation import Problem, did_you_mean, show
from ecs_event_patterns.iam import arns

__all__ = ["Needs", "ObjectAccess", "RawStatement", "SecretAccess", "TableAccess"]

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
_WILDCARD_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
_SID = re.compile(r"^[A-Za-z0-9]*$")
EFFECTS = ("Allow", "Deny")
TABLE_ACCESS = ("read", "write", "read-write")


def _arn(*kinds: arns.ArnKind) -> AfterValidator:
    return checked(lambda value: arns.arn_problem(value, *kinds))


def _one_of(allowed: tuple[str, ...]) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        if value in allowed:
            return None
        return f"{show(value)} is not one of {', '.join(allowed)}{did_you_mean(value, allowed)}"

    return problem


BucketArn = Annotated[str, _arn(arns.BUCKET), Allowed("`arn:<partition>:s3:::<bucket>`")]
TableArn = Annotated[
    str, _arn(arns.TABLE), Allowed("`arn:<partition>:dynamodb:<region>:<account>:table/<name>`")
]
QueueArn = Annotated[str, _arn(arns.QUEUE)]
TopicArn = Annotated[str, _arn(arns.TOPIC)]
SecretOrParameterArn = Annotated[
    str,
    _arn(arns.SECRET, arns.PARAMETER),
    Allowed("a Secrets Manager secret ARN (with its 6-character suffix, or `-??????`), an SSM parameter ARN"),
]


def _key_problem(value: str) -> str | None:
    return None if value == "" else arns.arn_problem(value, arns.KEY)


@settings_model
class ObjectAccess(SettingsModel):
    """Objects under a prefix of one bucket."""

    bucket: BucketArn
    """The bucket's ARN, `arn:aws:s3:::<name>`."""
    prefix: KeyPrefix = ""
    """Only keys that start with this prefix; empty: the whole bucket."""


@settings_model
class TableAccess(SettingsModel):
    """Items of one DynamoDB table."""

    table: TableArn
    """The table's ARN."""
    access: Annotated[str, checked(_one_of(TABLE_ACCESS)), Allowed(", ".join(TABLE_ACCESS))] = "read"
    """`read`: get, query, scan; `write`: put, update, delete; `read-write`: both."""
    indexes: Flag = False
    """Also query and scan the table's indexes (`read` and `read-write`)."""

    def rule_problems(self) -> Iterator[Problem]:
        if self.indexes and self.access == "write":
            yield Problem(
                "indexes",
                'true with access "write": indexes are only read (query, scan); set access to '
                '"read-write" or remove indexes',
                ("indexes", "access"),
            )


@settings_model
class SecretAccess(SettingsModel):
    """A secret or parameter the job reads itself at run time, with its task role (not one ECS injects into
    the container's environment, which the execution role reads)."""

    arn: SecretOrParameterArn
    """The Secrets Manager secret's or SSM parameter's ARN."""
    kms_key: Annotated[str, checked(_key_problem), Allowed("a KMS key ARN (`...:key/<id>`), no alias")] = ""
    """The customer-managed KMS key the value is encrypted with; empty: the AWS managed key, which needs no
    grant."""


def _actions(actions: tuple[str, ...]) -> tuple[str, ...]:
    if not actions:
        raise ValueError("[] is empty; list the exact actions, such as s3:GetObject")
    problems = []
    for action in actions:
        if action == "*":
            problems.append('"*" allows every action of every service')
        elif action.endswith(":*") and action.count(":") == 1:
            problems.append(f"{show(action)} allows every {action[:-2]} action")
        elif _WILDCARD_ACTION.match(action) and not _ACTION.match(action):
            problems.append(f"{show(action)} is a wildcard, which also grants actions AWS adds later")
        elif not _ACTION.match(action):
            problems.append(f'{show(action)} is not service:Action (such as "s3:GetObject")')
    if problems:
        raise ValueError("; ".join(problems) + "; list the exact actions the job calls")
    return actions


def _resources(resources: tuple[str, ...]) -> tuple[str, ...]:
    if not resources:
        raise ValueError("[] is empty; list the exact ARNs")
    problems = []
    for resource in resources:
        arn = arns.parse(resource)
        if resource == "*":
            problems.append('"*" is every resource')
        elif arn is None:
            problems.append(f"{show(resource)} is not an ARN (arn:<partition>:<service>:...)")
        elif (reason := arns.partition_problem(resource)) is not None:
            problems.append(reason)
        elif not arn.resource.strip("*?/"):
            problems.append(f"{show(resource)} is every {arn.service} resource")
    if problems:
        raise ValueError(
            "; ".join(problems) + "; name the exact ARNs (a wildcard inside one, such as "
            "arn:aws:s3:::team-data/in/*, is allowed)"
        )
    return resources


class Condition(FrozenMapping[str, FrozenMapping[str, tuple[str, ...]]]):
    """An IAM condition block, operator -> condition key -> values, frozen and hashable at both levels.

    Written as IAM writes it (a value may be one string or a list); stored with every value as a tuple of
    strings, which IAM reads the same way.
    """

    __slots__ = ()

    def __init__(self, blocks: Mapping[str, Mapping[str, str | Sequence[str]]] | None = None) -> None:
        super().__init__(
            {
                operator: FrozenMapping(
                    {key: (value,) if isinstance(value, str) else tuple(value) for key, value in keys.items()}
                )
                for operator, keys in (blocks or {}).items()
            }
        )

    def __repr__(self) -> str:
        return f"Condition({self.as_json()!r})"

    def as_json(self) -> dict[str, dict[str, list[str]]]:
        return {operator: {key: list(vals) for key, vals in keys.items()} for operator, keys in self.items()}

    @classmethod
    def from_written(cls, value: object) -> object:
        """What a person wrote, checked for shape: every value a string or a list of strings."""
        if isinstance(value, Condition):
            return value  # `dataclasses.replace` hands the stored value back
        example = '(such as {"StringEquals": {"aws:ResourceTag/team": "orders"}})'
        blocks = list(value.values()) if isinstance(value, Mapping) else []
        if not isinstance(value, Mapping) or not all(isinstance(keys, Mapping) for keys in blocks):
            raise ValueError(f"{show(value)} is not operators to condition keys to values {example}")
        wrong = [
            f"{operator}.{key} {show(values)}"
            for operator, keys in value.items()
            for key, values in keys.items()
            if not isinstance(values, str)
            and not (isinstance(values, list | tuple) and all(isinstance(v, str) for v in values))
        ]
        if wrong:
            raise ValueError(
                f"not a string or a list of strings: {', '.join(wrong)}; IAM compares condition values as "
                'strings, so quote them ("true", "10")'
            )
        return cls(value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            cls.from_written,
            core_schema.is_instance_schema(cls),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda value: value.as_json()),
        )


ConditionBlock = Annotated[
    Mapping[str, Mapping[str, str | Sequence[str]]], GetPydanticSchema(Condition.__get_pydantic_core_schema__)
]
"""Typed for what a person writes in code (a dict of dicts); stored as a `Condition`."""


def _sid_problem(sid: str) -> str | None:
    return None if _SID.match(sid) else f"{show(sid)} is not only letters and digits"


def _one_or_more(value: object) -> object:
    return [value] if isinstance(value, str) else value


Strings = Annotated[Listed[str], BeforeValidator(_one_or_more)]
"""A string or a list of strings, as IAM writes `Action` and `Resource`."""


_REFUSED_STATEMENT_KEYS = {
    "NotAction": "refused: NotAction grants every action it does not list; list the actions in Action",
    "NotResource": "refused: NotResource grants every resource it does not list; list the ARNs in Resource",
    "Principal": "refused: a role's own policy has no Principal (the task role is the principal)",
}


@settings_model
class RawStatement(SettingsModel):
    """One IAM statement (keys as IAM spells them), appended to the task role as written."""

    @classmethod
    def refused_key(cls, key: str) -> str | None:
        return _REFUSED_STATEMENT_KEYS.get(key)

    Action: Annotated[Strings, AfterValidator(_actions), Allowed("exact `service:Action`s, no wildcard")]
    """The actions, such as `s3:GetObject`."""
    Resource: Annotated[Strings, AfterValidator(_resources), Allowed('ARNs, not `"*"`')]
    """The ARNs, of the stack's partition."""
    Effect: Annotated[str, checked(_one_of(EFFECTS)), Allowed(", ".join(EFFECTS))] = "Allow"
    """Allow or Deny."""
    Condition: ConditionBlock = field(default_factory=Condition)
    """IAM condition operators to condition keys to values, as IAM writes them; empty: none."""
    Sid: Annotated[str, checked(_sid_problem), Allowed("letters and digits")] = ""
    """Statement id (letters and digits); empty: none."""


@settings_model
class Needs(SettingsModel):
    """Every ARN of a stack's needs must be in one partition: the region's, where `aws:region` is set."""

    read_objects: Listed[ObjectAccess] = ()
    """Objects the job reads (list and get) under a prefix of a bucket."""
    write_objects: Listed[ObjectAccess] = ()
    """Objects the job writes (put, multipart) under a prefix of a bucket."""
    tables: Listed[TableAccess] = ()
    """Items of DynamoDB tables the job reads or writes."""
    send: Annotated[Listed[QueueArn], Allowed("SQS queue ARNs")] = ()
    """Queues the job sends messages to."""
    publish: Annotated[Listed[TopicArn], Allowed("SNS topic ARNs")] = ()
    """Topics the job publishes to."""
    read_secrets: Listed[SecretAccess] = ()
    """Secrets and parameters the job reads at run time."""
    statements: Listed[RawStatement] = ()
    """Raw IAM statements for what the needs above do not cover."""

    def named_arns(self) -> Iterator[tuple[str, str]]:
        """(key path, ARN) of every ARN the needs name, in order."""
        for key in ("read_objects", "write_objects"):
            for index, access in enumerate(getattr(self, key)):
                yield f"{key}[{index}].bucket", access.bucket
        for index, table in enumerate(self.tables):
            yield f"tables[{index}].table", table.table
        for key in ("send", "publish"):
            for index, arn in enumerate(getattr(self, key)):
                yield f"{key}[{index}]", arn
        for index, secret in enumerate(self.read_secrets):
            yield f"read_secrets[{index}].arn", secret.arn
            if secret.kms_key:
                yield f"read_secrets[{index}].kms_key", secret.kms_key
        for index, statement in enumerate(self.statements):
            for resource in statement.Resource:
                yield f"statements[{index}].Resource", resource

    def rule_problems(self) -> Iterator[Problem]:
        yield from partition_problems(self.named_arns())


@dataclass(frozen=True)
class PartitionProblem(Problem):
    """An ARN of another partition than the others (or the stack region's): the stack config, which knows the
    region, replaces the comparisons between ARNs with its own against the region."""


def partition_problems(
    named: Iterator[tuple[str, str]], expected: str | None = None, why: str = ""
) -> Iterator[Problem]:
    """A problem for each ARN whose partition is not `expected` (given: the region's), or, without it, not
    that of the first ARN: a role lives in one partition, and an ARN of another grants nothing."""
    first: tuple[str, str] | None = None
    for path, value in named:
        arn = arns.parse(value)
        if arn is None or arn.partition not in arns.PARTITIONS:
            continue  # the ARN's own check says what is wrong with it
        if expected is None:
            if first is None:
                first = (path, arn.partition)
                continue
            expected, why = first[1], f"{first[0]} is in {first[1]}"
        if arn.partition != expected:
            yield PartitionProblem(
                path,
                f"{show(value)} is in partition {arn.partition}, but {why}; a role can only be granted "
                f"resources of its own partition: write the ARN as arn:{expected}:...",
            )
