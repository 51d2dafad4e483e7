"""The settings classes' base on pydantic v2: strict types, unknown keys rejected, frozen; one error for all.

pydantic checks the types, the shapes and each field's own constraints. Two things it does not do are added
here, because they are what makes a bad stack config quick to fix:

- a class's rules between fields (`rule_problems`) still run when another field is wrong; pydantic skips a
  model's validators after any field error, which would hide half of a stack's problems until the next run;
- each error becomes a `Problem` with its key path, the bad value and what is allowed, and an unknown key gets
  a did-you-mean; pydantic's own words ("Input should be a valid integer") name neither value nor choices.

Settings built in code are validated in Python mode, where a number is only an int and a flag only a bool.
What a person naturally writes in code is taken too, and stored as the declared type: an enum's value as a
string (`NetworkSettings(mode="isolated-vpc")` stores `NetworkMode.ISOLATED_VPC`), a list where a tuple is
declared, a dict for a nested settings object (`network={"mode": "isolated-vpc"}`) or for a `StringMap`. The
stack config is validated in JSON mode, because Pulumi hands objects to the program as JSON: enums by value,
and the strings the Pulumi CLI stores for scalars (`"50"`, `"true"`) as the numbers and booleans they spell.
Nothing else is coerced: `"yes"`, `1` for a boolean, `2.5` or `true` for a number are errors.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import Enum, StrEnum
from typing import Annotated, Any, TypeVar, cast, dataclass_transform

import annotated_types
import pydantic.dataclasses
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ArgsKwargs, CoreSchema, ErrorDetails, core_schema

from ecs_event_patterns.config.validation import (
    ItemsNotStringsProblem,
    Problem,
    SettingsError,
    did_you_mean,
    is_whole_number,
    join_path,
    key_prefix_problem,
    show,
    unknown_key_message,
)

_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")

CONFIG = ConfigDict(strict=True, extra="forbid", use_attribute_docstrings=True)

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_RANGE_ERRORS = frozenset({"greater_than_equal", "less_than_equal"})
_NOT_A_NUMBER = frozenset({"int_type", "int_parsing", "int_from_float"})
_NOT_AN_OBJECT = frozenset({"dataclass_type", "dataclass_exact_type", "dict_type"})


@dataclasses.dataclass(frozen=True)
class Flattened:
    """Marks a settings field whose own keys sit beside its section's other keys in the config.

    A task size is `upload.cpu` and `upload.memory`, not `upload.size.cpu`: the size is one object in code
    (the task block takes it whole) but two plain keys for the person writing the stack file.
    """


FLATTENED = Flattened()


@dataclasses.dataclass(frozen=True)
class Allowed:
    """What the configuration reference says a field allows, where its type and range do not say it all."""

    text: str


def _number_from_config_text(value: object, info: ValidationInfo) -> object:
    if info.mode == "json" and isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    return value


def _flag_from_config_text(value: object, info: ValidationInfo) -> object:
    if info.mode == "json" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _strings(value: object) -> object:
    if isinstance(value, str):
        raise ValueError(f"{show(value)} is a single string; write a list, such as [{show(value)}]")
    if not isinstance(value, list | tuple):
        raise ValueError(f"{show(value)} is not a list of strings")
    wrong = [(index, item) for index, item in enumerate(value) if not isinstance(item, str)]
    if wrong:
        problem = ItemsNotStringsProblem(
            "", fields=tuple(f"[{index}]" for index, _ in wrong), values=tuple(item for _, item in wrong)
        )
        raise SettingsError([problem])
    return tuple(value)


class SettingsEnum(StrEnum):
    """Base of every settings enum: in code, a field also takes the member's value as a plain string.

    pydantic's strict mode takes only the member in Python mode, so `NetworkSettings(mode="isolated-vpc")`,
    what a person writes, would be refused. The enum's own schema is made lax (the one thing lax mode adds for
    an enum is lookup by value), so the stored value is still the member, and a wrong string is refused with
    the same message as in the config. The fields' other types stay strict.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = cast(core_schema.EnumSchema, handler(source))
        schema["strict"] = False
        return schema


