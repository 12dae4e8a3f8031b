"""Legacy Twitch Webhooks (WebSub): the verification GET and signed notification POSTs."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

from receiver import responses
from receiver.call import Call, json_object, message_id
from receiver.errors import BadRequest, Forbidden
from receiver.signature import is_valid
from receiver.timestamps import format_ns, parse_ns

SIGNATURE = "X-Hub-Signature"
NOTIFICATION_ID = "Twitch-Notification-Id"
TIMESTAMP = "Twitch-Notification-Timestamp"
RETRY = "Twitch-Notification-Retry"
_SELF_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?self"?', re.IGNORECASE)
_BROADCASTER_PARAMS = ("to_id", "user_id", "broadcaster_id")


def topic_facts(topic: str | None) -> tuple[str | None, str | None]:
    """(type, broadcaster) of a Helix topic URL: `.../helix/users/follows?to_id=1` -> ("users/follows", "1")."""
    if not topic:
        return None, None
    try:
        parts = urlsplit(topic)
    except ValueError:  # e.g. a malformed IPv6 host
        return None, None
    path = parts.path
    sub_type = path.split("/helix/", 1)[1].strip("/") if "/helix/" in path else (path.strip("/") or None)
    query = parse_qs(parts.query)
    broadcaster = next((query[p][-1] for p in _BROADCASTER_PARAMS if query.get(p)), None)
    return sub_type, broadcaster


def verify(call: Call) -> dict:
    """GET: subscribe/unsubscribe echo the challenge raw, as text/plain; denied is recorded."""
    q = call.event.query
    mode = q.get("hub.mode") or "subscribe"
    call.log.update(protocol="websub", messageType=f"verification.{mode}"[:64])
    if mode in ("subscribe", "unsubscribe"):
        challenge = q.get("hub.challenge")
        if not challenge:
            raise BadRequest("hub.challenge is required", reason="bad_challenge")
        lease = q.get("hub.lease_seconds")
        if mode == "subscribe" and lease is not None and not (lease.isascii() and lease.isdigit()):
            raise BadRequest("hub.lease_seconds must be a whole number", reason="bad_lease")
        call.log["outcome"] = "verified"
        return responses.text(200, challenge)
    if mode == "denied":
        topic = q.get("hub.topic")
        sub_type, broadcaster = topic_facts(topic)
        mid = call.event.request_id or str(uuid.uuid4())
        stored = call.store.record(
            call.delivery(
                protocol="websub",
                message_id=mid,
                message_type="denied",
                event_time=format_ns(call.now_ns),
                subscription_type=sub_type,
                subscription_id=topic,
                broadcaster_id=broadcaster,
                body=json.dumps({"hub.topic": topic, "hub.reason": q.get("hub.reason")}),
            )
        )
        call.log.update(messageId=mid, outcome="stored" if stored else "duplicate")
        return responses.empty(200)
    raise BadRequest("hub.mode must be subscribe, unsubscribe or denied", reason="bad_mode")


def notify(call: Call) -> dict:
    """POST: `X-Hub-Signature: sha256=HMAC(secret, raw body)`, recorded once per notification id."""
    ev = call.event
    call.log.update(protocol="websub", messageType="notification", messageId=ev.header(NOTIFICATION_ID),
                    retry=ev.header(RETRY))
    provided = ev.header(SIGNATURE)
    if not provided:
        raise Forbidden("missing signature", reason="missing_signature")
    if not is_valid(call.settings.secret, ev.raw_body, provided):
        raise Forbidden("invalid signature", reason="bad_signature")
    mid = message_id(ev.header(NOTIFICATION_ID), NOTIFICATION_ID)
    sent = ev.header(TIMESTAMP)
    try:
        sent_ns = parse_ns(sent) if sent else call.now_ns
    except ValueError:
        raise BadRequest(f"{TIMESTAMP} is not an RFC 3339 date-time", reason="bad_timestamp") from None
    text, body = json_object(ev.raw_body)
    if not isinstance(body.get("data"), list):
        raise BadRequest('notification body must be {"data": [...]}', reason="bad_event")
    link = _SELF_LINK.search(ev.header("Link") or "")
    topic = link.group(1) if link else None
    sub_type, broadcaster = topic_facts(topic)
    call.log["subscriptionType"] = sub_type
    stored = call.store.record(
        call.delivery(
            protocol="websub",
            message_id=mid,
            message_type="notification",
            event_time=format_ns(sent_ns),
            subscription_type=sub_type,
            subscription_id=topic,
            broadcaster_id=broadcaster,
            retry=ev.header(RETRY),
            body=text,
        )
    )
    call.log["outcome"] = "stored" if stored else "duplicate"
    return responses.json_body(202 if stored else 200, {"outcome": call.log["outcome"], "messageId": mid})
