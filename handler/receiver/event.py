"""A read-only view over an API Gateway REST proxy event (format 1.0).

What API Gateway really delivers, and how this view copes with it:
- header names keep the client's capitalisation: lookups are case-insensitive;
- `headers` / `multiValueHeaders` / `queryStringParameters` may be null or missing; the single-value
  maps hold the last value of a repeated key, and only `multiValue*` may be present;
- `body` may be null, and is base64 when `isBase64Encoded` (binary media types matched):
  `raw_body` always gives the bytes the sender signed.
"""

from __future__ import annotations

import base64
import binascii
from functools import cached_property

from receiver.errors import BadRequest


def _last_values(single, multi) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, values in (multi or {}).items() if isinstance(multi, dict) else ():
        if isinstance(values, list) and values and isinstance(values[-1], str):
            merged[name] = values[-1]
    for name, value in (single or {}).items() if isinstance(single, dict) else ():
        if isinstance(value, str):
            merged[name] = value
    return merged


class ProxyEvent:
    def __init__(self, raw: dict):
        self.raw = raw if isinstance(raw, dict) else {}

    @property
    def http_method(self) -> str:
        method = self.raw.get("httpMethod")
        return method.upper() if isinstance(method, str) else ""

    @property
    def request_context(self) -> dict:
        rc = self.raw.get("requestContext")
        return rc if isinstance(rc, dict) else {}

    def _context_str(self, key: str) -> str:
        value = self.request_context.get(key)
        return value if isinstance(value, str) else ""

    @property
    def request_id(self) -> str:
        return self._context_str("requestId")

    @property
    def stage(self) -> str:
        return self._context_str("stage")

    @property
    def domain_name(self) -> str:
        return self._context_str("domainName")

    @property
    def path(self) -> str:
        path = self.raw.get("path")
        return path if isinstance(path, str) else ""

    @cached_property
    def headers(self) -> dict[str, str]:
        """Header name (lower case) -> value."""
        merged = _last_values(self.raw.get("headers"), self.raw.get("multiValueHeaders"))
        return {name.lower(): value for name, value in merged.items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @cached_property
    def query(self) -> dict[str, str]:
        return _last_values(self.raw.get("queryStringParameters"), self.raw.get("multiValueQueryStringParameters"))

    @cached_property
    def raw_body(self) -> bytes:
        """The bytes as sent: the only input an HMAC may be computed over."""
        body = self.raw.get("body")
        if body is None:
            return b""
        if not isinstance(body, str):
            raise BadRequest("unreadable body")
        if self.raw.get("isBase64Encoded"):
            try:
                return base64.b64decode(body.encode("ascii"), validate=True)
            except (UnicodeEncodeError, binascii.Error, ValueError):
                raise BadRequest("body is not valid base64", reason="bad_base64") from None
        # API Gateway hands over text bodies decoded from UTF-8; encoding back gives the sent bytes.
        # surrogatepass: a lone surrogate cannot have come from a real sender; its HMAC just fails.
        return body.encode("utf-8", "surrogatepass")
