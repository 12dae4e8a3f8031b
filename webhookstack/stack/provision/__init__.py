"""Make a deployed stack match the description: create what is missing, heal what drifted.

Each step reads the remote state, compares it with the description and changes only what
differs, so a second run changes nothing. Every change is reported as a `Change`; a run
that reports none found the stack as described. Errors propagate: a half-provisioned stack
must fail loudly (the ready.d hook and `webhookstack provision` exit non-zero).

One module per service: `dynamodb`, `iam`, `functions` (function, versions, aliases,
permissions), `api` (REST API, validator, stages), `domain`.
"""

from __future__ import annotations

from collections.abc import Callable

from webhookstack.stack.model import Stack
from webhookstack.stack.package import build_package
from webhookstack.stack.provision.api import ApiSteps, integration_uri
from webhookstack.stack.provision.base import Change, Outcome
from webhookstack.stack.provision.domain import DomainSteps
from webhookstack.stack.provision.dynamodb import TableSteps
from webhookstack.stack.provision.functions import (
    APIGW_PRINCIPAL,
    FunctionSteps,
    is_our_statement,
    permission_statement_id,
    source_arn,
)
from webhookstack.stack.provision.iam import RoleSteps
from webhookstack.stack.session import Target

__all__ = [
    "APIGW_PRINCIPAL", "Change", "Outcome", "Provisioner", "integration_uri", "permission_statement_id",
    "provision", "source_arn", "is_our_statement",
]


class Provisioner(TableSteps, RoleSteps, FunctionSteps, ApiSteps, DomainSteps):
    def run(self) -> Outcome:
        self.ensure_table()
        role_arn = self.ensure_role()
        package = build_package(self.stack.function.code_dir)
        self.ensure_function(role_arn, package)
        newest = self.ensure_version(package)
        self.ensure_aliases(newest)
        api_id = self.ensure_api()
        self.outcome.api_id = api_id
        self.ensure_permissions(api_id)
        self.ensure_stages(api_id)
        self.ensure_domain(api_id)
        return self.outcome


def provision(stack: Stack, target: Target, on_change: Callable[[Change], None] = lambda c: None) -> Outcome:
    return Provisioner(stack, target, on_change).run()
