"""A stack whose upload job stores no results (`upload.store_results: false`): the program on the mock
runtime registers everything the stack has but the results table, and exports no `results_table`."""

import json
from collections import Counter

from tests.program.expected_resources import expected_exports, expected_types
from tools import urn_snapshot
from tools.stack_files import read_stack_config
from tools.stack_program import ROOT, install_stack, run_program

TABLE = "aws:dynamodb/table:Table"
OWN_JOB = {"build": {"context": "examples/own-job", "target": "word-count"}}
"""A team's own container (the graph does not depend on what its handler returns)."""


def test_no_table_no_export_and_every_other_urn_unchanged():
    config = read_stack_config(ROOT, "dev").values
    section = "ecs-event-patterns:upload"
    monitor = install_stack(
        "dev",
        {
            section: json.dumps(
                {**json.loads(config.get(section, "{}")), "store_results": False, "container": OWN_JOB}
            )
        },
    )
    exports = run_program()

    assert set(exports) == expected_exports(("upload", "batch", "queue")) - {"results_table"}
    assert Counter(r.type for r in monitor.recorded) == Counter(expected_types("dev")) - Counter({TABLE: 1})
    full = urn_snapshot.read("dev")
    [table] = [urn for urn in full if urn.endswith(f"{TABLE}::upload-results")]
    assert {r.urn for r in monitor.recorded} == set(full) - {table}
    [container] = json.loads(monitor.by_name("upload-ingest-definition").inputs["containerDefinitions"])
    assert "RESULTS_TABLE" not in {variable["name"] for variable in container.get("environment", [])}
