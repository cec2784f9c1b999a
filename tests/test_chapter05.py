"""Chapter 5 (transfer learning): every classic mistake in wrong_answers.py loses points.

The solution notebook runs once in this process (fast mode: MobileNetV2 alpha 0.35 on
96-px photos, 100 per class, weights from the data mirror), then each wrong answer
replaces its exercise's solution, the exercise's visible and hidden test cells run
again, and the solution is restored (tests/harness.py, the same steps as
``course check``). No download is attempted: the run fails if keras tries one.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from . import harness
from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "05_transfer" / "05_transfer.ipynb"
WRONG = harness.wrong_answers(NOTEBOOK)
HARD_CODED = [w for w in WRONG if w.name.startswith("hard-coded")]

pytestmark = pytest.mark.slow  # runs MobileNetV2 and trains small models (fast mode)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def chapter(data, monkeypatch_module):
    import keras.src.utils.file_utils as file_utils

    def refuse(*args, **kwargs):
        raise AssertionError(f"the chapter tried to download {args[:1]}")

    monkeypatch_module.setenv("COURSE_FAST", "1")
    monkeypatch_module.setattr(file_utils, "urlretrieve", refuse)
    return harness.Chapter.run(NOTEBOOK)


@pytest.mark.parametrize("wrong", WRONG, ids=harness.wrong_id)
def test_wrong_answer_is_caught(chapter, wrong):
    harness.assert_caught(chapter, wrong)


@pytest.mark.parametrize("wrong", HARD_CODED, ids=harness.wrong_id)
def test_hard_coded_answer_passes_visible_and_fails_hidden(chapter, wrong):
    """A hard-coded answer passes the visible test (a real cheat); the hidden test catches it."""
    ex = wrong.exercise
    try:
        chapter.exec(wrong.code, f"wrong answer {wrong.name}")
        visible = chapter.outcome(f"{ex}_visible")
        hidden = chapter.outcome(f"{ex}_hidden")
    finally:
        chapter.exec(chapter.cells[ex], ex)
    assert visible is None, f"{ex}: the hard-coded answer fails the visible test:\n{visible}"
    assert hidden is not None, f"{ex}: the hidden test passes the hard-coded answer"


def test_every_exercise_has_its_wrong_answers(chapter):
    exercises = chapter.exercises()
    assert len(exercises) >= 8
    listed = {w.exercise for w in WRONG}
    assert listed == exercises, f"exercises without wrong answers: {exercises - listed}"
    for ex in sorted(exercises):
        mine = [w for w in WRONG if w.exercise == ex]
        assert len(mine) >= 3, f"{ex}: only {len(mine)} wrong answers"
        assert sum(w.about for w in mine) == 1, f"{ex}: exactly one wrong answer is about=True"
        assert all(w.message for w in mine if w.about), f"{ex}: the about=True one needs a message"
        assert any(w.name.startswith("hard-coded") for w in mine), f"{ex}: no hard-coded answer"


def test_the_lesson_used_the_mirror_weights_and_data(chapter):
    ns = chapter.ns
    assert ns["base"].count_params() == 410_208  # fast mode: alpha 0.35
    assert ns["features_train"].shape == (200, 3, 3, 1280)  # 96-px photos, 100 per class
    assert ns["middle_train"].shape[1:] == (3, 3, 56)
    assert ns["n_top"] == 20


def _graded_cells():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    headings, points, sources = {}, {}, {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for m in re.finditer(r"✏️ Exercise (\d+) — `(\w+)` \((\d+) points?\)", cell.source):
                headings[m.group(2)] = int(m.group(3))
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            points[meta["grade_id"]] = meta["points"]
            sources[meta["grade_id"]] = cell.source
    return headings, points, sources


def test_points_are_as_stated_in_the_headings():
    headings, points, _ = _graded_cells()
    assert len(headings) >= 8
    for ex, stated in headings.items():
        assert points[f"{ex}_visible"] >= 1 and points[f"{ex}_hidden"] >= 1, ex
        assert points[f"{ex}_visible"] + points[f"{ex}_hidden"] == stated, (
            f"{ex}: the heading says {stated} points, the test cells give "
            f"{points[f'{ex}_visible']} + {points[f'{ex}_hidden']}"
        )
    assert {gid.rsplit("_", 1)[0] for gid in points} == set(headings)


def test_hidden_test_cells_are_marked():
    _, _, sources = _graded_cells()
    for grade_id, source in sources.items():
        if grade_id.endswith("_hidden"):
            lines = source.splitlines()
            assert lines[0] == "# Hidden tests run here when your notebook is graded."
            assert lines[1] == "### BEGIN HIDDEN TESTS" and lines[-1] == "### END HIDDEN TESTS"
        else:
            assert "### BEGIN HIDDEN TESTS" not in source
            assert source.rstrip().endswith('print("✓ visible tests passed")')
