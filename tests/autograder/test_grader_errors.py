"""The grader's own failures are never a student's zero: nothing is written to the
gradebook, the CLI exits 1, and the next run grades the submissions again."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from course.cli import app
from course.grading import grade
from course.grading.limits import Limits

from ..hostile import TINY, write_submission
from .conftest import TINY_LIMITS, tiny_course


@pytest.mark.slow
def test_grader_failure_is_not_recorded_as_a_zero(tmp_path):
    from nbgrader.api import Gradebook

    project, course, builder = tiny_course(tmp_path)
    write_submission(course, TINY, "ann", TINY, builder.solved())
    write_submission(course, TINY, "ben", TINY, builder.blank())
    # 16 MB: no Python kernel can even start, before any of the students' code runs
    broken = Limits(cell_timeout=10, notebook_timeout=20, memory=16 << 20, processes=64)
    result = CliRunner().invoke(app, ["grade", "-C", str(course), "--project", str(project),
                                      "--memory", "16M", "--cell-timeout", "10",
                                      "--notebook-timeout", "20", "-q", "-j", "1"],
                                terminal_width=250)  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "not graded: grader error" in result.output and "did not start" in result.output
    report = grade(course, workers=1, limits=broken, project=project, progress=False,
                   feedback=False)  # fmt: skip
    for outcome in report.outcomes:
        assert outcome.not_graded and not outcome.skipped, outcome
        assert outcome.messages[0].startswith("not graded: grader error: "), outcome.messages
    assert report.summary()[0]["not graded"] == 2 and report.summary()[0]["zero"] == 0
    assert len(report.internal_errors) == 2
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_assignment(TINY).submissions == []  # no zero written for anyone
    assert not (course / "autograded").exists() or not any((course / "autograded").iterdir())
    # the next run, with the grader fixed, grades them (nothing was skipped as done)
    fixed = grade(course, workers=1, limits=Limits(**TINY_LIMITS), project=project,
                  progress=False, feedback=False)  # fmt: skip
    assert {o.student: (o.score, o.status) for o in fixed.outcomes} == {
        "ann": (6, "ok"), "ben": (0, "ok")}  # fmt: skip
    assert fixed.internal_errors == []
