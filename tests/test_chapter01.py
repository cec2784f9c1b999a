"""Chapter 1 (tensors, how networks learn): its round trip, and self-contained tests.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/01_tensors/wrong_answers.py`` is caught as declared. The static checks every
chapter shares (points, headings, markers, wrong-answer list) are in tests/test_chapters.py.
"""

from __future__ import annotations

import nbformat

from . import harness
from .conftest import ROOT

CHAPTER = "01_tensors"
NOTEBOOK = ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb"

# exercise: (visible points, hidden points), by difficulty; 40 in all, as the first cell says
POINTS = {
    "images_to_vectors": (1, 1),
    "broadcast_shape": (1, 2),
    "get_batch": (1, 1),
    "to_one_hot": (1, 1),
    "vectorize_sequences": (1, 2),
    "dense_forward": (1, 1),
    "mse": (1, 1),
    "gradient_step": (1, 1),
    "mse_grad": (1, 2),
    "fit_linear": (2, 3),
    "sigmoid": (1, 2),
    "bce_grad": (1, 2),
    "numerical_gradient": (1, 2),
    "train_step": (2, 3),
}


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS


def _grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def test_tests_are_self_contained():
    """Every test cell passes with only the imports, the solutions and the lesson's MLP
    helpers defined: a fresh kernel, no lesson data (e.g. no `x` from a lesson cell). They
    run last to first, so no test leans on what an earlier one left (students re-run cells
    in any order); in notebook order, after the whole lesson, they run in the round trip."""
    import matplotlib

    matplotlib.use("Agg")
    cells = [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    ns: dict = {"__name__": "__fresh__"}
    exec(cells[0].source, ns)  # the imports
    needed = [c for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    needed += [c for c in cells if "def mlp_loss" in c.source]
    for cell in needed:
        source = cell.source
        if "def mlp_loss" in source:  # only the definitions, not the demo at the end
            source = source.split("\ndemo_vars")[0]
        exec(source, ns)
    tests = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    for cell in reversed(tests):
        exec(compile(cell.source, f"<{_grade_id(cell)}>", "exec"), ns)
