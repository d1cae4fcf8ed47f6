"""summary.json flattened: nested keys joined with dots (``tiers.sprout.cpu_mean``)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _walk(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _walk(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = value


def flatten_summary(summary: dict) -> pd.DataFrame:
    """One row: every leaf of summary.json as a column named by its dotted key, in file
    order. Lists (``faults``, ``scale_up``, ``replication_fingerprints``) stay lists.
    Rows of several runs concatenate (``pd.concat``) into a comparison table."""
    out: dict[str, Any] = {}
    _walk("", summary, out)
    return pd.DataFrame([out])