class FrozenMapping(Mapping[_K, _V]):
    """An immutable, hashable mapping (of hashable values): a dict-valued field of a frozen settings object.

    Python has no frozen dict before 3.15 (PEP 814), and `types.MappingProxyType` is read-only but not
    hashable, while a settings object hashes like any frozen dataclass.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[_K, _V] | None = None) -> None:
        self._items: dict[_K, _V] = dict(items or {})

    def __getitem__(self, key: _K) -> _V:
        return self._items[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class StringMap(FrozenMapping[str, str]):
    """A frozen mapping of strings to strings, written as a dict, in code and in the config."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        as_dict = core_schema.no_info_after_validator_function(cls, handler.generate_schema(dict[str, str]))
        return core_schema.no_info_before_validator_function(
            lambda value: dict(value) if isinstance(value, StringMap) else value,  # `dataclasses.replace`
            as_dict,
            serialization=core_schema.plain_serializer_function_ser_schema(dict),
        )


WholeNumber = Annotated[int, BeforeValidator(_number_from_config_text)]
"""An int; in the stack config also a string of digits, as `pulumi config set` stores it."""
Flag = Annotated[bool, BeforeValidator(_flag_from_config_text)]
"""A bool; in the stack config also "true" or "false" in any case, as `pulumi config set` stores it."""
Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]
"""A list of strings in the config, a tuple in code."""
StringMapping = Annotated[Mapping[str, str], AfterValidator(StringMap)]
"""An object of strings in the config, a dict (any mapping) in code, stored as a hashable `StringMap`; typed
as a `Mapping`, so code that passes a dict type-checks."""


def _a_list(value: object) -> object:
    if isinstance(value, str | Mapping) or not isinstance(value, list | tuple):
        raise ValueError(f"{show(value)} is not a list; write a list, such as [{show(value)}]")
    return list(value)


Listed = Annotated[Sequence[_T], BeforeValidator(_a_list), AfterValidator(tuple)]
"""A list, in the config and in code (where an item may also be a dict of its class's keys), stored as a
tuple, so a frozen object's values stay put; a single value is refused with the list to write. Declared a
`Sequence`, not a `tuple`, so that a list type-checks in code."""


KEY_PREFIX_RULES = "no leading `/`, no `*`, `?` or `${`, at most 1024 bytes of UTF-8, no control characters"


def checked(problem: Callable[[Any], str | None]) -> AfterValidator:
    """A field check from a function that returns why a value is wrong (the whole message), or None."""

    def check(value: Any) -> Any:
        reason = problem(value)
        if reason is not None:
            raise ValueError(reason)
        return value

    return AfterValidator(check)


KeyPrefix = Annotated[str, checked(key_prefix_problem), Allowed(f"{KEY_PREFIX_RULES}; empty: whole bucket")]
"""An S3 key prefix a task's grants are written for."""


@pydantic.dataclasses.dataclass(frozen=True, config=CONFIG)
class SettingsModel:
    """Base of every settings class: subclasses are declared with `@settings_model`."""

    @classmethod
    def refused_key(cls, key: str) -> str | None:
        """Why `key` is refused, for a key that is not unknown but wrong (and what to write instead)."""
        return None

    def rule_problems(self) -> Iterator[Problem]:
        """Problems of the rules between this object's fields; checked even when another field is wrong."""
        return iter(())

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> CoreSchema:
        # Strict mode takes only an instance for a nested settings object in code; a dict of its fields is
        # what a person writes too (`network={"mode": "isolated-vpc"}`). Lax on the dataclass schema means
        # only that: its fields keep their own strictness. `_every_problem` wraps the dataclass schema.
        schema = handler(source)
        inner: Any = schema
        while inner["type"] != "dataclass":
            inner = inner["schema"]
        inner["strict"] = False
        return schema

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            instance = handler(data)
        except ValidationError as error:
            raise _section_problems(cls, data, handler, error.errors(include_url=False)) from None
        problems = list(instance.rule_problems())
        if problems:
            raise _SectionError(problems, instance, frozenset())  # every field is the user's own
        return instance


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, Field))
def settings_model(cls: type[_T]) -> type[_T]:
    """A frozen pydantic dataclass whose constructor raises `SettingsError` listing every problem.

    A dataclass rather than a `BaseModel`: settings are plain values, and `dataclasses.replace` (validated),
    `fields` and `asdict` keep working for the code and tests that use them.
    """
    model = pydantic.dataclasses.dataclass(frozen=True, config=CONFIG)(cls)
    validating_init = model.__init__

    @functools.wraps(validating_init)
    def init(self: object, *args: object, **kwargs: object) -> None:
        try:
            validating_init(self, *args, **kwargs)
        except ValidationError as error:
            raise SettingsError(problems_from(model, error.errors(include_url=False))) from None

    setattr(model, "__init__", init)  # noqa: B010 - assigning a method directly does not type-check
    return model  # type: ignore[return-value] # the same class, now a pydantic dataclass


