"""The queue message envelope (version 1, JSON in the SQS body) and the handlers registered by operation.

    {"version": 1, "operation": "<registered name>", ...the operation's own fields}

- `version`: 1. Anything else is malformed (a producer newer than this worker).
- `operation`: the name a handler was registered under.
- The other fields are the operation's message: validated by the pydantic model the handler was
  registered with (forbid unknown fields there, so a typo never silently changes what a job does), or
  handed over as a dict when it has none.
A malformed message is never given to a handler: the runtime logs it and leaves it to the dead-letter
queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecs_runtime.settings import WorkerSettings

if TYPE_CHECKING:
    from ecs_runtime.context import Context
    from ecs_runtime.queue.control import JobControl

ENVELOPE_FIELDS = ("version", "operation")

JobFunction = Callable[[Any, "JobControl", "Context[Any]"], Mapping[str, Any] | None]
"""`(message, control, context) -> fields for the job.completed line (or None)`."""

FunctionT = TypeVar("FunctionT", bound=JobFunction)


class _Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    version: Literal[1]
    operation: str = Field(min_length=1)


class MalformedMessageError(Exception):
    """The body is not a version 1 message of a registered operation; the text says what is wrong."""


@dataclass(frozen=True)
class Operation:
    name: str
    function: JobFunction
    model: type[BaseModel] | None


@dataclass(frozen=True)
class ParsedMessage:
    operation: Operation
    message: Any
    """An instance of the operation's model, or the fields as a dict."""


class QueueHandlers:
    """The operations a queue worker runs, by name:

        handlers = QueueHandlers(settings=MySettings)

        @handlers.operation("resize", model=ResizeMessage)
        def resize(message: ResizeMessage, control: JobControl, context: Context[MySettings]) -> dict:
            ...
            control.commit()  # just before the output is written
            ...

    `log_fields(message)` adds fields to every line about a job (e.g. the object it reads).
    """

    def __init__(
        self,
        settings: type[WorkerSettings] | None = None,
        log_fields: Callable[[Any], Mapping[str, Any]] | None = None,
    ) -> None:
        self.settings = settings
        self._log_fields = log_fields
        self._operations: dict[str, Operation] = {}

    def operation(self, name: str, model: type[BaseModel] | None = None) -> Callable[[FunctionT], FunctionT]:
        def register(function: FunctionT) -> FunctionT:
            self.add(name, function, model)
            return function

        return register

    def add(self, name: str, function: JobFunction, model: type[BaseModel] | None = None) -> None:
        if name in self._operations:
            raise ValueError(f"operation {name!r} is registered twice")
        self._operations[name] = Operation(name, function, model)

    @property
    def names(self) -> list[str]:
        return sorted(self._operations)

    def log_fields(self, message: Any) -> Mapping[str, Any]:
        return self._log_fields(message) if self._log_fields else {}

    def parse(self, body: str) -> ParsedMessage:
        try:
            envelope = _Envelope.model_validate_json(body)
        except ValidationError as error:
            raise MalformedMessageError(_problems(error)) from None
        operation = self._operations.get(envelope.operation)
        if operation is None:
            raise MalformedMessageError(
                f"operation: {envelope.operation!r} is not one of {', '.join(self.names)}"
            )
        fields = {name: value for name, value in (envelope.model_extra or {}).items()}
        if operation.model is None:
            return ParsedMessage(operation, fields)
        try:
            return ParsedMessage(operation, operation.model.model_validate(fields))
        except ValidationError as error:
            raise MalformedMessageError(_problems(error)) from None


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors(include_url=False)
    )
