"""Send a captured request to stage URLs and compare the answers."""

from __future__ import annotations

import difflib
import http.client
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from webhookstack.replay.capture import CapturedRequest

# Headers whose value differs per request by nature; a difference there is not a finding.
VOLATILE = {"date", "x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id", "content-length", "connection",
            "x-function-version", "server"}


@dataclass(frozen=True)
class Answer:
    stage: str
    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def send(req: CapturedRequest, stage: str, stage_base: str, host: str | None = None, timeout: float = 30) -> Answer:
    """stage_base: the stage's resource-less URL, e.g. http://127.0.0.1:4566/_aws/execute-api/ID/dev.

    http.client rather than requests: it sends header names exactly as captured and the
    body untouched, and lets repeated query keys through in order.
    """
    url = urlsplit(stage_base.rstrip("/") + req.path + (("?" + urlencode(req.query)) if req.query else ""))
    conn_cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(url.hostname, url.port, timeout=timeout)
    try:
        conn.putrequest(req.method, url.path + (f"?{url.query}" if url.query else ""), skip_host=True,
                        skip_accept_encoding=True)
        conn.putheader("Host", host or url.netloc)
        for k, v in req.headers:
            conn.putheader(k, v)
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(req.body)))
        conn.endheaders(req.body or None)
        r = conn.getresponse()
        return Answer(stage, url.geturl(), r.status, tuple(r.getheaders()), r.read())
    finally:
        conn.close()


def differences(a: Answer, b: Answer) -> list[str]:
    """Human-readable differences between two stages' answers (empty when they agree)."""
    out = []
    if a.status != b.status:
        out.append(f"status: {a.stage} {a.status} != {b.stage} {b.status}")
    ha = {k.lower(): v for k, v in a.headers if k.lower() not in VOLATILE}
    hb = {k.lower(): v for k, v in b.headers if k.lower() not in VOLATILE}
    for k in sorted(ha.keys() | hb.keys()):
        if ha.get(k) != hb.get(k):
            out.append(f"header {k}: {a.stage} {ha.get(k)!r} != {b.stage} {hb.get(k)!r}")
    if a.body != b.body:
        diff = difflib.unified_diff(a.text().splitlines(), b.text().splitlines(), a.stage, b.stage, lineterm="")
        out.append("body:\n" + "\n".join(diff))
    return out
