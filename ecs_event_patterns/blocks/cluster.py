"""The ECS cluster all patterns run on: Container Insights on, Fargate and Fargate Spot capacity."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

FARGATE = "FARGATE"
FARGATE_SPOT = "FARGATE_SPOT"


class EcsCluster(pulumi.ComponentResource):
    """Container Insights publishes `DesiredTaskCount`, which the queue workers' scaling divides by."""

    cluster: aws.ecs.Cluster
    arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-event-patterns:index:EcsCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[{"name": "containerInsights", "value": "enabled"}],
            opts=child,
        )
        capacity = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=self.cluster.name,
            capacity_providers=[FARGATE, FARGATE_SPOT],
            # Tasks that name no strategy run on regular Fargate; Spot is opt-in per service.
            default_capacity_provider_strategies=[{"capacity_provider": FARGATE, "weight": 1, "base": 0}],
            opts=child,
        )
        self.arn = self.cluster.arn
        # Consumers of the name also need the capacity providers attached before they place tasks.
        self.cluster_name = pulumi.Output.all(self.cluster.name, capacity.id).apply(lambda values: values[0])
        self.register_outputs({"clusterArn": self.arn, "clusterName": self.cluster_name})
