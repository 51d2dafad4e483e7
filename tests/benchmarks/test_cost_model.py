"""The monthly cost model: schedules, the Spot split and each line item priced from the resource graph."""

from __future__ import annotations

import json

import pytest

from benchmarks.cost.__main__ import cost_section
from benchmarks.cost.model import (
    IDLE,
    PRICE_TABLES,
    Load,
    Prices,
    load_prices,
    price,
    priced_regions,
    runs_per_day,
)

PRICES = Prices(
    "test-region",
    "2026-12-01",
    {
        "fargate_vcpu_hour": 0.04,
        "fargate_gb_hour": 0.004,
        "fargate_spot_fraction": 0.3,
        "public_ipv4_hour": 0.005,
        "interface_endpoint_hour": 0.01,
        "nat_gateway_hour": 0.045,
        "kms_key_month": 1.0,
        "alarm_metric_month": 0.1,
        "custom_metric_month": 0.3,
        "log_ingestion_gb": 0.5,
        "log_storage_gb_month": 0.03,
        "dynamodb_write_million": 0.625,
        "dynamodb_read_million": 0.125,
        "sqs_requests_million": 0.4,
        "ecr_storage_gb_month": 0.1,
    },
)


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(6 hours)", 4),
        ("rate(1 day)", 1),
        ("rate(30 minutes)", 48),
        ("cron(30 4 * * ? *)", 1),
        ("cron(0 6 ? * MON-FRI *)", 5 / 7),
    ],
)
def test_runs_per_day(expression: str, runs: float):
    assert runs_per_day(expression) == pytest.approx(runs)


def test_a_schedule_that_cannot_be_priced_is_named():
    with pytest.raises(ValueError, match=r"cannot price schedule 'cron\(0/5 \* \* \* \? \*\)'"):
        runs_per_day("cron(0/5 * * * ? *)")


def _definition(worker: str, cpu: str, memory: str) -> dict:
    return {
        "type": "aws:ecs/taskDefinition:TaskDefinition",
        "inputs": {"family": f"app-dev-{worker}", "cpu": cpu, "memory": memory},
    }


RESOURCES = [
    _definition("worker", "1024", "2048"),
    _definition("ingest", "512", "1024"),
    _definition("report", "256", "512"),
    {
        "type": "aws:ecs/service:Service",
        "inputs": {
            "capacityProviderStrategies": [
                {"capacityProvider": "FARGATE", "base": 1, "weight": 0},
                {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1},
            ],
            "networkConfiguration": {"assignPublicIp": False},
        },
    },
    {"type": "aws:scheduler/schedule:Schedule", "inputs": {"scheduleExpression": "rate(12 hours)"}},
    *[
        {
            "type": "aws:ec2/vpcEndpoint:VpcEndpoint",
            "inputs": {"vpcEndpointType": kind, "subnetIds": ["a", "b"]},
        }
        for kind in ("Interface", "Interface", "Gateway")
    ],
    {"type": "aws:kms/key:Key", "inputs": {}},
    {"type": "aws:cloudwatch/metricAlarm:MetricAlarm", "inputs": {"metricName": "X"}},
    {
        "type": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "inputs": {"metricQueries": [{"metric": {}}, {"metric": {}}, {"expression": "a + b"}]},
    },
    {
        "type": "aws:appautoscaling/policy:Policy",
        "inputs": {
            "policyType": "TargetTrackingScaling",
            "targetTrackingScalingPolicyConfiguration": {
                "customizedMetricSpecification": {"metrics": [{"metricStat": {}}, {"expression": "m"}]}
            },
        },
    },
    {
        "type": "aws:ecs/cluster:Cluster",
        "inputs": {"settings": [{"name": "containerInsights", "value": "enabled"}]},
    },
    {"type": "aws:cloudwatch/logGroup:LogGroup", "inputs": {"retentionInDays": 30}},
    {"type": "awsx:ecr:Image", "inputs": {}},
    {"type": "aws:dynamodb/table:Table", "inputs": {}},
]


def _items(load: Load) -> dict[str, float]:
    return {item.name: round(item.monthly, 4) for item in price(RESOURCES, load, PRICES)}


