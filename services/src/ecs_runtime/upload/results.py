"""The results table: one item per object version, written only by the newest event of that key.

Key schema (the Pulumi table must match):
- `pk` (S, partition key): `s3://<bucket>/<decoded key>`
- `sk` (S, sort key): `version#<version id>`, `version#null` for unversioned buckets
Every event of a key in an unversioned bucket lands on the same item, so the item always tells the
newest known state of the object; in a versioned bucket each version gets its own item.

The write is conditional on `sequencer` (zero-padded upper-case hex, so string order is numeric order):
a duplicate event (same sequencer) or an older one (smaller) changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()


def item_key(bucket: str, key: str, version_id: str | None) -> dict[str, str]:
    return {"pk": f"s3://{bucket}/{key}", "sk": f"version#{version_id or 'null'}"}


class ResultsTable:
    def __init__(self, dynamodb: DynamoDBClient, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def recorded_sequencer(self, key: dict[str, str]) -> str | None:
        """The sequencer of the event that wrote the item, if any (a strongly consistent read)."""
        response = self._dynamodb.get_item(
            TableName=self._table,
            Key=_serialize(key),
            ConsistentRead=True,
            ProjectionExpression="#sequencer",
            ExpressionAttributeNames={"#sequencer": "sequencer"},
        )
        value = response.get("Item", {}).get("sequencer", {}).get("S")
        return value if isinstance(value, str) else None

    def record(self, key: dict[str, str], sequencer: str, attributes: dict[str, Any]) -> str | None:
        """Write the item unless one from an equal or newer event exists; returns the winner's sequencer
        when the write was refused, None when it was written."""
        item = {**attributes, **key, "sequencer": sequencer}
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item=_serialize(item),
                ConditionExpression="attribute_not_exists(pk) OR #sequencer < :sequencer",
                ExpressionAttributeNames={"#sequencer": "sequencer"},
                ExpressionAttributeValues={":sequencer": {"S": sequencer}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # With ReturnValuesOnConditionCheckFailure the error carries the item that won (not in the
            # stubs' error shape, hence the plain dict).
            old_item: dict[str, Any] = cast("dict[str, Any]", error.response).get("Item", {})
            existing = old_item.get("sequencer", {}).get("S")
            return existing if isinstance(existing, str) else ""
        return None


def _serialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}
