"""Chapter 2's exercises: every wrong answer in solutions/02_mlp/wrong_answers.py is caught.

The solution notebook runs once in-process (fast mode, it trains small models for about
a minute; see tests/harness.py); then each wrong answer replaces its exercise, the
exercise's visible and hidden tests run again, and the solution is restored, as in
`course check`. The other tests check the notebook's shape: points by difficulty,
stated in the headings, hidden-test markers, self-contained tests.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from . import harness
from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "02_mlp" / "02_mlp.ipynb"

pytestmark = pytest.mark.slow  # trains the chapter's models (fast mode, about a minute)

# exercise: (visible points, hidden points), by difficulty
POINTS = {
    "build_mlp": (1, 2),
    "decode_review": (1, 1),
    "chance_accuracy": (1, 1),
    "standardize": (1, 2),
    "k_fold_indices": (2, 2),
    "loss_for": (2, 2),
    "l2_penalty": (1, 1),
    "apply_dropout": (1, 2),
    "build_regularized_imdb_model": (1, 2),
    "early_stopping_epochs": (2, 2),
}

WRONG = harness.wrong_answers(NOTEBOOK)


@pytest.fixture(scope="module")
def chapter(data):
    return harness.Chapter.run(NOTEBOOK)


@pytest.mark.parametrize("wrong", WRONG, ids=harness.wrong_id)
def test_wrong_answer_is_caught(chapter, wrong):
    harness.assert_caught(chapter, wrong)


def test_every_exercise_has_wrong_answers():
    for exercise in POINTS:
        mine = [w for w in WRONG if w.exercise == exercise]
        assert len(mine) >= 3, f"{exercise}: only {len(mine)} wrong answers"
        assert sum(w.about for w in mine) == 1, f"{exercise}: exactly one about=True"
        assert any("hard-coded" in w.name for w in mine), f"{exercise}: no hard-coded answer"
    assert {w.exercise for w in WRONG} == set(POINTS)


def _graded() -> dict[str, dict]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}  # fmt: skip


def test_points_by_difficulty_as_stated_in_the_headings():
    graded = _graded()
    assert {gid.rsplit("_", 1)[0] for gid in graded} == set(POINTS)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    headings = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for name, (visible, hidden) in POINTS.items():
        assert graded[f"{name}_visible"]["points"] == visible
        assert graded[f"{name}_hidden"]["points"] == hidden
        heading = re.search(rf"### ✏️ Exercise \d+ — `{name}`.*\((\d+) points\)", headings)
        assert heading, f"no heading '✏️ Exercise N — `{name}`: ... (N points)'"
        assert int(heading.group(1)) == visible + hidden
    assert sum(v + h for v, h in POINTS.values()) == 30
    assert "30 points" in nb.cells[0].source


def test_hidden_test_cells_are_marked():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_hidden"):
            lines = cell.source.splitlines()
            assert lines[0] == "# Hidden tests run here when your notebook is graded."
            assert lines[1] == "### BEGIN HIDDEN TESTS" and lines[-1] == "### END HIDDEN TESTS"
        elif grade_id.endswith("_visible"):
            assert "### BEGIN HIDDEN TESTS" not in cell.source
            assert cell.source.rstrip().endswith('print("✓ visible tests passed")')


# Lesson variables a test cell must not read: tests build their own fixtures, so that a
# test re-runs after a kernel restart (setup cell + answer + test) without retraining.
LESSON_STATE = re.compile(
    r"\b(mnist_x_\w+|imdb_\w+|xr_\w+|yr_\w+|xb_\w+|train_\w+|test_\w+|reuters_\w+|"
    r"boston_\w+|stopped\w*|l2_model|\w+_ds|word_index|rng)\b"
)


def test_tests_are_self_contained():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            code = re.sub(r"(\"[^\"\n]*\"|'[^'\n]*')", "''", cell.source)  # not in strings
            code = re.sub(r"#.*", "", code)  # nor in comments
            found = set(LESSON_STATE.findall(code)) - {"_word_index"}
            assert not found, f"{meta['grade_id']} reads lesson variables {found}"


def test_no_lesson_cell_asserts_a_random_outcome():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            assert not re.search(r"^\s*check\w*\(", cell.source, re.M), cell.source[:200]


def test_sections_do_not_share_data_names():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for generic in ("x_train", "x_test", "y_train", "y_test", "train_data", "test_data"):
        assert not re.search(rf"(?<![\w.]){generic}\b", code), f"{generic} is shared by sections"


def test_fit_points_back_to_chapter_1():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "How a network learns" in text
