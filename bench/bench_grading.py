"""Grading throughput: serial ``nbgrader autograde`` vs ``course grade --workers 2``.

    python bench/bench_grading.py                           # 40 Chapter 1 submissions, 3 runs
    python bench/bench_grading.py --submissions 10 --runs 1 # quicker
    python bench/bench_grading.py --feedback --no-preload   # also: with feedback, without zygote

Both grade the same fast-mode submissions (the solved Chapter 1 notebook) in
fresh copies of one prepared course folder, where the assignment is already in
the gradebook, so only grading is timed:

* **nbgrader**: ``python -m nbgrader autograde 01_tensors --force`` (one process,
  one submission after the other: what an instructor runs by hand);
* **course grade**: ``course grade --workers N --no-feedback -q`` (the CLI,
  start-up included; sandbox and limits on, as in real use); ``--no-preload``
  shows what parallel workers alone give, without the kernel zygote.

Runs alternate between the two so that other load on the machine hits both.
Prints every run, the medians and their ratio; writes the figures to
``bench/results/grading.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.grading import grade, solved_submission  # noqa: E402
from course.grading.runner import nbgrader_env, run_nbgrader  # noqa: E402


def _env() -> dict:
    """nbgrader's environment (the one course grade and course check use), without plots."""
    env = nbgrader_env()
    env.setdefault("MPLBACKEND", "Agg")
    return env


def prepare(base: Path, chapter: str, n: int) -> Path:
    """A course folder with the assignment generated and ``n`` solved submissions."""
    course = base / "prepared"
    (course / "submitted").mkdir(parents=True)
    grade(course, [chapter], project=ROOT, progress=False)  # generates the assignment only
    released = course / "notebooks" / chapter / f"{chapter}.ipynb"
    text = solved_submission(released, ROOT / "solutions" / chapter / released.name)
    for i in range(n):
        folder = course / "submitted" / f"student{i:02d}" / chapter
        folder.mkdir(parents=True)
        (folder / released.name).write_text(text)
    return course


def scores(course: Path, chapter: str) -> list[float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return sorted(s.score for s in gb.find_assignment(chapter).submissions)


def run_serial_nbgrader(course: Path, chapter: str) -> float:
    start = time.perf_counter()
    run_nbgrader(course, "autograde", chapter, "--force")  # raises with the log if it fails
    return time.perf_counter() - start


def run_course_grade(course: Path, chapter: str, workers: int, *flags: str) -> float:
    exe = Path(sys.executable).parent / "course"
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "course.cli"]
    cmd = [*cli, "grade", chapter, "-C", str(course), "--workers", str(workers), "-q", *flags]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=course, env=_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"course grade failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


VARIANTS = {
    "nbgrader": "serial `nbgrader autograde`",
    "course": "course grade --workers N --no-feedback",
    "course+feedback": "course grade --workers N (feedback HTML too)",
    "course-no-preload": "course grade --workers N --no-feedback --no-preload",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", default="01_tensors")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--feedback", action="store_true",
                        help="also time course grade with feedback HTML")  # fmt: skip
    parser.add_argument("--no-preload", action="store_true",
                        help="also time course grade without the zygote")  # fmt: skip
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS),
                        help="run just these variants")  # fmt: skip
    args = parser.parse_args()
    names = args.only or ["nbgrader", "course"] + ["course+feedback"] * args.feedback + [
        "course-no-preload"] * args.no_preload  # fmt: skip
    run = {
        "nbgrader": lambda c: run_serial_nbgrader(c, args.chapter),
        "course": lambda c: run_course_grade(c, args.chapter, args.workers, "--no-feedback"),
        "course+feedback": lambda c: run_course_grade(c, args.chapter, args.workers),
        "course-no-preload": lambda c: run_course_grade(
            c, args.chapter, args.workers, "--no-feedback", "--no-preload"),
    }  # fmt: skip
    os.environ.update({k: v for k, v in _env().items() if k not in os.environ})
    print(f"{args.submissions} fast-mode submissions of {args.chapter}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; {args.runs} run(s) each")  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        prepared = prepare(base, args.chapter, args.submissions)
        full = None
        for i in range(args.runs):
            for name in names:  # alternate, so that other load hits every variant
                course = base / f"{name}-{i}"
                shutil.copytree(prepared, course)
                elapsed = run[name](course)
                got = scores(course, args.chapter)
                full = full or got[-1]
                if len(got) != args.submissions or set(got) != {full}:
                    raise SystemExit(f"{name}: unexpected scores {got}")
                times[name].append(elapsed)
                print(f"run {i + 1}: {name:18s} {elapsed:7.1f} s  "
                      f"({elapsed / args.submissions:.1f} s per submission, "
                      f"load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
                shutil.rmtree(course)
    med = {k: statistics.median(v) for k, v in times.items()}
    print()
    for name in names:
        line = f"median {VARIANTS[name].replace('N', str(args.workers)):50s} {med[name]:7.1f} s"
        if name != "nbgrader" and "nbgrader" in med:
            line += f"   speed-up {med['nbgrader'] / med[name]:.2f}x"
        print(line)
    if "nbgrader" in med and "course" in med:
        print(f"goal: 1.8x on 2 cores; course grade: {med['nbgrader'] / med['course']:.2f}x")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading.json").write_text(json.dumps({
        "submissions": args.submissions, "chapter": args.chapter, "workers": args.workers,
        "cores": os.cpu_count(), "times": times, "median": med,
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
