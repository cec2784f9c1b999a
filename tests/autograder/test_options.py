"""GradeOptions (course/grading/autograder/options.py): built once, checked, frozen; and the
times the grader itself waits, each defined once."""

from __future__ import annotations

import dataclasses
import os

import pytest
from typer.testing import CliRunner

from course.cli import app
from course.grading.autograder import GradeOptions
from course.grading.autograder.options import JOB_SLACK
from course.grading.limits import Limits

from ..conftest import ROOT


def test_missing_course_folder_is_a_clean_cli_error(tmp_path):
    result = CliRunner().invoke(app, ["grade", "-C", str(tmp_path)], terminal_width=300)
    assert result.exit_code == 2 and "has no" in result.output and "Traceback" not in result.output


def test_options_are_checked_completed_and_frozen(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no submitted/"):
        GradeOptions.create(tmp_path)
    (tmp_path / "submitted").mkdir()
    options = GradeOptions.create(tmp_path, ["01_tensors"], workers=2, project=ROOT)
    assert options.course == tmp_path.resolve() and options.project == ROOT.resolve()
    assert options.chapters == ("01_tensors",) and options.workers == 2
    assert options.limits.threads_per_kernel == max(1, (os.cpu_count() or 1) // 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.force = True  # type: ignore[misc]
    one = GradeOptions.create(tmp_path, workers=1, project=ROOT, limits=Limits(memory=None))
    assert one.limits.threads_per_kernel is None and one.limits.memory is None


def test_a_worker_counts_as_stuck_only_well_past_the_limits():
    from course.grading.autograder.dispatch import job_timeout

    job = _job(Limits(notebook_timeout=100), notebooks=("a", "b"))
    per_notebook = 100 + 120 + JOB_SLACK  # the notebook, the kernel's start-up, the rest
    assert job_timeout(job, startup_timeout=120) == 2 * per_notebook + JOB_SLACK
    assert job_timeout(_job(Limits(notebook_timeout=None)), startup_timeout=120) is None


def test_the_startup_timeout_comes_from_nbgrader_config():
    from course.grading.config import CourseConfig, load

    assert CourseConfig.read(ROOT).startup_timeout == load(ROOT).Execute.startup_timeout


def _job(limits: Limits, notebooks=("a",)):
    from course.grading.protocol import AssignmentSpec, Job, RunSettings

    spec = AssignmentSpec("ch", "t.db", notebooks, "src", "solutions", None)
    return Job(0, "s", "k", "sub", "root", spec, RunSettings("c", limits, True, "w", (), ()))
