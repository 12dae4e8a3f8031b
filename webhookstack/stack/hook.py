"""Provisioning as LocalStack's ready.d hook runs it, inside the LocalStack process.

Failures propagate: LocalStack then marks the hook ERROR, which fails `webhookstack up`
and the compose healthcheck; the reason is printed to LocalStack's log.
"""

from __future__ import annotations

import time
import traceback

from webhookstack.stack.model import DEFAULT_STACK
from webhookstack.stack.provision import provision
from webhookstack.stack.session import Target


def provision_from_hook() -> None:
    from localstack import config  # only importable inside LocalStack, which is where this runs

    endpoint = f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}"
    t0 = time.monotonic()
    print(f"[webhookstack] provisioning {endpoint}", flush=True)
    try:
        outcome = provision(DEFAULT_STACK, Target(endpoint_url=endpoint, region="us-east-1"),
                            on_change=lambda c: print(f"[webhookstack]   {c}", flush=True))
    except Exception as e:
        print(f"[webhookstack] PROVISIONING FAILED: {type(e).__name__}: {e}", flush=True)
        traceback.print_exc()
        raise
    print(
        f"[webhookstack] provisioned api {outcome.api_id} in {time.monotonic() - t0:.2f}s, "
        f"{len(outcome.changes)} change(s), aliases {outcome.versions}",
        flush=True,
    )
