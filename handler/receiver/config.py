"""Configuration from environment variables, read once per execution environment.

- `TWITCH_WEBHOOK_SECRET_ARN`: a Secrets Manager secret holding the HMAC secret (the plain
  string, or JSON with a `TWITCH_WEBHOOK_SECRET` or `secret` key). Wins over the plain variable.
- `TWITCH_WEBHOOK_SECRET`: the HMAC secret itself (local stacks).
- `EVENTS_TABLE`: the DynamoDB table.
- `EVENTS_RETENTION_DAYS` (optional, default 90): TTL of stored deliveries.

Twitch secrets are ASCII, 10 to 100 characters. Errors name the variable, never its value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from receiver.errors import ConfigurationError

# The placeholder the local stack description ships with: refused outside an emulator, so a
# description deployed to real AWS as is cannot run with a public secret.
LOCAL_PLACEHOLDER_MARKER = "not-for-production"
DEFAULT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class Settings:
    secret: bytes = field(repr=False)
    table: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    secret_source: str = "env"


def _check_secret(secret: str, source: str, environ: Mapping[str, str]) -> bytes:
    if not secret.isascii() or not 10 <= len(secret) <= 100:
        raise ConfigurationError(f"the webhook secret from {source} must be ASCII, 10 to 100 characters")
    if LOCAL_PLACEHOLDER_MARKER in secret and not environ.get("AWS_ENDPOINT_URL"):
        raise ConfigurationError(
            f"the webhook secret from {source} is the local placeholder and this is not an emulator; "
            "set TWITCH_WEBHOOK_SECRET_ARN (or a real TWITCH_WEBHOOK_SECRET)"
        )
    return secret.encode("ascii")


def _secret_from_arn(arn: str, secretsmanager: Callable[[], object]) -> str:
    try:
        value = secretsmanager().get_secret_value(SecretId=arn).get("SecretString")
    except Exception as e:  # botocore errors, no credentials, no network
        raise ConfigurationError(f"cannot read TWITCH_WEBHOOK_SECRET_ARN {arn}: {type(e).__name__}") from None
    if not isinstance(value, str):
        raise ConfigurationError(f"secret {arn} has no SecretString")
    if value.lstrip().startswith("{"):
        try:
            doc = json.loads(value)
        except ValueError:
            raise ConfigurationError(f"secret {arn} looks like JSON but does not parse") from None
        value = doc.get("TWITCH_WEBHOOK_SECRET", doc.get("secret")) if isinstance(doc, dict) else None
        if not isinstance(value, str):
            raise ConfigurationError(f"secret {arn} JSON has no TWITCH_WEBHOOK_SECRET or secret key")
    return value


def load(environ: Mapping[str, str], secretsmanager: Callable[[], object]) -> Settings:
    table = environ.get("EVENTS_TABLE", "").strip()
    if not table:
        raise ConfigurationError("EVENTS_TABLE is not set")
    retention = environ.get("EVENTS_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
    if not retention.isdigit() or not 1 <= int(retention) <= 3650:
        raise ConfigurationError("EVENTS_RETENTION_DAYS must be a whole number of days, 1 to 3650")
    arn = environ.get("TWITCH_WEBHOOK_SECRET_ARN", "").strip()
    if arn:
        secret = _check_secret(_secret_from_arn(arn, secretsmanager), "TWITCH_WEBHOOK_SECRET_ARN", environ)
        return Settings(secret, table, int(retention), "secretsmanager")
    plain = environ.get("TWITCH_WEBHOOK_SECRET")
    if not plain:
        raise ConfigurationError("neither TWITCH_WEBHOOK_SECRET_ARN nor TWITCH_WEBHOOK_SECRET is set")
    return Settings(_check_secret(plain, "TWITCH_WEBHOOK_SECRET", environ), table, int(retention), "env")
