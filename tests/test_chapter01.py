"""Chapter 1: the tests catch every classic mistake, are self-contained, and score as stated.

The solution notebook runs once in-process (fast mode, about 40 s: it trains a small
MNIST network twice). Then each wrong answer of ``solutions/01_tensors/wrong_answers.py``
replaces its exercise's solution, the exercise's visible and hidden tests run, and the
solution is restored (``tests/harness.py``, the same steps as ``course check``): every
wrong answer must fail a test, the one the exercise is about must fail the *visible* test
with a message naming the mistake, and hard-coded answers must fail the hidden test.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from . import harness
from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "01_tensors" / "01_tensors.ipynb"
WRONG = harness.wrong_answers(NOTEBOOK)

pytestmark = pytest.mark.slow  # runs the chapter (fast mode): about a minute


@pytest.fixture(scope="module")
def chapter(data):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_FAST", "1")
        yield harness.Chapter.run(NOTEBOOK)


@pytest.mark.parametrize("wrong", WRONG, ids=harness.wrong_id)
def test_wrong_answer_is_caught(chapter, wrong):
    harness.assert_caught(chapter, wrong)


def _cells():
    return nbformat.read(NOTEBOOK, as_version=4).cells


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def test_every_exercise_has_its_wrong_answers(chapter):
    exercises = chapter.exercises()
    assert len(exercises) >= 14  # 6 on tensors, 8 on learning
    listed = {w.exercise for w in WRONG}
    assert listed == exercises, f"exercises without wrong answers: {exercises - listed}"
    for exercise in exercises:
        mine = [w for w in WRONG if w.exercise == exercise]
        assert len(mine) >= 3, f"{exercise}: only {len(mine)} wrong answers"
        about = [w for w in mine if w.about]
        assert len(about) == 1, f"{exercise}: {len(about)} wrong answers marked about=True"
        assert about[0].message, f"{exercise}: the central mistake needs a message"
        assert any("hard-coded" in w.name for w in mine), f"{exercise}: no hard-coded answer"
    assert len({(w.exercise, w.name) for w in WRONG}) == len(WRONG), "duplicate names"


def test_points_are_as_stated_in_the_headings(chapter):
    """Each exercise heading says '(N points)': N = visible + hidden points."""
    stated, heading = {}, None
    for cell in _cells():
        if cell.cell_type == "markdown":
            found = re.search(r"✏️ Exercise \d+ — .*\((\d+) points?\)", cell.source)
            heading = int(found.group(1)) if found else heading
        elif cell.metadata.get("nbgrader", {}).get("solution"):
            assert heading is not None, f"{_grade_id(cell)}: no '(N points)' heading above it"
            stated[_grade_id(cell)] = heading
            heading = None
    assert set(stated) == chapter.exercises()
    for exercise, points in stated.items():
        visible = chapter.points[f"{exercise}_visible"]
        hidden = chapter.points[f"{exercise}_hidden"]
        assert visible >= 1 and hidden >= 1
        assert visible + hidden == points, f"{exercise}: heading {points}, cells {visible}+{hidden}"
    assert sum(stated.values()) == 40  # as the first cell says


def test_tests_are_self_contained(chapter):
    """Every test cell passes with only the imports, the solutions and the lesson's MLP
    helpers defined: a fresh kernel, no lesson data (e.g. no `x` from a lesson cell)."""
    import matplotlib

    matplotlib.use("Agg")
    cells = [c for c in _cells() if c.cell_type == "code"]
    ns: dict = {"__name__": "__fresh__"}
    exec(cells[0].source, ns)  # the imports
    needed = [c for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    needed += [c for c in cells if "def mlp_loss" in c.source]
    for cell in needed:
        source = cell.source
        if "def mlp_loss" in source:  # only the definitions, not the demo at the end
            source = source.split("\ndemo_vars")[0]
        exec(source, ns)
    for cell in cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            exec(compile(cell.source, f"<{_grade_id(cell)}>", "exec"), ns)


def test_tests_pass_again_in_any_order(chapter):
    """After the whole notebook ran, the test cells pass again, last to first (the
    wrong-answer checker re-runs them after the notebook; students re-run cells)."""
    for grade_id in reversed(list(chapter.points)):
        assert chapter.outcome(grade_id) is None, grade_id


def test_hidden_test_cells_are_marked():
    for cell in _cells():
        grade_id = _grade_id(cell)
        if grade_id.endswith("_hidden"):
            lines = cell.source.splitlines()
            assert lines[0] == "# Hidden tests run here when your notebook is graded."
            assert lines[1] == "### BEGIN HIDDEN TESTS" and lines[-1] == "### END HIDDEN TESTS"
        elif grade_id.endswith("_visible"):
            assert "### BEGIN HIDDEN TESTS" not in cell.source
            assert cell.source.rstrip().endswith('print("✓ visible tests passed")')