def test_each_line_is_priced_from_the_graph_and_the_load():
    # Two tasks for 60 minutes a day: the first on-demand (the strategy's base), the second on Spot.
    load = Load(queue_minute_tasks=(2,) * 60, queue_messages_per_day=1000, uploads_per_day=10)

    items = _items(load)

    worker_hour = 1 * 0.04 + 2 * 0.004
    assert items["Fargate: queue workers"] == round(30 * worker_hour + 30 * worker_hour * 0.3, 4)
    assert items["Fargate: upload processing"] == round(10 * 30 / 60 * (0.5 * 0.04 + 1 * 0.004), 4)
    assert items["Fargate: scheduled batch"] == round(2 * 30 * 10 / 60 * (0.25 * 0.04 + 0.5 * 0.004), 4)
    assert items["VPC interface endpoints"] == round(2 * 2 * 730 * 0.01, 4)
    assert items["KMS keys"] == 1.0
    assert items["CloudWatch alarms"] == round((1 + 2 + 2 * 1) * 0.1, 4)
    assert items["Container Insights metrics"] == round((12 + 14 + 3 * 10) * 0.3, 4)
    assert items["SQS requests"] == round((1000 * 3 + 120 * 3) * 30 / 1e6 * 0.4, 4)
    assert items["DynamoDB on-demand"] == round(300 / 1e6 * (0.625 + 0.125), 4)
    assert "NAT gateways" not in items
    assert "Public IPv4 addresses of tasks" not in items


def test_idle_costs_what_exists_and_what_is_scheduled():
    items = _items(IDLE)

    assert items["Fargate: queue workers"] == 0
    assert items["Fargate: upload processing"] == 0
    assert items["Fargate: scheduled batch"] > 0
    assert items["VPC interface endpoints"] == round(2 * 2 * 730 * 0.01, 4)


def test_lines_come_largest_first():
    monthly = [item.monthly for item in price(RESOURCES, IDLE, PRICES)]
    assert monthly == sorted(monthly, reverse=True)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_each_committed_price_table_is_dated_and_cites_every_price(region: str):
    prices = load_prices(region)
    raw = json.loads((PRICE_TABLES / f"{region}.json").read_text())

    assert prices.region == raw["region"] == region
    assert prices.date == "2026-12-01"
    assert set(PRICES.values) <= set(prices.values)
    assert all(item["source"].startswith(("https://", "Fargate Spot")) for item in raw["prices"].values())
    assert prices.estimated == {name for name, item in raw["prices"].items() if item.get("estimate")}


def test_every_region_prices_the_same_items_and_says_which_are_estimates():
    us, eu = load_prices("us-east-1"), load_prices("eu-west-1")

    assert priced_regions() == ["eu-west-1", "us-east-1"]
    assert set(us.values) == set(eu.values)
    assert us.estimated == {"fargate_spot_fraction"}
    assert "nat_gateway_hour" in eu.estimated
    assert eu["nat_gateway_hour"] > us["nat_gateway_hour"]


def test_an_unpriced_region_is_an_error_naming_the_priced_ones():
    with pytest.raises(ValueError, match="region 'ap-south-2'") as raised:
        load_prices("ap-south-2")

    assert str(raised.value).startswith(
        "no price table for region 'ap-south-2' (the stack's aws:region); priced regions: eu-west-1, us-east-1."
    )


def test_a_stack_is_priced_at_the_rates_of_its_own_region():
    """prod runs in eu-west-1 (Pulumi.prod.yaml), dev in us-east-1."""
    [prod_prices] = [line for line in cost_section("prod").notes if line.startswith("Prices:")]
    [dev_prices] = [line for line in cost_section("dev").notes if line.startswith("Prices:")]

    assert "`benchmarks/cost/prices/eu-west-1.json` (the stack's region, eu-west-1," in prod_prices
    assert "`benchmarks/cost/prices/us-east-1.json` (the stack's region, us-east-1," in dev_prices


def test_a_stack_without_queue_and_upload_prices_only_its_batch():
    """Each stack chooses its patterns: what it leaves out is not priced, whatever the stated load says."""
    schedule = {
        "type": "aws:scheduler/schedule:Schedule",
        "inputs": {
            "scheduleExpression": "rate(12 hours)",
            "target": {"ecsParameters": {"networkConfiguration": {"assignPublicIp": True}}},
        },
    }
    batch_only = [
        _definition("report", "256", "512"),
        schedule,
        {"type": "aws:cloudwatch/logGroup:LogGroup", "inputs": {"retentionInDays": 30}},
        {"type": "awsx:ecr:Image", "inputs": {}},
    ]
    load = Load(queue_minute_tasks=(2,) * 60, queue_messages_per_day=1000, uploads_per_day=10)

    items = {item.name: round(item.monthly, 4) for item in price(batch_only, load, PRICES)}

    batch_hours = 2 * 30 * 10 / 60
    assert items["Fargate: scheduled batch"] == round(batch_hours * (0.25 * 0.04 + 0.5 * 0.004), 4)
    # The schedule's tasks get a public IP (default VPC): only their hours are priced.
    assert items["Public IPv4 addresses of tasks"] == round(batch_hours * PRICES["public_ipv4_hour"], 4)
    assert not {
        "Fargate: queue workers",
        "Fargate: upload processing",
        "SQS requests",
        "DynamoDB on-demand",
    } & set(items)
