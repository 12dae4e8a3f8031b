"""EventSub webhooks: verification, notification, revocation.

Order matters: the signature is checked before anything is parsed or recorded; only then the
timestamp window (10 minutes), the body, and the conditional write that makes a repeated
message id a 2xx without a second write.
"""

from __future__ import annotations

from receiver import responses
from receiver.call import Call, json_object, message_id
from receiver.errors import BadRequest, Forbidden
from receiver.signature import eventsub_message, is_valid
from receiver.timestamps import NS, format_ns, parse_ns

MESSAGE_ID = "Twitch-Eventsub-Message-Id"
MESSAGE_TYPE = "Twitch-Eventsub-Message-Type"
SIGNATURE = "Twitch-Eventsub-Message-Signature"
TIMESTAMP = "Twitch-Eventsub-Message-Timestamp"
RETRY = "Twitch-Eventsub-Message-Retry"
SUBSCRIPTION_TYPE = "Twitch-Eventsub-Subscription-Type"
SUBSCRIPTION_VERSION = "Twitch-Eventsub-Subscription-Version"

VERIFICATION = "webhook_callback_verification"
NOTIFICATION = "notification"
REVOCATION = "revocation"
MAX_AGE_NS = 10 * 60 * NS


def is_eventsub(call: Call) -> bool:
    return any(call.event.header(h) is not None for h in (MESSAGE_TYPE, SIGNATURE, MESSAGE_ID))


def _broadcaster(subscription: dict, body: dict) -> str | None:
    condition = subscription.get("condition") if isinstance(subscription.get("condition"), dict) else {}
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    for value in (
        condition.get("broadcaster_user_id"),
        condition.get("to_broadcaster_user_id"),
        event.get("broadcaster_user_id"),
        condition.get("user_id"),
    ):
        if isinstance(value, str) and value:
            return value
    return None


def handle(call: Call) -> dict:
    ev = call.event
    raw_id, raw_ts = ev.header(MESSAGE_ID) or "", ev.header(TIMESTAMP) or ""
    call.log.update(protocol="eventsub", messageId=raw_id, messageType=ev.header(MESSAGE_TYPE),
                    subscriptionType=ev.header(SUBSCRIPTION_TYPE), retry=ev.header(RETRY))
    provided = ev.header(SIGNATURE)
    if not provided:
        raise Forbidden("missing signature", reason="missing_signature")
    if not is_valid(call.settings.secret, eventsub_message(raw_id, raw_ts, ev.raw_body), provided):
        raise Forbidden("invalid signature", reason="bad_signature")
    # Authenticated from here on.
    mid = message_id(raw_id, MESSAGE_ID)
    try:
        sent_ns = parse_ns(raw_ts)
    except ValueError:
        raise BadRequest(f"{TIMESTAMP} is not an RFC 3339 date-time", reason="bad_timestamp") from None
    if abs(call.now_ns - sent_ns) > MAX_AGE_NS:
        raise Forbidden("message timestamp outside the 10-minute window", reason="stale_timestamp")
    message_type = ev.header(MESSAGE_TYPE)
    if message_type not in (VERIFICATION, NOTIFICATION, REVOCATION):
        raise BadRequest(f"unknown {MESSAGE_TYPE}", reason="bad_message_type")
    text, body = json_object(ev.raw_body)
    subscription = body.get("subscription") if isinstance(body.get("subscription"), dict) else {}
    sub_type = subscription.get("type") if isinstance(subscription.get("type"), str) else ev.header(SUBSCRIPTION_TYPE)
    sub_version = subscription.get("version") if isinstance(subscription.get("version"), str) else ev.header(SUBSCRIPTION_VERSION)
    sub_id = subscription.get("id") if isinstance(subscription.get("id"), str) else None
    call.log.update(subscriptionType=sub_type)

    challenge = None
    if message_type == VERIFICATION:
        challenge = body.get("challenge")
        if not isinstance(challenge, str) or not challenge:
            raise BadRequest("verification without a challenge", reason="bad_challenge")
    elif message_type == NOTIFICATION and not isinstance(body.get("event"), dict):
        raise BadRequest("notification without an event", reason="bad_event")

    stored = call.store.record(
        call.delivery(
            protocol="eventsub",
            message_id=mid,
            message_type=message_type,
            event_time=format_ns(sent_ns),
            subscription_type=sub_type,
            subscription_version=sub_version,
            subscription_id=sub_id,
            broadcaster_id=_broadcaster(subscription, body),
            retry=ev.header(RETRY),
            body=text,
        )
    )
    call.log["outcome"] = "stored" if stored else "duplicate"
    if challenge is not None:
        return responses.text(200, challenge)
    return responses.json_body(202 if stored else 200, {"outcome": call.log["outcome"], "messageId": mid})
