"""EcsCluster: Container Insights (the scaling metric's source) and both Fargate capacity providers."""

from ecs_event_patterns.blocks.cluster import EcsCluster
from tools import pulumi_mocks
from tools.pulumi_mocks import RecordingMonitor


def test_cluster(monitor: RecordingMonitor):
    pulumi_mocks.run(lambda: EcsCluster("main"))

    cluster = monitor.by_name("main-cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert cluster.parent == monitor.by_name("main").urn
    capacity = monitor.by_name("main-capacity").inputs
    assert capacity["clusterName"] == cluster.outputs["name"]
    assert capacity["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert capacity["defaultCapacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
