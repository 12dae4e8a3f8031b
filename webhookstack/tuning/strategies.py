"""Which memory size to pick, per strategy (aws-lambda-power-tuning's three).

Each memory size that ran without errors is one candidate with its trimmed-mean billed duration
``d`` and compute cost per invocation ``c``:

- ``cost``: the smallest ``c`` (ties: the faster, then the smaller memory);
- ``speed``: the smallest ``d`` (ties: the cheaper, then the smaller memory);
- ``balanced``: the smallest ``w * c' + (1 - w) * d'``, with ``c'`` and ``d'`` min-max normalised
  over the candidates (0 = best of the sweep, 1 = worst) and ``w`` = :data:`DEFAULT_BALANCED_WEIGHT`
  = 0.5 (cost and speed count the same; ``--balanced-weight`` changes it: 1 = cost only,
  0 = speed only). Normalising makes the score independent of units (USD vs ms).

Durations are compared in whole ms, Lambda's billing granularity: a 1.1 ms vs 1.0 ms difference
between two sizes is noise, not a reason to pay twice as much.
"""

from __future__ import annotations

from dataclasses import dataclass

STRATEGIES = ("cost", "speed", "balanced")
DEFAULT_BALANCED_WEIGHT = 0.5


@dataclass(frozen=True)
class Candidate:
    memory_mb: int
    duration_ms: float  # trimmed mean of billed durations
    cost: float  # USD per invocation, compute


def _ms(candidate: Candidate) -> int:
    return round(candidate.duration_ms)


def _normalised(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    return [0.0 if high == low else (v - low) / (high - low) for v in values]


def balanced_scores(candidates: list[Candidate], weight: float = DEFAULT_BALANCED_WEIGHT) -> dict[int, float]:
    costs = _normalised([c.cost for c in candidates])
    durations = _normalised([_ms(c) for c in candidates])
    return {c.memory_mb: weight * nc + (1 - weight) * nd for c, nc, nd in zip(candidates, costs, durations)}


def recommend(candidates: list[Candidate], strategy: str, weight: float = DEFAULT_BALANCED_WEIGHT) -> Candidate:
    if not candidates:
        raise ValueError("no memory size ran without errors: nothing to recommend")
    if strategy == "cost":
        return min(candidates, key=lambda c: (c.cost, _ms(c), c.memory_mb))
    if strategy == "speed":
        return min(candidates, key=lambda c: (_ms(c), c.cost, c.memory_mb))
    if strategy == "balanced":
        if not 0 <= weight <= 1:
            raise ValueError("the balanced weight must be between 0 and 1")
        scores = balanced_scores(candidates, weight)
        return min(candidates, key=lambda c: (scores[c.memory_mb], c.memory_mb))
    raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
