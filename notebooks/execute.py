"""Executes every notebook here headless (nbclient), in memory: the stored files keep no
outputs. Fails if a notebook raises, takes longer than its timeout, or was committed with
outputs. Usage: python notebooks/execute.py [--save-to DIR] [NOTEBOOK...] (--save-to writes
the executed copies, with their outputs and figures, into DIR)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 600  # per cell


def stored_outputs(book) -> list[int]:
    return [
        i for i, cell in enumerate(book.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]


def main(args: list[str]) -> int:
    save_to = None
    if args[:1] == ["--save-to"] and len(args) >= 2:
        save_to, args = Path(args[1]), args[2:]
        save_to.mkdir(parents=True, exist_ok=True)
    paths = args
    notebooks = [Path(p) for p in paths] or sorted(HERE.glob("*.ipynb"))
    if not notebooks:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = 0
    for path in notebooks:
        book = nbformat.read(path, as_version=4)
        dirty = stored_outputs(book)
        if dirty:
            print(f"{path.name}: stored with outputs in cells {dirty}; clear them before committing")
            failed += 1
            continue
        start = time.monotonic()
        try:
            NotebookClient(book, timeout=TIMEOUT_S, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except Exception as e:  # a cell raised or timed out: nbclient's message names it
            print(f"{path.name}: FAILED after {time.monotonic() - start:.0f} s\n{e}")
            failed += 1
            continue
        print(f"{path.name}: ok in {time.monotonic() - start:.1f} s")
        if save_to is not None:
            nbformat.write(book, save_to / path.name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
