"""One read of the deployed stack, for the doctor's rules to judge without further calls."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from webhookstack.stack.inspect import find_api_id
from webhookstack.stack.model import Stack
from webhookstack.stack.session import Target

STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


@dataclass
class Method:
    path: str
    resource_id: str
    http_method: str
    request_parameters: dict
    validator_id: str | None
    integration_type: str | None
    integration_uri: str | None


@dataclass
class Snapshot:
    region: str
    account: str
    function: str
    api_id: str | None = None
    stages: dict[str, dict] = field(default_factory=dict)  # name -> {"variables":..., "deploymentId":...}
    methods: list[Method] = field(default_factory=list)
    validators: dict[str, dict] = field(default_factory=dict)  # id -> validator
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> version
    policies: dict[str, list[dict]] = field(default_factory=dict)  # alias -> statements
    function_env: dict[str, str] = field(default_factory=dict)
    domain_exists: bool = False
    base_paths: dict[str, dict] = field(default_factory=dict)  # base path -> mapping

    def stage_variables_in_uris(self) -> set[str]:
        return {v for m in self.methods for v in STAGE_VAR.findall(m.integration_uri or "")}

    def alias_variables(self) -> set[str]:
        """Stage variables that select the function's alias in a Lambda integration URI."""
        pattern = re.compile(rf"function:{re.escape(self.function)}:\$\{{stageVariables\.([A-Za-z0-9_]+)\}}")
        return {v for m in self.methods for v in pattern.findall(m.integration_uri or "")}


def take_snapshot(stack: Stack, target: Target) -> Snapshot:
    apigw, lam = target.client("apigateway"), target.client("lambda")
    snap = Snapshot(target.region_name, target.account_id, stack.function.name)
    snap.api_id = find_api_id(stack, target)
    try:
        for page in lam.get_paginator("list_aliases").paginate(FunctionName=stack.function.name):
            snap.aliases.update({a["Name"]: a["FunctionVersion"] for a in page["Aliases"]})
        cfg = lam.get_function_configuration(FunctionName=stack.function.name)
        snap.function_env = (cfg.get("Environment") or {}).get("Variables") or {}
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    for alias in snap.aliases:
        try:
            policy = json.loads(lam.get_policy(FunctionName=stack.function.name, Qualifier=alias)["Policy"])
            snap.policies[alias] = policy.get("Statement", [])
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            snap.policies[alias] = []
    if snap.api_id is None:
        return snap
    for s in apigw.get_stages(restApiId=snap.api_id).get("item", []):
        snap.stages[s["stageName"]] = {"variables": s.get("variables") or {}, "deploymentId": s.get("deploymentId")}
    for page in apigw.get_paginator("get_resources").paginate(restApiId=snap.api_id, embed=["methods"]):
        for r in page["items"]:
            for verb, m in (r.get("resourceMethods") or {}).items():
                integ = m.get("methodIntegration") or {}
                snap.methods.append(
                    Method(r["path"], r["id"], verb, m.get("requestParameters") or {}, m.get("requestValidatorId"),
                           integ.get("type"), integ.get("uri"))
                )
    snap.validators = {v["id"]: v for v in apigw.get_request_validators(restApiId=snap.api_id).get("items", [])}
    try:
        apigw.get_domain_name(domainName=stack.domain.name)
        snap.domain_exists = True
        for m in apigw.get_base_path_mappings(domainName=stack.domain.name).get("items", []):
            snap.base_paths[m.get("basePath", "(none)")] = m
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("NotFoundException", "AccessDeniedException"):
            raise
    return snap
