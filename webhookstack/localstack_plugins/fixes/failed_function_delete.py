"""Fix 4: a function whose creation failed can be deleted.

LocalStack 4.14.0 keeps no version manager for a version that failed to start (for example an
unsupported runtime), and `LambdaService.stop_version` then raises, so `DeleteFunction`
answers 500 and the name stays taken until LocalStack restarts. On AWS a Failed function
deletes like any other. There is nothing running to stop, so the replacement says so at
debug level and lets the deletion go on.
"""

from __future__ import annotations

import logging
from typing import Any

from .guard import Expectation, GuardedPatch

LOG = logging.getLogger(__name__)

LAMBDA_SERVICE = "localstack.services.lambda_.invocation.lambda_service"
MISSING = "Unable to find version manager"


def _build_tolerant_stop(original: Any):
    def stop_version(self, qualified_arn: str) -> None:
        try:
            original(self, qualified_arn)
        except ValueError as e:
            if not str(e).startswith(MISSING):
                raise
            LOG.debug("version %s never started (its creation failed): nothing to stop", qualified_arn)

    return stop_version


TOLERANT_STOP = GuardedPatch(
    name="delete-failed-function",
    expectation=Expectation(
        LAMBDA_SERVICE,
        "LambdaService.stop_version",
        "e146981b06e0dde7a9f9076898a6a97166a9893e8c999980acec697e6a725f2a",
    ),
    build=_build_tolerant_stop,
    why="DeleteFunction on a function whose version failed to start",
)

PATCHES = {LAMBDA_SERVICE: [TOLERANT_STOP]}
