"""Confidence intervals over replications, against hand calculations and published tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cwsim_results import ci, replication_ci, t_quantile


@pytest.mark.parametrize(
    "p, df, table",
    [
        # Student t quantiles as printed in the standard tables (4 decimals)
        (0.975, 1, 12.7062), (0.975, 2, 4.3027), (0.975, 4, 2.7764), (0.975, 9, 2.2622),
        (0.975, 30, 2.0423), (0.995, 9, 3.2498), (0.995, 1, 63.6567), (0.95, 10, 1.8125),
    ],
)
def test_t_quantile_against_the_tables(p, df, table):
    assert t_quantile(p, df) == pytest.approx(table, abs=5e-5)
    assert t_quantile(1 - p, df) == pytest.approx(-table, abs=5e-5)


def test_t_quantile_tends_to_the_normal():
    assert t_quantile(0.975, 1e7) == pytest.approx(1.959964, abs=1e-5)
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)


def test_ci_by_hand():
    # 1, 2, 3, 4, 5: mean 3; s² = (4+1+0+1+4)/4 = 2.5, s/√5 = √0.5 = 0.707107;
    # t(0.975, 4) = 2.776445 → half-width 1.963243.
    mean, half = ci([1, 2, 3, 4, 5])
    assert mean == 3
    assert half == pytest.approx(2.776445 * math.sqrt(0.5), rel=1e-6)
    assert half == pytest.approx(1.963243, abs=1e-6)
    # 99%: t(0.995, 4) = 4.604095 → 4.604095 · 0.707107 = 3.255587
    assert ci([1, 2, 3, 4, 5], level=0.99)[1] == pytest.approx(3.255587, abs=1e-6)
    # one value: no interval
    assert math.isnan(ci([7.0])[1])


def test_replication_ci_by_hand():
    # per-replication means of x: rep 0 → (1+3)/2 = 2, rep 1 → (4+6)/2 = 5;
    # mean 3.5, s = |5−2|/√2 = 2.121320, s/√2 = 1.5, t(0.975, 1) = 12.706205 → 19.059307
    frame = pd.DataFrame({"replication": [0, 0, 1, 1], "x": [1.0, 3.0, 4.0, 6.0]})
    r = replication_ci(frame, "x")
    assert r["values"] == [2.0, 5.0]
    assert r["mean"] == 3.5 and r["n"] == 2
    assert r["ci"] == pytest.approx(19.059307, abs=1e-5)
    assert (r["low"], r["high"]) == pytest.approx((3.5 - 19.059307, 3.5 + 19.059307), abs=1e-5)
    # another statistic: the per-replication maximum, 3 and 6 → mean 4.5, half-width 12.706205·1.5
    assert replication_ci(frame, "x", "max")["ci"] == pytest.approx(19.059307, abs=1e-5)


def test_tier_cpu_interval_from_the_timeseries(runs):
    # cwsim's tiers.<tier>.cpu_mean is, per replication, the mean over the tier's nodes of each
    # node's busy fraction after warm-up; with the warm-up and the run a whole number of 5 s
    # samples, that is the mean of the samples. Recomputed here from timeseries.csv, whose cpu
    # is printed to 6 decimals (error ε ≤ 5e-7 per replication mean), the interval must agree
    # within ε on the mean and t·ε/√(n−1) on the half-width (plus the 4-decimal t table cwsim
    # uses, 1e-5 relative).
    run = runs("default")
    eps = 5e-7
    for tier in ["bono", "sprout", "homestead", "homer"]:
        rows = run.after_warmup(run.timeseries)
        r = replication_ci(rows[rows["tier"] == tier], "cpu")
        assert r["n"] == run.replications == 3
        assert r["mean"] == pytest.approx(run.value(f"tiers.{tier}.cpu_mean"), abs=eps)
        tol = t_quantile(0.975, r["n"] - 1) * eps / math.sqrt(r["n"] - 1) + 1e-5 * r["ci"]
        assert r["ci"] == pytest.approx(run.value(f"tiers.{tier}.cpu_mean_ci95"), abs=tol)
