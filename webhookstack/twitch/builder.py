"""Signed Twitch webhook requests (EventSub and WebSub), and their API Gateway proxy-event form.

    req = eventsub("stream.online", secret=SECRET)            # a notification
    req = eventsub("channel.follow", secret=SECRET, message_type="webhook_callback_verification")
    req = websub_notification("streams", secret=SECRET, offline=True)
    event = to_proxy_event(req, stage="dev", base64=True)     # what API Gateway hands Lambda

Bodies are serialised the way Twitch's Go encoder does (compact, raw UTF-8, `<`, `>`, `&` as
`\\u003c` escapes), then signed as bytes: a handler that re-serialises before the HMAC fails.
"""

from __future__ import annotations

import base64 as _b64
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from urllib.parse import urlencode

from webhookstack.twitch import payloads
from webhookstack.twitch.signing import eventsub_signature, rfc3339, websub_signature

MESSAGE_TYPES = {
    "notification": "notification",
    "verification": "webhook_callback_verification",
    "webhook_callback_verification": "webhook_callback_verification",
    "revocation": "revocation",
}
SIGNATURE_HEADERS = ("Twitch-Eventsub-Message-Signature", "X-Hub-Signature")


def serialise(doc) -> bytes:
    """JSON text as Go's encoding/json writes it (Twitch's servers)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    query: tuple[tuple[str, str], ...] = ()
    url: str = ""
    # what the request is, for people and tests (never the secret)
    facts: dict = field(default_factory=dict, compare=False)

    def header(self, name: str) -> str | None:
        return next((v for k, v in reversed(self.headers) if k.lower() == name.lower()), None)

    def with_url(self, url: str) -> WebhookRequest:
        return replace(self, url=url)

    def with_headers(self, **changes: str | None) -> WebhookRequest:
        """Replace (or with None, drop) headers; `Twitch_Eventsub_Message_Id=` style names."""
        wanted = {k.replace("_", "-").lower(): v for k, v in changes.items()}
        kept = tuple((k, v) for k, v in self.headers if k.lower() not in wanted)
        added = tuple((k.replace("_", "-"), v) for k, v in changes.items() if v is not None)
        return replace(self, headers=kept + added)

    def with_body(self, body: bytes) -> WebhookRequest:
        """The same headers (signature included) with another body: a tampered request."""
        return replace(self, body=body)

    @property
    def full_url(self) -> str:
        return self.url + ("?" + urlencode(self.query) if self.query else "")

    def describe(self, show_signature: bool = False) -> str:
        lines = [f"{self.method} {self.full_url or '(no URL)'}"]
        for k, v in self.headers:
            if k in SIGNATURE_HEADERS and not show_signature:
                v = v[:7] + "…(hidden; --show-signature)"
            lines.append(f"{k}: {v}")
        if self.body:
            lines += ["", self.body.decode("utf-8", "replace")]
        return "\n".join(lines)


def eventsub(
    sub_type: str,
    *,
    secret: str,
    message_type: str = "notification",
    message_id: str | None = None,
    timestamp: str | None = None,
    broadcaster: str = "12826",
    subscription_id: str | None = None,
    challenge: str | None = None,
    retry: int = 0,
    body: bytes | None = None,
) -> WebhookRequest:
    """An EventSub webhook POST as Twitch sends it, signed with `secret`."""
    if sub_type not in payloads.EVENTSUB_TYPES:
        raise ValueError(f"unknown EventSub type {sub_type!r}; known: {', '.join(payloads.EVENTSUB_TYPES)}")
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown message type {message_type!r}; known: notification, verification, revocation")
    kind = MESSAGE_TYPES[message_type]
    message_id = message_id or str(uuid.uuid4())
    timestamp = timestamp or rfc3339()
    created = rfc3339(datetime.now(timezone.utc), digits=7)
    status = {
        "notification": "enabled",
        "webhook_callback_verification": "webhook_callback_verification_pending",
        "revocation": "authorization_revoked",
    }[kind]
    sub = payloads.subscription(sub_type, broadcaster, subscription_id, status, created)
    doc: dict = {"subscription": sub}
    if kind == "notification":
        doc["event"] = payloads.eventsub_event(sub_type, broadcaster, timestamp)
    elif kind == "webhook_callback_verification":
        challenge = challenge or f"pogchamp-kappa-{uuid.uuid4().hex[:12]}"
        doc["challenge"] = challenge
    raw = serialise(doc) if body is None else body
    headers = (
        ("Content-Type", "application/json"),
        ("Twitch-Eventsub-Message-Id", message_id),
        ("Twitch-Eventsub-Message-Retry", str(retry)),
        ("Twitch-Eventsub-Message-Type", kind),
        ("Twitch-Eventsub-Message-Signature", eventsub_signature(secret, message_id, timestamp, raw)),
        ("Twitch-Eventsub-Message-Timestamp", timestamp),
        ("Twitch-Eventsub-Subscription-Type", sub_type),
        ("Twitch-Eventsub-Subscription-Version", sub["version"]),
    )
    facts = {"protocol": "eventsub", "message_id": message_id, "message_type": kind, "type": sub_type,
             "subscription_id": sub["id"], "broadcaster": broadcaster, "timestamp": timestamp}
    if challenge:
        facts["challenge"] = challenge
    return WebhookRequest("POST", headers, raw, facts=facts)


def websub_notification(
    kind: str,
    *,
    secret: str,
    offline: bool = False,
    notification_id: str | None = None,
    timestamp: str | None = None,
    broadcaster: str = "12826",
    retry: int = 0,
    body: bytes | None = None,
) -> WebhookRequest:
    """A legacy Twitch Webhooks (WebSub) notification POST: `X-Hub-Signature` over the raw body."""
    topic = payloads.websub_topic(kind, broadcaster)
    notification_id = notification_id or str(uuid.uuid4())
    timestamp = timestamp or rfc3339()
    raw = serialise(payloads.websub_data(kind, broadcaster, timestamp, offline)) if body is None else body
    headers = (
        ("Content-Type", "application/json; charset=utf-8"),
        ("Link", f'<https://api.twitch.tv/helix/webhooks/hub>; rel="hub", <{topic}>; rel="self"'),
        ("Twitch-Notification-Id", notification_id),
        ("Twitch-Notification-Retry", str(retry)),
        ("Twitch-Notification-Timestamp", timestamp),
        ("X-Hub-Signature", websub_signature(secret, raw)),
    )
    facts = {"protocol": "websub", "message_id": notification_id, "message_type": "notification",
             "topic": topic, "broadcaster": broadcaster, "timestamp": timestamp}
    return WebhookRequest("POST", headers, raw, facts=facts)


def websub_verification(
    mode: str = "subscribe",
    *,
    kind: str = "streams",
    broadcaster: str = "12826",
    challenge: str | None = None,
    lease_seconds: int = 864000,
    reason: str = "unauthorized",
) -> WebhookRequest:
    """The hub's verification GET (subscribe / unsubscribe / denied). Unsigned, as in WebSub."""
    topic = payloads.websub_topic(kind, broadcaster)
    query = [("hub.mode", mode), ("hub.topic", topic)]
    facts = {"protocol": "websub", "message_type": f"verification.{mode}", "topic": topic}
    if mode == "subscribe":
        query.append(("hub.lease_seconds", str(lease_seconds)))
    if mode == "denied":
        query.append(("hub.reason", reason))
    else:
        challenge = challenge or f"websub-{uuid.uuid4().hex[:16]}"
        query.append(("hub.challenge", challenge))
        facts["challenge"] = challenge
    return WebhookRequest("GET", (), b"", tuple(query), facts=facts)


