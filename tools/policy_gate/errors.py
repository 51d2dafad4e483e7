"""Why the gate could not judge a program (exit code 2).

Apart from the modules that raise these, because those import grpc, jsonschema and the Pulumi SDK: the CLI
handles every one of them without importing those before it has started the program.
"""

from __future__ import annotations


class GateError(Exception):
    """The gate cannot run; the message says why, and `problems` lists each problem (a program may report
    several, its config's for example)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message + "".join(f"\n  {problem}" for problem in problems or []))
        self.problems = [message, *problems] if problems else [message]
