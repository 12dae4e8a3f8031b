"""Make a deployed stack match the description: create what is missing, heal what drifted.

Each step reads the remote state, compares it with the description and changes only what
differs, so a second run changes nothing. Every change is reported as a `Change`; a run
that reports none found the stack as described. Errors propagate: a half-provisioned stack
must fail loudly (the ready.d hook and `webhookstack provision` exit non-zero).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from webhookstack.stack.model import STAGE_VARIABLE, Stack
from webhookstack.stack.package import Package, build_package
from webhookstack.stack.polling import wait_until
from webhookstack.stack.session import Target

APIGW_PRINCIPAL = "apigateway.amazonaws.com"


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


def _code(e: ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


def integration_uri(region: str, account: str, function: str) -> str:
    fn_arn = f"arn:aws:lambda:{region}:{account}:function:{function}:${{stageVariables.{STAGE_VARIABLE}}}"
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"


def permission_statement_id(api_id: str, alias: str) -> str:
    return f"apigateway-{api_id}-{alias}"


def source_arn(region: str, account: str, api_id: str, resource: str) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*/{resource}"


class Provisioner:
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

    def run(self) -> Outcome:
        self.ensure_table()
        role_arn = self.ensure_role()
        package = build_package(self.stack.function.code_dir)
        self.ensure_function(role_arn, package)
        newest = self.ensure_version(package)
        self.ensure_aliases(newest)
        api_id = self.ensure_api()
        self.outcome.api_id = api_id
        self.ensure_permissions(api_id)
        self.ensure_stages(api_id)
        self.ensure_domain(api_id)
        return self.outcome

    # -- DynamoDB -------------------------------------------------------------------------
    def ensure_table(self) -> None:
        """The table, its GSIs and TTL as described. A missing GSI is created, one with other keys
        is replaced, one the description does not name is deleted (DynamoDB takes one index change
        per UpdateTable, and each must finish before the next)."""
        t = self.stack.table

        def gsi(spec) -> dict:
            return {
                "IndexName": spec.name,
                "KeySchema": [
                    {"AttributeName": spec.hash_key, "KeyType": "HASH"},
                    {"AttributeName": spec.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }

        def matches(description: dict, spec) -> bool:
            keys = {k["KeyType"]: k["AttributeName"] for k in description.get("KeySchema") or []}
            projection = (description.get("Projection") or {}).get("ProjectionType")
            return keys == {"HASH": spec.hash_key, "RANGE": spec.range_key} and projection == "ALL"

        def definitions(*keys: str) -> list[dict]:
            return [{"AttributeName": k, "AttributeType": "S"} for k in dict.fromkeys(keys)]

        def indexes() -> dict[str, dict]:
            table = self.ddb.describe_table(TableName=t.name)["Table"]
            return {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes") or []}

        def wait_active() -> None:
            def active():
                table = self.ddb.describe_table(TableName=t.name)["Table"]
                return table["TableStatus"] == "ACTIVE" and all(
                    g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in table.get("GlobalSecondaryIndexes") or []
                )

            wait_until(active, f"table {t.name} and its indexes to become ACTIVE", timeout=600)

        try:
            self.ddb.describe_table(TableName=t.name)
        except ClientError as e:
            if _code(e) != "ResourceNotFoundException":
                raise
            extra = {"GlobalSecondaryIndexes": [gsi(i) for i in t.indexes]} if t.indexes else {}
            self.ddb.create_table(
                TableName=t.name,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[
                    {"AttributeName": t.hash_key, "KeyType": "HASH"},
                    {"AttributeName": t.range_key, "KeyType": "RANGE"},
                ],
                AttributeDefinitions=definitions(
                    t.hash_key, t.range_key, *(k for i in t.indexes for k in (i.hash_key, i.range_key))
                ),
                **extra,
            )
            self._changed(f"table {t.name}", "created", ", ".join(i.name for i in t.indexes))
        wait_active()

        wanted = {i.name: i for i in t.indexes}
        current = indexes()
        for name, description in list(current.items()):
            spec = wanted.get(name)
            if spec is not None and matches(description, spec):
                continue
            self.ddb.update_table(TableName=t.name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
            self._changed(f"table {t.name} index {name}", "deleted", "keys differ" if spec else "not in the description")
            wait_until(lambda: name not in indexes(), f"index {name} to be deleted", timeout=600)
            del current[name]
        for name, spec in wanted.items():
            if name in current:
                continue
            self.ddb.update_table(
                TableName=t.name,
                AttributeDefinitions=definitions(spec.hash_key, spec.range_key),
                GlobalSecondaryIndexUpdates=[{"Create": gsi(spec)}],
            )
            self._changed(f"table {t.name} index {name}", "created", f"{spec.hash_key} / {spec.range_key}")
            wait_active()

        ttl = self.ddb.describe_time_to_live(TableName=t.name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or ttl.get("AttributeName") != t.ttl_attribute:
            self.ddb.update_time_to_live(
                TableName=t.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute},
            )
            self._changed(f"table {t.name} TTL", "updated", t.ttl_attribute)

    # -- IAM ------------------------------------------------------------------------------
    def ensure_role(self) -> str:
        f = self.stack.function
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        try:
            arn = self.iam.get_role(RoleName=f.role_name)["Role"]["Arn"]
        except ClientError as e:
            if _code(e) != "NoSuchEntity":
                raise
            arn = self.iam.create_role(RoleName=f.role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            self._changed(f"role {f.role_name}", "created")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
                    "Resource": [
                        f"arn:aws:dynamodb:*:*:table/{self.stack.table.name}",
                        f"arn:aws:dynamodb:*:*:table/{self.stack.table.name}/index/*",
                    ],
                },
            ],
        }
        try:
            current = self.iam.get_role_policy(RoleName=f.role_name, PolicyName="webhookstack")["PolicyDocument"]
            if isinstance(current, str):
                current = json.loads(current)
        except ClientError as e:
            if _code(e) != "NoSuchEntity":
                raise
            current = None
        if current != policy:
            self.iam.put_role_policy(RoleName=f.role_name, PolicyName="webhookstack", PolicyDocument=json.dumps(policy))
            self._changed(f"role {f.role_name} policy", "updated" if current else "created")
        return arn

    # -- Lambda ---------------------------------------------------------------------------
    def _wait_function_ready(self) -> None:
        name = self.stack.function.name

        def ready():
            cfg = self.lam.get_function_configuration(FunctionName=name)
            if cfg.get("State") == "Failed":
                raise RuntimeError(f"function {name} failed: {cfg.get('StateReason')}")
            return cfg.get("State") == "Active" and cfg.get("LastUpdateStatus") in (None, "Successful")

        wait_until(ready, f"function {name} to become Active", timeout=120)

    def ensure_function(self, role_arn: str, package: Package) -> None:
        f = self.stack.function
        wanted = {
            "Runtime": f.runtime,
            "Handler": f.handler,
            "MemorySize": f.memory_mb,
            "Timeout": f.timeout_s,
            "Environment": {"Variables": self.stack.function_environment(local=self.target.is_local)},
        }
        try:
            cfg = self.lam.get_function_configuration(FunctionName=f.name)
        except ClientError as e:
            if _code(e) != "ResourceNotFoundException":
                raise
            self.lam.create_function(
                FunctionName=f.name, Role=role_arn, Code={"ZipFile": package.zip_bytes}, Publish=False, **wanted
            )
            self._changed(f"function {f.name}", "created", f"code {package.code_sha256[:12]}")
            self._wait_function_ready()
            return
        self._wait_function_ready()
        if cfg["CodeSha256"] != package.code_sha256:
            self.lam.update_function_code(FunctionName=f.name, ZipFile=package.zip_bytes)
            self._changed(f"function {f.name} code", "updated", f"{cfg['CodeSha256'][:12]} -> {package.code_sha256[:12]}")
            self._wait_function_ready()
        drift = {k: v for k, v in wanted.items() if cfg.get(k, {} if k == "Environment" else None) != v}
        if cfg.get("Role") != role_arn:
            drift["Role"] = role_arn
        if drift:
            self.lam.update_function_configuration(FunctionName=f.name, **drift)
            self._changed(f"function {f.name} configuration", "updated", ", ".join(sorted(drift)))
            self._wait_function_ready()

    def published_versions(self) -> list[dict]:
        versions = []
        for page in self.lam.get_paginator("list_versions_by_function").paginate(FunctionName=self.stack.function.name):
            versions += [v for v in page["Versions"] if v["Version"] != "$LATEST"]
        return sorted(versions, key=lambda v: int(v["Version"]))

    def ensure_version(self, package: Package) -> str:
        """The newest published version whose code is the current code; publishes one if none is."""
        name = self.stack.function.name
        latest = self.lam.get_function_configuration(FunctionName=name)
        for v in reversed(self.published_versions()):
            if v["CodeSha256"] == package.code_sha256 and self._same_config(v, latest):
                return v["Version"]
        v = self.lam.publish_version(FunctionName=name, CodeSha256=package.code_sha256)
        self._changed(f"function {name} version {v['Version']}", "published", f"code {package.code_sha256[:12]}")
        return v["Version"]

    @staticmethod
    def _same_config(a: dict, b: dict) -> bool:
        keys = ("Runtime", "Handler", "MemorySize", "Timeout", "Environment")
        return all(a.get(k) == b.get(k) for k in keys)

    def ensure_aliases(self, newest: str) -> None:
        name = self.stack.function.name
        existing_versions = {v["Version"] for v in self.published_versions()}
        for alias in self.stack.aliases:
            try:
                current = self.lam.get_alias(FunctionName=name, Name=alias.name)["FunctionVersion"]
            except ClientError as e:
                if _code(e) != "ResourceNotFoundException":
                    raise
                self.lam.create_alias(FunctionName=name, Name=alias.name, FunctionVersion=newest)
                self._changed(f"alias {alias.name}", "created", f"-> version {newest}")
                self.outcome.versions[alias.name] = newest
                continue
            target = current
            if alias.policy == "newest" and current != newest:
                target = newest
            elif alias.policy == "pinned" and current not in existing_versions:
                # A pinned alias on $LATEST or on a deleted version is drift: pin it to known code.
                target = newest
            if target != current:
                self.lam.update_alias(FunctionName=name, Name=alias.name, FunctionVersion=target)
                self._changed(f"alias {alias.name}", "updated", f"version {current} -> {target}")
            self.outcome.versions[alias.name] = target

    def ensure_permissions(self, api_id: str) -> None:
        name = self.stack.function.name
        region, account = self.target.region_name, self.target.account_id
        arn = source_arn(region, account, api_id, self.stack.api.resource)
        for alias in self.stack.aliases:
            sid = permission_statement_id(api_id, alias.name)
            try:
                policy = json.loads(self.lam.get_policy(FunctionName=name, Qualifier=alias.name)["Policy"])
            except ClientError as e:
                if _code(e) != "ResourceNotFoundException":
                    raise
                policy = {"Statement": []}
            statement = next((s for s in policy["Statement"] if s.get("Sid") == sid), None)
            if statement and _statement_matches(statement, arn):
                continue
            if statement:
                self.lam.remove_permission(FunctionName=name, Qualifier=alias.name, StatementId=sid)
            self.lam.add_permission(
                FunctionName=name,
                Qualifier=alias.name,
                StatementId=sid,
                Action="lambda:InvokeFunction",
                Principal=APIGW_PRINCIPAL,
                SourceArn=arn,
            )
            self._changed(f"permission {name}:{alias.name}", "updated" if statement else "created", arn)

    # -- API Gateway ----------------------------------------------------------------------
    def find_api(self) -> str | None:
        for page in self.apigw.get_paginator("get_rest_apis").paginate():
            for api in page["items"]:
                if api["name"] == self.stack.api.name:
                    return api["id"]
        return None

    def ensure_api(self) -> str:
        spec = self.stack.api
        api_id = self.find_api()
        if api_id is None:
            api_id = self.apigw.create_rest_api(name=spec.name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
            self._changed(f"rest api {spec.name}", "created", api_id)
        resources = {
            r["path"]: r["id"]
            for page in self.apigw.get_paginator("get_resources").paginate(restApiId=api_id)
            for r in page["items"]
        }
        path = f"/{spec.resource}"
        if path not in resources:
            resources[path] = self.apigw.create_resource(restApiId=api_id, parentId=resources["/"], pathPart=spec.resource)["id"]
            self._changed(f"resource {path}", "created")
        resource_id = resources[path]
        validator_id = self._ensure_validator(api_id)
        uri = integration_uri(self.target.region_name, self.target.account_id, self.stack.function.name)
        for m in spec.methods:
            self._ensure_method(api_id, resource_id, m, validator_id if m.required_query else None, uri)
        return api_id

    def _ensure_validator(self, api_id: str) -> str:
        name = self.stack.api.validator_name
        for v in self.apigw.get_request_validators(restApiId=api_id).get("items", []):
            if v["name"] == name:
                if not v.get("validateRequestParameters"):
                    self.apigw.update_request_validator(
                        restApiId=api_id,
                        requestValidatorId=v["id"],
                        patchOperations=[{"op": "replace", "path": "/validateRequestParameters", "value": "true"}],
                    )
                    self._changed(f"validator {name}", "updated", "validateRequestParameters")
                return v["id"]
        v = self.apigw.create_request_validator(
            restApiId=api_id, name=name, validateRequestParameters=True, validateRequestBody=False
        )
        self._changed(f"validator {name}", "created")
        return v["id"]

    def _ensure_method(self, api_id: str, resource_id: str, m, validator_id: str | None, uri: str) -> None:
        label = f"method {m.http_method} /{self.stack.api.resource}"
        try:
            current = self.apigw.get_method(restApiId=api_id, resourceId=resource_id, httpMethod=m.http_method)
        except ClientError as e:
            if _code(e) != "NotFoundException":
                raise
            current = None
        method_ok = (
            current is not None
            and current.get("authorizationType") == "NONE"
            and (current.get("requestParameters") or {}) == m.request_parameters
            and current.get("requestValidatorId") == validator_id
        )
        if not method_ok:
            if current is not None:
                self.apigw.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod=m.http_method)
            kwargs = {"requestParameters": m.request_parameters} if m.request_parameters else {}
            if validator_id:
                kwargs["requestValidatorId"] = validator_id
            self.apigw.put_method(
                restApiId=api_id, resourceId=resource_id, httpMethod=m.http_method, authorizationType="NONE", **kwargs
            )
            self._changed(label, "updated" if current else "created")
            current = None
        integration = (current or {}).get("methodIntegration") or {}
        if integration.get("type") != "AWS_PROXY" or integration.get("uri") != uri or integration.get("httpMethod") != "POST":
            self.apigw.put_integration(
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod=m.http_method,
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=uri,
            )
            self._changed(f"{label} integration", "updated" if integration else "created", "AWS_PROXY")

    def api_fingerprint(self, api_id: str) -> str:
        """A hash of what a deployment freezes, to tell whether stages serve the current API."""
        spec = []
        for page in self.apigw.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"]):
            for r in sorted(page["items"], key=lambda r: r["path"]):
                for verb, method in sorted((r.get("resourceMethods") or {}).items()):
                    integ = method.get("methodIntegration") or {}
                    spec.append(
                        [r["path"], verb, method.get("requestParameters"), method.get("requestValidatorId"),
                         integ.get("type"), integ.get("uri")]
                    )
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def ensure_stages(self, api_id: str) -> None:
        fingerprint = self.api_fingerprint(api_id)
        description = f"webhookstack api {fingerprint}"
        deployments = {
            d["id"]: d.get("description", "")
            for page in self.apigw.get_paginator("get_deployments").paginate(restApiId=api_id)
            for d in page["items"]
        }
        current_deployment = next((i for i, d in deployments.items() if d == description), None)
        for stage in self.stack.stages:
            try:
                st = self.apigw.get_stage(restApiId=api_id, stageName=stage.name)
            except ClientError as e:
                if _code(e) != "NotFoundException":
                    raise
                st = None
            if current_deployment is None:
                current_deployment = self.apigw.create_deployment(restApiId=api_id, description=description)["id"]
                self._changed(f"deployment {current_deployment}", "created", description)
            if st is None:
                self.apigw.create_stage(
                    restApiId=api_id, stageName=stage.name, deploymentId=current_deployment, variables=stage.variables
                )
                self._changed(f"stage {stage.name}", "created", f"{STAGE_VARIABLE}={stage.alias}")
                continue
            ops = []
            if st.get("deploymentId") != current_deployment:
                ops.append({"op": "replace", "path": "/deploymentId", "value": current_deployment})
            variables = st.get("variables") or {}
            for key, value in stage.variables.items():
                if variables.get(key) != value:
                    ops.append({"op": "replace", "path": f"/variables/{key}", "value": value})
            if ops:
                self.apigw.update_stage(restApiId=api_id, stageName=stage.name, patchOperations=ops)
                self._changed(f"stage {stage.name}", "updated", ", ".join(o["path"] for o in ops))

    def ensure_domain(self, api_id: str) -> None:
        d = self.stack.domain
        if not self.target.is_local and not d.certificate_arn:
            self._changed(f"domain {d.name}", "skipped", "real AWS needs certificate_arn in the description")
            return
        try:
            self.apigw.get_domain_name(domainName=d.name)
        except ClientError as e:
            if _code(e) != "NotFoundException":
                raise
            kwargs = {"regionalCertificateArn": d.certificate_arn} if d.certificate_arn else {}
            self.apigw.create_domain_name(domainName=d.name, endpointConfiguration={"types": ["REGIONAL"]}, **kwargs)
            self._changed(f"domain {d.name}", "created")
        mappings = {
            m.get("basePath", "(none)"): m
            for m in self.apigw.get_base_path_mappings(domainName=d.name).get("items", [])
        }
        for base_path, stage in d.base_paths:
            m = mappings.get(base_path)
            if m and m.get("restApiId") == api_id and m.get("stage") == stage:
                continue
            if m:
                self.apigw.delete_base_path_mapping(domainName=d.name, basePath=base_path)
            self.apigw.create_base_path_mapping(domainName=d.name, basePath=base_path, restApiId=api_id, stage=stage)
            self._changed(f"domain {d.name}/{base_path}", "updated" if m else "created", f"-> {stage}")


def _statement_matches(statement: dict, arn: str) -> bool:
    principal = statement.get("Principal")
    principal = principal.get("Service") if isinstance(principal, dict) else principal
    condition_arn = (statement.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn")
    return principal == APIGW_PRINCIPAL and condition_arn == arn and statement.get("Action") == "lambda:InvokeFunction"


def provision(stack: Stack, target: Target, on_change: Callable[[Change], None] = lambda c: None) -> Outcome:
    return Provisioner(stack, target, on_change).run()
