"""Load DynamoDB items into the local table so its state matches a bug report.

Input: DynamoDB JSON, one item per line, as a DynamoDB export to S3 writes it
(`{"Item": {...}}`) or as `aws dynamodb scan` items (`{"pk": {"S": "..."}}`); a whole
`scan` output (`{"Items": [...]}`) is accepted too. Every line is checked before anything
is written, so a bad file writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from webhookstack.stack.polling import wait_until

TYPES = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}


class SeedError(ValueError):
    pass


@dataclass(frozen=True)
class SeedResult:
    written: int
    deleted: int


def _check_value(value, where: str) -> None:
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in TYPES:
        raise SeedError(f"{where}: not a DynamoDB JSON value (expected one of {sorted(TYPES)} as the only key): "
                        f"{json.dumps(value)[:80]}")
    kind, inner = next(iter(value.items()))
    if kind == "M":
        for k, v in inner.items():
            _check_value(v, f"{where}.{k}")
    elif kind == "L":
        for i, v in enumerate(inner):
            _check_value(v, f"{where}[{i}]")


def read_items(path: Path, key_names: tuple[str, ...]) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SeedError(f"cannot read {path}: {e}") from None
    stripped = text.strip()
    if stripped.startswith("{") and '"Items"' in stripped[:2000]:
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict) and isinstance(whole.get("Items"), list):
            lines: Iterator[tuple[int, dict]] = enumerate(whole["Items"], 1)
            return [_item(raw, f"{path} item {n}", key_names) for n, raw in lines]
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise SeedError(f"{path} line {n}: invalid JSON ({e.msg} at column {e.colno})") from None
        items.append(_item(raw, f"{path} line {n}", key_names))
    if not items:
        raise SeedError(f"{path}: no items")
    return items


def _item(raw, where: str, key_names: tuple[str, ...]) -> dict:
    item = raw.get("Item", raw) if isinstance(raw, dict) else None
    if not isinstance(item, dict) or not item:
        raise SeedError(f"{where}: expected an object (an item, or {{\"Item\": ...}})")
    for k, v in item.items():
        _check_value(v, f"{where} attribute {k}")
    missing = [k for k in key_names if k not in item]
    if missing:
        raise SeedError(f"{where}: key attribute(s) {', '.join(missing)} missing; the table's key is {', '.join(key_names)}")
    return item


def seed(ddb, table: str, path: Path, clear: bool = False,
         on_progress: Callable[[int, int], None] = lambda done, total: None) -> SeedResult:
    desc = ddb.describe_table(TableName=table)["Table"]
    key_names = tuple(k["AttributeName"] for k in desc["KeySchema"])
    items = read_items(path, key_names)  # all checked before anything changes
    deleted = _clear(ddb, table, key_names) if clear else 0
    written = 0
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": it}} for it in items[start:start + 25]]
        pending = {table: batch}

        def write():
            nonlocal pending
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            return not pending

        wait_until(write, "DynamoDB to accept the batch", timeout=60)
        written += len(batch)
        on_progress(written, len(items))
    return SeedResult(written, deleted)


def _clear(ddb, table: str, key_names: tuple[str, ...]) -> int:
    deleted = 0
    for page in ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=", ".join(
            f"#k{i}" for i in range(len(key_names))), ExpressionAttributeNames={f"#k{i}": k for i, k in enumerate(key_names)}):
        keys = page.get("Items", [])
        for start in range(0, len(keys), 25):
            pending = {table: [{"DeleteRequest": {"Key": k}} for k in keys[start:start + 25]]}

            def delete():
                nonlocal pending
                pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                return not pending

            wait_until(delete, "DynamoDB to accept the deletes", timeout=60)
            deleted += len(keys[start:start + 25])
    return deleted
