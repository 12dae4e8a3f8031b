"""Each doctor rule on hand-built snapshots: no AWS needed."""

import copy

import pytest

from webhookstack.doctor.rules import judge
from webhookstack.doctor.snapshot import Method, Snapshot
from webhookstack.stack.model import DEFAULT_STACK as STACK
from webhookstack.stack.provision import integration_uri, permission_statement_id, source_arn

REGION, ACCOUNT, API = "us-east-1", "123456789012", "abc123"


def permission(alias):
    return {"Sid": permission_statement_id(API, alias), "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": source_arn(REGION, ACCOUNT, API, "webhooks")}}}


def healthy() -> Snapshot:
    uri = integration_uri(REGION, ACCOUNT, STACK.function.name)
    return Snapshot(
        region=REGION, account=ACCOUNT, function=STACK.function.name, api_id=API,
        stages={"dev": {"variables": {"lambdaAlias": "DEV"}}, "prod": {"variables": {"lambdaAlias": "PROD"}}},
        methods=[
            Method("/webhooks", "r1", "GET", {"method.request.querystring.hub.challenge": True}, "v1", "AWS_PROXY", uri),
            Method("/webhooks", "r1", "POST", {}, None, "AWS_PROXY", uri),
        ],
        validators={"v1": {"id": "v1", "name": STACK.api.validator_name, "validateRequestParameters": True}},
        aliases={"DEV": "2", "PROD": "1"},
        policies={"DEV": [permission("DEV")], "PROD": [permission("PROD")]},
        domain_exists=True,
        base_paths={"dev": {"restApiId": API, "stage": "dev"}, "prod": {"restApiId": API, "stage": "prod"}},
    )


def failed(snap):
    return [c for c in judge(STACK, snap) if not c.ok]


def test_healthy_snapshot_passes_every_rule():
    assert failed(healthy()) == []


def plant_function_only_permission(s):
    s.policies["PROD"] = []  # granted on the function, not on the alias: AWS rejects alias invokes


def plant_other_api_permission(s):
    s.policies["PROD"] = [dict(permission("PROD"), Condition={"ArnLike": {"AWS:SourceArn": source_arn(REGION, ACCOUNT, "zzz", "webhooks")}})]


def plant_latest(s):
    s.aliases["PROD"] = "$LATEST"


def plant_missing_variable(s):
    s.stages["prod"]["variables"] = {}


def plant_unknown_alias(s):
    s.stages["dev"]["variables"]["lambdaAlias"] = "QA"


def plant_no_validator(s):
    s.methods[0].validator_id = None


def plant_undeclared_parameter(s):
    s.methods[0].request_parameters = {}


def plant_mapping_to_missing_stage(s):
    s.base_paths["prod"] = {"restApiId": API, "stage": "production"}


@pytest.mark.parametrize("plant,rule", [
    (plant_function_only_permission, "alias-permission"),
    (plant_other_api_permission, "alias-permission"),
    (plant_latest, "prod-pinned"),
    (plant_missing_variable, "stage-variables-defined"),
    (plant_unknown_alias, "alias-exists"),
    (plant_no_validator, "validator-attached"),
    (plant_undeclared_parameter, "validator-attached"),
    (plant_mapping_to_missing_stage, "domain-mappings"),
])
def test_each_rule_catches_its_fault_and_names_a_fix(plant, rule):
    snap = copy.deepcopy(healthy())
    plant(snap)
    found = failed(snap)
    assert {c.rule for c in found} == {rule}
    assert all(c.fix and c.problem for c in found)
