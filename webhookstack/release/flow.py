"""The release flow: publish (new code -> DEV), promote (DEV's version -> PROD), rollback.

Stages never change here: each stage's variable names an alias, and only aliases move, so
switching PROD needs no API deployment. The same calls work on LocalStack and on AWS.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass

from botocore.exceptions import ClientError

from webhookstack.release import history
from webhookstack.stack.model import Stack
from webhookstack.stack.package import build_package
from webhookstack.stack.provision import Provisioner
from webhookstack.stack.session import Target


class ReleaseError(Exception):
    """A release step refused: the message says why and what to do."""


@dataclass(frozen=True)
class Move:
    alias: str
    old: str | None
    new: str
    published: bool = False

    @property
    def changed(self) -> bool:
        return self.old != self.new


def default_actor() -> str:
    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # getuser raises when no user name can be found (containers)
        return "unknown"


def _alias(target: Target, stack: Stack, name: str) -> dict | None:
    try:
        return target.client("lambda").get_alias(FunctionName=stack.function.name, Name=name)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise


def _alias_named(stack: Stack, policy: str) -> str:
    for a in stack.aliases:
        if a.policy == policy:
            return a.name
    raise ReleaseError(f"the stack description has no alias with policy {policy!r}")


def _require_function(target: Target, stack: Stack) -> None:
    try:
        target.client("lambda").get_function_configuration(FunctionName=stack.function.name)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            raise ReleaseError(
                f"function {stack.function.name} does not exist here; run `webhookstack provision` first"
            ) from e
        raise


def publish(stack: Stack, target: Target) -> Move:
    """Package the code folder, update the function, publish a version if the code changed,
    and point the DEV alias at it."""
    _require_function(target, stack)
    dev = _alias_named(stack, "newest")
    current = _alias(target, stack, dev)
    provisioner = Provisioner(stack, target)
    package = build_package(stack.function.code_dir)
    provisioner.ensure_function(provisioner.ensure_role(), package)
    version = provisioner.ensure_version(package)
    published = any(c.action == "published" for c in provisioner.outcome.changes)
    lam = target.client("lambda")
    if current is None:
        lam.create_alias(FunctionName=stack.function.name, Name=dev, FunctionVersion=version)
    elif current["FunctionVersion"] != version:
        lam.update_alias(FunctionName=stack.function.name, Name=dev, FunctionVersion=version)
    return Move(dev, current["FunctionVersion"] if current else None, version, published)


def _check_version(target: Target, stack: Stack, version: str) -> None:
    if version == "$LATEST":
        raise ReleaseError("refusing to point PROD at $LATEST: it changes with every code update; publish a version")
    if not version.isdigit():
        raise ReleaseError(f"{version!r} is not a version number")
    try:
        target.client("lambda").get_function_configuration(FunctionName=stack.function.name, Qualifier=version)
    except ClientError as e:
        if e.response["Error"]["Code"] == "ResourceNotFoundException":
            known = [v["Version"] for v in Provisioner(stack, target).published_versions()]
            raise ReleaseError(
                f"version {version} of {stack.function.name} does not exist; published: {', '.join(known) or 'none'}"
            ) from e
        raise


def promote(stack: Stack, target: Target, version: str | None = None, actor: str | None = None) -> Move:
    """Point PROD at DEV's version (or at `version`), recording who and when."""
    _require_function(target, stack)
    dev, prod = _alias_named(stack, "newest"), _alias_named(stack, "pinned")
    if version is None:
        dev_alias = _alias(target, stack, dev)
        if dev_alias is None:
            raise ReleaseError(f"alias {dev} does not exist; run `webhookstack publish` first")
        version = dev_alias["FunctionVersion"]
    _check_version(target, stack, version)
    current = _alias(target, stack, prod)
    lam = target.client("lambda")
    if current is None:
        record = history.AliasRecord("promote", actor or default_actor(), history.now())
        lam.create_alias(FunctionName=stack.function.name, Name=prod, FunctionVersion=version,
                         Description=record.describe())
        return Move(prod, None, version)
    if current["FunctionVersion"] == version:
        return Move(prod, version, version)
    record = history.after_promote(history.parse(current.get("Description")), current["FunctionVersion"],
                                   actor or default_actor())
    lam.update_alias(FunctionName=stack.function.name, Name=prod, FunctionVersion=version,
                     Description=record.describe())
    return Move(prod, current["FunctionVersion"], version)


def rollback(stack: Stack, target: Target, actor: str | None = None) -> Move:
    """Point PROD back at the version it served before the last promote."""
    _require_function(target, stack)
    prod = _alias_named(stack, "pinned")
    current = _alias(target, stack, prod)
    if current is None:
        raise ReleaseError(f"alias {prod} does not exist; nothing to roll back")
    try:
        version, record = history.after_rollback(history.parse(current.get("Description")), actor or default_actor())
    except LookupError as e:
        raise ReleaseError(f"{e}: {prod} has not been promoted by webhookstack since it was created") from e
    _check_version(target, stack, version)
    target.client("lambda").update_alias(
        FunctionName=stack.function.name, Name=prod, FunctionVersion=version, Description=record.describe()
    )
    return Move(prod, current["FunctionVersion"], version)
