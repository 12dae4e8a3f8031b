"""The function, its published versions, the aliases and one invoke permission per alias."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from webhookstack.stack.package import Package
from webhookstack.stack.permissions import APIGW_PRINCIPAL
from webhookstack.stack.polling import wait_until
from webhookstack.stack.provision.base import Steps, error_code



def permission_statement_id(api_id: str, alias: str) -> str:
    return f"apigateway-{api_id}-{alias}"


def source_arn(region: str, account: str, api_id: str, resource: str) -> str:
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/*/*/{resource}"


def is_our_statement(statement: dict, arn: str) -> bool:
    """Exactly the statement provisioning writes (the doctor asks the looser "does it grant?")."""
    principal = statement.get("Principal")
    principal = principal.get("Service") if isinstance(principal, dict) else principal
    condition_arn = (statement.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn")
    return principal == APIGW_PRINCIPAL and condition_arn == arn and statement.get("Action") == "lambda:InvokeFunction"


class FunctionSteps(Steps):
    def _create_function(self, role_arn: str, package: Package, wanted: dict) -> None:
        f = self.stack.function

        def create():
            try:
                self.lam.create_function(
                    FunctionName=f.name, Role=role_arn, Code={"ZipFile": package.zip_bytes}, Publish=False, **wanted
                )
                return True
            except ClientError as e:
                # On AWS a role created moments ago is not yet assumable (IAM is eventually
                # consistent, typically ~10 s): that is worth waiting for, nothing else is.
                if error_code(e) == "InvalidParameterValueException" and "cannot be assumed" in str(e):
                    return False
                raise

        wait_until(create, f"role {f.role_name} to become assumable by Lambda", timeout=90, first=1, most=3)

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
            if error_code(e) != "ResourceNotFoundException":
                raise
            self._create_function(role_arn, package, wanted)
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
                if error_code(e) != "ResourceNotFoundException":
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
                if error_code(e) != "ResourceNotFoundException":
                    raise
                policy = {"Statement": []}
            statement = next((s for s in policy["Statement"] if s.get("Sid") == sid), None)
            if statement and is_our_statement(statement, arn):
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
