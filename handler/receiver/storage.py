"""Where deliveries go: one DynamoDB item per delivery, written once.

Key design (table `EVENTS_TABLE`, see also docs/storage.md)
----------------------------------------------------------
item            pk                                   sk
delivery        delivery#{protocol}#{message_id}     delivery

GSI             partition key (attribute)                     sort key (attribute)
by-broadcaster-type  broadcaster_type = {broadcaster}#{type}  event_sk = {event_time}#{message_id}
by-subscription      subscription_key = {protocol}#{sub id}   event_sk

`event_time` is the message timestamp in fixed-width UTC (`2024-01-02T03:04:05.123456789Z`), so the
text order is the time order. TTL: `expires_at` (epoch seconds), received + retention days.
The GSIs are sparse: an item without a broadcaster or a subscription id is simply not in them.
`broadcaster_type` is set on notifications only (a revocation is not an event of that type).

Access patterns (each one request)
- dedupe a delivery: PutItem with `attribute_not_exists(pk)` on the message id key; a
  ConditionalCheckFailed is a duplicate, answered 2xx and not written again;
- one delivery by message id: GetItem pk/sk;
- events of broadcaster B of type T between t1 and t2: Query by-broadcaster-type,
  `broadcaster_type = B#T AND event_sk BETWEEN t1 AND t2~`;
- the latest event of subscription S: Query by-subscription, `subscription_key = P#S`,
  ScanIndexForward=false, Limit=1.

Key parts come from signed input but are still checked: a value that is not a short, non-empty
string without `#` is left out of the index instead of failing the write (DynamoDB rejects empty
or oversized key attributes, which would turn bad input into a 5xx).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

BY_BROADCASTER_TYPE = "by-broadcaster-type"
BY_SUBSCRIPTION = "by-subscription"
# Attribute names the table description (webhookstack/stack/model.py TableSpec) must match.
KEY_ATTRIBUTES = {
    "table": ("pk", "sk"),
    BY_BROADCASTER_TYPE: ("broadcaster_type", "event_sk"),
    BY_SUBSCRIPTION: ("subscription_key", "event_sk"),
}
TTL_ATTRIBUTE = "expires_at"
SORT_KEY_VALUE = "delivery"
MAX_KEY_PART = 256


def delivery_pk(protocol: str, message_id: str) -> str:
    return f"delivery#{protocol}#{message_id}"


def key_part(value) -> str | None:
    """`value` if it can be part of a key, else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_KEY_PART or "#" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from JSON escapes
        return None
    return value


@dataclass(frozen=True)
class Delivery:
    protocol: str  # eventsub | websub
    message_id: str
    message_type: str  # notification | webhook_callback_verification | revocation | denied
    event_time: str  # fixed-width UTC, see timestamps.format_ns
    received_at_ms: int
    expires_at: int
    subscription_type: str | None = None
    subscription_version: str | None = None
    subscription_id: str | None = None
    broadcaster_id: str | None = None
    retry: str | None = None
    body: str = ""
    context: dict[str, str] = field(default_factory=dict)  # version, stage, domain_name, path, request_id

    @property
    def pk(self) -> str:
        return delivery_pk(self.protocol, self.message_id)

    def to_item(self) -> dict:
        """The DynamoDB item (AttributeValue form)."""
        item = {
            "pk": {"S": self.pk},
            "sk": {"S": SORT_KEY_VALUE},
            "protocol": {"S": self.protocol},
            "message_id": {"S": self.message_id},
            "message_type": {"S": self.message_type},
            "event_time": {"S": self.event_time},
            "event_sk": {"S": f"{self.event_time}#{self.message_id}"},
            "received_at": {"N": str(self.received_at_ms)},
            TTL_ATTRIBUTE: {"N": str(self.expires_at)},
            "body": {"S": self.body},
        }
        optional = {
            "subscription_type": self.subscription_type,
            "subscription_version": self.subscription_version,
            "subscription_id": self.subscription_id,
            "broadcaster_id": self.broadcaster_id,
            "retry": self.retry,
            "function_version": self.context.get("version"),
            "stage": self.context.get("stage"),
            "domain_name": self.context.get("domain_name"),
            "path": self.context.get("path"),
            "request_id": self.context.get("request_id"),
        }
        for name, value in optional.items():
            if isinstance(value, str) and value:
                item[name] = {"S": value}
        broadcaster, sub_type, sub_id = (
            key_part(self.broadcaster_id), key_part(self.subscription_type), key_part(self.subscription_id)
        )
        if self.message_type == "notification" and broadcaster and sub_type:
            item["broadcaster_type"] = {"S": f"{broadcaster}#{sub_type}"}
        if sub_id:
            item["subscription_key"] = {"S": f"{self.protocol}#{sub_id}"}
        return item


class EventStore(Protocol):
    def record(self, delivery: Delivery) -> bool:
        """Write `delivery` unless its message id is already recorded. True if written."""


class DynamoDBEventStore:
    def __init__(self, client, table: str):
        self.client = client
        self.table = table

    def record(self, delivery: Delivery) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=delivery.to_item(),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as e:
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                return False
            raise
        return True
