"""The policies the pack serves (asked over gRPC, as the CLI asks) are the ones policies/README.md documents."""

import re
from pathlib import Path

from tools.policy_gate.analyzer import PackServer

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies" / "ecs_guardrails"


def test_readmes_document_exactly_the_policies_the_pack_serves():
    with PackServer(PACK) as server:
        info = server.info()
    served = {policy.name for policy in info.policies}

    table = re.findall(r"^\| `([a-z0-9-]+)` \|", (ROOT / "policies" / "README.md").read_text(), re.M)
    assert sorted(table) == sorted(served)
    assert len(table) == len(set(table))
    assert all(policy.description for policy in info.policies)
    count = re.search(r"pulumi-policy pack \(Python\) with (\d+) policies", (ROOT / "README.md").read_text())
    assert count is not None
    assert int(count.group(1)) == len(served)
