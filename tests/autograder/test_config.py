"""The course config reader (course/grading/config.py) and the nbgrader runner
(course/grading/runner.py): each the one place for what it does."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from course.grading.config import CourseConfig, load
from course.grading.runner import NbgraderError, nbgrader_env, run_nbgrader

from ..conftest import ROOT


def test_the_project_config_is_read_once_with_its_ignore_list():
    config = CourseConfig.read(ROOT)
    raw = load(ROOT)
    assert (config.source, config.release) == ("solutions", "notebooks")
    assert config.ignore == tuple(raw.CourseDirectory.ignore)
    assert config.startup_timeout == raw.Execute.startup_timeout
    assert config.ignored(Path("01_tensors/.ipynb_checkpoints/x.ipynb"))
    assert config.ignored(Path("01_tensors/wrong_answers.py"))  # instructor-only
    assert not config.ignored(Path("01_tensors/01_tensors.ipynb"))


def test_nbgraders_defaults_fill_in_what_the_file_leaves_out(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    config = CourseConfig.read(tmp_path)
    assert (config.source, config.submitted) == ("source", "submitted")
    assert ".ipynb_checkpoints" in config.ignore


def test_nbgrader_runs_with_this_pythons_tools_and_says_why_it_failed(tmp_path):
    env = nbgrader_env(EXTRA="1")
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert env["PYTHONUNBUFFERED"] == "1" and env["EXTRA"] == "1"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(NbgraderError, match=r"`nbgrader generate_assignment nope` failed \(exit"):
        run_nbgrader(tmp_path, "generate_assignment", "nope")
