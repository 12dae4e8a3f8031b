"""Behavioural checks: invoke the deployed aliases and compare how they answer.

API Gateway (REST) passes header names with the client's capitalisation, and Twitch's
capitalisation is not a contract; a handler that looks headers up by exact case passes
every local test with one client and fails in production with another. The probe sends
one signed EventSub verification twice, with canonical and with lower-case header names,
and requires the same answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

from webhookstack.doctor.rules import Check
from webhookstack.doctor.snapshot import Snapshot
from webhookstack.stack.model import Stack
from webhookstack.stack.session import Target


def eventsub_headers(secret: str, body: bytes, message_type: str, message_id: str) -> dict[str, str]:
    timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    mac = hmac.new(secret.encode(), message_id.encode() + timestamp.encode() + body, hashlib.sha256)
    return {
        "Twitch-Eventsub-Message-Id": message_id,
        "Twitch-Eventsub-Message-Timestamp": timestamp,
        "Twitch-Eventsub-Message-Signature": "sha256=" + mac.hexdigest(),
        "Twitch-Eventsub-Message-Type": message_type,
        "Twitch-Eventsub-Subscription-Type": "doctor.probe",
        "Twitch-Eventsub-Subscription-Version": "1",
        "Content-Type": "application/json",
    }


def _proxy_event(stack: Stack, stage: str, headers: dict[str, str], body: str) -> dict:
    return {
        "resource": f"/{stack.api.resource}",
        "path": f"/{stack.api.resource}",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"stage": stage, "requestId": f"doctor-{uuid.uuid4()}", "httpMethod": "POST",
                           "resourcePath": f"/{stack.api.resource}", "path": f"/{stage}/{stack.api.resource}"},
        "body": body,
        "isBase64Encoded": False,
    }


def _answer(lam, function: str, alias: str, event: dict) -> tuple[int | None, str]:
    r = lam.invoke(FunctionName=function, Qualifier=alias, Payload=json.dumps(event).encode())
    payload = json.loads(r["Payload"].read() or b"null")
    if r.get("FunctionError") or not isinstance(payload, dict):
        return None, f"function error: {str(payload)[:200]}"
    body = payload.get("body") or ""
    if payload.get("isBase64Encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    return payload.get("statusCode"), body


def header_case(stack: Stack, snap: Snapshot, target: Target) -> list[Check]:
    secret = snap.function_env.get("TWITCH_WEBHOOK_SECRET")
    checks = []
    lam = target.client("lambda")
    stage_of_alias = {st["variables"].get(v): name for name, st in snap.stages.items() for v in snap.alias_variables()}
    for alias in sorted(a for a in stage_of_alias if a in snap.aliases):
        subject = f"{snap.function}:{alias} header names in any case"
        if not secret:
            checks.append(Check("header-case", subject, True, "not checked: the function has no "
                                "TWITCH_WEBHOOK_SECRET in its environment to sign a probe with", "", ))
            continue
        answers = []
        for transform in (lambda h: h, lambda h: h.lower()):
            challenge = f"doctor-{uuid.uuid4()}"
            body = json.dumps({"challenge": challenge, "subscription": {"type": "doctor.probe", "version": "1"}})
            headers = eventsub_headers(secret, body.encode(), "webhook_callback_verification", str(uuid.uuid4()))
            status, text = _answer(lam, snap.function, alias,
                                   _proxy_event(stack, stage_of_alias[alias], {transform(k): v for k, v in headers.items()}, body))
            answers.append((status, text == challenge, text))
        if answers[0][:2] == answers[1][:2] and answers[0][0] == 200 and answers[0][1]:
            checks.append(Check("header-case", subject, True))
        else:
            checks.append(Check(
                "header-case", subject, False,
                f"canonical headers -> {answers[0][0]}, lower-case headers -> {answers[1][0]}: "
                "the handler looks header names up by exact case (API Gateway REST keeps the client's case)",
                "look headers up case-insensitively in handler/ (e.g. {k.lower(): v for k, v in "
                "(event['headers'] or {}).items()}), then webhookstack publish",
            ))
    return checks
