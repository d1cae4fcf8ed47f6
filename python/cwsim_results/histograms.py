"""latency.csv's histograms: HdrHistogram, compressed V2 encoding, base64, values in µs.

Quantiles follow HdrHistogram's own rule (Java's ``getValueAtPercentile`` and the Rust crate
cwsim uses): the value at quantile q is the smallest recorded value v such that at least
``max(1, ceil(q * n))`` of the n values are <= v, reported as the highest value equivalent
to v (the top of its bucket). The PyPI package's ``get_value_at_percentile`` rounds the rank
to the nearest integer instead, so in a sparse tail it can return the bucket below;
:func:`value_at_quantile` is the rule latency.csv's percentile columns use.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import pandas as pd
from hdrh.histogram import HdrHistogram

#: latency.csv's percentile columns and their quantiles.
PERCENTILE_COLUMNS = {"p50_ms": 0.5, "p90_ms": 0.9, "p95_ms": 0.95, "p99_ms": 0.99, "p999_ms": 0.999}


def decode_histogram(text: str) -> HdrHistogram:
    """A histogram from latency.csv's ``hdr_v2_base64`` column (values in µs)."""
    return HdrHistogram.decode(text.strip())


def merge_histograms(histograms: Iterable[HdrHistogram]) -> HdrHistogram:
    """The sum of histograms of the same layout (e.g. one metric from several runs)."""
    histograms = list(histograms)
    if not histograms:
        raise ValueError("no histograms to merge")
    first = histograms[0]
    total = HdrHistogram(
        first.lowest_trackable_value, first.highest_trackable_value, first.significant_figures
    )
    for h in histograms:
        total.add(h)
    return total


def _rank(q: float, n: int) -> int:
    q = min(max(q, 0.0), 1.0)
    return max(1, math.ceil(q * n))


def value_at_quantile(h: HdrHistogram, q: float) -> int:
    """The value (µs) at quantile ``q`` in [0, 1], by HdrHistogram's nearest-rank rule (module
    docstring); 0 for an empty histogram."""
    n = h.get_total_count()
    if n == 0:
        return 0
    target = _rank(q, n)
    seen = 0
    for index in range(h.counts_len):
        seen += h.get_count_at_index(index)
        if seen >= target:
            v = h.get_value_from_index(index)
            return h.get_lowest_equivalent_value(v) if q == 0 else h.get_highest_equivalent_value(v)
    return h.get_highest_equivalent_value(h.get_max_value())


def percentiles(h: HdrHistogram, quantiles: Sequence[float] = (0.5, 0.9, 0.95, 0.99, 0.999, 0.9999)) -> pd.Series:
    """Values (ms) at each quantile, indexed by quantile."""
    return pd.Series(
        [value_at_quantile(h, q) / 1e3 for q in quantiles], index=pd.Index(list(quantiles), name="quantile"),
        name="value_ms",
    )
