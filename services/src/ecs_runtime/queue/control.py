"""How the runtime stops a running job, and the commit point that makes a job finish, not be released."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobControl:
    """Given to every queue handler.

    `cancel` is set when the job must stop: its timeout passed, or the worker is draining after SIGTERM
    and is handing the message back. A handler checks it between units of work (the object streams of
    `ecs_runtime.streams` do so on every read).
    `commit()` is called just before the job writes its output: it raises StopRequestedError when the
    job was cancelled meanwhile, and once it returns the runtime no longer hands the message back, so
    no output is ever written for a message already released. A job that writes nothing need not call it.
    """

    cancel: threading.Event
    commit: Callable[[], None]
