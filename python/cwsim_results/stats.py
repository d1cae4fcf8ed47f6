"""Confidence intervals over independent replications (Student t).

Replications of a run are i.i.d. samples of any run-level statistic (a mean CPU, a goodput,
an outage mean), so its interval is mean ± t(1 − α/2, n − 1) · s / √n, s the sample standard
deviation — the interval cwsim itself reports as ``ci95``.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import pandas as pd


def _betacf(a: float, b: float, x: float) -> float:
    # Continued fraction of the incomplete beta function (Numerical Recipes, 6.4), modified
    # Lentz's method.
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom."""
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` > 0 degrees of freedom (bisection to 1e-12)."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError(f"t_quantile needs 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    while hi - lo > 1e-12 * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """(mean, half-width) of the two-sided ``level`` interval of i.i.d. replication values;
    the half-width is NaN with fewer than two values."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        raise ValueError("ci of no values")
    mean = sum(xs) / n
    if n < 2:
        return mean, math.nan
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    return mean, t_quantile(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n)


def replication_ci(
    frame: pd.DataFrame,
    column: str,
    statistic: str | Callable[[pd.Series], float] = "mean",
    level: float = 0.95,
    by: str = "replication",
) -> pd.Series:
    """The ``statistic`` of ``column`` within each replication, then the interval over
    replications: a Series with ``mean``, ``ci``, ``low``, ``high``, ``n`` and the
    per-replication values (``values``)."""
    per = frame.groupby(by, sort=True)[column].agg(statistic)
    mean, half = ci(per.to_list(), level)
    return pd.Series(
        {"mean": mean, "ci": half, "low": mean - half, "high": mean + half, "n": len(per), "values": per.to_list()}
    )