class _SectionError(SettingsError):
    """A settings object's problems, and the stand-in its rules ran on, for the object holding it."""

    def __init__(self, problems: list[Problem], stand_in: object, unusable: frozenset[str]) -> None:
        super().__init__(problems)
        self.stand_in = stand_in
        self.unusable = unusable
        """Structural paths (`queue.use_spot`) of the stand-in's fields that are not the user's values."""


def _section_problems(
    cls: type[SettingsModel], data: Any, handler: ValidatorFunctionWrapHandler, errors: list[ErrorDetails]
) -> SettingsError:
    """Every problem of this object: its fields', then its rules' on the fields that are usable.

    A field whose only fault is its range is usable: `max_tasks: 0` is both out of range and below
    `min_tasks`, and saying both at once saves a second run. A field of the wrong type is not: a rule that
    involves it is not reported (it would speak of a stand-in, not of what the user wrote). A nested object
    with problems lends its own stand-in, so a rule of the stack that needs `queue.use_spot` still runs when
    only `queue.max_tasks` is wrong.
    """
    problems = problems_from(cls, errors)
    if any(not error["loc"] for error in errors):
        return SettingsError(problems)  # the whole value is wrong (not an object): there are no fields
    failing = {str(error["loc"][0]) for error in errors}
    try:
        stand_in = handler(_without(cls, data, failing))
    except ValidationError:
        return SettingsError(problems)  # a required field is among the failing ones
    unusable: set[str] = set()
    for error in errors:
        name = str(error["loc"][0])
        cause = (error.get("ctx") or {}).get("error")
        # The stand-in never leaves validation; it carries the user's usable values to the rules.
        if error["type"] in _RANGE_ERRORS and len(error["loc"]) == 1:
            value = error["input"]
            object.__setattr__(stand_in, name, value if is_whole_number(value) else int(value))
        elif isinstance(cause, _SectionError) and len(error["loc"]) == 1:
            object.__setattr__(stand_in, name, cause.stand_in)
            unusable |= {f"{name}.{path}" for path in cause.unusable}
        else:
            unusable.add(name)
    problems += [p for p in stand_in.rule_problems() if not any(_within(s, unusable) for s in p.involves)]
    return _SectionError(problems, stand_in, frozenset(unusable))


def _within(setting: str, paths: set[str]) -> bool:
    return any(setting == path or setting.startswith((f"{path}.", f"{path}[", f"{path}/")) for path in paths)


def _without(cls: type[Any], data: Any, names: set[str]) -> Any:
    if isinstance(data, ArgsKwargs):
        given = dict(zip((f.name for f in dataclasses.fields(cls)), data.args, strict=False))
        given.update(data.kwargs or {})
        return ArgsKwargs((), {key: value for key, value in given.items() if key not in names})
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if key not in names}
    return data


def problems_from(cls: type[Any], errors: list[ErrorDetails]) -> list[Problem]:
    """pydantic's errors for `cls` as problems: key paths as the config writes them, messages in our words."""
    problems: list[Problem] = []
    for item in errors:
        loc = item["loc"]
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, SettingsError):
            # A nested settings object (or a list's items) reported its own problems: place them under it.
            # A flattened field's keys sit beside its holder's; a problem of its whole value keeps its name.
            flattened = bool(loc) and is_flattened(cls, str(loc[0]))
            problems += [
                problem.under(_path(loc[1:]) if flattened and problem.path else _path(loc))
                for problem in cause.problems
            ]
        else:
            problems.append(Problem(_path(loc), _message(cls, item, cause)))
    return problems


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path = join_path(path, f"[{part}]" if isinstance(part, int) else part)
    return path


