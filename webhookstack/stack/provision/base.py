"""What every provisioning step shares: the clients, the target, and how a change is reported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from webhookstack.stack.model import Stack
from webhookstack.stack.session import Target


@dataclass(frozen=True)
class Change:
    resource: str
    action: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action:<9} {self.resource}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    api_id: str = ""
    versions: dict[str, str] = field(default_factory=dict)  # alias -> version


def error_code(e: ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


class Steps:
    """Base of the per-service step mixins; Provisioner combines them."""

    def __init__(self, stack: Stack, target: Target, on_change: Callable[[Change], None] = lambda c: None):
        self.stack = stack
        self.target = target
        self.on_change = on_change
        self.outcome = Outcome()
        self.lam = target.client("lambda")
        self.apigw = target.client("apigateway")
        self.ddb = target.client("dynamodb")
        self.iam = target.client("iam")

    def _changed(self, resource: str, action: str, detail: str = "") -> None:
        change = Change(resource, action, detail)
        self.outcome.changes.append(change)
        self.on_change(change)
