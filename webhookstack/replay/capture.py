"""A captured HTTP request, rebuilt byte for byte from what a bug report carries.

Sources: an API Gateway proxy event (as Lambda logs it or CloudWatch exports it), a HAR
file, a curl command line. Each parser keeps method, path, repeated query keys, header
names with their case, and the body as raw bytes (base64 bodies decoded), and records
what it had to assume, so the replay output can say so.
"""

from __future__ import annotations

import base64
import json
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from webhookstack.replay.delivery import DeliveryRef


class CaptureError(ValueError):
    """A capture that cannot be replayed: the message names the missing or bad field."""


@dataclass
class CapturedRequest:
    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source: str = ""
    assumptions: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for k, v in reversed(self.headers):
            if k.lower() == name.lower():
                return v
        return None

    def replace_header(self, name: str, value: str) -> None:
        """Set a header, keeping the captured name's case if it was there."""
        for i, (k, _) in enumerate(self.headers):
            if k.lower() == name.lower():
                self.headers[i] = (k, value)
                return
        self.headers.append((name, value))


# Hop-by-hop and transport headers: the HTTP client sets them for the new connection.
TRANSPORT_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding",
                     "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id",
                     "cloudfront-forwarded-proto", "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer",
                     "cloudfront-is-smarttv-viewer", "cloudfront-is-tablet-viewer", "cloudfront-viewer-country",
                     "via", "x-amz-cf-id"}


def _require(data: dict, key: str, where: str):
    if key not in data or data[key] is None:
        raise CaptureError(f"{where}: field '{key}' is missing")
    return data[key]


def from_apigw_event(event: dict, source: str = "API Gateway event") -> CapturedRequest:
    if not isinstance(event, dict):
        raise CaptureError(f"{source}: expected a JSON object")
    method = _require(event, "httpMethod", source)
    req = CapturedRequest(method=str(method).upper(), path="", source=source)
    ctx = event.get("requestContext") or {}
    # The resource path without stage or base path is what a stage URL needs.
    path = ctx.get("resourcePath") if "{" not in str(ctx.get("resourcePath", "{")) else None
    path = path or event.get("path")
    if not path:
        raise CaptureError(f"{source}: neither 'path' nor 'requestContext.resourcePath' is present")
    req.path = path
    if event.get("multiValueQueryStringParameters"):
        req.query = [(k, v) for k, vs in event["multiValueQueryStringParameters"].items() for v in (vs or [])]
    elif event.get("queryStringParameters"):
        req.query = list(event["queryStringParameters"].items())
        req.assumptions.append("no multiValueQueryStringParameters: repeated query keys, if any, are lost")
    if event.get("multiValueHeaders"):
        req.headers = [(k, v) for k, vs in event["multiValueHeaders"].items() for v in (vs or [])]
    elif event.get("headers"):
        req.headers = list(event["headers"].items())
        req.assumptions.append("no multiValueHeaders: repeated headers, if any, are lost")
    else:
        req.assumptions.append("the event has no headers")
    body = event.get("body")
    if body is None:
        req.body = b""
    elif event.get("isBase64Encoded"):
        try:
            req.body = base64.b64decode(body, validate=True)
        except ValueError as e:
            raise CaptureError(f"{source}: 'isBase64Encoded' is true but 'body' is not valid base64") from e
    else:
        req.body = str(body).encode("utf-8")
        if "isBase64Encoded" not in event:
            req.assumptions.append("no 'isBase64Encoded' field: body taken as text")
    req.headers = [(k, v) for k, v in req.headers if k.lower() not in TRANSPORT_HEADERS]
    return req


def from_har(har: dict, entry: int = 0, source: str = "HAR") -> CapturedRequest:
    try:
        entries = har["log"]["entries"]
    except (KeyError, TypeError):
        raise CaptureError(f"{source}: no 'log.entries' (is this a HAR file?)") from None
    if not entries:
        raise CaptureError(f"{source}: 'log.entries' is empty")
    if entry >= len(entries):
        raise CaptureError(f"{source}: entry {entry} asked for, the file has {len(entries)}")
    request = _require(entries[entry], "request", f"{source} entry {entry}")
    where = f"{source} entry {entry} request"
    url = urlsplit(_require(request, "url", where))
    req = CapturedRequest(method=str(_require(request, "method", where)).upper(), path=url.path or "/", source=source)
    req.query = [(q["name"], q["value"]) for q in request.get("queryString") or []] or parse_qsl(url.query, keep_blank_values=True)
    req.headers = [(h["name"], h["value"]) for h in request.get("headers") or []
                   if h["name"].lower() not in TRANSPORT_HEADERS and not h["name"].startswith(":")]
    post = request.get("postData") or {}
    text = post.get("text")
    if text is not None:
        if post.get("encoding") == "base64":
            req.body = base64.b64decode(text)
        else:
            req.body = text.encode("utf-8")
    elif post.get("params"):
        raise CaptureError(f"{where}: postData has only 'params' (form fields), not the raw 'text'; "
                           "the signature is over raw bytes, so this capture cannot be replayed faithfully")
    if len(entries) > 1:
        req.assumptions.append(f"the HAR has {len(entries)} entries; replaying entry {entry}")
    return req


