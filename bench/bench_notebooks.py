"""Per chapter: wall time of the solution notebook in fast mode, the kernel's peak RSS,
and the time `import course` takes.

    python bench/bench_notebooks.py                 # every chapter
    python bench/bench_notebooks.py 01_tensors      # one chapter
    python bench/bench_notebooks.py --full          # full mode (COURSE_FAST=0): slow

Each notebook runs in its own subprocess (nbclient), so the peak RSS of that
subprocess's children is the kernel's own peak.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_RUN_ONE = r"""
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
start = time.perf_counter()
NotebookClient(nb, timeout=3600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
print(json.dumps({"wall_s": wall, "peak_rss_mb": peak_kb / 1024}))
"""


def run_notebook(path: Path, fast: bool) -> dict:
    env = {**os.environ, "COURSE_FAST": "1" if fast else "0", "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [sys.executable, "-c", _RUN_ONE, str(path), str(path.parent)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"{path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_time(repeats: int = 5) -> float:
    code = "import time; t = time.perf_counter(); import course; print(time.perf_counter() - t)"
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )  # fmt: skip
        for _ in range(repeats)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter folders under solutions/")
    parser.add_argument("--full", action="store_true", help="full mode instead of fast mode")
    args = parser.parse_args()
    names = args.chapters or sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    mode = "full" if args.full else "fast"
    print(f"import course: {import_time() * 1000:.0f} ms (median of 5)")
    print(f"{'notebook':40s} {'mode':5s} {'wall s':>8s} {'peak RSS MB':>12s}")
    for name in names:
        for path in sorted((ROOT / "solutions" / name).glob("*.ipynb")):
            t0 = time.perf_counter()
            result = run_notebook(path, fast=not args.full)
            rel = str(path.relative_to(ROOT / "solutions"))
            print(f"{rel:40s} {mode:5s} {result['wall_s']:8.1f} {result['peak_rss_mb']:12.0f}"
                  f"   (with kernel start: {time.perf_counter() - t0:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
