"""Time `course check` per chapter with and without the wrong-answer check.

    .venv/bin/python bench/bench_check.py 02_mlp            # once each way
    .venv/bin/python bench/bench_check.py 02_mlp --repeat 3 # median of 3

"before" is `course check --no-wrong-answers` (the grading round trip as it was:
the solved and the blank submission autograded by nbgrader), "after" is `course check`
(the same, plus every wrong answer tried in the solved submission's kernel). The issue's
budget: after <= 1.5 x before. Wall time and CPU time (this process's children: nbgrader,
the kernels) are printed with the load average, since a shared machine inflates wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_check(chapter: str, wrong_answers: bool, show: bool = False) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the children, exit code) of one `course check`;
    ``show`` prints its report."""
    cmd = [sys.executable, "-m", "course.cli", "check", chapter]
    if not wrong_answers:
        cmd.append("--no-wrong-answers")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode or show:
        print(proc.stdout, proc.stderr[-2000:] if proc.returncode else "", sep="\n")
    return wall, cpu, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="+")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print course check's report")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    for chapter in args.chapters:
        results: dict[str, list[tuple[float, float, int]]] = {"before": [], "after": []}
        for _ in range(args.repeat):  # alternate, so that load changes hit both alike
            results["before"].append(run_check(chapter, wrong_answers=False))
            results["after"].append(run_check(chapter, wrong_answers=True, show=args.show))
        medians = {}
        for label, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            codes = sorted({r[2] for r in runs})
            medians[label] = (wall, cpu)
            print(f"{chapter} {label:6s}: wall {wall:6.1f} s, CPU {cpu:6.1f} s, exit {codes}")
        (wb, cb), (wa, ca) = medians["before"], medians["after"]
        print(f"{chapter} after / before: wall {wa / wb:.2f}x, CPU {ca / cb:.2f}x (budget 1.5x)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
