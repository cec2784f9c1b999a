"""The wrong-answer check of `course check`, on throwaway chapters (no TensorFlow: fast).

Each chapter under a temporary project has a two-exercise notebook (``square`` and
``mean``) and a ``wrong_answers.py``. One chapter has good tests; the others have a
deliberately weak test, a central mistake only the hidden test catches, a failure
message that does not name the mistake, a test that is not self-contained, a broken
suite, or no suite at all. ``course check`` must pass the first and fail the others.
The tests that read those round trips are marked slow (nbgrader grades 14 tiny
notebooks: about two minutes).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from typer.testing import CliRunner

from course.cli import app
from course.grading import build, round_trip
from course.grading.wrong_answers import (
    SuiteReport,
    Trial,
    WrongAnswer,
    bound_names,
    load_suite,
    suite_problems,
)

from .conftest import ROOT

SETUP = "from course.checks import check, check_close, check_equal\nDATA = [1.0, 2.0, 3.0]"
SQUARE = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
MEAN = "def mean(xs):\n    ### BEGIN SOLUTION\n    return sum(xs) / len(xs)\n    ### END SOLUTION"
TESTS = {
    "square_visible": 'check_equal(square(3), 9, name="square(3)")\n'
    'print("✓ visible tests passed")',
    "square_hidden": "# Hidden tests run here when your notebook is graded.\n"
    "### BEGIN HIDDEN TESTS\n"
    'check_equal(square(-2), 4, name="square(-2)")\ncheck_equal(square(0), 0, name="square(0)")\n'
    "### END HIDDEN TESTS",
    "mean_visible": 'check(abs(mean([1, 2, 3]) - 2.0) < 1e-9, "mean([1, 2, 3]) is not 2.0", '
    'hint="divide the sum by len(xs), the number of values")\nprint("✓ visible tests passed")',
    "mean_hidden": "# Hidden tests run here when your notebook is graded.\n"
    "### BEGIN HIDDEN TESTS\n"
    'check_close(mean([5]), 5.0, name="mean([5])")\n'
    'check_close(mean([1, 2]), 1.5, name="mean([1, 2])")\n'
    "### END HIDDEN TESTS",
}

SUITE = """
from course.grading.wrong_answers import WrongAnswer

