"""The start.d fixes: guard, apply-once, lazy import hook, base-path selection, routing."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid

import pytest
from werkzeug.exceptions import NotFound

from webhookstack.localstack_plugins.fixes import custom_domains as cd
from webhookstack.localstack_plugins.fixes.guard import (
    Expectation,
    FixError,
    GuardedPatch,
    rewrite_function,
    source_fingerprint,
)
from webhookstack.localstack_plugins.fixes.lazy import PostImportHooks
from webhookstack.localstack_plugins.fixes.request_parameters import (
    MAPPING_PATCHES,
    VALIDATOR,
    get_missing_required_parameters,
)

TARGET_SOURCE = '''
class Handler:
    @staticmethod
    def split(name):
        kind, value = name.split(".")
        return kind, value
'''


@pytest.fixture
def make_module(tmp_path, monkeypatch):
    """Writes a module file and returns its (unique) name; removed from sys.modules afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []

    def make(source: str) -> str:
        name = f"fixtarget_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        created.append(name)
        importlib.invalidate_caches()
        return name

    yield make
    for name in created:
        sys.modules.pop(name, None)


@pytest.fixture
def hooks():
    h = PostImportHooks()
    h.install()
    yield h
    h.uninstall()


def split_patch(module_name: str, sha256: str) -> GuardedPatch:
    return GuardedPatch(
        name="split-once",
        expectation=Expectation(module_name, "Handler.split", sha256),
        build=lambda original: rewrite_function(original, [('.split(".")', '.split(".", 1)', 1)]),
    )


def fingerprint_of(module_name: str) -> str:
    module = importlib.import_module(module_name)
    return source_fingerprint(module.Handler.split, "test")


# -- the guard --------------------------------------------------------------------------------
def test_patch_applies_once_and_undoes(make_module):
    # GIVEN the target as the fix expects it
    name = make_module(TARGET_SOURCE)
    patch = split_patch(name, fingerprint_of(name))
    module = sys.modules[name]
    with pytest.raises(ValueError):
        module.Handler.split("querystring.hub.challenge")

    # WHEN applied twice THEN only the first one changes anything, and the bug is gone
    assert patch.apply() is True
    assert patch.apply() is False
    assert patch.is_applied()
    assert module.Handler.split("querystring.hub.challenge") == ("querystring", "hub.challenge")
    assert isinstance(module.Handler.__dict__["split"], staticmethod)

    # AND undo puts the original back
    assert patch.undo() is True
    assert not patch.is_applied()
    with pytest.raises(ValueError):
        module.Handler.split("querystring.hub.challenge")


def test_guard_refuses_a_changed_target_naming_it(make_module):
    name = make_module(TARGET_SOURCE.replace('name.split(".")', 'name.split(".", 1)'))
    importlib.import_module(name)
    patch = split_patch(name, fingerprint_of(make_module(TARGET_SOURCE)))
    with pytest.raises(FixError, match=rf"{name}\.Handler\.split is not the code .*sha256"):
        patch.apply()
    assert not patch.is_applied()


def test_guard_refuses_a_missing_target(make_module):
    name = make_module("class Handler:\n    pass\n")
    importlib.import_module(name)
    with pytest.raises(FixError, match="'split' no longer exists"):
        split_patch(name, "0" * 64).apply()


def test_rewrite_refuses_when_the_edit_does_not_match_exactly():
    def f(name):
        return name.split(".")[0] + name.split(".")[1]

    with pytest.raises(FixError, match="expected 1 occurrence"):
        rewrite_function(f, [('.split(".")', '.split(".", 1)', 1)])


# -- the lazy import hook ---------------------------------------------------------------------
def test_hook_applies_the_fix_when_the_module_is_first_imported(make_module, hooks):
    name = make_module(TARGET_SOURCE)
    sha = fingerprint_of(name)
    sys.modules.pop(name)
    patch = split_patch(name, sha)

    hooks.when_imported(name, patch.apply)
    assert name not in sys.modules  # registering imports nothing

    module = importlib.import_module(name)
    assert patch.is_applied(module)
    assert module.Handler.split("header.X.Y") == ("header", "X.Y")
    assert module.__loader__.__class__.__name__ != "_CallbackLoader"  # looks untouched


