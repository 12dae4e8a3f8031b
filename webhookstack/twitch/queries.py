"""The stored deliveries, read back through the access patterns of docs/storage.md.

Key formats mirror handler/receiver/storage.py (the handler may not import this package, nor
this package the handler); tests/unit/test_twitch_queries.py checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from boto3.dynamodb.types import TypeDeserializer

from webhookstack.stack.model import TableSpec

BY_BROADCASTER_TYPE = "by-broadcaster-type"
BY_SUBSCRIPTION = "by-subscription"
_DESERIALIZE = TypeDeserializer().deserialize


def delivery_key(protocol: str, message_id: str) -> dict:
    return {"pk": f"delivery#{protocol}#{message_id}", "sk": "delivery"}


def time_bound(value: str, upper: bool = False) -> str:
    """A bound on `event_sk` (`{fixed-width UTC time}#{message id}`) from an RFC 3339 time."""
    from datetime import datetime, timezone

    moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    text = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond:06d}"
    return text + ("999Z~" if upper else "000Z")


def plain(item: dict) -> dict:
    return {k: _DESERIALIZE(v) for k, v in item.items()}


@dataclass
class EventQueries:
    client: object  # a DynamoDB client
    table: TableSpec

    def _query(self, **kwargs) -> list[dict]:
        items, start = [], None
        limit = kwargs.get("Limit")
        while True:
            page = self.client.query(TableName=self.table.name, **kwargs, **({"ExclusiveStartKey": start} if start else {}))
            items += [plain(i) for i in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start or (limit and len(items) >= limit):
                return items[:limit] if limit else items

    def by_broadcaster_type(self, broadcaster: str, sub_type: str, since: str, until: str, limit: int | None = None) -> list[dict]:
        """Events of `broadcaster` of `sub_type` with since <= time <= until, oldest first."""
        index = self.table.index(BY_BROADCASTER_TYPE)
        return self._query(
            IndexName=index.name,
            KeyConditionExpression="#h = :h AND #r BETWEEN :a AND :b",
            ExpressionAttributeNames={"#h": index.hash_key, "#r": index.range_key},
            ExpressionAttributeValues={
                ":h": {"S": f"{broadcaster}#{sub_type}"},
                ":a": {"S": time_bound(since)},
                ":b": {"S": time_bound(until, upper=True)},
            },
            **({"Limit": limit} if limit else {}),
        )

    def latest(self, subscription_id: str, protocol: str = "eventsub") -> dict | None:
        """The newest delivery of one subscription: one Query, newest first, Limit 1."""
        index = self.table.index(BY_SUBSCRIPTION)
        page = self.client.query(
            TableName=self.table.name,
            IndexName=index.name,
            KeyConditionExpression="#h = :h",
            ExpressionAttributeNames={"#h": index.hash_key},
            ExpressionAttributeValues={":h": {"S": f"{protocol}#{subscription_id}"}},
            ScanIndexForward=False,
            Limit=1,
        )
        items = page.get("Items") or []
        return plain(items[0]) if items else None

    def get(self, message_id: str, protocol: str = "eventsub") -> dict | None:
        item = self.client.get_item(TableName=self.table.name, Key={k: {"S": v} for k, v in delivery_key(protocol, message_id).items()})
        return plain(item["Item"]) if "Item" in item else None
