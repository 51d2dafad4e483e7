"""Entry point: `python -m tools.policy_gate --stack S [--cwd DIR] [--policy-pack DIR]... [--json]`."""

import sys

from .cli import main

sys.exit(main())
