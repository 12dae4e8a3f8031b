"""Test support: the handler loaded as Lambda loads it, an in-memory DynamoDB, captured events.

Used by tests only (the Lambda never imports webhookstack, and nothing here runs in Lambda).
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import sys
from pathlib import Path

from botocore.exceptions import ClientError

from webhookstack.paths import HANDLER_DIR

EVENTS_DIR = Path(__file__).resolve().parents[2] / "tests" / "events"


def load_handler():
    """`app` from handler/, imported with handler/ on sys.path (as Lambda's task root)."""
    if str(HANDLER_DIR) not in sys.path:
        sys.path.insert(0, str(HANDLER_DIR))
    return importlib.import_module("app")


def load_event(name: str) -> dict:
    """A captured API Gateway proxy event from tests/events/NAME.json."""
    return json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


class FakeDynamoDB:
    """The slice of the DynamoDB client the handler uses, with the conditional put's semantics."""

    def __init__(self, fail_with: Exception | None = None):
        self.items: dict[tuple[str, str], dict] = {}
        self.put_calls: list[dict] = []
        self.fail_with = fail_with

    def put_item(self, *, TableName, Item, ConditionExpression=None, **_):
        self.put_calls.append({"TableName": TableName, "Item": copy.deepcopy(Item), "ConditionExpression": ConditionExpression})
        if self.fail_with:
            raise self.fail_with
        key = (Item["pk"]["S"], Item["sk"]["S"])
        if ConditionExpression == "attribute_not_exists(pk)" and key in self.items:
            raise ClientError(
                {"Error": {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}},
                "PutItem",
            )
        if ConditionExpression not in (None, "attribute_not_exists(pk)"):
            raise AssertionError(f"fake does not know condition {ConditionExpression!r}")
        self.items[key] = copy.deepcopy(Item)
        return {}


class CapturedLog(io.StringIO):
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.getvalue().splitlines() if line.strip()]
