"""The committed URN of every resource per stack, so no change replaces a deployed resource by accident.

A deployed stack knows its resources by URN (stack, project, parent type chain, type, name). A change of
name, type or parent is, to the engine, a delete and a create: for a table or a bucket, data lost. So
`tests/program/urns/<stack>.txt` lists every URN the program registers, each followed by the old URNs it
answers for through Pulumi `aliases`; `tests/program/test_stacks.py` fails when

- a URN of the snapshot (or an old URN it answers for) is neither registered nor answered for by an alias
  of the new run: the engine would delete it (rename it back, or add `aliases=[pulumi.Alias(name=old)]`);
- the new run registers URNs or aliases the snapshot does not list: regenerate it and commit it.

    python -m tools.urn_snapshot            # check every stack, print what drifted (exit 1)
    python -m tools.urn_snapshot --write    # regenerate the snapshots; refuses to drop a URN
    python -m tools.urn_snapshot --write --allow-removed   # a resource was removed on purpose
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.pulumi_mocks import RecordedResource
from tools.stack_program import ROOT, STACKS, install_stack, run_program

SNAPSHOT_DIR = ROOT / "tests" / "program" / "urns"
REGENERATE = "python -m tools.urn_snapshot --write"
_ANSWERS_FOR = "  answers for "

Snapshot = Mapping[str, tuple[str, ...]]
"""URN -> the old URNs its resource answers for through aliases (sorted)."""


def snapshot_of(resources: Iterable[RecordedResource]) -> dict[str, tuple[str, ...]]:
    return {resource.urn: tuple(sorted(resource.aliases)) for resource in resources}


def take(stack: str) -> dict[str, tuple[str, ...]]:
    """The URNs `pulumi up -s <stack>` would register, from the whole program on the mock runtime."""
    monitor = install_stack(stack)
    run_program()
    return snapshot_of(monitor.recorded)


def render(stack: str, snapshot: Snapshot) -> str:
    lines = [
        f"# Every resource's URN in stack {stack}, from the program on the mock runtime. An indented line",
        "# names an old URN the resource above answers for through `aliases`: keep it until every stack",
        f"# has been updated. Regenerate (never by hand): {REGENERATE}",
    ]
    for urn in sorted(snapshot):
        lines.append(urn)
        lines.extend(_ANSWERS_FOR + alias for alias in snapshot[urn])
    return "\n".join(lines) + "\n"


def parse(text: str, source: str) -> dict[str, tuple[str, ...]]:
    snapshot: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        if line.startswith("urn:"):
            current = snapshot.setdefault(line, [])
        elif line.startswith(_ANSWERS_FOR + "urn:") and current is not None:
            current.append(line.removeprefix(_ANSWERS_FOR))
        else:
            raise ValueError(f"{source}:{number}: not a URN line: {line!r}; regenerate with {REGENERATE}")
    return {urn: tuple(sorted(aliases)) for urn, aliases in snapshot.items()}


def path_for(stack: str, directory: Path = SNAPSHOT_DIR) -> Path:
    return directory / f"{stack}.txt"


def read(stack: str, directory: Path = SNAPSHOT_DIR) -> dict[str, tuple[str, ...]]:
    path = path_for(stack, directory)
    if not path.is_file():
        return {}
    return parse(path.read_text(encoding="utf-8"), str(path))


@dataclass(frozen=True)
class Drift:
    stack: str
    lost: tuple[str, ...]
    """URNs the snapshot knows (registered, or answered for) that nothing in the new run answers for."""
    diff: str
    """The snapshot file as it would change on regeneration; empty when it is current."""

    def report(self) -> str:
        parts = []
        if self.lost:
            parts.append(
                f"stack {self.stack}: {len(self.lost)} deployed URN(s) would be deleted and replaced: no "
                "resource registers them and no resource's `aliases` answers for them:\n"
                + "".join(f"  {urn}\n" for urn in self.lost)
                + "Rename the child back, or give the renamed resource "
                "`opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=<old name>)])`."
            )
        if self.diff:
            parts.append(
                f"stack {self.stack}: {path_for(self.stack).relative_to(ROOT)} is not current; regenerate it "
                f"with `{REGENERATE}` and commit it:\n{self.diff}"
            )
        return "\n".join(parts)


def compare(stack: str, committed: Snapshot, current: Snapshot) -> Drift:
    known = set(committed).union(*committed.values())
    answered = set(current).union(*current.values())
    diff = ""
    if dict(committed) != dict(current):
        diff = "".join(
            difflib.unified_diff(
                render(stack, committed).splitlines(keepends=True),
                render(stack, current).splitlines(keepends=True),
                "committed",
                "this run",
                n=0,
            )
        )
    return Drift(stack, tuple(sorted(known - answered)), diff)


def write(drift: Drift, current: Snapshot, *, allow_removed: bool, directory: Path = SNAPSHOT_DIR) -> bool:
    """Write the stack's snapshot unless that would forget a deployed URN (without `allow_removed`)."""
    if drift.lost and not allow_removed:
        return False
    directory.mkdir(parents=True, exist_ok=True)
    path_for(drift.stack, directory).write_text(render(drift.stack, current), encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.urn_snapshot", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--write", action="store_true", help="regenerate tests/program/urns/<stack>.txt")
    parser.add_argument(
        "--allow-removed",
        action="store_true",
        help="with --write: drop URNs nothing answers for (a resource deliberately removed)",
    )
    parser.add_argument("--stack", action="append", choices=STACKS, help="default: every stack")
    options = parser.parse_args(argv)
    failed = False
    for stack in options.stack or STACKS:
        current = take(stack)
        drift = compare(stack, read(stack), current)
        if options.write:
            if write(drift, current, allow_removed=options.allow_removed):
                print(f"{stack}: wrote {path_for(stack).relative_to(ROOT)} ({len(current)} URNs)")
                continue
            print(drift.report() + "\nNot written; --allow-removed drops them deliberately.", file=sys.stderr)
            failed = True
        elif drift.lost or drift.diff:
            print(drift.report(), file=sys.stderr)
            failed = True
        else:
            print(f"{stack}: {len(current)} URNs, as in the snapshot")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
