"""The one description of the topology.

Provisioning, status, the doctor and the tests all read this; nothing else names the table,
the function, the aliases, the API or the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from webhookstack.paths import HANDLER_DIR

STAGE_VARIABLE = "lambdaAlias"


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index (string keys, all attributes projected)."""

    name: str
    hash_key: str
    range_key: str


@dataclass(frozen=True)
class TableSpec:
    # One item per delivery; key design and access patterns: docs/storage.md, handler/receiver/storage.py.
    name: str = "twitch-events"
    hash_key: str = "pk"  # delivery#{protocol}#{message_id}
    range_key: str = "sk"  # "delivery"
    ttl_attribute: str = "expires_at"
    indexes: tuple[IndexSpec, ...] = (
        # events of broadcaster B of type T between t1 and t2
        IndexSpec("by-broadcaster-type", "broadcaster_type", "event_sk"),
        # the latest event of subscription S
        IndexSpec("by-subscription", "subscription_key", "event_sk"),
    )

    def index(self, name: str) -> IndexSpec:
        for i in self.indexes:
            if i.name == name:
                return i
        raise KeyError(f"no index {name!r} on table {self.name}")


@dataclass(frozen=True)
class FunctionSpec:
    name: str = "twitch-webhook"
    code_dir: Path = HANDLER_DIR
    handler: str = "app.lambda_handler"
    runtime: str = "python3.13"
    # `webhookstack tune --event eventsub-notification` (README): 128 MB bills ~25 ms, 256 ~10 ms
    # (cheapest), 512 ~5 ms and flat above; 512 is the balanced pick at ~the same cost as 256.
    memory_mb: int = 512
    timeout_s: int = 10
    role_name: str = "twitch-webhook-lambda"
    environment: tuple[tuple[str, str], ...] = ()
    # Only for a local endpoint: a clearly fake secret so the local stack verifies signatures out
    # of the box. Never sent to AWS (there: TWITCH_WEBHOOK_SECRET_ARN, via `environment`); the
    # handler also refuses it outside an emulator.
    local_environment: tuple[tuple[str, str], ...] = (
        ("TWITCH_WEBHOOK_SECRET", "local-dev-secret-not-for-production"),
    )


@dataclass(frozen=True)
class AliasSpec:
    name: str
    # "newest": moves to every newly published version (DEV);
    # "pinned": set on first provisioning, then only moved by promote/rollback (PROD).
    policy: str


@dataclass(frozen=True)
class MethodSpec:
    http_method: str
    required_query: tuple[str, ...] = ()

    @property
    def request_parameters(self) -> dict[str, bool]:
        return {f"method.request.querystring.{q}": True for q in self.required_query}


@dataclass(frozen=True)
class StageSpec:
    name: str
    alias: str

    @property
    def variables(self) -> dict[str, str]:
        return {STAGE_VARIABLE: self.alias}


@dataclass(frozen=True)
class ApiSpec:
    name: str = "twitch-webhooks"
    resource: str = "webhooks"
    validator_name: str = "require-hub-challenge"
    methods: tuple[MethodSpec, ...] = (
        MethodSpec("GET", required_query=("hub.challenge",)),
        MethodSpec("POST"),
    )


@dataclass(frozen=True)
class DomainSpec:
    name: str = "webhooks.localhost"
    # base path -> stage
    base_paths: tuple[tuple[str, str], ...] = (("dev", "dev"), ("prod", "prod"))
    # Real AWS needs an ACM certificate for a custom domain; LocalStack does not.
    certificate_arn: str | None = None


@dataclass(frozen=True)
class Stack:
    table: TableSpec = field(default_factory=TableSpec)
    function: FunctionSpec = field(default_factory=FunctionSpec)
    aliases: tuple[AliasSpec, ...] = (AliasSpec("DEV", "newest"), AliasSpec("PROD", "pinned"))
    api: ApiSpec = field(default_factory=ApiSpec)
    stages: tuple[StageSpec, ...] = (StageSpec("dev", "DEV"), StageSpec("prod", "PROD"))
    domain: DomainSpec = field(default_factory=DomainSpec)

    def function_environment(self, local: bool) -> dict[str, str]:
        env = {"EVENTS_TABLE": self.table.name, **dict(self.function.environment)}
        if local:
            env.update(self.function.local_environment)
        return env

    def stage(self, name: str) -> StageSpec:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(f"no stage {name!r} in the stack description")


DEFAULT_STACK = Stack()
