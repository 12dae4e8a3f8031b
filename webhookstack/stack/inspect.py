"""Read the deployed stack back, in the terms of the description (stage -> alias -> version)."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from webhookstack.release.history import parse as parse_release
from webhookstack.stack.model import STAGE_VARIABLE, Stack
from webhookstack.stack.session import Target


@dataclass(frozen=True)
class StageView:
    stage: str
    variable: str | None
    alias: str | None
    version: str | None
    code_sha256: str | None
    last_modified: str | None
    released: str = ""  # "promote by X at T" from the alias description, if webhookstack wrote one


@dataclass(frozen=True)
class StackView:
    api_id: str | None
    stages: tuple[StageView, ...]


def find_api_id(stack: Stack, target: Target) -> str | None:
    apigw = target.client("apigateway")
    for page in apigw.get_paginator("get_rest_apis").paginate():
        for api in page["items"]:
            if api["name"] == stack.api.name:
                return api["id"]
    return None


def inspect_stack(stack: Stack, target: Target) -> StackView:
    api_id = find_api_id(stack, target)
    if api_id is None:
        return StackView(None, ())
    apigw, lam = target.client("apigateway"), target.client("lambda")
    rows = []
    for spec in stack.stages:
        try:
            variables = apigw.get_stage(restApiId=api_id, stageName=spec.name).get("variables") or {}
        except ClientError:
            rows.append(StageView(spec.name, None, None, None, None, None))
            continue
        alias = variables.get(STAGE_VARIABLE)
        version = sha = modified = None
        released = ""
        if alias:
            try:
                alias_info = lam.get_alias(FunctionName=stack.function.name, Name=alias)
                version = alias_info["FunctionVersion"]
                record = parse_release(alias_info.get("Description"))
                if record.action:
                    released = f"{record.action} by {record.by} at {record.at}"
                cfg = lam.get_function_configuration(FunctionName=stack.function.name, Qualifier=version)
                sha, modified = cfg["CodeSha256"], cfg["LastModified"]
            except ClientError:
                pass
        rows.append(StageView(spec.name, variables.get(STAGE_VARIABLE), alias, version, sha, modified, released))
    return StackView(api_id, tuple(rows))


def webhook_secret(lam, function: str, alias: str | None = None) -> str | None:
    """The TWITCH_WEBHOOK_SECRET a function (or the version an alias points at) runs with.

    Through the version, not the alias: LocalStack's GetFunctionConfiguration takes no alias.
    """
    qualifier = lam.get_alias(FunctionName=function, Name=alias)["FunctionVersion"] if alias else "$LATEST"
    env = lam.get_function_configuration(FunctionName=function, Qualifier=qualifier).get("Environment") or {}
    return (env.get("Variables") or {}).get("TWITCH_WEBHOOK_SECRET")
