"""The demo's readable timeline: what happened, in which resource, with which data, since the start."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Timeline:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)

    def say(self, where: str, what: str) -> None:
        line = f"[{time.monotonic() - self.started:6.1f}s] {where:<10} {what}"
        self.lines.append(line)
        print(line, file=self.out, flush=True)

    def block(self, text: str, indent: str = "             | ") -> None:
        for line in text.splitlines() or [""]:
            self.lines.append(indent + line)
            print(indent + line, file=self.out, flush=True)

    def heading(self, title: str) -> None:
        line = f"\n== {title} " + "=" * max(0, 90 - len(title))
        self.lines.append(line)
        print(line, file=self.out, flush=True)