WRONG_ANSWERS = [
    WrongAnswer("square", "doubles instead", "def square(x):\\n    return 2 * x\\n",
                about=True, message="square(3)"),
    WrongAnswer("square", "hard-coded", "def square(x):\\n    return 9\\n"),
    WrongAnswer("square", "abs times x", "def square(x):\\n    return abs(x) * x\\n"),
    WrongAnswer("mean", "divides by n - 1", "def mean(xs):\\n    return sum(xs) / (len(xs) - 1)\\n",
                about=True, message="len(xs)"),
    WrongAnswer("mean", "integer division", "def mean(xs):\\n    return sum(xs) // len(xs)\\n"),
    WrongAnswer("mean", "hard-coded", "def mean(xs):\\n    return 2.0\\n"),
    EXTRA
]
"""


def _cell(source: str, grade_id: str = "", solution: bool = False, points: int = 0):
    cell = new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {
            "grade": bool(points), "grade_id": grade_id, "locked": bool(points),
            "schema_version": 3, "solution": solution, "task": False,
            **({"points": points} if points else {}),
        }  # fmt: skip
    return cell


def make_chapter(project: Path, name: str, tests: dict[str, str] | None = None,
                 suite: str | None = SUITE, extra: str = "", more: list | None = None,
                 ) -> None:  # fmt: skip
    """A two-exercise chapter (``square``: 1 + 1 points, ``mean``: 1 + 2 points), then the
    cells ``more``."""
    tests = {**TESTS, **(tests or {})}
    nb = new_notebook(cells=[
        new_markdown_cell("# A tiny chapter"),
        _cell(SETUP),
        _cell(SQUARE, "square", solution=True),
        _cell(tests["square_visible"], "square_visible", points=1),
        _cell(tests["square_hidden"], "square_hidden", points=1),
        _cell(MEAN, "mean", solution=True),
        _cell(tests["mean_visible"], "mean_visible", points=1),
        _cell(tests["mean_hidden"], "mean_hidden", points=2),
        *(more or []),
    ])  # fmt: skip
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}  # fmt: skip
    folder = project / "solutions" / name
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{name}.ipynb")
    if suite is not None:
        (folder / "wrong_answers.py").write_text(suite.replace("EXTRA", extra))


WEAK_HIDDEN = ("# Hidden tests run here when your notebook is graded.\n### BEGIN HIDDEN TESTS\n"
               'check_equal(square(3), 9, name="square(3)")\n### END HIDDEN TESTS')  # fmt: skip

EMPTIES = 'WrongAnswer("mean", "empties the data", "def mean(xs): xs.clear(); return 0.0"),'
TYPO = 'WrongAnswer("mean", "typo", "def mean(xs)\\n    return 1\\n"),'

CHAPTERS = {
    # name: (test overrides, suite, extra wrong answers)
    "c1_good": ({}, SUITE, ""),
    "c2_weak_hidden": ({"square_hidden": WEAK_HIDDEN}, SUITE, ""),
    "c3_about_only_hidden": (
        {"mean_visible": 'check(mean([0, 0]) == 0, "mean([0, 0]) != 0")'},
        SUITE,
        "",
    ),  # fmt: skip
    "c4_message": (
        {"mean_visible": 'check_close(mean([1, 2, 3]), 2.0, name="mean([1, 2, 3])")'},
        SUITE,
        "",
    ),  # fmt: skip
    "c5_not_self_contained": (
        {
            "mean_hidden": "### BEGIN HIDDEN TESTS\n"
            "check_close(mean(DATA), 2.0, name='mean(DATA)')\n### END HIDDEN TESTS"
        },
        SUITE,
        EMPTIES,
    ),  # fmt: skip
    "c6_broken_suite": (
        {},
        SUITE,
        TYPO,
    ),
    "c7_no_suite": ({}, None, ""),
}

# A visible test that a blank answer passes, and an exercise answered at the top level
# (``total = ...``): its blank stub leaves ``total`` undefined, as in a student's kernel.
PASSES_BLANK = ("try:\n    square(3)\nexcept NotImplementedError:\n    pass\n"
                "print('✓ visible tests passed')")  # fmt: skip
TOP_LEVEL = [
    _cell("### BEGIN SOLUTION\ntotal = sum(DATA)\n### END SOLUTION", "total", solution=True),
    _cell('_total = total\ncheck_close(_total, 6.0, name="total")', "total_visible", points=1),
    # reads what the visible test bound: in a blank kernel, _total was never bound
    _cell(
        "### BEGIN HIDDEN TESTS\ncheck_close(2 * _total, 12.0, name='2 * total')\n"
        "### END HIDDEN TESTS",
        "total_hidden",
        points=1,
    ),  # fmt: skip
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tiny_course")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for name, (tests, suite, extra) in CHAPTERS.items():
        make_chapter(root, name, tests, suite, extra)
    make_chapter(root, "c8_blank", {"square_visible": PASSES_BLANK}, more=TOP_LEVEL)
    build(root)
    return root


@pytest.fixture(scope="module")
def results(project) -> dict:
    return {r.chapter: r for r in round_trip(project, progress=lambda _: None)}


@pytest.mark.slow
def test_good_tests_catch_every_wrong_answer(results):
    r = results["c1_good"]
    assert r.ok, r.suite.problems
    assert r.solved.score == r.solved.max_score == 5 and r.blank.score == 0
    assert r.suite.solution == {"square": (2.0, 2.0), "mean": (3.0, 3.0)}
    caught = {t.name if t.exercise == "square" else f"mean {t.name}": t.caught_by
              for t in r.suite.trials}  # fmt: skip
    assert caught == {
        "doubles instead": "visible", "hard-coded": "hidden", "abs times x": "hidden",
        "mean divides by n - 1": "visible", "mean integer division": "hidden",
        "mean hard-coded": "hidden",
    }  # fmt: skip
    rows = {row["exercise"]: row for row in r.suite.rows()}
    assert rows["square"]["visible"] == 1 and rows["square"]["hidden"] == 2
    assert rows["square"]["not caught"] == 0 and rows["mean"]["ok"]
    about = next(t for t in r.suite.trials if t.about and t.exercise == "mean")
    assert "len(xs)" in about.visible_text  # what the student reads, with the hint
    # each exercise's blank stub, tried in the solved kernel, scores 0
    assert r.suite.blank == {"square": (0.0, 2.0), "mean": (0.0, 3.0)}


@pytest.mark.slow
def test_a_test_that_passes_the_blank_answer_fails_the_check(results):
    """The blank stub, tried in the solved kernel, scores what nbgrader gives the blank
    submission: the weak visible test's point; and a top-level answer's names, and those
    its tests bound, are gone before its stub runs (else ``total`` and ``_total`` would
    still hold the solution's value)."""
    r = results["c8_blank"]
    assert r.blank.score == 1  # nbgrader's grade of the untouched notebook
    assert r.suite.blank == {"square": (1.0, 2.0), "mean": (0.0, 3.0), "total": (0.0, 2.0)}
    assert "square: the blank answer (the released stub) scores 1 / 2" in r.suite.problems
    assert not any(p.startswith("total:") and "blank" in p for p in r.suite.problems)
    assert not r.ok


@pytest.mark.slow
def test_the_blank_can_be_left_to_the_solved_kernel(project, monkeypatch):
    """``grade_blank=False`` (the test suite's round trips): nbgrader grades only the
    solved submission; the blank stubs are still tried, exercise by exercise. (The
    project given as a relative path, as a caller in its parent folder would.)"""
    monkeypatch.chdir(project.parent)
    relative = Path(project.name)
    (r,) = round_trip(relative, ["c8_blank"], progress=lambda _: None, grade_blank=False)
    assert r.blank is None and r.lesson_errors == []
    assert r.solved.score == r.solved.max_score == 7
    assert r.suite.blank["square"] == (1.0, 2.0) and not r.ok
    with pytest.raises(ValueError, match="the blank must be graded"):
        round_trip(project, ["c8_blank"], wrong_answers=False, grade_blank=False)


@pytest.mark.slow
def test_a_weak_test_fails_the_check(results):
    r = results["c2_weak_hidden"]
    assert not r.ok
    assert r.solved.score == r.solved.max_score  # the grades alone look fine
    assert any("'abs times x' gets full marks" in p for p in r.suite.problems)
    assert any("'hard-coded' gets full marks" in p for p in r.suite.problems)


@pytest.mark.slow
def test_the_central_mistake_must_fail_the_visible_test(results):
    problems = results["c3_about_only_hidden"].suite.problems
    assert any("divides by n - 1' is what the exercise is about, but the visible test passes it"
               in p for p in problems), problems  # fmt: skip


@pytest.mark.slow
def test_the_visible_message_must_name_the_mistake(results):
    problems = results["c4_message"].suite.problems
    assert any("its message does not say 'len(xs)'" in p for p in problems), problems


@pytest.mark.slow
def test_tests_must_be_self_contained(results):
    problems = results["c5_not_self_contained"].suite.problems
    assert any("mean_hidden fails when re-run" in p and "not self-contained" in p
               for p in problems), problems  # fmt: skip


@pytest.mark.slow
def test_a_wrong_answer_that_does_not_run_is_reported(results):
    problems = results["c6_broken_suite"].suite.problems
    assert any("'typo': its code does not run: SyntaxError" in p for p in problems), problems


@pytest.mark.slow
def test_a_chapter_without_suite_is_marked_missing(results):
    r = results["c7_no_suite"]
    assert r.suite.missing and r.ok  # a warning, not a failure, for now


@pytest.mark.slow
def test_course_check_exit_codes(project, results, monkeypatch):
    """What `course check` prints and returns for each kind of result. The round trips
    themselves are the module's (``results``, graded once): the command is handed them
    instead of grading the same tiny chapters again."""
    import course.grading

    monkeypatch.setenv("COURSE_ROOT", str(project))
    monkeypatch.setattr(course.grading, "round_trip",
                        lambda root, chapters, *a, **k: [results[c] for c in chapters])  # fmt: skip
    runner = CliRunner()
    good = runner.invoke(app, ["check", "c1_good", "c7_no_suite"], terminal_width=200)
    assert good.exit_code == 0, good.output
    assert "6 / 6 caught" in good.output
    assert "warning: c7_no_suite has no solutions/c7_no_suite/wrong_answers.py" in good.output
    strict = runner.invoke(app, ["check", "c7_no_suite", "--require-wrong-answers"])
    assert strict.exit_code == 1
    weak = runner.invoke(app, ["check", "c2_weak_hidden"], terminal_width=200)
    assert weak.exit_code == 1, weak.output
    assert "gets full marks: no test catches it" in weak.output
    assert "not caught" in weak.output
    blank = runner.invoke(app, ["check", "c8_blank"], terminal_width=200)
    assert blank.exit_code == 1, blank.output
    assert "the blank answer (the released stub) scores 1 / 2" in blank.output
    assert "the blank notebook scores points" in blank.output


def test_suite_format_problems():
    wrong = [WrongAnswer("a", "x", "", about=True), WrongAnswer("a", "y", ""),
             WrongAnswer("b", "z", ""), WrongAnswer("zz", "w", "")]  # fmt: skip
    problems = suite_problems(wrong, ["a", "b", "c"])
    assert "'w' is for 'zz', which is not an exercise here" in problems
    assert "a: 2 wrong answers, the standard is >= 3" in problems
    assert "b: 0 wrong answers have about=True; exactly one must" in problems
    assert "c: 0 wrong answers, the standard is >= 3" in problems


def test_report_round_trips_through_json():
    report = SuiteReport("ch", suite="s.py", exercises=["a"], solution={"a": (2.0, 2.0)},
                         blank={"a": (0.0, 2.0)},
                         trials=[Trial("a", "x", True, "m", 0, 1, 2, 2, "m!", "")])  # fmt: skip
    again = SuiteReport.from_json(report.to_json())
    assert again == report and again.ok and again.rows()[0]["visible"] == 1


def test_bound_names_are_what_a_blank_answer_leaves_undefined():
    source = ("import numpy as np\ndef f(x):\n    inner = x\n    return inner\nclass C:\n"
              "    attr = 1\na, (b, c) = 1, (2, 3)\nd: int = 4\nfor i in range(2):\n"
              "    e = [q for q in range(i)]\nif True:\n    g = lambda h: h\n")  # fmt: skip
    assert bound_names(source) == ["f", "C", "a", "b", "c", "d", "i", "e", "g"]
    assert bound_names("%timeit 1 + 1") == []  # IPython syntax: nothing to remove


def test_every_chapter_suite_loads():
    for path in sorted((ROOT / "solutions").glob("*/wrong_answers.py")):
        assert load_suite(path), f"{path} lists no wrong answers"
