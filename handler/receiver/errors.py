"""Typed HTTP errors: protocol code raises them, `resolver` alone turns them into responses.

`reason` is a short machine-readable word for the delivery log; `message` goes to the client and
must never carry a secret, a signature or request content.
"""

from __future__ import annotations


class HttpError(Exception):
    status = 500
    reason = "error"

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.message = message
        if reason:
            self.reason = reason


class BadRequest(HttpError):
    status = 400
    reason = "malformed"


class Forbidden(HttpError):
    status = 403
    reason = "forbidden"


class MethodNotAllowed(HttpError):
    status = 405
    reason = "method_not_allowed"


class PayloadTooLarge(HttpError):
    status = 413
    reason = "too_large"


class ConfigurationError(Exception):
    """The function is deployed wrong (env vars, secret). Logged in full; the client sees a generic 500."""
