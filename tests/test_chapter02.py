"""Chapter 2 (MLPs): its round trip, and the chapter's own rules for its test cells.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/02_mlp/wrong_answers.py`` is caught as declared. The static checks every
chapter shares (points, headings, markers, wrong-answer list) are in tests/test_chapters.py;
the ones below are Chapter 2's own: test cells read no lesson variables, sections name
their data apart.
"""

from __future__ import annotations

import re

import nbformat

from . import harness
from .conftest import ROOT

CHAPTER = "02_mlp"
NOTEBOOK = ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"

# exercise: (visible points, hidden points), by difficulty; 30 in all, as the first cell says
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


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS


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


def test_sections_do_not_share_data_names():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for generic in ("x_train", "x_test", "y_train", "y_test", "train_data", "test_data"):
        assert not re.search(rf"(?<![\w.]){generic}\b", code), f"{generic} is shared by sections"


def test_fit_points_back_to_chapter_1():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "How a network learns" in text
