"""Recorded identifiers (the mock's names, ARNs and URLs, account 123456789012) to the emulator's real ones.

The deployer registers each pair as it creates a resource; every document taken from the recording
(policies, patterns, environment, redrive policies) passes through `translate` before it reaches the
emulator, so a run against an endpoint with another account or other URLs is still consistent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class NameMap:
    recorded_account: str
    real_account: str
    _pairs: dict[str, str] = field(default_factory=dict)

    def add(self, recorded: Any, real: str) -> None:
        if isinstance(recorded, str) and recorded and recorded != real:
            self._pairs[recorded] = real

    def translate(self, value: Any) -> Any:
        """`value` with every recorded identifier replaced, in strings at any depth of lists and dicts."""
        if isinstance(value, str):
            return self._translate_text(value)
        if isinstance(value, list):
            return [self.translate(item) for item in value]
        if isinstance(value, dict):
            return {key: self.translate(item) for key, item in value.items()}
        return value

    def _translate_text(self, text: str) -> str:
        if self._pairs:
            # Longest first, so an ARN is replaced whole before a name inside it.
            pattern = re.compile(
                "|".join(re.escape(key) for key in sorted(self._pairs, key=len, reverse=True))
            )
            text = pattern.sub(lambda match: self._pairs[match.group(0)], text)
        if self.recorded_account != self.real_account:
            # ARNs and queue URLs the program composed itself (`task/<cluster>/*`, `task-definition/f:*`).
            text = re.sub(
                rf"(arn:[\w-]+:[\w-]+:[\w-]*:){self.recorded_account}(:)",
                rf"\g<1>{self.real_account}\2",
                text,
            )
            text = text.replace(f"/{self.recorded_account}/", f"/{self.real_account}/")
        return text
