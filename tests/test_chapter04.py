"""Chapter 4's exercises: every classic mistake in wrong_answers.py loses points.

The solution notebook runs once in this process (fast mode: small photos, 3 epochs,
under a minute on two cores), then each wrong answer replaces its exercise's solution,
the exercise's visible and hidden test cells run again, and the solution is restored
(see tests/harness.py).
"""

from __future__ import annotations

from collections import Counter

import nbformat
import pytest

from . import harness
from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "04_augmentation" / "04_augmentation.ipynb"
WRONG = harness.wrong_answers(NOTEBOOK)

# exercise -> (visible points, hidden points), as the notebook's headings state them
POINTS = {
    "split_files": (2, 3),
    "load_folder": (2, 2),
    "feature_map_size": (1, 2),
    "build_convnet": (2, 2),
    "overfitting_epoch": (1, 2),
    "make_augmentation": (1, 2),
    "build_augmented_convnet": (2, 2),
    "binary_accuracy": (1, 2),
}

pytestmark = pytest.mark.slow  # trains the chapter's two convnets (fast mode)


@pytest.fixture(scope="module")
def chapter(data, monkeypatch_module):
    monkeypatch_module.setenv("COURSE_FAST", "1")
    return harness.Chapter.run(NOTEBOOK)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_points_match_the_headings():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    expected = {}
    for ex, (visible, hidden) in POINTS.items():
        expected.update({f"{ex}_visible": visible, f"{ex}_hidden": hidden})
    assert points == expected
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for ex, (visible, hidden) in POINTS.items():
        assert f"`{ex}` ({visible + hidden} points)" in text, ex


def test_every_exercise_has_three_wrong_answers_and_one_it_is_about():
    count = Counter(w.exercise for w in WRONG)
    assert set(count) == set(POINTS)
    assert min(count.values()) >= 3, count
    about = Counter(w.exercise for w in WRONG if w.about)
    assert about == Counter(set(POINTS)), about
    assert all(w.message for w in WRONG if w.about)
    assert len({(w.exercise, w.name) for w in WRONG}) == len(WRONG)


def test_the_solution_passes_every_test(chapter):
    assert chapter.exercises() == set(POINTS)
    for grade_id in chapter.points:
        assert chapter.outcome(grade_id) is None, grade_id


@pytest.mark.parametrize("wrong", WRONG, ids=harness.wrong_id)
def test_wrong_answer_is_caught(chapter, wrong):
    harness.assert_caught(chapter, wrong)
