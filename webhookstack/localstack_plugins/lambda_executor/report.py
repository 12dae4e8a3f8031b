"""AWS-shaped platform log lines and error payloads (pure functions, no LocalStack).

Formats follow what Lambda writes to CloudWatch Logs for managed runtimes::

    INIT_START Runtime Version: python:3.13
    START RequestId: <id> Version: $LATEST
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\tInit Duration: 55.12 ms

Billing is per 1 ms (since Dec 2020) and, for managed runtimes, excludes the init phase.
"""

from __future__ import annotations

import json
import math
import re
import signal
from datetime import UTC, datetime


def billed_duration_ms(duration_ms: float) -> int:
    """Round the *printed* duration (two decimals) up to whole ms, at least 1."""
    return max(1, math.ceil(round(duration_ms, 2)))


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def init_start_line(runtime: str) -> str:
    # python3.13 -> python:3.13 (AWS adds ".vNN" and a runtime ARN; we have no such version)
    return f"INIT_START Runtime Version: {runtime.replace('python', 'python:', 1)}"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_duration_ms(duration_ms)} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        parts.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return "\t".join(parts)


def iso_now() -> str:
    """``2026-02-01T12:34:56.789Z``, the timestamp prefix of Lambda's own log lines."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def timeout_seconds_text(timeout_s: float) -> str:
    return f"Task timed out after {timeout_s:.2f} seconds"


def timeout_log_line(request_id: str, timeout_s: float) -> str:
    return f"{iso_now()} {request_id} {timeout_seconds_text(timeout_s)}"


def timeout_payload(request_id: str, timeout_s: float) -> bytes:
    return json.dumps(
        {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: {timeout_seconds_text(timeout_s)}",
        }
    ).encode()


# Go's names for signals, as AWS prints them ("Runtime exited with error: signal: killed")
_SIGNAL_TEXT = {
    signal.SIGKILL: "killed",
    signal.SIGTERM: "terminated",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGILL: "illegal instruction",
    signal.SIGFPE: "floating point exception",
    signal.SIGINT: "interrupt",
}


def exit_status_text(returncode: int) -> str:
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"signal: {-returncode}"
        return f"signal: {_SIGNAL_TEXT.get(sig, sig.name)}"
    return f"exit status {returncode}"


def exit_error_message(request_id: str | None, returncode: int) -> str:
    prefix = f"RequestId: {request_id} " if request_id else ""
    return f"{prefix}Error: Runtime exited with error: {exit_status_text(returncode)}"


def exit_error_payload(request_id: str | None, returncode: int) -> bytes:
    return json.dumps(
        {"errorType": "Runtime.ExitError", "errorMessage": exit_error_message(request_id, returncode)}
    ).encode()


def out_of_memory_payload(request_id: str | None, returncode: int) -> bytes:
    """What Lambda returns when the function exceeded its memory size (the runtime was killed)."""
    return json.dumps(
        {"errorType": "Runtime.OutOfMemory", "errorMessage": exit_error_message(request_id, returncode)}
    ).encode()


def parse_report_line(line: str) -> dict[str, str]:
    """``REPORT RequestId: x\tDuration: 1.00 ms\t...`` -> {"RequestId": "x", "Duration": "1.00 ms", ...}.

    ``Status: error Error Type: ...`` (AWS prints both in one tab-separated field) is split too.
    """
    if not line.startswith("REPORT "):
        raise ValueError(f"not a REPORT line: {line[:60]!r}")
    fields: dict[str, str] = {}
    for part in line[len("REPORT ") :].rstrip("\n").split("\t"):
        for piece in re.split(r"\s(?=Error Type: )", part.strip()):
            key, sep, value = piece.partition(": ")
            if sep:
                fields[key.strip()] = value.strip()
    return fields


def max_memory_used_mb(pid: int) -> int | None:
    """Peak resident memory (VmHWM) of ``pid`` in MB, rounded up; None if unreadable."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    kb = int(line.split()[1])
                    return math.ceil(kb / 1024)
    except (OSError, ValueError, IndexError):
        return None
    return None
