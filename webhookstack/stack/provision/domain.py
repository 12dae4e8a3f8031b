"""The custom domain name and its base path mappings."""

from __future__ import annotations

from botocore.exceptions import ClientError

from webhookstack.stack.provision.base import Steps, error_code


class DomainSteps(Steps):
    def ensure_domain(self, api_id: str) -> None:
        d = self.stack.domain
        if not self.target.is_local and not d.certificate_arn:
            self._changed(f"domain {d.name}", "skipped", "real AWS needs certificate_arn in the description")
            return
        try:
            self.apigw.get_domain_name(domainName=d.name)
        except ClientError as e:
            if error_code(e) != "NotFoundException":
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
