"""Chapter 6's exercises: every classic mistake in wrong_answers.py loses points.

The solution notebook runs once in this process (fast mode: small subsets, one or two
epochs, about a minute); then each wrong answer replaces its exercise's solution, the
exercise's visible and hidden tests run, and the solution is restored (tests/harness.py).
"""

from __future__ import annotations

import re

import nbformat
import pytest

from . import harness
from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "06_rnn" / "06_rnn.ipynb"
EXERCISES = {
    "rnn_forward", "rnn_params", "pad_truncate", "build_lstm_classifier", "chronological_split",
    "standardize_series", "make_windows", "naive_mae", "beats_baseline",
}  # fmt: skip

pytestmark = pytest.mark.slow  # trains the chapter's models (fast mode, about a minute)


@pytest.fixture(scope="module")
def chapter(data, monkeypatch_module):
    return harness.Chapter.run(NOTEBOOK)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_FAST", "1")
    mp.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    yield mp
    mp.undo()


@pytest.mark.parametrize("wrong", harness.wrong_answers(NOTEBOOK), ids=harness.wrong_id)
def test_wrong_answer_is_caught(chapter, wrong):
    harness.assert_caught(chapter, wrong)


def test_every_exercise_has_wrong_answers():
    wrongs = harness.wrong_answers(NOTEBOOK)
    assert {w.exercise for w in wrongs} == EXERCISES
    for exercise in EXERCISES:
        mine = [w for w in wrongs if w.exercise == exercise]
        assert len(mine) >= 3, f"{exercise}: only {len(mine)} wrong answers"
        assert sum(w.about for w in mine) == 1, f"{exercise}: needs exactly one about=True"
        assert any("hard-coded" in w.name for w in mine), f"{exercise}: no hard-coded answer"
        assert all(w.message for w in mine if w.about), f"{exercise}: about without message"


def test_points_are_as_stated_in_the_headings():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    stated: dict[str, int] = {}
    points: dict[str, float] = {}
    heading_points = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"✏️ Exercise \d+ — [^\n]*\((\d+) points?\)", cell.source)
            if match:
                heading_points = int(match.group(1))
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            stated[meta["grade_id"]] = heading_points
        if meta.get("grade"):
            exercise = meta["grade_id"].rsplit("_", 1)[0]
            points[exercise] = points.get(exercise, 0) + meta["points"]
    assert set(stated) == EXERCISES and set(points) == EXERCISES
    for exercise in EXERCISES:
        assert points[exercise] == stated[exercise], exercise


def test_test_cells_are_marked():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    ids = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        ids.append(grade_id)
        if grade_id.endswith("_hidden"):
            lines = cell.source.splitlines()
            assert lines[0] == "# Hidden tests run here when your notebook is graded."
            assert lines[1] == "### BEGIN HIDDEN TESTS" and lines[-1] == "### END HIDDEN TESTS"
        elif grade_id.endswith("_visible"):
            assert "### BEGIN HIDDEN TESTS" not in cell.source
            assert cell.source.rstrip().endswith('print("✓ visible tests passed")')
    for exercise in EXERCISES:
        i = ids.index(exercise)
        assert ids[i + 1 : i + 3] == [f"{exercise}_visible", f"{exercise}_hidden"]
