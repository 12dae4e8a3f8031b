"""What an invocation costs: Lambda's on-demand price table and the power-tuning cost model.

Source: the AWS Lambda pricing page, US East (N. Virginia), first tier (the first 6 billion
GB-seconds a month), on-demand, ephemeral storage at the free 512 MB, no free tier:

======== ========================== ===========================
arch     compute, USD per GB-second requests, USD per 1M requests
======== ========================== ===========================
x86_64   0.0000166667               0.20
arm64    0.0000133334               0.20
======== ========================== ===========================

Lambda bills per 1 ms since Dec 2020, and a GB is 1,024 MB in this formula, so

    compute cost = billed ms / 1000 * memory MB / 1024 * price per GB-second

which is aws-lambda-power-tuning's model (price per ms at 128 MB * memory / 128; its
``baseCost`` 2.1e-9 x86 / 1.7e-9 arm64 are these prices, rounded). The request charge is the
same at every memory size, so it never changes the recommendation; it is shown separately.
Other regions and the volume tiers cost less or more: pass ``price_per_gb_s`` to override.
"""

from __future__ import annotations

from dataclasses import dataclass

MB_PER_GB = 1024


@dataclass(frozen=True)
class Price:
    arch: str
    per_gb_second: float  # USD, compute
    per_request: float  # USD

    @property
    def per_ms_at_128mb(self) -> float:
        """The unit aws-lambda-power-tuning works in."""
        return self.per_gb_second / 1000 * 128 / MB_PER_GB


PRICES: dict[str, Price] = {
    "x86_64": Price("x86_64", 0.0000166667, 0.20 / 1_000_000),
    "arm64": Price("arm64", 0.0000133334, 0.20 / 1_000_000),
}
ARCHITECTURES = tuple(PRICES)


def price_for(arch: str) -> Price:
    try:
        return PRICES[arch]
    except KeyError:
        raise ValueError(f"no price for architecture {arch!r}; known: {', '.join(PRICES)}") from None


def compute_cost(billed_ms: float, memory_mb: int, price: Price) -> float:
    """USD for one invocation's compute (the request charge not included)."""
    return billed_ms / 1000 * memory_mb / MB_PER_GB * price.per_gb_second
