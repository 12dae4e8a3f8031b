"""Fix 1: request parameters whose names contain dots (`hub.challenge`).

LocalStack 4.14.0 splits `method.request.querystring.hub.challenge` on every dot
(`param_type, param_value = ....split(".")`), so once a validator requires such a parameter,
every request on the method answers 500 `too many values to unpack (expected 2)`. AWS splits the
location from the name once, and a required parameter must be present and not blank.

The same split sits in three places of `parameters_mapping.py` (integration request/response
parameter mappings); those are rewritten from their checked source with `split(".", 1)`.
"""

from __future__ import annotations

import logging
from typing import Any

from .guard import Expectation, GuardedPatch, rewrite_function

LOG = logging.getLogger(__name__)

EXECUTE_API = "localstack.services.apigateway.next_gen.execute_api"
METHOD_REQUEST = f"{EXECUTE_API}.handlers.method_request"
PARAMETERS_MAPPING = f"{EXECUTE_API}.parameters_mapping"


def get_missing_required_parameters(method: dict, request: dict) -> list[str]:
    """The names of required request parameters that are absent or blank, as AWS reports them.

    Same contract as `MethodRequestHandler._get_missing_required_parameters`: header names are
    compared case-sensitively (as LocalStack, AWS-validated, does); the query string uses the
    last value of a repeated key (the one `queryStringParameters` carries).
    """
    missing: list[str] = []
    if not (request_parameters := method.get("requestParameters")):
        return missing

    headers = request.get("headers")
    for request_parameter, required in sorted(request_parameters.items()):
        if not required:
            continue
        location, _, name = request_parameter.removeprefix("method.request.").partition(".")
        match location:
            case "header":
                values = [v for k, v in headers.items() if k == name] if headers else []
                value = values[-1] if values else None
            case "path":
                value = (request.get("path_parameters") or {}).get(name)
            case "querystring":
                value = (request.get("query_string_parameters") or {}).get(name)
            case _:
                LOG.debug("Found an invalid request parameter: %s", request_parameter)
                continue
        if value is None or not str(value).strip():
            missing.append(name)
    return missing


def _build_missing_parameters(_original: Any):
    return get_missing_required_parameters


def _split_once(original: Any):
    return rewrite_function(original, [('.split(".")', '.split(".", 1)', 1)])


VALIDATOR = GuardedPatch(
    name="required-parameters-with-dots",
    expectation=Expectation(
        METHOD_REQUEST,
        "MethodRequestHandler._get_missing_required_parameters",
        "87a9ac54e4bfa4cbd6b181c05805003a9ae2190dba2358a76283b78a88fc2f3a",
    ),
    build=_build_missing_parameters,
    why="validator: split the parameter name once; blank counts as missing",
)

MAPPING_PATCHES = [
    GuardedPatch(
        name="mapping-request-target-with-dots",
        expectation=Expectation(
            PARAMETERS_MAPPING,
            "ParametersMapper.map_integration_request",
            "f4abf0114e140b943778d318cb321435ac54a68fff9b3ff06e03efc82ffcb793",
        ),
        build=_split_once,
        why="integration.request.<location>.<name with dots>",
    ),
    GuardedPatch(
        name="mapping-method-request-source-with-dots",
        expectation=Expectation(
            PARAMETERS_MAPPING,
            "ParametersMapper._retrieve_parameter_from_invocation_request",
            "5e7c0d1d4a2b251498d2685d86b073ef09452753aa001fc9392b9a3569156a8a",
        ),
        build=_split_once,
        why="method.request.<location>.<name with dots>",
    ),
    GuardedPatch(
        name="mapping-integration-response-source-with-dots",
        expectation=Expectation(
            PARAMETERS_MAPPING,
            "ParametersMapper._retrieve_parameter_from_integration_response",
            "cb4a0e0088c1be4f6af2b48fc857b4c47902138efaad3566841ebc0507df634a",
        ),
        build=_split_once,
        why="integration.response.<location>.<name with dots>",
    ),
]

#: module name -> patches to apply right after LocalStack imports it
PATCHES: dict[str, list[GuardedPatch]] = {
    METHOD_REQUEST: [VALIDATOR],
    PARAMETERS_MAPPING: MAPPING_PATCHES,
}
