"""Chapter 7 (the Keras workflow): every listed wrong answer loses points.

The solution notebook runs once in this process (fast mode: it trains a few small
models, runs two short tuner searches and a scikit-learn cross-validation, about a
minute on an idle machine); then each wrong answer from
``solutions/07_workflow/wrong_answers.py`` replaces its exercise, the exercise's
visible and hidden tests run, and the solution is restored (``tests/harness.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from . import harness
from .conftest import ROOT

CHAPTER = ROOT / "solutions" / "07_workflow"
NOTEBOOK = CHAPTER / "07_workflow.ipynb"
WRONG = harness.wrong_answers(NOTEBOOK)

pytestmark = pytest.mark.slow  # trains the chapter's models (fast mode)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def chapter(data, monkeypatch_module):
    monkeypatch_module.setenv("COURSE_FAST", "1")
    before = _files(CHAPTER)
    result = harness.Chapter.run(NOTEBOOK)
    result.new_files = _files(CHAPTER) - before
    return result


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("wrong", WRONG, ids=harness.wrong_id)
def test_wrong_answer_is_caught(chapter, wrong):
    harness.assert_caught(chapter, wrong)


def test_every_exercise_has_its_wrong_answers(chapter):
    exercises = chapter.exercises()
    assert len(exercises) >= 8
    listed = {w.exercise for w in WRONG}
    assert listed == exercises, f"wrong answers for {listed ^ exercises}"
    for name in exercises:
        mine = [w for w in WRONG if w.exercise == name]
        assert len(mine) >= 3, f"{name}: only {len(mine)} wrong answers"
        assert sum(w.about for w in mine) == 1, f"{name}: exactly one wrong answer is about=True"
        assert any("hard-coded" in w.name for w in mine), f"{name}: no hard-coded answer"
        assert all(w.message for w in mine if w.about)


def test_points_are_as_stated_in_the_headings(chapter):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    stated = {}
    for cell in nb.cells:
        match = re.search(r"✏️ Exercise \d+ — `(\w+)`.*\((\d+) points?\)", cell.source)
        if cell.cell_type == "markdown" and match:
            stated[match.group(1)] = int(match.group(2))
    for name in chapter.exercises():
        assert name in stated, f"no heading '✏️ Exercise N — `{name}` (P points)'"
        got = chapter.points[f"{name}_visible"] + chapter.points[f"{name}_hidden"]
        assert got == stated[name], f"{name}: the heading says {stated[name]}, the tests give {got}"


def test_hidden_and_visible_cells_are_marked():
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_hidden"):
            lines = cell.source.splitlines()
            assert lines[0] == "# Hidden tests run here when your notebook is graded."
            assert lines[1] == "### BEGIN HIDDEN TESTS" and lines[-1] == "### END HIDDEN TESTS"
        elif grade_id.endswith("_visible"):
            assert "### BEGIN HIDDEN TESTS" not in cell.source
            assert cell.source.rstrip().endswith('print("✓ visible tests passed")')


def test_the_notebook_leaves_no_files_behind(chapter):
    assert chapter.new_files == set(), f"files written into the repo: {chapter.new_files}"
    assert not Path(chapter.ns["WORK"]).exists(), "the working folder was not deleted"
