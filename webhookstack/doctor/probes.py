"""Behavioural checks: invoke the deployed aliases and compare how they answer.

API Gateway (REST) passes header names with the client's capitalisation, and Twitch's
capitalisation is not a contract; a handler that looks headers up by exact case passes
every local test with one client and fails in production with another. The probe sends
one signed EventSub verification twice, with canonical and with lower-case header names,
and requires the same answer.
"""

from __future__ import annotations

import base64
import json
import uuid

from webhookstack.doctor.rules import Check
from webhookstack.doctor.snapshot import Snapshot
from webhookstack.stack.model import Stack
from webhookstack.stack.session import Target
from webhookstack.twitch.builder import eventsub, to_proxy_event


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
        for case in (None, "lower"):
            probe = eventsub("stream.online", secret=secret, message_type="verification")
            event = to_proxy_event(probe, stage=stage_of_alias[alias], header_case=case,
                                   request_id=f"doctor-{uuid.uuid4()}", path=f"/{stack.api.resource}")
            status, text = _answer(lam, snap.function, alias, event)
            answers.append((status, text == probe.facts["challenge"], text))
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
