"""Read cwsim outputs into pandas DataFrames.

    from cwsim_results import load_run, load_sweep
    run = load_run("outputs/default")
    run.timeseries, run.connections, run.requests, run.outages, run.latency, run.summary

Units are in the column names (``_s``, ``_ms``, ``_us``, ``_per_s``) or listed in the
repository README, "Reading results in Python".
"""

from .command import REPO, find_cwsim, run_cwsim
from .connections import parse_connections
from .histograms import decode_histogram, merge_histograms, percentiles, value_at_quantile
from .run import Run, load_run
from .stats import ci, replication_ci, t_quantile
from .summary import flatten_summary
from .sweep import load_sweep

__all__ = [
    "REPO",
    "Run",
    "ci",
    "decode_histogram",
    "find_cwsim",
    "flatten_summary",
    "load_run",
    "load_sweep",
    "merge_histograms",
    "parse_connections",
    "percentiles",
    "replication_ci",
    "run_cwsim",
    "t_quantile",
    "value_at_quantile",
]
