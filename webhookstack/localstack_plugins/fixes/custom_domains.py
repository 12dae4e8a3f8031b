"""Fix 2: route custom domain names through their base path mappings, as AWS does.

LocalStack 4.14.0 (free) stores `CreateDomainName` / `CreateBasePathMapping` but never routes
them. Here a request whose Host is a registered domain name (any port) is served by the mapped
API's mapped stage:

- the longest base path that matches whole path segments wins; `(none)` maps everything else;
  an unknown base path on a known domain answers 403 `{"message":"Forbidden"}` like AWS;
- the base path is stripped for resource matching (`/dev/webhooks` -> resource `/webhooks`),
  while `$context.path` and the Lambda proxy event's `path` keep it (`/dev/webhooks`);
- `$context.domainName` is the bare custom domain, `$context.domainPrefix` its first label.

How: two rules on LocalStack's edge ROUTER whose host part uses a converter that accepts only
registered domains. The converter weighs more than any other host pattern, so werkzeug tries it
last: requests for any other host match exactly what they matched before (werkzeug does not
backtrack after a converter rejects, so being last is what keeps them unaffected). The endpoint
hands the request to LocalStack's own `ApiGatewayEndpoint` with its own `RestApiGateway`, which
has one extra handler right after `parse_request` that sets the custom-domain context
variables; the parse handler strips `/<stage>` from the path we hand it. No LocalStack function
is replaced; the functions relied on are fingerprinted (EXPECTATIONS) and checked when LocalStack
imports its API Gateway router.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import BaseConverter, Map, ValidationError

from .guard import Expectation, FixError

LOG = logging.getLogger(__name__)

EXECUTE_API = "localstack.services.apigateway.next_gen.execute_api"
ROUTER_MODULE = f"{EXECUTE_API}.router"
MODELS_MODULE = "localstack.services.apigateway.models"
CONVERTER_NAME = "webhookstack_apigw_custom_domain"
NO_BASE_PATH = "(none)"
HOST_PATTERN = f"<{CONVERTER_NAME}:domain>"
CONTEXT_KEY = "webhookstack_custom_domain"

#: LocalStack code this fix relies on (behaviour described next to each), as in 4.14.0.
EXPECTATIONS = [
    # strips `/{context.stage}` (first occurrence) from RAW_URI to get the resource path
    Expectation(
        f"{EXECUTE_API}.handlers.parse",
        "InvocationRequestParser._enrich_with_raw_path",
        "d7b7cc212383fa72bb1fe5ef800a630d8379d89228d663c97be3f2675821c89f",
    ),
    # sets domainName/domainPrefix from the Host header and path to `/{stage}{raw_path}`
    Expectation(
        f"{EXECUTE_API}.handlers.parse",
        "InvocationRequestParser.create_context_variables",
        "71e25535babd0aaaa5ece5b8a491a355958d2a4db0ef1c8c37339d0401e48892",
    ),
    Expectation(
        ROUTER_MODULE,
        "ApiGatewayEndpoint.__init__",
        "b3adb268134cca2bfd7cf73aeb0dda568bc3117dd611cbc09531427de8d2a8ce",
    ),
    Expectation(
        ROUTER_MODULE,
        "ApiGatewayEndpoint.prepare_rest_api_invocation",
        "a6bffaeeb2ff53ef6a8c6d6a63ad9a10df267aa40deef902bbf0413e401101ab",
    ),
    Expectation(
        ROUTER_MODULE,
        "ApiGatewayEndpoint.is_rest_api",
        "33c843236a76a2555a0403065e4ae0f1ec23218d323c697fb9576cee3dde6ecb",
    ),
    # parse_request is the first request handler; process_with_context runs a new chain
    Expectation(
        f"{EXECUTE_API}.gateway",
        "RestApiGateway.__init__",
        "a23bf1c410ac655ccc04ef7c8d3455429e2711d2a8c5f89aea36b25ca250e8ec",
    ),
    Expectation(
        f"{EXECUTE_API}.gateway",
        "RestApiGateway.process_with_context",
        "905df279ba20e9b8766982bfe0d62338a9d24ceee2040aa8ed2df781727ed624",
    ),
    # the proxy event's `path` is `$context.path` when `context.base_path` is set
    Expectation(
        f"{EXECUTE_API}.integrations.aws",
        "RestApiAwsProxyIntegration.create_lambda_input_event",
        "ad97c09082728035bfda4f16412c84a4b514befae031e42a7c6bf994d53b1930",
    ),
]


def check_expectations(_module: Any = None) -> None:
    """Raises FixError unless the API Gateway code this fix relies on is the 4.14.0 code."""
    for expectation in EXPECTATIONS:
        expectation.check(importlib.import_module(expectation.module))


# -- pure helpers ------------------------------------------------------------------------------
def strip_port(host: str) -> str:
    """`webhooks.localhost:4566` -> `webhooks.localhost` (IPv6 literals keep their colons)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    name, sep, port = host.rpartition(":")
    return name if sep and port.isdigit() else host


