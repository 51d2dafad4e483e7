"""The `policy-gate` command: the offline policy gate of the checkout this package is installed from.

The gate (`tools/policy_gate`) runs this repository's policy packs and recording mock, which are not part of
the distribution: that is the components alone, so no generic top-level `tools` lands in site-packages. An
editable install (`pip install -e <checkout>`) leaves this module in the checkout; the command puts the
checkout on the path and runs its gate, from any directory.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    if not (CHECKOUT / "tools" / "policy_gate" / "cli.py").is_file():
        print(
            "policy-gate: the gate runs from a checkout of ecs-event-patterns, and this installation is not "
            f"one ({CHECKOUT} has no tools/policy_gate); install the checkout editable "
            "(pip install -e <checkout>), or run python -m tools.policy_gate in it",
            file=sys.stderr,
        )
        return USAGE_ERROR
    sys.path.insert(0, str(CHECKOUT))
    gate: int = importlib.import_module("tools.policy_gate.cli").main(argv)
    return gate
