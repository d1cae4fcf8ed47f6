"""One run's output directory as DataFrames."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .connections import parse_connections, wide_connections
from .histograms import decode_histogram
from .summary import flatten_summary

OUTAGE_COLUMNS = ["replication", "subscriber", "site", "start_s", "end_s", "duration_s", "cause", "open"]


@dataclass
class Run:
    """What ``cwsim run`` wrote into one directory.

    - ``summary``: summary.json flattened into one row (dotted column names);
      ``summary_json`` the parsed file itself;
    - ``timeseries``: timeseries.csv; on Clearwater runs the packed ``connections`` column is
      replaced by one integer column per Sprout, ``connections.<site>/<sprout>`` (on Bono rows;
      NaN elsewhere), and ``connections`` holds the same counts in long format;
    - ``requests``, ``outages`` (empty without faults), ``latency`` (with a ``histogram``
      column of decoded HdrHistograms, µs), ``report`` (report.txt).
    """

    path: Path
    summary_json: dict[str, Any]
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    connections: pd.DataFrame
    requests: pd.DataFrame
    outages: pd.DataFrame
    latency: pd.DataFrame
    report: str = field(repr=False, default="")

    def value(self, key: str) -> Any:
        """One summary figure by its dotted key, e.g. ``run.value("tiers.sprout.cpu_mean")``."""
        if key not in self.summary.columns:
            raise KeyError(f"{key!r} is not in {self.path / 'summary.json'}")
        return self.summary.at[0, key]

    @property
    def model(self) -> str:
        return self.summary_json["model"]

    @property
    def warmup_s(self) -> float:
        return float(self.summary_json["warmup_s"])

    @property
    def duration_s(self) -> float:
        return float(self.summary_json["duration_s"])

    @property
    def replications(self) -> int:
        return int(self.summary_json["replications"])

    def after_warmup(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows whose sample interval lies after the warm-up (``time_s`` is the interval's end)."""
        return frame[frame["time_s"] > self.warmup_s]


def _csv(path: Path, **kwargs: Any) -> pd.DataFrame | None:
    return pd.read_csv(path, **kwargs) if path.is_file() else None


def _timeseries(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    ts = _csv(path, dtype={"connections": "string", "site": "string", "tier": "string", "node": "string"})
    if ts is None:
        return pd.DataFrame(), parse_connections(pd.DataFrame())
    if "connections" not in ts.columns:
        return ts, parse_connections(ts)
    long = parse_connections(ts)
    wide = wide_connections(long)
    keys = ["replication", "time_s", "site", "node"]
    ts = ts.drop(columns=["connections"])
    if not wide.empty:
        ts = ts.merge(wide.reset_index().astype({"site": "string", "node": "string"}), on=keys, how="left")
        for column in wide.columns:
            ts[column] = ts[column].astype("Int64")
    return ts, long


def load_run(directory: str | Path) -> Run:
    """Reads a ``cwsim run`` output directory (Clearwater or queue model)."""
    path = Path(directory)
    summary_file = path / "summary.json"
    if not summary_file.is_file():
        raise FileNotFoundError(f"{path} holds no summary.json: not a cwsim run directory")
    summary_json = json.loads(summary_file.read_text())
    timeseries, connections = _timeseries(path / "timeseries.csv")
    requests = _csv(path / "requests.csv", dtype={"request": "string"})
    outages = _csv(
        path / "outages.csv",
        dtype={"site": "string", "cause": "string", "start_s": "float64", "end_s": "float64", "duration_s": "float64"},
        true_values=["true"],
        false_values=["false"],
    )
    latency = pd.read_csv(path / "latency.csv", dtype={"metric": "string", "hdr_v2_base64": "string"})
    latency["histogram"] = [decode_histogram(text) for text in latency["hdr_v2_base64"]]
    report = path / "report.txt"
    return Run(
        path=path,
        summary_json=summary_json,
        summary=flatten_summary(summary_json),
        timeseries=timeseries,
        connections=connections,
        requests=requests if requests is not None else pd.DataFrame(),
        outages=outages if outages is not None else pd.DataFrame(columns=OUTAGE_COLUMNS),
        latency=latency,
        report=report.read_text() if report.is_file() else "",
    )
