"""Chapter 2's exercises: hidden tests catch hard-coded, shape-only and leaky answers.

The solution notebook is executed in-process once, cell by cell (fast mode, so it
trains small models for about a minute). When the run reaches an exercise's hidden
test cell, that is, with the notebook's state exactly as the grader sees it there,
each "cheat" for the exercise replaces the student's function in turn: the cheat
must pass the visible test (so it is a real cheat) and the hidden test must fail
with a course.checks message. Then the real solution must pass the hidden test, as
it does when the notebook runs on.
"""

from __future__ import annotations

import traceback

import nbformat
import numpy as np
import pytest

from course.checks import CheckFailed

from .conftest import ROOT

NOTEBOOK = ROOT / "solutions" / "02_mlp" / "02_mlp.ipynb"

pytestmark = pytest.mark.slow  # trains the chapter's models (fast mode, about a minute)


# --------------------------------------------------------------------------------------
# The cheats: each passes the visible test of its exercise and must fail the hidden one
# --------------------------------------------------------------------------------------


def _mlp_ignores_arguments(ns):
    keras = ns["keras"]

    def build_mlp(input_dim, hidden_units, outputs, output_activation=None):
        return keras.Sequential([
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])  # fmt: skip

    return build_mlp


def _mlp_one_hidden_layer_softmax(ns):
    keras = ns["keras"]

    def build_mlp(input_dim, hidden_units, outputs, output_activation=None):
        return keras.Sequential([
            keras.Input(shape=(input_dim,)),
            keras.layers.Dense(hidden_units[0], activation="relu"),
            keras.layers.Dense(outputs, activation="softmax"),
        ])  # fmt: skip

    return build_mlp


def _decode_hard_coded(ns):
    return lambda sequence, word_index: "? the movie ? great"


def _decode_tiny_dictionary(ns):
    words = {4: "the", 5: "movie", 6: "great"}
    return lambda sequence, word_index: " ".join(words.get(i, "?") for i in sequence)


def _chance_hard_coded(ns):
    known = {(0, 0, 1, 1): 0.5, (0, 0, 0, 1): 0.625}
    return lambda labels: known.get(tuple(int(v) for v in labels), 0.2)


def _standardize_leaky(ns):
    def standardize(train, test):
        train, test = np.asarray(train, float), np.asarray(test, float)
        with np.errstate(divide="ignore", invalid="ignore"):  # a one-row test set has std 0
            return (train - train.mean(0)) / train.std(0), (test - test.mean(0)) / test.std(0)

    return standardize


def _standardize_in_place(ns):
    def standardize(train, test):  # right numbers, but the caller's train array changes
        mean, std = train.mean(axis=0), train.std(axis=0)
        train -= mean
        train /= std
        return train, (test - mean) / std

    return standardize


