"""Sends a WebhookRequest over HTTP with the standard library (the CLI has no `requests`)."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

from webhookstack.twitch.builder import WebhookRequest


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def is_local_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("127.0.0.1", "localhost", "::1") or host.endswith(".localhost") or host.endswith(".localstack.cloud")


def send(request: WebhookRequest, timeout: float = 30.0) -> Answer:
    parts = urlsplit(request.full_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {request.url!r}")
    host = parts.hostname
    # *.localhost and LocalStack's names resolve to loopback in browsers and curl, not always in
    # Python's resolver: connect to 127.0.0.1 and keep the name in the Host header.
    connect_to = "127.0.0.1" if host.endswith(".localhost") or host.endswith(".localstack.cloud") else host
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(connect_to, parts.port, timeout=timeout)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        headers = dict(request.headers)
        headers["Host"] = parts.netloc
        conn.request(request.method, target, body=request.body or None, headers=headers)
        resp = conn.getresponse()
        return Answer(resp.status, resp.reason, resp.getheaders(), resp.read())
    finally:
        conn.close()
