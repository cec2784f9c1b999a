"""The tests every chapter shares, read from the chapter's grading round trip.

Each ``tests/test_chapterNN.py`` names its chapter and the points of its exercises, and
subclasses :class:`RoundTripTests`::

    CHAPTER = "04_augmentation"
    # exercise -> (visible points, hidden points), as the headings state them
    POINTS = {"split_files": (2, 3), ...}

    class TestRoundTrip(harness.RoundTripTests):
        chapter, points = CHAPTER, POINTS

The class's tests read the chapter's round trip (``round_trips`` in ``tests/conftest.py``:
nbgrader autogrades the solved submission, then tries every wrong answer of
``solutions/<chapter>/wrong_answers.py`` and every exercise's blank stub in the solved
kernel). It runs once per test run, on the first test that asks for it: each solution
executes once. The solution gets full marks, exercise by exercise; each blank stub scores
0; each wrong answer is caught as declared (one test per wrong answer, ``exercise:
mistake``); the tests pass again after the blank and wrong answers.

What the suite leaves to other tests: nbgrader's grading of a whole blank submission
(``course check`` does it for every chapter; ``tests/test_wrong_answers.py`` tests it on
small chapters), and the student notebook's lesson running past the blank exercises
(``tests/browser``: Run All in JupyterLab, every chapter). Running each lesson a third
time here would cost about a third of the suite's CPU.

The static checks of every chapter (points in the headings, test-cell markers, the list
of wrong answers) are one parametrized test each in ``tests/test_chapters.py``.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import pytest

from course.grading import drift
from course.grading.config import CourseConfig
from course.grading.wrong_answers import WrongAnswer, suite_path

from .conftest import ROOT, ChapterRun


@cache
def wrong_answers(chapter: str) -> tuple[WrongAnswer, ...]:
    """The ``WRONG_ANSWERS`` of ``solutions/<chapter>/wrong_answers.py``."""
    path = suite_path(ROOT, chapter)
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{chapter}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.WRONG_ANSWERS)


def wrong_id(wrong: WrongAnswer) -> str:
    """A readable pytest id: ``exercise: mistake``."""
    return f"{wrong.exercise}: {wrong.name}"


def is_hard_coded(wrong: WrongAnswer) -> bool:
    """A wrong answer that hard-codes what a test expects (the standard wants one per
    exercise; the hidden test must catch it)."""
    return "hard-cod" in wrong.name


def trial(run: ChapterRun, wrong: WrongAnswer):
    """What the round trip recorded for one wrong answer (a ``Trial``)."""
    suite = run.result.suite
    assert suite is not None and not suite.missing, f"{run.chapter}: no wrong-answer report"
    found = [t for t in suite.trials if (t.exercise, t.name) == (wrong.exercise, wrong.name)]
    assert found, f"{wrong_id(wrong)} was not tried: {suite.notes}"
    return found[0]


class RoundTripTests:
    """The round-trip tests of one chapter; a subclass sets ``chapter`` and ``points``."""

    chapter: str = ""
    points: dict[str, tuple[int, int]] = {}

    pytestmark = [pytest.mark.slow]  # runs the chapter's solution (fast mode, minutes)

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One test per wrong answer (``wrong``), per hard-coded one (``hard_coded``)."""
        wrongs = wrong_answers(self.chapter)
        if "wrong" in metafunc.fixturenames:
            metafunc.parametrize("wrong", wrongs, ids=wrong_id)
        if "hard_coded" in metafunc.fixturenames:
            metafunc.parametrize("hard_coded", [w for w in wrongs if is_hard_coded(w)],
                                 ids=wrong_id)  # fmt: skip

    @pytest.fixture(scope="class")
    @classmethod
    def run(cls, round_trips) -> ChapterRun:
        """The chapter's round trip (computed once per test run)."""
        return round_trips(cls.chapter)

    def test_solution_gets_full_marks(self, run):
        solved = run.result.solved
        total = sum(v + h for v, h in self.points.values())
        assert solved.max_score == total, f"nbgrader's total {solved.max_score}, POINTS {total}"
        assert solved.score == solved.max_score, f"the solution fails {solved.failed_cells}"
        # exercise by exercise, as nbgrader scored the solution's test cells
        assert run.result.suite is not None, "no wrong-answer report"
        assert run.result.suite.solution == {
            ex: (float(v + h), float(v + h)) for ex, (v, h) in self.points.items()
        }

    def test_student_notebook_is_built_from_the_solution(self, run):
        """``notebooks/<chapter>`` is what ``course build`` makes of ``solutions/`` (the
        round trip's own build of the student version, compared file by file)."""
        built = run.workdir / CourseConfig.read(ROOT).release
        problems = drift(ROOT, [self.chapter], built=built)
        assert problems == [], "notebooks/ is stale; run `course build`:\n" + "\n".join(problems)

    def test_solution_runs_top_to_bottom(self, run):
        assert run.result.solution_errors == [], run.result.solution_errors

    def test_blank_scores_zero(self, run):
        """Each exercise's stub, as released, scores 0 on its tests (tried in the solved
        kernel, the names its solution and tests bind removed first)."""
        assert run.result.suite is not None, "no wrong-answer report"
        assert run.result.suite.blank == {
            ex: (0.0, float(v + h)) for ex, (v, h) in self.points.items()
        }, "a blank exercise earns points (or was not tried)"

    def test_every_wrong_answer_was_tried(self, run):
        suite = run.result.suite
        assert suite is not None and not suite.missing, "no wrong_answers.py"
        # notes: a suite below the standard, a test that fails when re-run after the wrong
        # answers and the restored solution (not self-contained), a check that stopped
        assert suite.notes == [], suite.notes
        assert suite.exercises == list(self.points)
        tried = sorted((t.exercise, t.name) for t in suite.trials)
        assert tried == sorted((w.exercise, w.name) for w in wrong_answers(self.chapter))

    def test_wrong_answer_is_caught(self, run, wrong):
        """The wrong answer loses points (``about``: on the visible test, with a message
        naming the mistake); the exercise's tests pass again after the solution is back."""
        found = trial(run, wrong)
        assert found.problems == [], found.problems
        if wrong.about:
            assert found.caught_by == "visible"
        notes = [n for n in run.result.suite.notes if n.startswith(f"{wrong.exercise}:")]
        assert notes == [], notes
        print(f"{wrong_id(wrong)}: caught by the {found.caught_by} test")


def assert_caught_by_hidden_only(run: ChapterRun, wrong: WrongAnswer) -> None:
    """A hard-coded answer passes the visible test (a real cheat); the hidden test catches it."""
    found = trial(run, wrong)
    assert not found.error, found.error
    assert found.visible == found.visible_max, (
        f"the hard-coded answer fails the visible test:\n{found.visible_text}")  # fmt: skip
    assert found.hidden < found.hidden_max, "the hidden test passes the hard-coded answer"
