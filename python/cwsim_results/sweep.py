"""``cwsim sweep`` output: sweep.csv, one row per point."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def load_sweep(directory: str | Path) -> pd.DataFrame:
    """sweep.csv as a DataFrame, indexed by ``point``. The swept (and ``--fix``ed) keys are
    the columns between ``point`` and ``replications``, listed in ``frame.attrs["keys"]``;
    their values stay as written (``100``, ``10ms``, ``later``). The ranking cwsim printed is
    in ``frame.attrs["ranking"]``."""
    path = Path(directory)
    sweep_file = path / "sweep.csv"
    if not sweep_file.is_file():
        raise FileNotFoundError(f"{path} holds no sweep.csv: not a cwsim sweep directory")
    header = pd.read_csv(sweep_file, nrows=0).columns.to_list()
    keys = header[1 : header.index("replications")]
    frame = pd.read_csv(sweep_file, dtype={k: "string" for k in keys}).set_index("point")
    for key in keys:
        numeric = pd.to_numeric(frame[key].astype(object), errors="coerce")
        if numeric.notna().all():
            frame[key] = numeric
    frame.attrs["keys"] = keys
    ranking = path / "ranking.txt"
    frame.attrs["ranking"] = ranking.read_text() if ranking.is_file() else ""
    return frame