def select_base_path(base_paths: Iterable[str], path: str) -> tuple[str, str] | None:
    """The mapping that serves `path` and the path left for resource matching.

    Base paths match whole segments (`dev` matches `/dev` and `/dev/x`, not `/devx`); the longest
    wins; `(none)` (or empty) matches what no other does and strips nothing. Returns
    (base path as stored, rest) with rest empty or starting with `/`, or None: no mapping.
    """
    relative = path.lstrip("/")
    best: str | None = None
    catch_all: str | None = None
    for base_path in base_paths:
        normalised = (base_path or "").strip("/")
        if not normalised or normalised == NO_BASE_PATH:
            catch_all = base_path
            continue
        if relative == normalised or relative.startswith(normalised + "/"):
            if best is None or len(normalised) > len(best.strip("/")):
                best = base_path
    if best is not None:
        return best, relative[len(best.strip("/")) :]
    if catch_all is not None:
        return catch_all, "/" + relative
    return None


@dataclass(frozen=True)
class RegisteredDomain:
    account_id: str
    region: str
    name: str  # as registered (the key in the store)


def find_registered_domain(host: str) -> RegisteredDomain | None:
    """The registered custom domain for a Host header value, without importing anything.

    If LocalStack has not imported its API Gateway models, no domain can exist yet.
    """
    models = sys.modules.get(MODELS_MODULE)
    stores = getattr(models, "apigateway_stores", None)
    if not stores:
        return None
    wanted = strip_port(host)
    for account_id, regions in list(stores.items()):
        for region, store in list(regions.items()):
            for name in list(store.domain_names):
                if name.lower() == wanted:
                    return RegisteredDomain(account_id, region, name)
    return None


class CustomDomainConverter(BaseConverter):
    """Host converter: accepts only registered custom domain names.

    Its weight puts it after every other host pattern of the router (werkzeug tries lighter
    dynamic parts first and does not backtrack once a converter rejects the chosen rule).
    """

    regex = "[^/]+"
    weight = 100_000
    part_isolating = True

    def to_python(self, value: str) -> RegisteredDomain:
        domain = find_registered_domain(value)
        if domain is None:
            raise ValidationError()
        return domain

    def to_url(self, value: Any) -> str:
        return value.name if isinstance(value, RegisteredDomain) else str(value)


# -- the endpoint ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomDomainInvocation:
    domain_name: str
    path: str  # the raw request path, base path included


def forbidden_response():
    from localstack.http import Response

    return Response(
        response='{"message":"Forbidden"}',
        status=403,
        headers={"Content-Type": "application/json", "x-amzn-ErrorType": "ForbiddenException"},
    )


def set_custom_domain_context(chain: Any, context: Any, response: Any) -> None:
    """Request handler run right after LocalStack's parse_request in our gateway."""
    invocation: CustomDomainInvocation | None = context.get(CONTEXT_KEY)
    if invocation is None or context.context_variables is None:
        return
    variables = context.context_variables
    variables["domainName"] = invocation.domain_name
    variables["domainPrefix"] = invocation.domain_name.split(".")[0]
    variables["path"] = invocation.path


