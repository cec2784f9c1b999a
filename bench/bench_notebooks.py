"""Run chapters' solution notebooks and print what they measured: each headline figure
(recorded by the notebook with ``course.figures.record``) beside its target, the wall
time, the kernel's CPU time and its peak RSS.

    python bench/bench_notebooks.py                        # every chapter, fast mode
    python bench/bench_notebooks.py 04_augmentation        # one chapter
    python bench/bench_notebooks.py 04 --full --seeds 0 1 2  # full mode, three seeds, and the mean
    python bench/bench_notebooks.py --json results.json    # also keep the results

Each notebook runs in its own subprocess (nbclient), so the peak RSS of that
subprocess's children is the kernel's own peak. ``--seeds`` sets ``COURSE_SEED``,
which notebooks read through ``course.figures.seed``. The load average is printed
beside the times: on a shared machine they are inflated by the other load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.figures import ENV, SEED_ENV, Figure, read  # noqa: E402

_RUN_ONE = r"""
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient

def peak_kb(pid):  # the kernel's high-water RSS so far (Linux)
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

nb = nbformat.read(sys.argv[1], as_version=4)
cells, last = [], {}
client = NotebookClient(nb, timeout=3600, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}})
def started(cell, cell_index, **_):
    last.update(t=time.perf_counter(), hwm=peak_kb(client.km.provisioner.process.pid))
def done(cell, cell_index, **_):
    hwm = peak_kb(client.km.provisioner.process.pid)
    cells.append({"cell": cell_index, "s": time.perf_counter() - last["t"], "peak_mb": hwm / 1024,
                  "grew_mb": (hwm - last["hwm"]) / 1024, "start": cell.source[:60]})
client.on_cell_execute, client.on_cell_executed = started, done
start = time.perf_counter()
client.execute()
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel: Linux gives kilobytes
print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024, "cells": cells}))
"""


def run_notebook(path: Path, fast: bool, seed: int | None = None) -> dict:
    """Execute one notebook; return wall/CPU seconds, peak RSS (MB), load and its figures."""
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as tmp:
        figures = Path(tmp) / "figures.jsonl"
        env = {**os.environ, "COURSE_FAST": "1" if fast else "0", "TF_CPP_MIN_LOG_LEVEL": "2",
               ENV: str(figures)}  # fmt: skip
        env.pop(SEED_ENV, None)
        if seed is not None:
            env[SEED_ENV] = str(seed)
        load_before = os.getloadavg()[0]
        out = subprocess.run(
            [sys.executable, "-c", _RUN_ONE, str(path), str(path.parent)],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode != 0:
            raise SystemExit(f"{path} failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["load"] = (load_before + os.getloadavg()[0]) / 2
        result["figures"] = read(figures)
        return result


def _fmt_figure(figure: Figure) -> str:
    return "  " + figure.describe()


def _means(runs: list[dict]) -> list[str]:
    names = list(dict.fromkeys(f.name for run in runs for f in run["figures"]))
    lines = []
    for name in names:
        found = [f for run in runs for f in run["figures"] if f.name == name]
        mean = Figure(**{**found[0].__dict__, "value": statistics.mean(f.value for f in found),
                         "seed": None})  # fmt: skip
        each = ", ".join(f"{f.value:.4g}" for f in found)
        lines.append(f"  mean of {len(found)}: {mean.describe()}   [{each}]")
    return lines


def _cell_report(cells: list[dict], n: int) -> str:
    def line(c: dict) -> str:
        start = c["start"].replace("\n", " | ")
        return (f"    cell {c['cell']:3d}: {c['s']:7.1f} s, peak {c['peak_mb']:6.0f} MB "
                f"(+{c['grew_mb']:.0f})  {start}")  # fmt: skip

    slow = sorted(cells, key=lambda c: -c["s"])[:n]
    grew = sorted(cells, key=lambda c: -c["grew_mb"])[:n]
    return "\n".join([f"  slowest {n} cells:", *map(line, slow),
                      f"  {n} cells that raised the peak RSS most:", *map(line, grew)])  # fmt: skip


def import_time(repeats: int = 5) -> float:
    """Median seconds ``import course`` takes in a fresh interpreter."""
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


def _chapters(wanted: list[str]) -> list[str]:
    names = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    if not wanted:
        return names
    chosen = []
    for want in wanted:
        match = [n for n in names if n == want or n.startswith(want)]
        if not match:
            raise SystemExit(f"no chapter {want!r} under solutions/ (have: {', '.join(names)})")
        chosen += match
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter folders under solutions/ (or prefix)")
    parser.add_argument("--full", action="store_true", help="full mode instead of fast mode")
    parser.add_argument("--seeds", type=int, nargs="+", help="run once per COURSE_SEED")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--cells",
        type=int,
        default=0,
        metavar="N",
        help="also print the N slowest cells and the N that raised peak RSS most",
    )
    args = parser.parse_args()
    mode = "full" if args.full else "fast"
    print(f"import course: {import_time() * 1000:.0f} ms (median of 5); {os.cpu_count()} CPUs")
    results = []
    for name in _chapters(args.chapters):
        for path in sorted((ROOT / "solutions" / name).glob("*.ipynb")):
            rel = str(path.relative_to(ROOT / "solutions"))
            runs = []
            for seed in args.seeds or [None]:
                r = run_notebook(path, fast=not args.full, seed=seed)
                runs.append(r)
                label = f"{rel} [{mode}{'' if seed is None else f', seed {seed}'}]"
                print(f"{label}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.0f} s kernel CPU, "
                      f"peak RSS {r['peak_rss_mb']:.0f} MB, load {r['load']:.1f}")  # fmt: skip
                for figure in r["figures"]:
                    print(_fmt_figure(figure))
                if args.cells:
                    print(_cell_report(r["cells"], args.cells))
                results.append({"notebook": rel, "mode": mode, "seed": seed,
                                **{k: v for k, v in r.items() if k != "figures"},
                                "figures": [f.__dict__ for f in r["figures"]]})  # fmt: skip
            if len(runs) > 1:
                print("\n".join(_means(runs)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