def test_hook_applies_at_once_if_the_module_is_already_imported(make_module, hooks):
    name = make_module(TARGET_SOURCE)
    patch = split_patch(name, fingerprint_of(name))
    hooks.when_imported(name, patch.apply)
    assert patch.is_applied()


def test_hook_errors_make_the_import_fail(make_module, hooks):
    name = make_module(TARGET_SOURCE)
    sys.modules.pop(importlib.import_module(name).__name__)
    hooks.when_imported(name, split_patch(name, "0" * 64).apply)

    with pytest.raises(FixError, match="is not the code"):
        importlib.import_module(name)
    assert name not in sys.modules


def test_unwatched_modules_are_left_to_the_normal_finders(hooks):
    assert hooks.find_spec("json", None) is None


# -- fix 1 ------------------------------------------------------------------------------------
METHOD = {
    "requestParameters": {
        "method.request.querystring.hub.challenge": True,
        "method.request.querystring.hub.mode": False,
        "method.request.header.X-Hub.Signature": True,
    }
}


@pytest.mark.parametrize(
    "query,headers,missing",
    [
        ({}, {}, ["X-Hub.Signature", "hub.challenge"]),
        ({"hub.challenge": "abc"}, {"X-Hub.Signature": "s"}, []),
        ({"hub.challenge": ""}, {"X-Hub.Signature": "s"}, ["hub.challenge"]),
        ({"hub.challenge": "  "}, {"X-Hub.Signature": "s"}, ["hub.challenge"]),
        ({"hub.challenge": "abc"}, {"x-hub.signature": "s"}, ["X-Hub.Signature"]),
    ],
)
def test_required_parameters_with_dots_present_and_not_blank(query, headers, missing):
    request = {"query_string_parameters": query, "headers": headers, "path_parameters": {}}
    assert get_missing_required_parameters(METHOD, request) == missing


def test_localstack_targets_are_the_ones_the_fixes_were_written_for():
    # Imports LocalStack's API Gateway data plane (~3 s): the fingerprints hold for the installed
    # localstack-core, and each patch applies and undoes cleanly.
    from webhookstack.localstack_plugins.fixes.failed_function_delete import TOLERANT_STOP
    from webhookstack.localstack_plugins.fixes.lambda_permissions import ENFORCE

    for patch in [VALIDATOR, *MAPPING_PATCHES, ENFORCE, TOLERANT_STOP]:
        module = importlib.import_module(patch.expectation.module)
        already = patch.is_applied(module)
        if not already:
            assert patch.apply(module)
            assert patch.undo(module)
    cd.check_expectations()


def test_mapping_fix_reads_dotted_query_parameters():
    from localstack.services.apigateway.next_gen.execute_api.parameters_mapping import ParametersMapper
    from werkzeug.datastructures import Headers

    applied = [p for p in MAPPING_PATCHES if p.apply()]
    try:
        mapping = ParametersMapper().map_integration_request(
            {"integration.request.querystring.hub.challenge": "method.request.querystring.hub.challenge"},
            {
                "headers": Headers(),
                "multi_value_query_string_parameters": {"hub.challenge": ["c1"]},
                "query_string_parameters": {"hub.challenge": "c1"},
                "path_parameters": {},
                "body": b"",
            },
            {},
            {},
        )
    finally:
        for p in applied:
            p.undo()
    assert mapping["querystring"] == {"hub.challenge": "c1"}


