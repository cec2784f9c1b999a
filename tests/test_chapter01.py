"""Chapter 1's exercises: hidden tests catch answers hard-coded to pass the visible ones.

The solution notebook is executed in-process once; then, exercise by exercise,
the student's function is replaced by a "cheat" that returns the visible
test's expected output. The visible test must pass (so the cheat is a real
one) and the hidden test must fail with a course.checks message.
"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from course.checks import CheckFailed

from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "01_tensors" / "01_tensors.ipynb"


@pytest.fixture(scope="module")
def chapter(mirror):
    """(namespace after running the solution, {grade_id: test source})."""
    import matplotlib

    matplotlib.use("Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    ns: dict = {"__name__": "__chapter01__"}
    tests = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            tests[meta["grade_id"]] = cell.source
        exec(compile(cell.source, f"<{meta.get('grade_id', 'cell')}>", "exec"), ns)
    import matplotlib.pyplot as plt

    plt.close("all")
    return ns, tests


def _hard_coded_broadcast(a, b):
    known = {((32, 10), (10,)): (32, 10), ((64, 1), (1, 5)): (64, 5)}
    if (tuple(a), tuple(b)) in known:
        return known[(tuple(a), tuple(b))]
    raise ValueError("incompatible")


CHEATS = {
    "images_to_vectors": lambda images: np.tile(np.array([0.0, 1.0, 0.2, 0.4], "float32"), (4, 1)),
    "broadcast_shape": _hard_coded_broadcast,
    "get_batch": lambda x, index, batch_size: np.arange(10)[4 * index : 4 * index + 4],
    "to_one_hot": lambda labels, n: np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], "float32"),
    "vectorize_sequences": lambda seqs, dimension: np.array(
        [[0, 1, 0, 1], [1, 0, 1, 0]], "float32"
    ),
    "dense_forward": None,  # built in the test: it needs the notebook's Keras output `y`
}


@pytest.mark.parametrize("exercise", sorted(CHEATS))
def test_hidden_tests_catch_hard_coded_answers(chapter, exercise):
    ns, tests = chapter
    solution = ns[exercise]
    cheat = CHEATS[exercise]
    if exercise == "dense_forward":
        y = np.asarray(ns["y"])

        def cheat(x, W, b):
            return np.array([[1.5, 0.0, 0.0]]) if np.shape(x) == (1, 2) else y

    try:
        ns[exercise] = cheat
        exec(tests[f"{exercise}_visible"], ns)  # the cheat fools the visible test ...
        with pytest.raises(CheckFailed):  # ... but not the hidden one
            exec(tests[f"{exercise}_hidden"], ns)
    finally:
        ns[exercise] = solution
    exec(tests[f"{exercise}_hidden"], ns)  # and the real solution passes it


def test_chapter_has_enough_graded_exercises(chapter):
    _, tests = chapter
    exercises = {gid.rsplit("_", 1)[0] for gid in tests}
    assert len(exercises) >= 5
    for name in exercises:
        assert {f"{name}_visible", f"{name}_hidden"} <= tests.keys()
