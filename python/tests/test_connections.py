"""The packed ``connections`` column parsed: which Sprout (and site) each count belongs to."""

from __future__ import annotations

import pandas as pd

from cwsim_results import parse_connections


def frame(rows):
    return pd.DataFrame(rows, columns=["replication", "time_s", "site", "tier", "node", "connections"])


def test_local_then_remote_entries():
    # A site-a Bono after failover: both local Sprouts listed with 0, then site-b's.
    ts = frame([
        (0, 5, "site-a", "bono", "bono-0", "sprout-0:0;sprout-1:0;sprout-0:24;sprout-1:26"),
        (0, 5, "site-a", "sprout", "sprout-0", None),
        (0, 5, "site-a", "sprout", "sprout-1", None),
        (0, 5, "site-b", "sprout", "sprout-0", None),
        (0, 5, "site-b", "sprout", "sprout-1", None),
        (0, 5, "site-b", "bono", "bono-0", "sprout-0:50;sprout-1:0"),
    ])
    long = parse_connections(ts)
    assert long[["site", "target_site", "target", "connections"]].values.tolist() == [
        ["site-a", "site-a", "sprout-0", 0],
        ["site-a", "site-a", "sprout-1", 0],
        ["site-a", "site-b", "sprout-0", 24],
        ["site-a", "site-b", "sprout-1", 26],
        ["site-b", "site-b", "sprout-0", 50],
        ["site-b", "site-b", "sprout-1", 0],
    ]


def test_a_remote_sprout_the_local_site_lacks():
    # site-b has a third Sprout; an entry not among the local Sprouts is remote.
    ts = frame([
        (0, 5, "site-a", "bono", "bono-0", "sprout-0:10;sprout-2:40"),
        (0, 5, "site-a", "sprout", "sprout-0", None),
        (0, 5, "site-b", "sprout", "sprout-2", None),
    ])
    long = parse_connections(ts)
    assert long["target_site"].tolist() == ["site-a", "site-b"]


def test_every_bono_holds_its_pool(runs):
    # Bono keeps pool.upstream_connections = 50 connections (the default) spread over the
    # live Sprouts; default.toml has one Bono and two Sprouts.
    run = runs("default")
    long = run.connections
    assert long.columns.tolist() == ["replication", "time_s", "site", "node", "target_site", "target", "connections"]
    assert long["connections"].dtype == "int64"
    per_row = long.groupby(["replication", "time_s", "node"])["connections"].sum()
    assert (per_row == 50).all() and len(per_row) == 3 * 240
    assert set(long["target"]) == {"sprout-0", "sprout-1"}
    # the wide columns in the timeseries carry the same counts, on Bono rows only
    ts = run.timeseries
    wide = ts[["connections.site1/sprout-0", "connections.site1/sprout-1"]]
    bono = ts["tier"] == "bono"
    assert (wide[bono].sum(axis=1) == 50).all()
    assert wide[~bono].isna().all().all()


def test_failover_moves_site_a_connections_to_site_b(runs):
    # gr-sprouts-down: every site-A Sprout fails at 600 s; site A's two Bonos (50 connections
    # each) move their pools to site B's Sprouts within their recycle second.
    long = runs("gr-sprouts-down").connections
    a = long[long["site"] == "site-a"]
    by_target = a.groupby(["time_s", "target_site"])["connections"].sum().unstack(fill_value=0)
    assert (by_target.loc[:595, "site-a"] == 100).all()
    assert (by_target.loc[:595, "site-b"] == 0).all()
    assert (by_target.loc[605:, "site-a"] == 0).all()
    assert (by_target.loc[605:, "site-b"] == 100).all()
    # site B's Bonos never connect to site A
    b = long[long["site"] == "site-b"]
    assert set(b["target_site"]) == {"site-b"}
