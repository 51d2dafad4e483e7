"""The worker count for a burst comes from the benchmarks' scaling simulation over the recorded policies."""

from pathlib import Path

import pytest

from tools.demo.graph import Graph, Resource, record_stack
from tools.demo.scaling import burst, runs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev() -> Graph:
    return record_stack(ROOT, "dev")


def worker_and_queue(graph: Graph) -> tuple[Resource, Resource]:
    (queue,) = [queue for queue in graph.of_type("aws:sqs/queue:Queue") if queue.inputs.get("redrivePolicy")]
    url = queue.outputs["url"]
    (worker,) = [
        definition
        for definition in graph.of_type("aws:ecs/taskDefinition:TaskDefinition")
        if url in str(definition.inputs["containerDefinitions"])
    ]
    return worker, queue


def test_a_small_burst_wakes_one_task_and_ends_at_zero(dev):
    scale_out, scale_in = burst(dev, *worker_and_queue(dev), messages=12, poison=1)
    assert (scale_out.tasks, scale_in.tasks) == (1, 0)
    assert "max 3" in scale_out.why


def test_a_large_burst_reaches_the_recorded_maximum(dev):
    scale_out, _ = burst(dev, *worker_and_queue(dev), messages=2000, poison=0)
    assert scale_out.tasks == 3  # queue.max_tasks of Pulumi.dev.yaml


def test_runs_of_equal_counts_read_as_minute_ranges():
    assert runs([0, 1, 1, 1, 0]) == "0 (minute 0), 1 (minutes 1-3), 0 (minute 4)"
