"""From REPORT lines to per-memory figures."""

from __future__ import annotations

import base64
import math
import statistics
from dataclasses import dataclass, field

from webhookstack.localstack_plugins.lambda_executor.report import parse_report_line

DEFAULT_TRIM = 0.2  # drop 20 % at each end, as aws-lambda-power-tuning's discardTopBottom


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    billed_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_ms: float | None = None
    error_type: str | None = None


def _ms(value: str) -> float:
    return float(value.split()[0])


def report_from_line(line: str) -> Report:
    f = parse_report_line(line)
    return Report(
        request_id=f["RequestId"],
        duration_ms=_ms(f["Duration"]),
        billed_ms=int(_ms(f["Billed Duration"])),
        memory_size_mb=int(_ms(f["Memory Size"])),
        max_memory_used_mb=int(_ms(f["Max Memory Used"])),
        init_ms=_ms(f["Init Duration"]) if "Init Duration" in f else None,
        error_type=f.get("Error Type"),
    )


def report_from_tail(log_result_b64: str | None) -> Report | None:
    """The REPORT line in an Invoke(LogType="Tail") ``LogResult`` (the last 4 KB of the log)."""
    if not log_result_b64:
        return None
    text = base64.b64decode(log_result_b64).decode("utf-8", "replace")
    lines = [ln for ln in text.splitlines() if ln.startswith("REPORT RequestId:")]
    return report_from_line(lines[-1]) if lines else None


def trimmed_mean(values: list[float], trim: float = DEFAULT_TRIM) -> float:
    """Mean after dropping ``floor(n * trim)`` values at each end (never all of them)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    k = math.floor(len(ordered) * trim)
    if 2 * k >= len(ordered):
        k = (len(ordered) - 1) // 2
    kept = ordered[k : len(ordered) - k]
    return statistics.fmean(kept)


@dataclass
class MemoryResult:
    memory_mb: int
    reports: list[Report] = field(default_factory=list)
    errors: int = 0
    error_types: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> list[Report]:
        return [r for r in self.reports if r.error_type is None]

    @property
    def usable(self) -> bool:
        return bool(self.ok)

    def billed(self) -> list[float]:
        return [float(r.billed_ms) for r in self.ok]

    @property
    def avg_billed_ms(self) -> float:
        return statistics.fmean(self.billed())

    def trimmed_billed_ms(self, trim: float = DEFAULT_TRIM) -> float:
        return trimmed_mean(self.billed(), trim)

    @property
    def avg_duration_ms(self) -> float:
        return statistics.fmean(r.duration_ms for r in self.ok)

    @property
    def max_memory_used_mb(self) -> int:
        return max((r.max_memory_used_mb for r in self.reports), default=0)