class CustomDomainEndpoint:
    """Serves requests for registered custom domains through LocalStack's API Gateway."""

    def __init__(self) -> None:
        self._api_endpoint: Any = None

    def api_endpoint(self) -> Any:
        if self._api_endpoint is None:
            self._api_endpoint = build_api_endpoint()
        return self._api_endpoint

    def __call__(self, request: Any, domain: RegisteredDomain, **_route_args: Any):
        from rolo.request import get_raw_path

        from localstack.services.apigateway.models import apigateway_stores

        raw_path = get_raw_path(request) or "/"
        store = apigateway_stores[domain.account_id][domain.region]
        mappings = list(store.base_path_mappings.get(domain.name) or [])
        selected = select_base_path([m.get("basePath") or NO_BASE_PATH for m in mappings], raw_path)
        if selected is None:
            LOG.info("custom domain %s: no base path mapping for %s", domain.name, raw_path)
            return forbidden_response()
        base_path, rest = selected
        mapping = next(m for m in mappings if (m.get("basePath") or NO_BASE_PATH) == base_path)
        api_id = (mapping.get("restApiId") or "").lower()
        stage = mapping.get("stage")
        if not stage or stage == NO_BASE_PATH:
            # a mapping without a stage: the caller names it after the base path
            stage, _, remainder = rest.lstrip("/").partition("/")
            rest = f"/{remainder}" if remainder or rest.endswith("/") else ""

        endpoint = self.api_endpoint()
        if not stage or not endpoint.is_rest_api(api_id, stage):
            LOG.info("custom domain %s: %s/%s is not deployed", domain.name, api_id, stage)
            return forbidden_response()

        context, response = endpoint.prepare_rest_api_invocation(request, api_id, stage)
        context.base_path = base_path
        setattr(context, CONTEXT_KEY, CustomDomainInvocation(domain.name, raw_path))

        # LocalStack's parse handler takes the path from RAW_URI and strips `/{stage}` from it.
        environ = request.environ
        missing = object()
        previous = environ.get("RAW_URI", missing)
        query = environ.get("QUERY_STRING")
        environ["RAW_URI"] = f"/{stage}{rest}" + (f"?{query}" if query else "")
        try:
            endpoint.rest_gateway.process_with_context(context, response)
        finally:
            if previous is missing:
                environ.pop("RAW_URI", None)
            else:
                environ["RAW_URI"] = previous
        return response


def build_api_endpoint() -> Any:
    """LocalStack's ApiGatewayEndpoint with a gateway that sets the custom-domain context."""
    check_expectations()
    from localstack.services.apigateway.models import apigateway_stores
    from localstack.services.apigateway.next_gen.execute_api import handlers
    from localstack.services.apigateway.next_gen.execute_api.gateway import RestApiGateway
    from localstack.services.apigateway.next_gen.execute_api.router import ApiGatewayEndpoint

    gateway = RestApiGateway()
    if not gateway.request_handlers or gateway.request_handlers[0] is not handlers.parse_request:
        raise FixError(
            f"{EXECUTE_API}.gateway.RestApiGateway: parse_request is no longer the first request "
            f"handler ({gateway.request_handlers!r}); the custom-domain fix must be revised"
        )
    gateway.request_handlers.insert(1, set_custom_domain_context)
    return ApiGatewayEndpoint(rest_gateway=gateway, store=apigateway_stores)


# -- installation ------------------------------------------------------------------------------
def installed_rules(url_map: Map) -> list[Any]:
    return [r for r in url_map.iter_rules() if isinstance(r.endpoint, CustomDomainEndpoint)]


def install_routes(router: Any) -> bool:
    """Adds the custom-domain rules to `router` (LocalStack's edge ROUTER); False if present."""
    if installed_rules(router.url_map):
        return False
    existing = router.url_map.converters.get(CONVERTER_NAME)
    if existing is not None and existing is not CustomDomainConverter:
        raise FixError(f"router converter {CONVERTER_NAME!r} is taken by {existing!r}")
    if "greedy_path" not in router.url_map.converters:
        raise FixError("LocalStack's ROUTER has no 'greedy_path' converter any more")
    router.url_map.converters[CONVERTER_NAME] = CustomDomainConverter
    endpoint = CustomDomainEndpoint()
    router.add(
        path="/",
        host=HOST_PATTERN,
        endpoint=endpoint,
        defaults={"path": ""},
        strict_slashes=False,
    )
    router.add(
        path="/<greedy_path:path>",
        host=HOST_PATTERN,
        endpoint=endpoint,
        strict_slashes=False,
    )
    return True


def uninstall_routes(router: Any) -> int:
    rules = installed_rules(router.url_map)
    if rules:
        router.remove(rules)
    return len(rules)
