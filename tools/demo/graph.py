"""The stack's resource graph as the program registers it, recorded on Pulumi's mock runtime.

The demo takes every resource from here, never from a second hand-written description, so it follows
the program (and any program built on the components) wherever it goes. The recording is the one the
offline policy gate makes (`tools.policy_gate.program`): the program runs in its own process with its
stack's config, and each resource comes back with its inputs and outputs in the engine's wire form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.policy_gate import program
from tools.pulumi_mocks import DEFAULT_ACCOUNT_ID


class GraphError(ValueError):
    """The recorded graph lacks something the demo needs; the message names it."""


@dataclass(frozen=True)
class Resource:
    urn: str
    type: str
    name: str
    parent: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]

    def value(self, key: str) -> Any:
        """An output, or the input of that name when the output is absent."""
        return self.outputs.get(key, self.inputs.get(key))

    def document(self, key: str) -> Any:
        """An input that holds JSON text (a policy, a pattern, container definitions), parsed."""
        raw = self.inputs.get(key)
        if not isinstance(raw, str):
            raise GraphError(f"{self.name} ({self.type}): input {key!r} is not JSON text: {raw!r}")
        return json.loads(raw)


@dataclass(frozen=True)
class Graph:
    stack: str
    region: str
    account_id: str
    resources: tuple[Resource, ...]

    def of_type(self, typ: str) -> list[Resource]:
        return [resource for resource in self.resources if resource.type == typ]

    def find(self, typ: str, where: Callable[[Resource], bool]) -> list[Resource]:
        return [resource for resource in self.of_type(typ) if where(resource)]

    def one(self, typ: str, where: Callable[[Resource], bool], what: str) -> Resource:
        found = self.find(typ, where)
        if len(found) != 1:
            raise GraphError(f"expected one {typ} for {what}, the program registered {len(found)}")
        return found[0]

    def with_output(self, typ: str, key: str, value: Any) -> Resource:
        """The resource of type `typ` whose output `key` is `value` (how one resource refers to another)."""
        return self.one(typ, lambda resource: resource.value(key) == value, f"{key} = {value!r}")

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)


def from_records(stack: str, region: str, account_id: str, records: list[dict[str, Any]]) -> Graph:
    return Graph(
        stack=stack,
        region=region,
        account_id=account_id,
        resources=tuple(
            Resource(
                urn=record["urn"],
                type=record["type"],
                name=record["name"],
                parent=record.get("parent", ""),
                inputs=record.get("inputs") or {},
                outputs=record.get("outputs") or {},
            )
            for record in records
        ),
    )


def record_stack(project_dir: Path, stack: str) -> Graph:
    """Run the program in `project_dir` for `stack` on the mock runtime; raises ProgramError on failure."""
    loaded = program.load(project_dir, stack)
    return from_records(stack, loaded.region, DEFAULT_ACCOUNT_ID, program.record(loaded, stack))
