"""`make demo` on a stack that deploys only some job patterns: it plays the flows of those, and says so."""

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tools.demo.flows import JOB_PATTERN_COMPONENTS, Flows, deployed_job_patterns
from tools.demo.graph import from_records
from tools.demo.timeline import Timeline


def graph_of(*patterns: str) -> Any:
    records = [
        {"urn": f"urn:{component}", "type": component, "name": pattern}
        for pattern, component in JOB_PATTERN_COMPONENTS.items()
        if pattern in patterns
    ]
    records.append({"urn": "urn:topic", "type": "aws:sns/topic:Topic", "name": "alerts-topic"})
    return from_records("queue-only", "us-east-1", "123456789012", records)


class PlayedFlows(Flows):
    """The real `play`, with each flow replaced by a note of its name: which ones it starts is the test."""

    played: list[str]

    def _note(self, name: str) -> None:
        self.played = [*getattr(self, "played", []), name]

    def upload_processing(self) -> None:
        self._note("upload")

    def scheduled_batch(self) -> None:
        self._note("batch")

    def queue_workers(self) -> None:
        self._note("queue")

    def dead_letter_alarms(self) -> None:
        self._note("alarms")

    def stopped_task_alerts(self) -> None:
        self._note("alerts")


def test_the_deployed_job_patterns_are_read_from_the_registered_components():
    assert deployed_job_patterns(graph_of("upload", "batch", "queue")) == ["upload", "batch", "queue"]
    assert deployed_job_patterns(graph_of("queue")) == ["queue"]
    assert deployed_job_patterns(graph_of()) == []


def test_only_the_deployed_patterns_flows_are_played_and_the_rest_are_named():
    deployment = SimpleNamespace(graph=graph_of("queue"), endpoint=SimpleNamespace(client=None))
    timeline = Timeline(out=io.StringIO())
    flows = PlayedFlows(deployment, runner=None, timeline=timeline, samples=Path("."))  # type: ignore[arg-type]

    flows.play()

    assert flows.played == ["queue", "alarms", "alerts"]
    said = [line.split("] ", 1)[1].split(None, 1)[1] for line in timeline.lines]
    assert said == [
        "stack queue-only does not deploy upload (upload.enabled: false)",
        "stack queue-only does not deploy batch (batch.enabled: false)",
    ]
