"""Real cwsim outputs for the tests: each fixture runs a bundled scenario (shortened where
that keeps the point of it) once per session into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwsim_results import load_run, load_sweep, run_cwsim

# Runs the tests read, by name: (scenario, extra arguments).
RUNS = {
    # single site, 2 Sprouts, 2 replications: ~2 M events
    "default": ("scenarios/default.toml", ["--replications", "3", "--set", "simulation.duration=20m"]),
    # GR with outages: site A fails loudly at 10 min
    "gr-loud": (
        "scenarios/gr-site-failure-loud.toml",
        ["--replications", "2", "--set", "simulation.duration=17m", "--set", "load.subscribers=4000"],
    ),
    # GR where site A's Bonos fail over to site B's Sprouts (connections across sites)
    "gr-sprouts-down": (
        "scenarios/gr-sprouts-down.toml",
        ["--replications", "1", "--set", "simulation.duration=12m"],
    ),
    # the queue model: other columns, no connections
    "mmc": ("scenarios/mmc.toml", ["--replications", "3", "--set", "simulation.duration=5000s"]),
}


@pytest.fixture(scope="session")
def outputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cwsim-outputs")


@pytest.fixture(scope="session")
def run_dir(outputs):
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            scenario, extra = RUNS[name]
            out = outputs / name
            run_cwsim("run", scenario, "--quiet", "--out", out, *extra)
            made[name] = out
        return made[name]

    return get


@pytest.fixture(scope="session")
def runs(run_dir):
    loaded = {}

    def get(name: str):
        if name not in loaded:
            loaded[name] = load_run(run_dir(name))
        return loaded[name]

    return get


@pytest.fixture(scope="session")
def sweep(outputs):
    out = outputs / "sweep"
    run_cwsim(
        "sweep", "scenarios/throttle-tuning.toml", "--quiet", "--out", out,
        "--set", "throttling.max_tokens=100,1000", "--set", "throttling.target_latency=10ms,100ms",
        "--fix", "simulation.duration=2m", "--replications", "2",
    )
    return load_sweep(out)
