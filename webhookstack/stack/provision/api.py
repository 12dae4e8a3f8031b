"""The REST API: resource, methods with AWS_PROXY integrations, the validator, deployment, stages."""

from __future__ import annotations

import hashlib
import json

from botocore.exceptions import ClientError

from webhookstack.stack.inspect import find_api_id
from webhookstack.stack.model import STAGE_VARIABLE
from webhookstack.stack.provision.base import Steps, error_code


def integration_uri(region: str, account: str, function: str) -> str:
    fn_arn = f"arn:aws:lambda:{region}:{account}:function:{function}:${{stageVariables.{STAGE_VARIABLE}}}"
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"


class ApiSteps(Steps):
    def ensure_api(self) -> str:
        spec = self.stack.api
        api_id = find_api_id(self.stack, self.target)
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
            if error_code(e) != "NotFoundException":
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
                if error_code(e) != "NotFoundException":
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