def _message(cls: type[Any], item: ErrorDetails, cause: object) -> str:
    kind, value, loc = item["type"], item["input"], item["loc"]
    if kind == "missing":
        return "not set, and it has no default"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        holder = _flattened_holder(cls, str(loc[-1])) if len(loc) == 1 else None
        if holder is not None:  # only in code: the stack config's loader moves such a key under its field
            of = cls.__pydantic_fields__[holder].annotation
            arguments = ", ".join(f"{key}=..." for key in of.__pydantic_fields__)
            where = f"in code, a field of {holder}, not of {cls.__name__}"
            return f"{where}: write {holder}={of.__name__}({arguments})"
        refused = cls.refused_key(str(loc[-1])) if issubclass(cls, SettingsModel) else None
        return refused or unknown_key_message(str(loc[-1]), config_keys_of(cls))
    if value is None:
        return "null is not allowed; remove the key to use the default"
    if isinstance(cause, ValueError):
        return str(cause)
    if kind in _NOT_A_NUMBER:
        return f"{show(value)} is not a whole number"
    if kind in ("bool_type", "bool_parsing"):
        return f"{show(value)} is not true or false"
    if kind == "string_type":
        return f"{show(value)} is not a string"
    if kind in _NOT_AN_OBJECT:
        return f"{show(value)} is not an object (a mapping of keys to values)"
    field = _field(cls, loc)
    if field is not None and kind in _RANGE_ERRORS:
        low, high = bounds(field)
        return f"{value} is outside the allowed range {low} to {high}"
    kind_of_field = field.annotation if field is not None else None
    if isinstance(kind_of_field, type) and issubclass(kind_of_field, Enum):
        allowed = [str(member.value) for member in kind_of_field]
        hint = did_you_mean(str(value), allowed) if isinstance(value, str | Enum) else ""
        return f"{show(value)} is not one of {', '.join(allowed)}{hint}"
    return f"{show(value)}: {item['msg']}"  # pydantic's words, for a kind of error no setting had before


def _field(cls: type[Any], loc: tuple[int | str, ...]) -> FieldInfo | None:
    fields: dict[str, FieldInfo] = getattr(cls, "__pydantic_fields__", {})
    return fields.get(str(loc[0])) if len(loc) == 1 else None


def bounds(field: FieldInfo) -> tuple[int | None, int | None]:
    """A whole-number field's declared minimum and maximum."""
    low = next((m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in field.metadata if isinstance(m, annotated_types.Le)), None)
    return (int(low) if low is not None else None, int(high) if high is not None else None)  # type: ignore[call-overload]


def _flattened_holder(cls: type[Any], key: str) -> str | None:
    """The flattened field of `cls` whose class has the field `key` (`size` for `cpu`), if any."""
    fields: dict[str, FieldInfo] = getattr(cls, "__pydantic_fields__", {})
    return next(
        (
            name
            for name, field in fields.items()
            if FLATTENED in field.metadata and key in getattr(field.annotation, "__pydantic_fields__", {})
        ),
        None,
    )


def is_flattened(cls: type[Any], name: str) -> bool:
    field = getattr(cls, "__pydantic_fields__", {}).get(name)
    return field is not None and FLATTENED in field.metadata


def settings_class(annotation: object) -> type[Any] | None:
    """The settings class a field holds: its annotation itself, or `X` of an optional `X | None`."""
    options = [annotation] if isinstance(annotation, type) else list(typing.get_args(annotation))
    if not isinstance(annotation, type) and not isinstance(annotation, types.UnionType):
        return None
    classes = [kind for kind in options if kind is not type(None)]
    if len(classes) == 1 and isinstance(classes[0], type) and hasattr(classes[0], "__pydantic_fields__"):
        return classes[0]
    return None


def config_keys_of(cls: type[Any]) -> list[str]:
    """The keys a settings class takes in the config, in declaration order (a flattened field's in place)."""
    keys: list[str] = []
    for field in dataclasses.fields(cls):
        if is_flattened(cls, field.name):
            keys += config_keys_of(cls.__pydantic_fields__[field.name].annotation)
        else:
            keys.append(field.name)
    return keys