_CURL_FLAGS_WITH_ARG = {"-H", "--header", "-X", "--request", "-d", "--data", "--data-raw", "--data-binary",
                        "--data-ascii", "-A", "--user-agent", "-e", "--referer", "-b", "--cookie", "-u", "--user",
                        "--url", "-o", "--output", "-m", "--max-time", "--connect-timeout"}


def from_curl(command: str, source: str = "curl command") -> CapturedRequest:
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError as e:
        raise CaptureError(f"{source}: cannot split the command line ({e})") from None
    if not words or words[0] != "curl":
        raise CaptureError(f"{source}: does not start with 'curl'")
    method, url, headers, data, assumptions = None, None, [], None, []
    i = 1
    while i < len(words):
        w = words[i]
        arg = words[i + 1] if i + 1 < len(words) else None
        if w in _CURL_FLAGS_WITH_ARG and arg is None:
            raise CaptureError(f"{source}: option {w} has no value")
        if w in ("-X", "--request"):
            method = arg
        elif w in ("-H", "--header"):
            name, sep, value = arg.partition(":")
            if not sep:
                raise CaptureError(f"{source}: header {arg!r} has no ':'")
            headers.append((name.strip(), value.strip()))
        elif w in ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii"):
            if arg.startswith("@") and w != "--data-raw":
                raise CaptureError(f"{source}: body comes from file {arg[1:]!r}; inline it with --data-raw")
            if w in ("-d", "--data", "--data-ascii") and ("\n" in arg or "\r" in arg):
                assumptions.append(f"{w} strips newlines in curl; the body is replayed as curl would send it")
                arg = arg.replace("\r", "").replace("\n", "")
            data = (data + "&" + arg) if data is not None else arg
        elif w in ("-A", "--user-agent"):
            headers.append(("User-Agent", arg))
        elif w == "--url":
            url = arg
        elif w in _CURL_FLAGS_WITH_ARG:
            pass  # options that do not change the request bytes
        elif w.startswith("-"):
            assumptions.append(f"ignored curl option {w}")
            i += 1
            continue
        else:
            url = w
            i += 1
            continue
        i += 2
    if url is None:
        raise CaptureError(f"{source}: no URL")
    parts = urlsplit(url if "://" in url else f"http://{url}")
    req = CapturedRequest(method=(method or ("POST" if data is not None else "GET")).upper(), path=parts.path or "/",
                          query=parse_qsl(parts.query, keep_blank_values=True),
                          headers=[(k, v) for k, v in headers if k.lower() not in TRANSPORT_HEADERS],
                          body=(data or "").encode("utf-8"), source=source, assumptions=assumptions)
    if data is not None and not any(k.lower() == "content-type" for k, _ in req.headers):
        req.headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        req.assumptions.append("no Content-Type given: curl sends application/x-www-form-urlencoded with -d")
    return req


_EVENT_KEYS = {"httpMethod", "resource", "requestContext", "multiValueHeaders", "isBase64Encoded", "path"}


def detect_and_parse(text: str, source: str) -> "CapturedRequest | DeliveryRef":
    """Pick the parser by content: JSON (event, HAR, log line) or a curl command line.

    A handler log line gives a DeliveryRef: the caller fetches the stored delivery."""
    from webhookstack.replay.delivery import is_log_line, ref_from_log_line

    stripped = text.strip()
    if stripped.startswith("curl"):
        return from_curl(stripped, source)
    # CloudWatch lines often carry a prefix (timestamp, request id, level) before the JSON.
    start = stripped.find("{")
    if start < 0:
        raise CaptureError(f"{source}: neither JSON nor a curl command line")
    try:
        data = json.loads(stripped[start:])
    except json.JSONDecodeError as e:
        raise CaptureError(f"{source}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if isinstance(data, dict) and "log" in data and "entries" in (data.get("log") or {}):
        return from_har(data, source=f"{source} (HAR)")
    if isinstance(data, dict) and isinstance(data.get("event"), dict) and "httpMethod" in data["event"]:
        return from_apigw_event(data["event"], f"{source} (logged event)")
    if isinstance(data, dict) and _EVENT_KEYS & data.keys():
        # Also a partial event: from_apigw_event names the field that is missing.
        return from_apigw_event(data, f"{source} (API Gateway event)")
    if is_log_line(data):
        # No body is logged: the request is rebuilt from the stored delivery (see delivery.py).
        return ref_from_log_line(data, f"{source} (handler log line)")
    raise CaptureError(f"{source}: JSON, but not an API Gateway event (no 'httpMethod'), a HAR file or a log line")
