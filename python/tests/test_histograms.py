"""Every histogram in latency.csv, decoded with the PyPI ``hdrhistogram`` package, against
latency.csv's own columns.

Precision, from the histograms' settings (1 µs – 1 day, 3 significant digits): HdrHistogram
keeps 2^ceil(log2(2·10^3)) = 2048 sub-buckets per power of two, so a bucket holding value v
is at most v/1024 wide and every value in it is within v/2048 of its midpoint. Quantiles and
the maximum are reported as the top of their bucket, in whole µs; the ``_ms`` columns print
µs/1000 exactly (3 decimals = 1 µs, the histogram's unit). So a quantile read from the
decoded buckets by the same rank rule must equal the column exactly — tolerance 0 — and
the decoded mean (bucket midpoints) may differ from the exact ``mean_ms`` by at most
mean/2048, plus 1 µs because cwsim records whole µs (truncating the ns, values below 1 µs
counted as 1).
"""

from __future__ import annotations

import base64
import math
import struct

import pytest

from cwsim_results import merge_histograms, value_at_quantile
from cwsim_results.histograms import PERCENTILE_COLUMNS

RUN_NAMES = ["default", "gr-loud", "gr-sprouts-down", "mmc"]


def us(ms_text) -> int:
    """A ``_ms`` column value in whole µs (it has at most 3 decimals)."""
    value = float(ms_text) * 1000
    assert abs(value - round(value)) < 1e-6, f"{ms_text} ms is not a whole number of µs"
    return round(value)


def rank(q: float, n: int) -> int:
    return max(1, math.ceil(q * n))


def first_bucket_reaching(h, count: int) -> int:
    """The top (µs) of the first bucket where the cumulative count reaches ``count``, walking
    the library's own recorded-values iterator."""
    for item in h.get_recorded_iterator():
        if item.total_count_to_this_value >= count:
            return item.value_iterated_to
    raise AssertionError(f"histogram of {h.get_total_count()} values never reaches {count}")


@pytest.mark.parametrize("name", RUN_NAMES)
def test_every_histogram_is_compressed_v2(runs, name):
    for text in runs(name).latency["hdr_v2_base64"]:
        cookie, length = struct.unpack(">II", base64.b64decode(text)[:8])
        assert cookie == 0x1C849314, f"cookie {cookie:#x}"
        assert length == len(base64.b64decode(text)) - 8


@pytest.mark.parametrize("name", RUN_NAMES)
def test_every_histogram_matches_its_row(runs, name):
    latency = runs(name).latency
    assert len(latency) >= 1
    for row in latency.itertuples(index=False):
        h = row.histogram
        assert (h.lowest_trackable_value, h.highest_trackable_value, h.significant_figures) == (1, 86_400_000_000, 3)
        n = h.get_total_count()
        assert n == row.count, row.metric
        assert row.clamped == 0
        if n == 0:
            assert float(row.max_ms) == 0 and float(row.mean_ms) == 0
            continue
        # The maximum: the top of the highest recorded bucket, exactly.
        assert h.get_max_value() == us(row.max_ms), row.metric
        # Every percentile column: the bucket where the cumulative count reaches ceil(q·n).
        for column, q in PERCENTILE_COLUMNS.items():
            expected = first_bucket_reaching(h, rank(q, n))
            assert us(getattr(row, column)) == expected, (row.metric, column)
            assert value_at_quantile(h, q) == expected, (row.metric, column)
        # The mean: bucket midpoints against the exact mean, within half a bucket + 1 µs.
        exact_us = float(row.mean_ms) * 1000
        assert abs(h.get_mean_value() - exact_us) <= exact_us / 2048 + 1, row.metric


@pytest.mark.parametrize("name", RUN_NAMES)
def test_library_percentiles_differ_only_by_its_rank_rounding(runs, name):
    # The package rounds the rank to the nearest integer, int(q·n + 0.5), where latency.csv
    # (like HdrHistogram's Java and Rust implementations) takes ceil(q·n): where the two ranks
    # agree the values are identical; otherwise the package's rank is one lower, so its value
    # is at most the column's.
    compared = 0
    for row in runs(name).latency.itertuples(index=False):
        h = row.histogram
        n = h.get_total_count()
        if n == 0:
            continue
        for column, q in PERCENTILE_COLUMNS.items():
            library = h.get_value_at_percentile(q * 100)
            if h.get_target_count_at_percentile(q * 100) == rank(q, n):
                assert library == us(getattr(row, column)), (row.metric, column)
                compared += 1
            else:
                assert library <= us(getattr(row, column)), (row.metric, column)
    assert compared > 0


def test_histograms_of_runs_merge(runs):
    # Two runs' histograms of the same metric add up: counts sum, the maximum is the larger.
    a = runs("gr-loud").latency.set_index("metric")
    b = runs("gr-sprouts-down").latency.set_index("metric")
    ha, hb = a.at["register_refresh", "histogram"], b.at["register_refresh", "histogram"]
    merged = merge_histograms([ha, hb])
    assert merged.get_total_count() == ha.get_total_count() + hb.get_total_count()
    assert merged.get_max_value() == max(ha.get_max_value(), hb.get_max_value())
    with pytest.raises(ValueError):
        merge_histograms([])


def test_value_at_quantile_by_hand():
    # 1..100 ms recorded once each: the 50th value is 50 ms = 50 000 µs, which 3 significant
    # digits keep in a bucket of width 32 µs (32768 ≤ v < 65536: 2^15 / 1024); the top of its
    # bucket is 50 015 µs. q = 0.505 needs ceil(50.5) = 51 values: 51 ms → top 51 007 µs.
    from hdrh.histogram import HdrHistogram

    h = HdrHistogram(1, 86_400_000_000, 3)
    for ms in range(1, 101):
        h.record_value(ms * 1000)
    assert value_at_quantile(h, 0.5) == 50_015
    assert value_at_quantile(h, 0.505) == 51_007
    assert value_at_quantile(h, 0.0) == 1000
    assert value_at_quantile(h, 1.0) == 100_031
    assert value_at_quantile(HdrHistogram(1, 1000, 3), 0.5) == 0
