"""Rules AWS enforces and emulators let slide, each judging one Snapshot.

A rule returns one Check per thing it looked at; a failed Check names the fix as the exact
AWS CLI call (boto3's method of the same name takes the same arguments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from webhookstack.doctor.snapshot import Snapshot
from webhookstack.stack.model import Stack
from webhookstack.stack.permissions import APIGW_PRINCIPAL, any_grants
from webhookstack.stack.provision import permission_statement_id, source_arn


@dataclass(frozen=True)
class Check:
    rule: str
    subject: str
    ok: bool
    problem: str = ""
    fix: str = ""


Rule = Callable[[Stack, Snapshot], list[Check]]


def api_exists(stack: Stack, snap: Snapshot) -> list[Check]:
    if snap.api_id:
        return [Check("api-exists", f"rest api {stack.api.name}", True)]
    return [Check("api-exists", f"rest api {stack.api.name}", False, "the REST API does not exist",
                  "webhookstack provision")]


def aliases_exist(stack: Stack, snap: Snapshot) -> list[Check]:
    checks = []
    for var in sorted(snap.alias_variables()):
        for stage, st in sorted(snap.stages.items()):
            alias = st["variables"].get(var)
            subject = f"stage {stage} ${{stageVariables.{var}}}={alias}"
            if not alias:
                continue  # stage-variables-defined reports it
            if alias in snap.aliases:
                checks.append(Check("alias-exists", subject, True))
            else:
                newest = max((v for v in snap.aliases.values() if v.isdigit()), key=int, default="1")
                checks.append(Check(
                    "alias-exists", subject, False,
                    f"alias {alias} of {snap.function} does not exist: AWS answers 500 on this stage",
                    f"aws lambda create-alias --function-name {snap.function} --name {alias} --function-version {newest}",
                ))
    return checks


def alias_permissions(stack: Stack, snap: Snapshot) -> list[Check]:
    """AWS checks the alias's own resource policy: a permission on the function alone
    (or for another API) makes API Gateway answer 500 "Invalid permissions on Lambda function"."""
    checks = []
    if not snap.api_id:
        return checks
    lambda_methods = [m for m in snap.methods if m.integration_type == "AWS_PROXY" and snap.function in (m.integration_uri or "")]
    for var in sorted(snap.alias_variables()):
        for stage, st in sorted(snap.stages.items()):
            alias = st["variables"].get(var)
            if not alias or alias not in snap.aliases:
                continue
            statements = snap.policies.get(alias, [])
            for m in lambda_methods:
                arn = f"arn:aws:execute-api:{snap.region}:{snap.account}:{snap.api_id}/{stage}/{m.http_method}{m.path}"
                subject = f"{snap.function}:{alias} for {stage} {m.http_method} {m.path}"
                if any_grants(statements, arn):
                    checks.append(Check("alias-permission", subject, True))
                else:
                    grant = source_arn(snap.region, snap.account, snap.api_id, m.path.lstrip("/"))
                    checks.append(Check(
                        "alias-permission", subject, False,
                        f"alias {alias} has no invoke permission for API {snap.api_id}: AWS answers 500 "
                        "(plain LocalStack does not check; webhookstack's engines do)",
                        f"aws lambda add-permission --function-name {snap.function} --qualifier {alias} "
                        f"--statement-id {permission_statement_id(snap.api_id, alias)} --action lambda:InvokeFunction "
                        f"--principal {APIGW_PRINCIPAL} --source-arn '{grant}'",
                    ))
    return checks


def prod_pinned(stack: Stack, snap: Snapshot) -> list[Check]:
    checks = []
    for alias in (a for a in stack.aliases if a.policy == "pinned"):
        version = snap.aliases.get(alias.name)
        if version is None:
            continue
        subject = f"alias {alias.name} -> {version}"
        if version == "$LATEST":
            newest = max((v for v in snap.aliases.values() if v.isdigit()), key=int, default="N")
            checks.append(Check(
                "prod-pinned", subject, False,
                f"{alias.name} follows $LATEST: every code update reaches production unreviewed",
                f"aws lambda update-alias --function-name {snap.function} --name {alias.name} "
                f"--function-version {newest}   (or: webhookstack promote --version {newest})",
            ))
        else:
            checks.append(Check("prod-pinned", subject, True))
    return checks


def stage_variables_defined(stack: Stack, snap: Snapshot) -> list[Check]:
    checks = []
    described = {s.name: s.variables for s in stack.stages}
    for var in sorted(snap.stage_variables_in_uris()):
        for stage, st in sorted(snap.stages.items()):
            subject = f"stage {stage} variable {var}"
            if st["variables"].get(var):
                checks.append(Check("stage-variables-defined", subject, True))
                continue
            value = described.get(stage, {}).get(var, "VALUE")
            checks.append(Check(
                "stage-variables-defined", subject, False,
                f"an integration URI uses ${{stageVariables.{var}}} but stage {stage} does not define it",
                f"aws apigateway update-stage --rest-api-id {snap.api_id} --stage-name {stage} "
                f"--patch-operations op=replace,path=/variables/{var},value={value}",
            ))
    return checks


def validators_attached(stack: Stack, snap: Snapshot) -> list[Check]:
    checks = []
    path = f"/{stack.api.resource}"
    for spec in stack.api.methods:
        if not spec.required_query:
            continue
        subject = f"{spec.http_method} {path} requires {', '.join(spec.required_query)}"
        method = next((m for m in snap.methods if m.path == path and m.http_method == spec.http_method), None)
        if method is None:
            checks.append(Check("validator-attached", subject, False, "the method does not exist", "webhookstack provision"))
            continue
        validator = snap.validators.get(method.validator_id or "")
        missing = [k for k in spec.request_parameters if not method.request_parameters.get(k)]
        if validator and validator.get("validateRequestParameters") and not missing:
            checks.append(Check("validator-attached", subject, True))
            continue
        ours = next((v["id"] for v in snap.validators.values() if v["name"] == stack.api.validator_name), "VALIDATOR_ID")
        base = (f"aws apigateway update-method --rest-api-id {snap.api_id} --resource-id {method.resource_id} "
                f"--http-method {spec.http_method} --patch-operations ")
        if missing:
            ops = " ".join(f"op=add,path=/requestParameters/{k},value=true" for k in missing)
            problem = f"required parameters not declared: {', '.join(missing)}"
        elif not validator:
            ops = f"op=replace,path=/requestValidatorId,value={ours}"
            problem = "no request validator: Lambda runs (and must cope) without the parameter"
        else:
            ops = f"op=replace,path=/requestValidatorId,value={ours}"
            problem = f"validator {validator['name']} does not validate request parameters"
        checks.append(Check(
            "validator-attached", subject, False, problem,
            f"{base}{ops}; then aws apigateway create-deployment --rest-api-id {snap.api_id} and point the stages at it "
            "(or: webhookstack provision)",
        ))
    return checks


def domain_mappings(stack: Stack, snap: Snapshot) -> list[Check]:
    d = stack.domain
    if not snap.domain_exists:
        if d.certificate_arn is None and snap.account != "000000000000":
            return []  # described for local use only: no certificate for real AWS
        return [Check("domain-mappings", f"domain {d.name}", False, "the custom domain does not exist",
                      "webhookstack provision")]
    checks = []
    for base_path, stage in d.base_paths:
        subject = f"{d.name}/{base_path} -> {stage}"
        m = snap.base_paths.get(base_path)
        if m is None:
            problem = "no base path mapping"
        elif m.get("restApiId") != snap.api_id:
            problem = f"mapped to API {m.get('restApiId')}, not {snap.api_id}"
        elif m.get("stage") not in snap.stages:
            problem = f"mapped to stage {m.get('stage')!r}, which does not exist"
        elif m.get("stage") != stage:
            problem = f"mapped to stage {m.get('stage')}, the description says {stage}"
        else:
            checks.append(Check("domain-mappings", subject, True))
            continue
        fix = (f"aws apigateway delete-base-path-mapping --domain-name {d.name} --base-path {base_path}; " if m else "")
        fix += (f"aws apigateway create-base-path-mapping --domain-name {d.name} --base-path {base_path} "
                f"--rest-api-id {snap.api_id} --stage {stage}")
        checks.append(Check("domain-mappings", subject, False, problem, fix))
    return checks


RULES: tuple[Rule, ...] = (
    api_exists,
    aliases_exist,
    alias_permissions,
    prod_pinned,
    stage_variables_defined,
    validators_attached,
    domain_mappings,
)


def judge(stack: Stack, snap: Snapshot) -> list[Check]:
    return [check for rule in RULES for check in rule(stack, snap)]
