"""The URLs a client uses to reach a stage, on LocalStack."""

from __future__ import annotations


def stage_url(endpoint: str, api_id: str, stage: str, resource: str = "webhooks") -> str:
    # The path-style form needs no DNS: it works offline and inside CI.
    return f"{endpoint}/_aws/execute-api/{api_id}/{stage}/{resource}"


def custom_domain_url(endpoint: str, domain: str, base_path: str, resource: str = "webhooks") -> str:
    """URL on the custom domain; *.localhost resolves to loopback in curl and browsers."""
    port = endpoint.rsplit(":", 1)[-1].strip("/")
    return f"http://{domain}:{port}/{base_path}/{resource}"


def stage_base_url(target, api_id: str, stage: str) -> str:
    """The stage's root URL (no resource), locally or on AWS."""
    if target.is_local:
        return f"{target.endpoint_url}/_aws/execute-api/{api_id}/{stage}"
    return f"https://{api_id}.execute-api.{target.region_name}.amazonaws.com/{stage}"
