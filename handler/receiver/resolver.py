"""Routes an API Gateway event to the protocol code, and is the one place where errors become responses.

GET           -> WebSub verification
POST EventSub -> eventsub (any Twitch-Eventsub-* message header present)
POST other    -> WebSub notification (a POST without any signature is a 403 there)

Every answer carries `X-Function-Version` (which alias's version ran). Every invocation writes
one JSON log line. Bad input is a 4xx; a 5xx means our configuration or AWS failed, and its body
is generic: no secret, no traceback.
"""

from __future__ import annotations

import time

from receiver import eventsub, responses, websub
from receiver.call import Call
from receiver.errors import ConfigurationError, HttpError, MethodNotAllowed, PayloadTooLarge
from receiver.event import ProxyEvent

MAX_BODY_BYTES = 256 * 1024  # well under DynamoDB's 400 KB item limit; Twitch sends a few KB


def route(call: Call) -> dict:
    method = call.event.http_method
    if method == "GET":
        return websub.verify(call)
    if method == "POST":
        if len(call.event.raw_body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"body larger than {MAX_BODY_BYTES} bytes")
        if eventsub.is_eventsub(call):
            return eventsub.handle(call)
        return websub.notify(call)
    raise MethodNotAllowed(f"method {method or '(none)'} not allowed")


def handle(event, context, deps) -> dict:
    started = time.perf_counter()
    ev = ProxyEvent(event)
    version = getattr(context, "function_version", None) or "$LATEST"
    fields = {"requestId": ev.request_id, "method": ev.http_method, "stage": ev.stage, "version": version}
    level = "INFO"
    try:
        call = Call(ev, deps.settings(), deps.store, deps.clock_ns(), version, fields)
        response = route(call)
    except HttpError as e:
        fields.update(outcome="rejected", reason=e.reason)
        response = responses.json_body(e.status, {"message": e.message})
    except ConfigurationError as e:
        level = "ERROR"
        fields.update(outcome="error", reason="configuration", error=str(e))
        response = responses.json_body(500, {"message": "internal error"})
    except Exception as e:  # AWS unavailable, a bug: logged with its traceback, generic to the client
        level = "ERROR"
        fields.update(outcome="error", reason=type(e).__name__)
        deps.log.exception("unhandled error", requestId=ev.request_id)
        response = responses.json_body(500, {"message": "internal error"})
    response["headers"]["X-Function-Version"] = version
    fields.update(status=response["statusCode"], durationMs=round((time.perf_counter() - started) * 1000, 3))
    deps.log.emit(level, "delivery", **fields)
    return response
