"""Run a function at several memory sizes and collect its billed durations.

For each memory size M, without touching the stack's aliases (DEV, PROD):

1. ``$LATEST``'s ``MemorySize`` is set to M and a version is published (description
   :data:`VERSION_MARK`), with an alias ``TUNE-<M>`` on it;
2. the alias is invoked N times, one after another, with ``LogType="Tail"``; each billed duration
   comes from the REPORT line in the returned log tail (CloudWatch Logs if the tail has none);
3. the alias and the version are deleted.

Afterwards ``$LATEST`` gets its original memory size back, so provisioning finds the function as
described. Cleanup runs on errors and on Ctrl-C too; :func:`sweep` removes what a killed run left
(every ``TUNE-*`` alias, and every version marked :data:`VERSION_MARK` that no other alias uses).
A version the run did not create (Lambda returns the existing one when nothing changed) is
never deleted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from webhookstack.tuning.stats import MemoryResult, Report, report_from_line, report_from_tail

# The event to invoke with: fixed bytes, or a factory called once per invocation.
Payload = bytes | Callable[[], bytes]

ALIAS_PREFIX = "TUNE-"
VERSION_MARK = "webhookstack tune"
DEFAULT_MEMORY = (128, 256, 512, 1024, 1769, 3008)


def alias_name(memory_mb: int) -> str:
    return f"{ALIAS_PREFIX}{memory_mb}"


def _code(e: ClientError) -> str:
    return e.response.get("Error", {}).get("Code", "")


@dataclass
class TuneRun:
    function: str
    architecture: str
    original_memory_mb: int
    results: list[MemoryResult] = field(default_factory=list)


class Progress:
    """What the runner tells its caller; the CLI draws progress bars from it."""

    def phase(self, text: str) -> None: ...
    def start_memory(self, memory_mb: int, total: int) -> None: ...
    def invoked(self, memory_mb: int, report: Report | None) -> None: ...
    def warn(self, text: str) -> None: ...


class Tuner:
    def __init__(self, lam, logs=None, progress: Progress | None = None, sleep: Callable[[float], None] = time.sleep):
        self.lam, self.logs = lam, logs
        self.progress = progress or Progress()
        self.sleep = sleep
        self._created_versions: list[str] = []
        self._created_aliases: list[str] = []

    # -- waiting ---------------------------------------------------------------------------
    def _wait_updated(self, function: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            cfg = self.lam.get_function_configuration(FunctionName=function)
            if cfg.get("State") == "Failed" or cfg.get("LastUpdateStatus") == "Failed":
                raise RuntimeError(f"function {function} update failed: {cfg.get('LastUpdateStatusReason') or cfg.get('StateReason')}")
            if cfg.get("State") == "Active" and cfg.get("LastUpdateStatus") in (None, "Successful"):
                return cfg
            if time.monotonic() > deadline:
                raise TimeoutError(f"function {function} did not settle within {timeout:.0f}s")
            self.sleep(0.25)

    def _versions(self, function: str) -> dict[str, dict]:
        found = {}
        for page in self.lam.get_paginator("list_versions_by_function").paginate(FunctionName=function):
            found.update({v["Version"]: v for v in page["Versions"] if v["Version"] != "$LATEST"})
        return found

    def _aliases(self, function: str) -> list[dict]:
        return [a for page in self.lam.get_paginator("list_aliases").paginate(FunctionName=function) for a in page["Aliases"]]

    # -- one memory size -------------------------------------------------------------------
    def _publish(self, function: str, memory_mb: int) -> str:
        before = set(self._versions(function))
        self.lam.update_function_configuration(FunctionName=function, MemorySize=memory_mb)
        self._wait_updated(function)
        version = self.lam.publish_version(FunctionName=function, Description=f"{VERSION_MARK} {memory_mb} MB")["Version"]
        if version not in before:
            self._created_versions.append(version)
        name = alias_name(memory_mb)
        try:
            self.lam.create_alias(FunctionName=function, Name=name, FunctionVersion=version, Description=VERSION_MARK)
        except ClientError as e:
            if _code(e) != "ResourceConflictException":
                raise
            self.lam.update_alias(FunctionName=function, Name=name, FunctionVersion=version)
        self._created_aliases.append(name)
        return name

    def _report_from_logs(self, function: str, request_id: str, timeout: float = 15) -> Report | None:
        if self.logs is None or not request_id:
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                events = self.logs.filter_log_events(
                    logGroupName=f"/aws/lambda/{function}", filterPattern=f'"REPORT RequestId: {request_id}"'
                )["events"]
            except ClientError as e:
                if _code(e) != "ResourceNotFoundException":
                    raise
                events = []
            for event in events:
                if event["message"].startswith(f"REPORT RequestId: {request_id}"):
                    return report_from_line(event["message"].strip())
            self.sleep(1)
        return None

    def invoke_once(self, function: str, qualifier: str, payload: bytes) -> tuple[Report | None, str | None]:
        """One invocation: its REPORT and, if it failed, the error type."""
        response = self.lam.invoke(FunctionName=function, Qualifier=qualifier, Payload=payload, LogType="Tail")
        body = response["Payload"].read()
        error = None
        if response.get("FunctionError"):
            try:
                error = json.loads(body or b"{}").get("errorType") or response["FunctionError"]
            except (ValueError, AttributeError):
                error = response["FunctionError"]
        report = report_from_tail(response.get("LogResult"))
        if report is None:
            request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
            report = self._report_from_logs(function, request_id)
        return report, error

    def measure(self, function: str, memory_mb: int, invocations: int, payload: Payload) -> MemoryResult:
        result = MemoryResult(memory_mb)
        self.progress.phase(f"publishing a version at {memory_mb} MB")
        qualifier = self._publish(function, memory_mb)
        self.progress.start_memory(memory_mb, invocations)
        try:
            for _ in range(invocations):
                # A factory gives each invocation its own event (e.g. a fresh signed delivery).
                report, error = self.invoke_once(function, qualifier, payload() if callable(payload) else payload)
                if error:
                    result.errors += 1
                    result.error_types[error] = result.error_types.get(error, 0) + 1
                if report is not None:
                    if error and report.error_type is None:
                        report = Report(**{**report.__dict__, "error_type": error})
                    result.reports.append(report)
                else:
                    self.progress.warn(f"{memory_mb} MB: no REPORT line for an invocation (not in the log tail nor CloudWatch Logs)")
                self.progress.invoked(memory_mb, report)
        finally:
            self._release(function)
        return result

    # -- the whole sweep -------------------------------------------------------------------
    def run(self, function: str, memory_sizes: list[int], invocations: int, payload: Payload, architecture: str | None = None) -> TuneRun:
        cfg = self._wait_updated(function)
        arch = architecture or (cfg.get("Architectures") or ["x86_64"])[0]
        run = TuneRun(function, arch, int(cfg["MemorySize"]))
        try:
            for memory_mb in memory_sizes:
                run.results.append(self.measure(function, memory_mb, invocations, payload))
        finally:
            self.progress.phase("cleaning up tuning aliases and versions")
            self._release(function)
            self._restore(function, run.original_memory_mb)
        return run

    def _release(self, function: str) -> None:
        """Delete the aliases and versions this run created (and nothing else)."""
        while self._created_aliases:
            name = self._created_aliases.pop()
            try:
                self.lam.delete_alias(FunctionName=function, Name=name)
            except ClientError as e:
                if _code(e) != "ResourceNotFoundException":
                    raise
        in_use = {a["FunctionVersion"] for a in self._aliases(function)}
        while self._created_versions:
            version = self._created_versions.pop()
            if version in in_use:  # someone pointed an alias at it meanwhile: keep it
                self.progress.warn(f"kept version {version}: an alias points to it")
                continue
            try:
                self.lam.delete_function(FunctionName=function, Qualifier=version)
            except ClientError as e:
                if _code(e) != "ResourceNotFoundException":
                    raise

    def _restore(self, function: str, memory_mb: int) -> None:
        cfg = self._wait_updated(function)
        if int(cfg["MemorySize"]) != memory_mb:
            self.lam.update_function_configuration(FunctionName=function, MemorySize=memory_mb)
            self._wait_updated(function)


def sweep(lam, function: str) -> list[str]:
    """Remove what an interrupted run left: TUNE-* aliases, then unused versions marked as ours."""
    removed = []
    aliases = [a for page in lam.get_paginator("list_aliases").paginate(FunctionName=function) for a in page["Aliases"]]
    for alias in aliases:
        if alias["Name"].startswith(ALIAS_PREFIX):
            lam.delete_alias(FunctionName=function, Name=alias["Name"])
            removed.append(f"alias {alias['Name']}")
    in_use = {a["FunctionVersion"] for a in aliases if not a["Name"].startswith(ALIAS_PREFIX)}
    for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function):
        for v in page["Versions"]:
            if v["Version"] != "$LATEST" and (v.get("Description") or "").startswith(VERSION_MARK) and v["Version"] not in in_use:
                lam.delete_function(FunctionName=function, Qualifier=v["Version"])
                removed.append(f"version {v['Version']}")
    return removed
