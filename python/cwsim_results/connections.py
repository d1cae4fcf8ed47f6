"""Bono's upstream connections: the packed ``connections`` column of timeseries.csv.

cwsim writes, on each Bono row, ``sprout-0:25;sprout-1:25``: every Sprout of the Bono's own
site first (even with no connection), then the other site's Sprouts it holds connections to
(GR failover). Labels repeat across sites, so an entry belongs to the other site once a
label repeats or is not one of the local Sprouts. cwsim supports at most two sites.
"""

from __future__ import annotations

import pandas as pd

LONG_COLUMNS = ["replication", "time_s", "site", "node", "target_site", "target", "connections"]


def _split(packed: str) -> list[tuple[str, int]]:
    out = []
    for item in packed.split(";"):
        label, _, count = item.rpartition(":")
        if not label:
            raise ValueError(f"bad connections entry {item!r} in {packed!r}")
        out.append((label, int(count)))
    return out


def parse_connections(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Long format: one row per (Bono row, Sprout it lists), with the Sprout's site.

    Columns: replication, time_s, site, node (the Bono), target_site, target (the Sprout's
    label within its site), connections (open upstream connections, a count)."""
    if "connections" not in timeseries.columns:
        return pd.DataFrame(columns=LONG_COLUMNS)
    sites = sorted(timeseries["site"].dropna().unique())
    sprouts = timeseries[timeseries["tier"] == "sprout"]
    local = {
        key: set(group["node"])
        for key, group in sprouts.groupby(["replication", "time_s", "site"], sort=False)
    }
    rows = []
    bonos = timeseries[timeseries["connections"].notna() & (timeseries["connections"] != "")]
    for rep, t, site, node, packed in bonos[["replication", "time_s", "site", "node", "connections"]].itertuples(
        index=False
    ):
        here = local.get((rep, t, site), set())
        others = [s for s in sites if s != site]
        seen: set[str] = set()
        remote = False
        for label, count in _split(packed):
            remote = remote or label in seen or label not in here
            seen.add(label)
            if remote and not others:
                raise ValueError(f"{node}@{site} lists {label} twice but there is no other site")
            target_site = others[0] if remote else site
            rows.append((rep, t, site, node, target_site, label, count))
    out = pd.DataFrame(rows, columns=LONG_COLUMNS)
    return out.astype({"connections": "int64"})


def wide_connections(long: pd.DataFrame) -> pd.DataFrame:
    """One column per Sprout, ``connections.<site>/<sprout>``, indexed like the Bono rows
    (replication, time_s, site, node); absent entries (a remote Sprout with no connection)
    are 0."""
    if long.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=LONG_COLUMNS[:4]))
    key = "connections." + long["target_site"] + "/" + long["target"]
    wide = long.assign(key=key).pivot_table(
        index=LONG_COLUMNS[:4], columns="key", values="connections", aggfunc="sum", fill_value=0
    )
    wide.columns.name = None
    return wide.astype("int64")