def _k_fold_hard_coded(ns):
    return lambda n, k: [
        (np.array([j for j in range(8) if j // 2 != i]), np.array([2 * i, 2 * i + 1]))
        for i in range(4)
    ]


def _k_fold_drops_remainder(ns):
    def k_fold_indices(n, k):  # the lesson's slicing: n % k samples are never validated on
        size = n // k
        idx = np.arange(n)
        return [
            (
                np.concatenate([idx[: i * size], idx[(i + 1) * size :]]),
                idx[i * size : (i + 1) * size],
            )
            for i in range(k)
        ]

    return k_fold_indices


def _loss_for_by_dtype(ns):
    def loss_for(labels):
        labels = np.asarray(labels)
        if np.issubdtype(labels.dtype, np.integer):
            return "sparse_categorical_crossentropy"
        if labels.ndim == 2:
            return "categorical_crossentropy"
        return "binary_crossentropy" if labels.dtype == np.float32 else "mse"

    return loss_for


def _l2_hard_coded(ns):
    model = ns["l2_model"]
    return lambda kernels, factor: 0.6 if len(kernels) == 1 else float(sum(model.losses))


def _l2_only_matrices(ns):
    def l2_penalty(kernels, factor):  # forgets arrays that are not 2D
        return float(factor * sum(np.sum(np.square(k)) for k in kernels if np.ndim(k) == 2))

    return l2_penalty


def _dropout_alternating(ns):
    def apply_dropout(x, rate, rng):  # every other entry, whatever the rate
        x = np.asarray(x, dtype=float)
        keep = np.arange(x.size).reshape(x.shape) % 2 == 1
        return np.where(keep, x / (1 - rate), 0.0)

    return apply_dropout


def _dropout_fixed_seed(ns):
    def apply_dropout(x, rate, rng):  # ignores rng: the same mask every time
        x = np.asarray(x, dtype=float)
        keep = np.random.default_rng(0).random(x.shape) >= rate
        return np.where(keep, x / (1 - rate), 0.0)

    return apply_dropout


def _early_stopping_hard_coded(ns):
    losses = list(ns["stopped_losses"])
    best = int(np.argmin(losses)) + 1
    return lambda val_losses, patience: (
        (len(losses), best) if list(val_losses) == losses else (4, 2)
    )


def _early_stopping_ties_improve(ns):
    def early_stopping_epochs(val_losses, patience):  # counts a tie as an improvement
        best, best_epoch, wait = np.inf, 0, 0
        for epoch, loss in enumerate(val_losses, start=1):
            if loss <= best:
                best, best_epoch, wait = loss, epoch, 0
            else:
                wait += 1
                if wait >= patience:
                    return epoch, best_epoch
        return len(val_losses), best_epoch

    return early_stopping_epochs


def _regularized_ignores_arguments(ns):
    build = ns["build_regularized_imdb_model"]
    return lambda l2=0.0, dropout=0.0: build(l2=0.001, dropout=0.5)


def _regularized_cannot_learn(ns):
    keras = ns["keras"]

    def build(l2=0.0, dropout=0.0):  # the right layers and settings, but all-zero kernels
        model = keras.Sequential([keras.Input(shape=(10_000,))])
        for _ in range(2):
            model.add(keras.layers.Dense(
                16, activation="relu", kernel_initializer="zeros",
                kernel_regularizer=keras.regularizers.L2(l2) if l2 > 0 else None,
            ))  # fmt: skip
            if dropout > 0:
                model.add(keras.layers.Dropout(dropout))
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    return build


CHEATS = {
    "build_mlp": {
        "ignores arguments": _mlp_ignores_arguments,
        "one hidden layer, softmax": _mlp_one_hidden_layer_softmax,
    },  # fmt: skip
    "decode_review": {"hard-coded": _decode_hard_coded, "tiny dictionary": _decode_tiny_dictionary},
    "chance_accuracy": {"hard-coded": _chance_hard_coded},
    "standardize": {"test statistics": _standardize_leaky, "in place": _standardize_in_place},
    "k_fold_indices": {
        "hard-coded": _k_fold_hard_coded,
        "drops remainder": _k_fold_drops_remainder,
    },
    "loss_for": {"by dtype": _loss_for_by_dtype},
    "l2_penalty": {"hard-coded": _l2_hard_coded, "only matrices": _l2_only_matrices},
    "apply_dropout": {"alternating": _dropout_alternating, "fixed seed": _dropout_fixed_seed},
    "early_stopping_epochs": {
        "hard-coded": _early_stopping_hard_coded,
        "ties improve": _early_stopping_ties_improve,
    },  # fmt: skip
    "build_regularized_imdb_model": {
        "ignores arguments": _regularized_ignores_arguments,
        "cannot learn": _regularized_cannot_learn,
    },  # fmt: skip
}

# Notebook arrays a cheat may change in place; restored after each cheat.
_RESTORE = ("train_features", "test_features")


def _run_cheat(ns, tests, exercise, make_cheat) -> tuple[str | None, str]:
    """(None, the hidden test's message) if the cheat passes the visible test and fails
    the hidden one with a course.checks message; otherwise (what went wrong, "")."""
    solution = ns[exercise]
    saved = {k: ns[k].copy() for k in _RESTORE if isinstance(ns.get(k), np.ndarray)}
    try:
        ns[exercise] = make_cheat(ns)
        try:
            exec(tests[f"{exercise}_visible"], ns)
        except Exception:
            return "the cheat does not pass the visible test:\n" + traceback.format_exc(), ""
        try:
            exec(tests[f"{exercise}_hidden"], ns)
        except CheckFailed as failure:
            return None, str(failure)
        except Exception:
            why = "the hidden test fails without a course.checks message:\n"
            return why + traceback.format_exc(), ""
        return "the hidden test passes the cheat", ""
    finally:
        ns[exercise] = solution
        ns.update(saved)


@pytest.fixture(scope="module")
def chapter(mirror):
    """Run the solution notebook; try the cheats when each hidden test cell comes up.

    Returns ({(exercise, cheat): (None or failure, message)}, {grade_id: cell metadata}).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nb = nbformat.read(NOTEBOOK, as_version=4)
    ns: dict = {"__name__": "__chapter02__"}
    tests: dict[str, str] = {}
    graded: dict[str, dict] = {}
    outcomes: dict[tuple[str, str], tuple[str | None, str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if meta.get("grade"):
            tests[grade_id] = cell.source
            graded[grade_id] = dict(meta)
        if grade_id.endswith("_hidden"):
            exercise = grade_id.removesuffix("_hidden")
            for cheat_name, make_cheat in CHEATS.get(exercise, {}).items():
                outcomes[(exercise, cheat_name)] = _run_cheat(ns, tests, exercise, make_cheat)
        exec(compile(cell.source, f"<{grade_id or 'cell'}>", "exec"), ns)  # the real thing
        plt.close("all")
    return outcomes, graded


@pytest.mark.parametrize(
    "exercise, cheat", [(e, c) for e, cheats in CHEATS.items() for c in cheats]
)
def test_hidden_tests_catch_cheats(chapter, exercise, cheat):
    outcomes, _ = chapter
    assert (exercise, cheat) in outcomes, f"no hidden test cell {exercise}_hidden in the notebook"
    problem, message = outcomes[(exercise, cheat)]
    assert problem is None, f"{exercise}, cheat '{cheat}': {problem}"
    print(f"{exercise} / {cheat}: {message}")  # what the student would read (pytest -rP)


def test_chapter_has_enough_graded_exercises(chapter):
    _, graded = chapter
    exercises = {gid.rsplit("_", 1)[0] for gid in graded}
    assert len(exercises) >= 8
    assert exercises == set(CHEATS), "every exercise needs cheats in CHEATS"
    for name in exercises:
        assert graded[f"{name}_visible"]["points"] == 1
        assert graded[f"{name}_hidden"]["points"] == 2


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
