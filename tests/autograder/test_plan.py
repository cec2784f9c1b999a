"""Planning a run (course/grading/autograder/plan.py, state.py) and screening a submission
(screening.py), without grading anything."""

from __future__ import annotations

import os

import nbformat
import pytest

from course.grading.autograder.plan import _git_dirs, preload_modules
from course.grading.autograder.screening import copy_plain, suspicious
from course.grading.autograder.state import State, hash_tree
from course.grading.config import CourseConfig

from ..conftest import ROOT


def test_preload_modules_are_the_chapters_top_level_imports(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\nimport os.path"),
        nbformat.v4.new_code_cell("from json import dumps\nfrom . import nothing\n!ls"),
        nbformat.v4.new_code_cell("import no_such_module_here\ndef broken(:"),
        nbformat.v4.new_code_cell("import no_such_module_here"),
    ]
    nbformat.write(nb, tmp_path / "ch.ipynb")
    assert preload_modules(tmp_path) == ["numpy", "os", "json"]


def test_git_data_of_a_worktree_is_found_through_its_git_file(tmp_path):
    common = tmp_path / "main" / ".git"
    gitdir = common / "worktrees" / "wt"
    gitdir.mkdir(parents=True)
    (gitdir / "commondir").write_text("../..\n")
    checkout = tmp_path / "wt"
    (checkout / "sub").mkdir(parents=True)
    (checkout / ".git").write_text(f"gitdir: {gitdir}\n")
    assert _git_dirs(checkout / "sub") == [checkout / ".git", gitdir, common]
    assert _git_dirs(tmp_path / "main") == [common]


def test_hashes_leave_out_what_nbgrader_ignores(tmp_path):
    config = CourseConfig.read(ROOT)
    (tmp_path / "a.ipynb").write_text("{}")
    before = hash_tree(tmp_path, config)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{}")
    (tmp_path / "wrong_answers.py").write_text("WRONG_ANSWERS = []")
    assert hash_tree(tmp_path, config) == before
    (tmp_path / "data.csv").write_text("1,2")
    assert hash_tree(tmp_path, config) != before


def test_one_run_at_a_time_per_course_folder(tmp_path):
    with State(tmp_path) as state:
        state.sources["ch"] = "h"
        state.save()
        with pytest.raises(ValueError, match="another `course grade` is running"):
            State(tmp_path)
    with State(tmp_path) as again:
        assert again.sources == {"ch": "h"}


def test_only_plain_files_are_copied(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "data").mkdir(parents=True)
    (src / "nb.ipynb").write_text("{}")
    (src / "data" / "x.csv").write_text("1")
    os.symlink("/etc/passwd", src / "link")
    os.mkfifo(src / "fifo")
    assert copy_plain(src, dest) == ["fifo (not a regular file)", "link (a symbolic link)"]
    assert sorted(p.name for p in dest.rglob("*")) == ["data", "nb.ipynb", "x.csv"]


def test_suspicious_code_is_flagged_only_in_cells_a_student_writes():
    nb = nbformat.v4.new_notebook()
    locked = nbformat.v4.new_code_cell("import sys; sys.modules")
    locked.metadata["nbgrader"] = {"locked": True, "grade_id": "setup"}
    nb.cells = [locked, nbformat.v4.new_code_cell("import course.checks\nos._exit(0)")]
    assert suspicious(nb) == ["patches the test helpers", "stops or crashes the kernel"]
