"""A finished sweep as rows (one per memory size) and recommendations, for the table, JSON and plots."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from webhookstack.tuning.pricing import Price, compute_cost
from webhookstack.tuning.runner import TuneRun
from webhookstack.tuning.stats import DEFAULT_TRIM
from webhookstack.tuning.strategies import DEFAULT_BALANCED_WEIGHT, STRATEGIES, Candidate, balanced_scores, recommend


@dataclass(frozen=True)
class Row:
    memory_mb: int
    invocations: int
    errors: int
    error_types: dict[str, int]
    avg_billed_ms: float | None
    trimmed_billed_ms: float | None
    avg_duration_ms: float | None
    max_memory_used_mb: int
    cost_per_invocation: float | None  # USD, compute, from the trimmed mean
    balanced_score: float | None = None

    @property
    def usable(self) -> bool:
        return self.errors == 0 and self.trimmed_billed_ms is not None

    @property
    def cost_per_million(self) -> float | None:
        return None if self.cost_per_invocation is None else self.cost_per_invocation * 1_000_000


@dataclass(frozen=True)
class Summary:
    function: str
    architecture: str
    price: Price
    trim: float
    balanced_weight: float
    rows: list[Row]
    recommendations: dict[str, int]  # strategy -> memory MB
    strategy: str  # the one asked for

    @property
    def request_cost_per_million(self) -> float:
        return self.price.per_request * 1_000_000

    def to_json(self) -> dict:
        return {
            "function": self.function,
            "architecture": self.architecture,
            "price": asdict(self.price),
            "trim": self.trim,
            "balanced_weight": self.balanced_weight,
            "strategy": self.strategy,
            "recommendations": self.recommendations,
            "rows": [asdict(r) | {"cost_per_million": r.cost_per_million} for r in self.rows],
        }


def summarise(
    run: TuneRun,
    price: Price,
    strategy: str = "balanced",
    trim: float = DEFAULT_TRIM,
    balanced_weight: float = DEFAULT_BALANCED_WEIGHT,
) -> Summary:
    rows = []
    for r in run.results:
        ok = r.usable
        trimmed = r.trimmed_billed_ms(trim) if ok else None
        rows.append(
            Row(
                memory_mb=r.memory_mb,
                invocations=len(r.reports) if r.reports else r.errors,
                errors=r.errors,
                error_types=dict(r.error_types),
                avg_billed_ms=r.avg_billed_ms if ok else None,
                trimmed_billed_ms=trimmed,
                avg_duration_ms=r.avg_duration_ms if ok else None,
                max_memory_used_mb=r.max_memory_used_mb,
                cost_per_invocation=compute_cost(trimmed, r.memory_mb, price) if ok else None,
            )
        )
    candidates = [Candidate(r.memory_mb, r.trimmed_billed_ms, r.cost_per_invocation) for r in rows if r.usable]
    recommendations = {s: recommend(candidates, s, balanced_weight).memory_mb for s in STRATEGIES} if candidates else {}
    scores = balanced_scores(candidates, balanced_weight) if candidates else {}
    rows = [Row(**{**asdict(r), "balanced_score": scores.get(r.memory_mb)}) for r in rows]
    return Summary(run.function, run.architecture, price, trim, balanced_weight, rows, recommendations, strategy)