# -- fix 2: base path selection (pure) ---------------------------------------------------------
@pytest.mark.parametrize(
    "base_paths,path,expected",
    [
        (["dev", "prod"], "/dev/webhooks", ("dev", "/webhooks")),
        (["dev", "prod"], "/prod/webhooks", ("prod", "/webhooks")),
        (["dev", "prod"], "/dev", ("dev", "")),
        (["dev", "prod"], "/dev/", ("dev", "/")),
        (["dev", "prod"], "/devx/webhooks", None),
        (["dev", "prod"], "/other", None),
        (["v1", "v1/hooks"], "/v1/hooks/webhooks", ("v1/hooks", "/webhooks")),
        (["v1/hooks", "v1"], "/v1/hooksx", ("v1", "/hooksx")),
        (["(none)", "dev"], "/dev/webhooks", ("dev", "/webhooks")),
        (["(none)", "dev"], "/webhooks", ("(none)", "/webhooks")),
        (["(none)"], "/", ("(none)", "/")),
        ([""], "/webhooks", ("", "/webhooks")),
        ([], "/webhooks", None),
    ],
)
def test_longest_base_path_wins(base_paths, path, expected):
    assert cd.select_base_path(base_paths, path) == expected


@pytest.mark.parametrize(
    "host,bare",
    [
        ("webhooks.localhost:4566", "webhooks.localhost"),
        ("Webhooks.LocalHost", "webhooks.localhost"),
        ("[::1]:4566", "[::1]"),
    ],
)
def test_strip_port(host, bare):
    assert cd.strip_port(host) == bare


# -- fix 2: routing leaves every other host alone ---------------------------------------------
def localstack_like_router():
    from localstack.http import Router
    from localstack.http.dispatcher import handler_dispatcher
    from localstack.http.router import GreedyPathConverter

    router = Router(dispatcher=handler_dispatcher(), converters={"greedy_path": GreedyPathConverter})
    router.add("/_localstack/health", endpoint="health")
    router.add("/<regex('[0-9]{12}'):account_id>/<queue>", endpoint="sqs-legacy")
    router.add("/shell/<regex('.*'):rest>", endpoint="shell")
    execute_api = "<regex('.+?'):api_id>.execute-api.<regex('.*'):server>"
    router.add("/<stage>/<greedy_path:path>", host=execute_api, endpoint="execute-api")
    router.add("/_aws/execute-api/<api_id>/<stage>/<greedy_path:path>", endpoint="execute-api-path")
    return router


def match(router, host: str, path: str, method: str = "GET"):
    adapter = router.url_map.bind(server_name=host)
    try:
        endpoint, args = adapter.match(path, method=method)
    except NotFound:
        return None
    return "custom-domain" if isinstance(endpoint, cd.CustomDomainEndpoint) else endpoint, args


CASES = [
    ("localhost:4566", "/"),
    ("localhost:4566", "/_localstack/health"),
    ("127.0.0.1:4566", "/000000000000/queue"),
    ("localhost:4566", "/shell/x/y"),
    ("abc.execute-api.localhost.localstack.cloud:4566", "/dev/webhooks"),
    ("localhost:4566", "/_aws/execute-api/abc/dev/webhooks"),
    ("s3.localhost.localstack.cloud:4566", "/bucket/key"),
    ("localhost:4566", "/dev/webhooks"),
]


def test_custom_domain_rules_leave_other_hosts_unaffected(monkeypatch):
    domains = {"webhooks.localhost"}
    monkeypatch.setattr(
        cd,
        "find_registered_domain",
        lambda host: cd.RegisteredDomain("0" * 12, "us-east-1", cd.strip_port(host))
        if cd.strip_port(host) in domains
        else None,
    )
    router = localstack_like_router()
    before = [match(router, h, p) for h, p in CASES]

    assert cd.install_routes(router) is True
    assert cd.install_routes(router) is False  # once
    assert [match(router, h, p) for h, p in CASES] == before

    # a registered domain (any port) reaches the custom-domain endpoint
    assert match(router, "webhooks.localhost:4566", "/dev/webhooks")[0] == "custom-domain"
    assert match(router, "webhooks.localhost", "/")[0] == "custom-domain"
    assert match(router, "webhooks.localhost:4566", "/v1/a/b", method="POST")[0] == "custom-domain"

    assert cd.uninstall_routes(router) == 2
    assert [match(router, h, p) for h, p in CASES] == before


def test_no_domain_exists_before_localstack_imports_its_api_gateway_models(monkeypatch):
    monkeypatch.delitem(sys.modules, cd.MODELS_MODULE, raising=False)
    assert cd.find_registered_domain("webhooks.localhost:4566") is None
    assert cd.MODELS_MODULE not in sys.modules
