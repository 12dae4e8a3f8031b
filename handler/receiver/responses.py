"""Proxy-integration responses. API Gateway answers `application/json` when no Content-Type is set,
so text answers (challenges) must say `text/plain` themselves."""

from __future__ import annotations

import json


def text(status: int, body: str) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "text/plain; charset=utf-8"}, "body": body}


def empty(status: int) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "text/plain; charset=utf-8"}, "body": ""}


def json_body(status: int, payload: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}
