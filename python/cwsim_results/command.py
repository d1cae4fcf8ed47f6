"""Finding and running the cwsim binary (for notebooks and tests that simulate)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

#: The repository root when this package is used from a checkout (python/cwsim_results/..).
REPO = Path(__file__).resolve().parents[2]


def find_cwsim() -> Path:
    """The cwsim binary: ``$CWSIM``, else the checkout's release build
    (``$CARGO_TARGET_DIR`` or ``target/``), else ``cwsim`` on ``PATH``."""
    env = os.environ.get("CWSIM")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    if not target.is_absolute():
        target = REPO / target
    built = target / "release" / "cwsim"
    if built.is_file():
        return built
    on_path = shutil.which("cwsim")
    if on_path:
        return Path(on_path)
    raise FileNotFoundError(
        f"no cwsim binary: build it with `cargo build --release` in {REPO}, "
        "or set CWSIM to its path"
    )


def run_cwsim(*args: str, cwd: Path | str | None = None) -> str:
    """Runs ``cwsim ARGS...`` (from the repository root unless ``cwd`` is given) and returns
    its stdout; raises ``RuntimeError`` with cwsim's message if it exits non-zero."""
    cmd = [str(find_cwsim()), *map(str, args)]
    done = subprocess.run(cmd, cwd=cwd or REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout
