"""Does a Lambda resource-policy statement let API Gateway invoke from a given execute-api ARN?

Pure: used by the doctor (on policies read through the API) and, inside LocalStack, by the
fix that makes API Gateway enforce the policy as AWS does.
"""

from __future__ import annotations

import fnmatch

APIGW_PRINCIPAL = "apigateway.amazonaws.com"
INVOKE_ACTIONS = {"lambda:InvokeFunction", "lambda:*", "*"}


def grants(statement: dict, source_arn: str, principal: str = APIGW_PRINCIPAL) -> bool:
    """True if `statement` allows `principal` to invoke when calling from `source_arn`."""
    if statement.get("Effect", "Allow") != "Allow":
        return False
    who = statement.get("Principal")
    who = who.get("Service", who.get("AWS")) if isinstance(who, dict) else who
    if who not in (principal, "*"):
        return False
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    if not INVOKE_ACTIONS & set(actions):
        return False
    condition = statement.get("Condition") or {}
    like = (condition.get("ArnLike") or {}).get("AWS:SourceArn")
    equals = (condition.get("ArnEquals") or {}).get("AWS:SourceArn")
    if like is not None and not fnmatch.fnmatchcase(source_arn, like):
        return False
    if equals is not None and source_arn != equals:
        return False
    return True


def any_grants(statements: list[dict], source_arn: str) -> bool:
    return any(grants(s, source_arn) for s in statements)