def to_proxy_event(
    request: WebhookRequest,
    *,
    stage: str = "dev",
    base64: bool = False,
    header_case: str | None = None,  # None: as built; "lower" / "upper"
    single_value_headers: bool = True,
    request_id: str | None = None,
    domain_name: str = "abc123.execute-api.localhost.localstack.cloud",
    path: str | None = None,
) -> dict:
    """The API Gateway REST proxy event (format 1.0) Lambda receives for `request`."""

    def case(name: str) -> str:
        return name.lower() if header_case == "lower" else name.upper() if header_case == "upper" else name

    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for k, v in request.headers:
        headers[case(k)] = v
        multi.setdefault(case(k), []).append(v)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for k, v in request.query:
        query[k] = v
        multi_query.setdefault(k, []).append(v)
    if base64:
        body = _b64.b64encode(request.body).decode("ascii")
    else:
        body = request.body.decode("utf-8") if request.body else None
    path = path or f"/{stage}/webhooks"
    rid = request_id or str(uuid.uuid4())
    return {
        "resource": "/webhooks",
        "path": path,
        "httpMethod": request.method,
        "headers": headers if single_value_headers else None,
        "multiValueHeaders": multi,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None,
        "stageVariables": {"lambdaAlias": stage.upper()},
        "requestContext": {
            "resourcePath": "/webhooks",
            "httpMethod": request.method,
            "path": path,
            "stage": stage,
            "domainName": domain_name,
            "requestId": rid,
            "requestTimeEpoch": 0,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": body,
        "isBase64Encoded": base64,
    }
