"""What a handler gets besides its input: its log, the stop event, its settings, AWS clients."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

from ecs_runtime.aws import Clients
from ecs_runtime.logs import JsonLog

SettingsT = TypeVar("SettingsT")


@dataclass(frozen=True)
class Context(Generic[SettingsT]):
    log: JsonLog
    """Bound to the item at hand: its lines carry the item's `correlation_id`."""
    stop: threading.Event
    """Set when the runtime wants the handler to stop (SIGTERM; for the queue, also the job timeout).
    Reads of the object stream raise StopRequestedError once it is set; a handler that waits on
    something else checks it."""
    task_arn: str | None
    settings: SettingsT
    """The handler's own settings (the class its spec names, read from the environment at start), or
    None when it names none."""
    aws: Clients
    """Typed boto3 clients, shared by all handler calls (boto3 clients are thread-safe)."""
