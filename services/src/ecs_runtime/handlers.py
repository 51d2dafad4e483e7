"""How a container names its handler: `HANDLER=package.module:object`, resolved once at start.

A name that does not import, or names the wrong kind of object, is a bad setting: exit 2 with a line
naming `HANDLER`, before any work starts. The runtime's own settings and the handler's (the settings
class its spec names) are read in the same step, so one line names every problem.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from pydantic import ImportString

from ecs_runtime.exit_codes import ExitCode
from ecs_runtime.lifecycle import Runtime, run_worker
from ecs_runtime.settings import WorkerSettings, WorkerSettingsError, load

if TYPE_CHECKING:
    from ecs_runtime.context import Context
    from ecs_runtime.streams import ObjectStream

HANDLER_VARIABLE = "HANDLER"

SettingsT = TypeVar("SettingsT", bound=WorkerSettings)
HandlerT = TypeVar("HandlerT")
ObjectT = TypeVar("ObjectT")
ResultT = TypeVar("ResultT", bound="Mapping[str, Any] | None")
ObjectHandlerT = TypeVar("ObjectHandlerT", bound="ObjectHandler[Any, Any]")


@dataclass(frozen=True)
class ObjectHandler(Generic[ObjectT, ResultT]):
    """The spec of a handler of one object (upload, batch): its function and its own settings.

    A plain function `(obj, stream, context) -> attributes` is the same spec without settings.
    """

    process: Callable[[ObjectT, ObjectStream, Context[Any]], ResultT]
    settings: type[WorkerSettings] | None = None


def function_or(spec_class: type[ObjectHandlerT]) -> Callable[[Any], ObjectHandlerT | None]:
    """Accepts a `spec_class` as it is and wraps a plain function in one; None for anything else."""

    def coerce(named: Any) -> ObjectHandlerT | None:
        if isinstance(named, spec_class):
            return named
        return spec_class(named) if callable(named) else None

    return coerce


class _HandlerName(WorkerSettings):
    # pydantic's ImportString imports `package.module:object` (or `package.module.object`) and names
    # the missing module or attribute when it cannot.
    handler: ImportString[Any]


@dataclass(frozen=True)
class Loaded(Generic[SettingsT, HandlerT]):
    settings: SettingsT
    """The pattern runtime's settings."""
    handler: HandlerT
    handler_settings: Any
    """The handler's own settings (an instance of the class its spec names), or None."""


def resolve(expected: str, coerce: Callable[[Any], HandlerT | None]) -> HandlerT:
    """The object `HANDLER` names, as `coerce` accepts it (None: not `expected`, a WorkerSettingsError)."""
    named = load(_HandlerName).handler
    handler = coerce(named)
    if handler is None:
        raise WorkerSettingsError(
            f"{HANDLER_VARIABLE}={os.environ.get(HANDLER_VARIABLE)!r} names {type(named).__name__} "
            f"{named!r}, not {expected}"
        )
    return handler


def load_pattern(
    settings_class: type[SettingsT],
    handler: HandlerT | None,
    expected: str,
    coerce: Callable[[Any], HandlerT | None],
    own_settings: Callable[[HandlerT], type[WorkerSettings] | None],
    agree: Callable[[SettingsT, HandlerT], str | None] | None = None,
) -> Loaded[SettingsT, HandlerT]:
    """The runtime's settings, the handler (given, or named by HANDLER) and the handler's settings.

    `agree` returns what is wrong between the settings and the handler (a handler that needs a setting the
    pattern leaves optional), named with the others."""
    problems: list[str] = []
    settings: SettingsT | None = None
    try:
        settings = load(settings_class)
    except WorkerSettingsError as error:
        problems.append(str(error))
    handler_settings = None
    try:
        if handler is None:
            handler = resolve(expected, coerce)
        settings_of_handler = own_settings(handler)
        if settings_of_handler is not None:
            handler_settings = load(settings_of_handler)
    except WorkerSettingsError as error:
        problems.append(str(error))
    if agree is not None and settings is not None and handler is not None:
        problems += [problem] if (problem := agree(settings, handler)) else []
    if problems or settings is None or handler is None:
        raise WorkerSettingsError("; ".join(problems))
    return Loaded(settings, handler, handler_settings)


def run_pattern(
    service: str,
    settings_class: type[SettingsT],
    handler: object | None,
    expected: str,
    coerce: Callable[[Any], HandlerT | None],
    own_settings: Callable[[HandlerT], type[WorkerSettings] | None],
    work: Callable[[Loaded[SettingsT, HandlerT], Runtime], ExitCode],
    agree: Callable[[SettingsT, HandlerT], str | None] | None = None,
) -> NoReturn:
    """A pattern's `run`: with the handler a program passes, or (None) the one `HANDLER` names; exits."""
    given = None if handler is None else coerce(handler)
    if handler is not None and given is None:
        raise TypeError(f"{handler!r} is not {expected}")
    run_worker(
        service,
        lambda: load_pattern(settings_class, given, expected, coerce, own_settings, agree),
        work,
    )
