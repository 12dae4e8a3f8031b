"""The doctor is quiet on the provisioned stack and catches each planted fault, naming the fix."""

from __future__ import annotations

import pytest

from webhookstack.doctor import diagnose
from webhookstack.stack.provision import permission_statement_id, provision

pytestmark = pytest.mark.integration


def failures(stack, target):
    return [c for c in diagnose(stack, target) if not c.ok]


@pytest.fixture
def heal(stack, target):
    yield
    provision(stack, target)
    assert failures(stack, target) == []


def test_quiet_on_the_healthy_stack(stack, target):
    provision(stack, target)
    checks = diagnose(stack, target)
    assert [c for c in checks if not c.ok] == []
    assert {c.rule for c in checks} >= {
        "api-exists", "alias-exists", "alias-permission", "prod-pinned",
        "stage-variables-defined", "validator-attached", "domain-mappings", "header-case",
    }


def _plant_removed_permission(stack, aws, api_id):
    aws("lambda").remove_permission(FunctionName=stack.function.name, Qualifier="PROD",
                                    StatementId=permission_statement_id(api_id, "PROD"))
    return "alias-permission", "add-permission", "--qualifier PROD"


def _plant_prod_on_latest(stack, aws, api_id):
    aws("lambda").update_alias(FunctionName=stack.function.name, Name="PROD", FunctionVersion="$LATEST")
    return "prod-pinned", "update-alias", "--name PROD"


def _plant_dropped_stage_variable(stack, aws, api_id):
    aws("apigateway").update_stage(restApiId=api_id, stageName="prod",
                                   patchOperations=[{"op": "remove", "path": "/variables/lambdaAlias"}])
    return "stage-variables-defined", "update-stage", "path=/variables/lambdaAlias,value=PROD"


def _plant_missing_alias(stack, aws, api_id):
    aws("apigateway").update_stage(restApiId=api_id, stageName="dev",
                                   patchOperations=[{"op": "replace", "path": "/variables/lambdaAlias", "value": "QA"}])
    return "alias-exists", "create-alias", "--name QA"


def _plant_detached_validator(stack, aws, api_id):
    apigw = aws("apigateway")
    resource = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/webhooks")
    # A validator that checks bodies only: attached, but hub.challenge goes unchecked.
    validators = apigw.get_request_validators(restApiId=api_id)["items"]
    body_only = next((v["id"] for v in validators if v["name"] == "body-only"), None) or apigw.create_request_validator(
        restApiId=api_id, name="body-only", validateRequestBody=True, validateRequestParameters=False)["id"]
    apigw.update_method(restApiId=api_id, resourceId=resource["id"], httpMethod="GET",
                        patchOperations=[{"op": "replace", "path": "/requestValidatorId", "value": body_only}])
    return "validator-attached", "update-method", "/requestValidatorId"


def _plant_unmapped_base_path(stack, aws, api_id):
    aws("apigateway").delete_base_path_mapping(domainName=stack.domain.name, basePath="prod")
    return "domain-mappings", "create-base-path-mapping", "--stage prod"


@pytest.mark.parametrize("plant", [
    _plant_removed_permission, _plant_prod_on_latest, _plant_dropped_stage_variable,
    _plant_missing_alias, _plant_detached_validator, _plant_unmapped_base_path,
], ids=lambda f: f.__name__.removeprefix("_plant_"))
def test_each_planted_fault_is_caught_with_its_fix(stack, target, aws, api_id, heal, plant):
    provision(stack, target)
    rule, call, detail = plant(stack, aws, api_id)
    failed = failures(stack, target)
    assert failed, f"the doctor missed {plant.__name__}"
    assert {c.rule for c in failed} == {rule}
    assert all(call in c.fix and detail in c.fix for c in failed), [c.fix for c in failed]


CASE_SENSITIVE_APP = '''
# A handler with the classic bug: it looks the message type up by its exact capitalisation.
from app_original import lambda_handler as original


def lambda_handler(event, context):
    headers = event.get("headers") or {}
    if event.get("httpMethod") == "POST" and "Twitch-Eventsub-Message-Type" not in headers:
        raise KeyError("Twitch-Eventsub-Message-Type")
    return original(event, context)
'''


def test_header_case_probe_catches_a_case_sensitive_handler_on_dev_only(stack, target, tmp_path, heal):
    import dataclasses
    import shutil

    from webhookstack.release.flow import publish

    code = tmp_path / "handler"
    shutil.copytree(stack.function.code_dir, code, ignore=shutil.ignore_patterns("__pycache__"))
    (code / "app.py").rename(code / "app_original.py")
    (code / "app.py").write_text(CASE_SENSITIVE_APP)
    publish(dataclasses.replace(stack, function=dataclasses.replace(stack.function, code_dir=code)), target)

    failed = failures(stack, target)
    assert [(c.rule, c.subject.split()[0]) for c in failed] == [("header-case", f"{stack.function.name}:DEV")]
    assert "case-insensitively" in failed[0].fix
