"""Rebuild a request from a stored delivery, for bug reports that carry only a message id.

The handler logs no bodies (webhookstack's log line has messageId, protocol, outcome ...),
but it stores each verified delivery with its raw body. Given the id, the item (from the
production table, or a local one loaded with `webhookstack seed`) gives back the body and the
Twitch headers. What it cannot give back is said as an assumption: the production signature
(never stored: the replay must be re-signed) and the header names' original case.
"""

from __future__ import annotations


from dataclasses import dataclass

from webhookstack.replay.capture import CaptureError, CapturedRequest


@dataclass(frozen=True)
class DeliveryRef:
    protocol: str
    message_id: str
    source: str


def ref_from_log_line(data: dict, source: str) -> DeliveryRef:
    message_id = data.get("messageId") or data.get("message_id")
    if not message_id:
        raise CaptureError(f"{source}: a log line without 'messageId' cannot be traced to a delivery")
    protocol = data.get("protocol") or "eventsub"
    if protocol not in ("eventsub", "websub"):
        raise CaptureError(f"{source}: unknown protocol {protocol!r} (eventsub or websub)")
    return DeliveryRef(protocol, str(message_id), source)


def _s(item: dict, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def from_stored_delivery(item: dict, ref: DeliveryRef, resource: str = "/webhooks") -> CapturedRequest:
    body = _s(item, "body")
    if body is None:
        raise CaptureError(f"{ref.source}: the stored delivery {ref.message_id} has no body attribute")
    timestamp = _s(item, "event_time") or ""
    req = CapturedRequest(method="POST", path=resource, body=body.encode("utf-8"),
                          source=f"{ref.source} -> stored delivery {ref.protocol}/{ref.message_id}")
    req.headers.append(("Content-Type", "application/json"))
    if ref.protocol == "eventsub":
        req.headers += [
            ("Twitch-Eventsub-Message-Id", ref.message_id),
            ("Twitch-Eventsub-Message-Retry", _s(item, "retry") or "0"),
            ("Twitch-Eventsub-Message-Type", _s(item, "message_type") or "notification"),
            ("Twitch-Eventsub-Message-Signature", "sha256=" + "0" * 64),
            ("Twitch-Eventsub-Message-Timestamp", timestamp),
            ("Twitch-Eventsub-Subscription-Type", _s(item, "subscription_type") or ""),
            ("Twitch-Eventsub-Subscription-Version", _s(item, "subscription_version") or "1"),
        ]
    else:
        req.headers += [
            ("Twitch-Notification-Id", ref.message_id),
            ("Twitch-Notification-Timestamp", timestamp),
            ("Twitch-Notification-Retry", _s(item, "retry") or "0"),
            ("X-Hub-Signature", "sha256=" + "0" * 64),
        ]
    req.assumptions += [
        "rebuilt from the stored delivery: the production signature is not stored, re-sign with --resign",
        "header names in Twitch's canonical case (the original case is not stored)",
        f"timestamp from the stored event_time {timestamp!r} (normalised to 9 fractional digits)",
    ]
    return req


def fetch_item(ddb, table: str, ref: DeliveryRef) -> dict:
    key = {"pk": {"S": f"delivery#{ref.protocol}#{ref.message_id}"}, "sk": {"S": "delivery"}}
    item = ddb.get_item(TableName=table, Key=key).get("Item")
    if item is None:
        raise CaptureError(
            f"{ref.source}: delivery {ref.protocol}/{ref.message_id} is not in table {table} "
            "(load it with `webhookstack seed`, or read it from production with --from-profile/--from-endpoint)"
        )
    return item


def is_log_line(data) -> bool:
    return isinstance(data, dict) and ("messageId" in data or "message_id" in data) and "httpMethod" not in data



