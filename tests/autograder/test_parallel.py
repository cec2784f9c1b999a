"""Parallel vs serial: 10 submissions graded by `course grade` with 2 workers and by plain
serial `nbgrader autograde` get identical scores, with no lost rows."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from course.grading import grade
from course.grading.limits import Limits
from course.grading.runner import run_nbgrader

from ..hostile import TINY, Builder, write_submission
from .conftest import TINY_LIMITS, tiny_course

#: submissions per run: two of each kind, enough for two workers to interleave
N = 10


@pytest.mark.slow
def test_parallel_grades_equal_serial_nbgrader(tmp_path):
    project, course, builder = tiny_course(tmp_path / "a")
    kinds = {
        "correct": (builder.solved(), 6),
        "blank": (builder.blank(), 0),
        "hard": (Builder.set(builder.blank(), "add", "def add(a, b):\n    return 3"), 1),
        "half": (builder.solved(except_ids=("square",)), 3),
        "deleted": (Builder.delete(builder.solved(), "add_hidden"), 6),  # put back and run
    }
    expected = {}
    for i in range(N):
        kind = list(kinds)[i % len(kinds)]
        write_submission(course, TINY, f"s{i:02d}-{kind}", TINY, kinds[kind][0])
        expected[f"s{i:02d}-{kind}"] = kinds[kind][1]
    serial = tmp_path / "serial"
    shutil.copytree(course, serial)
    # kernels started the plain way here (the hostile run above forks them from a zygote)
    report = grade(course, workers=2, limits=Limits(**TINY_LIMITS), project=project,
                   feedback=False, progress=False, preload=False)  # fmt: skip
    assert report.internal_errors == [] and len(report.graded) == N
    # plain nbgrader, one at a time, configured as `course grade` configures it
    run_nbgrader(serial, "autograde", TINY, "--force", "--OverwriteCells.add_missing_cells=True")
    from nbgrader.api import Gradebook

    def scores(folder: Path) -> dict[str, float]:
        with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
            return {s.student_id: s.score for s in gb.find_assignment(TINY).submissions}

    parallel = scores(course)
    assert len(parallel) == N
    assert parallel == scores(serial) == expected
    assert {o.student: o.score for o in report.outcomes} == expected
    db = sqlite3.connect(course / "gradebook.db")
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert db.execute("select count(*) from submitted_assignment").fetchone() == (N,)
    assert db.execute("select count(*) from grade").fetchone() == (N * 4,)
