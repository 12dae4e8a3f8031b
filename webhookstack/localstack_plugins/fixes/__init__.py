"""Fixes for LocalStack 4.14.0, installed from `localstack_init/start.d/`.

`install()` is the one entry point (called by `10_localstack_fixes.py` inside LocalStack's
process, in Docker and on the host alike):

1. `request_parameters`: required request parameters whose names contain dots
   (`method.request.querystring.hub.challenge`) no longer turn every request into a 500;
   a missing or blank one answers AWS's 400. Applied lazily, when LocalStack imports the target.
2. `custom_domains`: custom domain names with base path mappings are routed like AWS does.
3. `lambda_permissions`: an AWS_PROXY integration invokes a function (alias) only if its resource
   policy allows this API, else 500 as on AWS. Applied lazily too.
4. `failed_function_delete`: a function whose creation failed (e.g. an unsupported runtime) can
   be deleted instead of answering 500 until LocalStack restarts.

Every fix is guarded (see `guard.py`): if LocalStack's code is not the 4.14.0 code it was written
for, the fix raises `FixError` naming the target, instead of skipping. Imports here are the
standard library, werkzeug and LocalStack only.
"""

from __future__ import annotations

import logging
import threading

from . import custom_domains, failed_function_delete, lambda_permissions, request_parameters
from .guard import Expectation, FixError, GuardedPatch
from .lazy import PostImportHooks

__all__ = ["FixError", "Expectation", "GuardedPatch", "PostImportHooks", "install", "uninstall"]

LOG = logging.getLogger(__name__)

#: The process-wide import hook used by install(); tests use their own PostImportHooks.
HOOKS = PostImportHooks()
_lock = threading.Lock()
_installed = False


def _apply_all(patches: list[GuardedPatch]):
    def apply(module) -> None:
        for patch in patches:
            if patch.apply(module):
                LOG.debug("webhookstack fix applied: %s (%s)", patch.name, patch.target)

    apply.__qualname__ = f"apply[{', '.join(p.name for p in patches)}]"
    return apply


def install(router=None, hooks: PostImportHooks | None = None) -> bool:
    """Installs every fix once; False if already installed. Raises FixError on a changed target.

    `router` defaults to LocalStack's edge ROUTER. API Gateway modules are not imported here:
    patches wait for LocalStack to import them (or apply now if it already has).
    """
    global _installed
    with _lock:
        if _installed:
            return False
        hooks = hooks or HOOKS
        hooks.install()
        lazy = (request_parameters.PATCHES, lambda_permissions.PATCHES, failed_function_delete.PATCHES)
        for module_name, patches in (item for table in lazy for item in table.items()):
            hooks.when_imported(module_name, _apply_all(patches))
        hooks.when_imported(custom_domains.ROUTER_MODULE, custom_domains.check_expectations)
        if router is None:
            from localstack.services.edge import ROUTER as router
        custom_domains.install_routes(router)
        _installed = True
        LOG.info("webhookstack: API Gateway fixes installed (watching %s)", ", ".join(hooks.watched()))
        return True


def uninstall(router=None, hooks: PostImportHooks | None = None) -> None:
    """Removes the import hook and the routes (patches already applied stay; see GuardedPatch.undo)."""
    global _installed
    with _lock:
        (hooks or HOOKS).uninstall()
        if router is None:
            from localstack.services.edge import ROUTER as router
        custom_domains.uninstall_routes(router)
        _installed = False
