"""Where examples/own-job is, and how the README runs the gate over it (its tests share these)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "own-job"
STACK = "dev"
GATE_ARGUMENTS = ("tools.policy_gate", "--cwd", "examples/own-job", "--stack", STACK)
"""README's gate command for the example, run from the repository root (`python -m ...`)."""
