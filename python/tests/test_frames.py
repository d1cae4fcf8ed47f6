"""DataFrame shapes, columns and units, on real outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cwsim_results import load_run, load_sweep

TIMESERIES = [
    "replication", "time_s", "site", "tier", "node", "cpu", "queue", "latency_ms", "requests", "rejected",
    "registrations", "chronos_timers", "token_rate", "smoothed_latency_ms", "admitted", "penalties",
    "chronos_token_rate", "chronos_smoothed_latency_ms", "chronos_admitted", "chronos_rejected",
]
REQUEST_TYPES = {"register_initial", "register_refresh", "invite_setup", "invite_answer", "update", "bye", "subscribe"}


def test_summary_is_one_flat_row(runs):
    run = runs("default")
    assert run.summary.shape[0] == 1
    assert not any(isinstance(v, dict) for v in run.summary.iloc[0])
    # dotted keys follow the nesting of summary.json
    assert run.value("tiers.sprout.cpu_mean") == run.summary_json["tiers"]["sprout"]["cpu_mean"]
    assert run.value("latency_ms.invite_setup.p99") == run.summary_json["latency_ms"]["invite_setup"]["p99"]
    assert pd.api.types.is_float_dtype(run.summary["tiers.sprout.cpu_mean"])
    assert (run.replications, run.warmup_s, run.duration_s) == (3, 600.0, 1200.0)
    with pytest.raises(KeyError):
        run.value("tiers.nothing")
    # several runs concatenate into a comparison table
    both = pd.concat([run.summary, runs("gr-loud").summary], ignore_index=True)
    assert both.shape[0] == 2 and both["scenario"].tolist() == ["default", "gr-site-failure-loud"]


def test_timeseries_shape_and_units(runs):
    run = runs("default")
    ts = run.timeseries
    assert ts.columns[: len(TIMESERIES)].tolist() == TIMESERIES
    assert "connections" not in ts.columns
    # one row per node per 5 s sample: 1 Bono, 2 Sprouts, 1 Homestead, 1 Homer (the scenario),
    # 1200 s / 5 s = 240 samples, 3 replications
    assert len(ts) == 5 * 240 * 3
    assert sorted(ts["time_s"].unique()) == list(range(5, 1201, 5))
    assert ts.groupby("tier")["node"].nunique().to_dict() == {"bono": 1, "homer": 1, "homestead": 1, "sprout": 2}
    # cpu is a busy fraction of the node's cores
    assert ts["cpu"].between(0, 1).all()
    assert ts["latency_ms"].dtype == np.float64 and ts["token_rate"].dtype == np.float64
    # the LoadMonitor columns are empty on nodes without one (Homer, by default)
    assert ts.loc[ts["tier"] == "homer", "token_rate"].isna().all()
    # Chronos's LoadMonitor sits on the Sprout rows only
    assert ts.loc[ts["tier"] == "sprout", "chronos_token_rate"].notna().all()
    assert ts.loc[ts["tier"] != "sprout", "chronos_token_rate"].isna().all()


def test_requests_shape_and_totals(runs):
    run = runs("default")
    rq = run.requests
    assert rq.columns.tolist() == [
        "replication", "time_s", "request", "started", "ok", "timeout", "rejected_503", "transport", "other",
    ]
    assert set(rq["request"]) <= REQUEST_TYPES
    assert not rq.duplicated(["replication", "time_s", "request"]).any()
    assert (rq["time_s"] % 5 == 0).all()
    # requests started after warm-up, summed over intervals and replications, are the
    # summary's counts (two separate paths through cwsim)
    started = run.after_warmup(rq).groupby("request")["started"].sum()
    for request, count in started.items():
        assert count == run.summary_json["requests"][request]["started"], request


def test_latency_frame(runs):
    lat = runs("default").latency
    assert lat.columns.tolist() == [
        "metric", "count", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "clamped",
        "hdr_v2_base64", "histogram",
    ]
    assert set(lat["metric"]) == REQUEST_TYPES | {"sprout_message", "sprout_message_with_io"}
    # quantiles are non-decreasing along a row
    q = lat[["p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()


def test_outages(runs):
    run = runs("gr-loud")
    out = run.outages
    assert out.columns.tolist() == ["replication", "subscriber", "site", "start_s", "end_s", "duration_s", "cause", "open"]
    assert out["start_s"].dtype == np.float64 and out["open"].dtype == bool
    assert set(out["cause"]) <= {"edge-failure", "binding-expired"}
    # outages start at the fault (site A fails at 600 s) and only site A's subscribers lose service
    assert (out["start_s"] >= 600).all()
    assert set(out["site"]) == {"site-a"}
    # duration_s = end_s − start_s (each printed to the ns or µs)
    assert np.allclose(out["duration_s"], out["end_s"] - out["start_s"], atol=2e-6)
    # the fraction affected, counted here, is the summary's (per replication, then averaged)
    subscribers = run.summary_json["outage"]["subscribers"]
    affected = out.groupby("replication")["subscriber"].nunique() / subscribers
    assert affected.mean() == pytest.approx(run.value("outage.fraction_affected.mean"), abs=1e-12)
    # without faults the frame is empty but has its columns
    assert runs("default").outages.empty and "duration_s" in runs("default").outages.columns


def test_queue_model_run(runs):
    run = runs("mmc")
    assert run.model == "queue"
    assert run.timeseries.columns.tolist() == [
        "replication", "time_s", "arrivals", "completions", "in_system", "queued", "busy", "utilisation",
    ]
    assert run.connections.empty and run.requests.empty
    # M/M/4 at ρ = 0.75: utilisation is a fraction of the 4 servers
    assert run.timeseries["utilisation"].between(0, 1).all()


def test_sweep_frame(sweep):
    assert sweep.index.name == "point" and len(sweep) == 4
    assert sweep.attrs["keys"] == ["throttling.max_tokens", "throttling.target_latency"]
    assert sweep["throttling.max_tokens"].dtype.kind == "i"
    assert set(sweep["throttling.target_latency"]) == {"10ms", "100ms"}
    assert (sweep["replications"] == 2).all()
    assert sweep[["goodput_calls_per_s", "setup_p99_ms", "rejection_rate", "sprout_cpu"]].notna().all().all()
    assert (sweep["goodput_calls_per_s"] <= sweep["offered_calls_per_s"]).all()
    assert "rank" in sweep.attrs["ranking"]


def test_not_an_output_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="summary.json"):
        load_run(tmp_path)
    with pytest.raises(FileNotFoundError, match="sweep.csv"):
        load_sweep(tmp_path)
