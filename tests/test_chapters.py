"""The chapter standard, checked the same way for every chapter (static: nothing runs).

Each chapter's own data is in its ``tests/test_chapterNN.py``: ``CHAPTER`` and ``POINTS``
(exercise -> (visible points, hidden points), in the notebook's order), beside the tests
that run the chapter (its grading round trip, ``harness.RoundTripTests``). These tests
read them: the points of the test cells and the headings agree with ``POINTS``, test
cells are marked, the wrong answers meet the standard, lesson cells never assert.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
from collections import Counter
from types import ModuleType

import nbformat
import pytest

from course.grading import chapters

from . import harness
from .conftest import ROOT

CHAPTERS = chapters(ROOT)
HEADING = re.compile(r"^### ✏️ Exercise (\d+) — (.*)\((\d+) points?\)\s*$", re.M)

per_chapter = pytest.mark.parametrize("chapter", CHAPTERS)

# Lesson names a test cell may use, because the exercise is defined in terms of them:
# Chapter 1's train_step takes a step on the lesson's mlp_loss.
LESSON_NAMES_IN_TESTS = {"01_tensors": {"mlp_loss"}}
# Headings name the exercise's function (### ✏️ Exercise 3 — `conv_params` ...), except in
# these chapters, whose headings say what the exercise does.
NO_NAME_IN_HEADING = {"01_tensors", "06_rnn"}


def _module(chapter: str) -> ModuleType:
    name = f"{__package__}.test_chapter{chapter[:2]}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        pytest.fail(f"{chapter} has no tests/test_chapter{chapter[:2]}.py (CHAPTER, POINTS, "
                    "a harness.RoundTripTests subclass)")  # fmt: skip


def _cells(chapter: str) -> list:
    notebooks = sorted((ROOT / "solutions" / chapter).glob("*.ipynb"))
    assert len(notebooks) == 1, f"{chapter}: one notebook per chapter, found {notebooks}"
    return nbformat.read(notebooks[0], as_version=4).cells


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def test_every_chapter_is_checked():
    assert "01_tensors" in CHAPTERS and len(CHAPTERS) >= 7


@per_chapter
def test_every_chapter_has_its_round_trip(chapter):
    """The chapter's test module runs its round trip (the solution with full marks, the
    blank with 0, the wrong answers caught) with the points of its POINTS table."""
    module = _module(chapter)
    assert module.CHAPTER == chapter
    runs = [obj for name, obj in vars(module).items() if name.startswith("Test")
            and isinstance(obj, type) and issubclass(obj, harness.RoundTripTests)]  # fmt: skip
    assert len(runs) == 1, f"{module.__name__}: one harness.RoundTripTests subclass, not {runs}"
    assert runs[0].chapter == chapter and runs[0].points is module.POINTS


@per_chapter
def test_points_are_as_stated_in_the_headings(chapter):
    """Each exercise's heading ``### ✏️ Exercise N — ... (P points)`` sits above its
    answer cell; P = visible + hidden points of its test cells = the POINTS table."""
    points = _module(chapter).POINTS
    cells = _cells(chapter)
    for exercise, (visible, hidden) in points.items():
        assert visible >= 1 and hidden >= 1, f"{exercise}: each test cell is worth >= 1 point"
    graded = [(_meta(c)["grade_id"], _meta(c).get("points")) for c in cells
              if _meta(c).get("grade")]  # fmt: skip
    assert graded == [(f"{ex}_{kind}", p) for ex, (v, h) in points.items()
                      for kind, p in (("visible", v), ("hidden", h))]  # fmt: skip
    heading, stated = None, {}
    for cell in cells:
        if cell.cell_type == "markdown":
            for found in HEADING.finditer(cell.source):
                assert heading is None, f"heading {heading.group(0)!r} has no answer cell"
                heading = found
        elif _meta(cell).get("solution"):
            exercise = _meta(cell)["grade_id"]
            assert heading, f"{exercise}: no '### ✏️ Exercise N — ... (P points)' heading above"
            assert int(heading.group(1)) == len(stated) + 1, f"{exercise}: {heading.group(0)}"
            named = re.match(r"`(\w+)`", heading.group(2))
            assert named or chapter in NO_NAME_IN_HEADING, f"{exercise}: {heading.group(0)}"
            assert not named or named.group(1) == exercise, f"{exercise}: {heading.group(0)}"
            stated[exercise] = int(heading.group(3))
            heading = None
    assert heading is None, f"heading {heading.group(0)!r} has no answer cell"
    assert stated == {ex: v + h for ex, (v, h) in points.items()}
    total = re.search(r"exercises,\s+(\d+)\s+points", cells[0].source)  # "Ten exercises, 30 points"
    assert total, "the first cell does not say how many points the chapter has"
    assert int(total.group(1)) == sum(stated.values()), "the first cell states the total"


@per_chapter
def test_test_cells_are_marked(chapter):
    """Below each answer cell come its visible test and its hidden test; the hidden part
    is between nbgrader's markers, the visible test ends by saying it passed."""
    cells = _cells(chapter)
    ids = [_meta(c).get("grade_id", "") for c in cells]
    for i, cell in enumerate(cells):
        meta = _meta(cell)
        if meta.get("solution"):
            exercise = meta["grade_id"]
            assert ids[i + 1 : i + 3] == [f"{exercise}_visible", f"{exercise}_hidden"]
        if not meta.get("grade"):
            continue
        lines = cell.source.splitlines()
        if meta["grade_id"].endswith("_hidden"):
            assert lines[0] == "# Hidden tests run here when your notebook is graded."
            assert lines[1] == "### BEGIN HIDDEN TESTS" and lines[-1] == "### END HIDDEN TESTS"
        else:
            assert meta["grade_id"].endswith("_visible"), meta["grade_id"]
            assert "### BEGIN HIDDEN TESTS" not in cell.source
            assert cell.source.rstrip().endswith('print("✓ visible tests passed")')


@per_chapter
def test_every_exercise_has_its_wrong_answers(chapter):
    """At least 3 per exercise, exactly one the exercise is about (with the text its
    visible test must say), one hard-coded answer, no two with the same name."""
    points = _module(chapter).POINTS
    wrong = harness.wrong_answers(chapter)
    count = Counter(w.exercise for w in wrong)
    assert set(count) == set(points), f"wrong answers for {set(count) ^ set(points)}"
    for exercise in points:
        mine = [w for w in wrong if w.exercise == exercise]
        assert len(mine) >= 3, f"{exercise}: only {len(mine)} wrong answers"
        about = [w for w in mine if w.about]
        assert len(about) == 1, f"{exercise}: {len(about)} wrong answers marked about=True"
        assert about[0].message, f"{exercise}: the central mistake needs a message"
        assert any(harness.is_hard_coded(w) for w in mine), f"{exercise}: no hard-coded answer"
    assert len({(w.exercise, w.name) for w in wrong}) == len(wrong), "duplicate names"


@per_chapter
def test_no_lesson_cell_asserts_a_random_outcome(chapter):
    """Lesson cells print notes about training results; only test cells check."""
    for cell in _cells(chapter):
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            assert not re.search(r"^\s*check\w*\(", cell.source, re.M), cell.source[:200]


def _names(source: str) -> tuple[set[str], set[str]]:
    """The names a cell reads and the names it binds (anywhere in it)."""
    reads, binds = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else binds).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            binds.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            binds |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            binds.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            binds.add(node.name)
    return reads, binds


@per_chapter
def test_test_cells_use_no_lesson_variables(chapter):
    """A test cell reads only the set-up cell's imports, the answers, what the tests of
    its exercise define, and builtins: never a lesson variable or a trained model, so it
    passes again after a kernel restart without re-running the lesson."""
    cells = [c for c in _cells(chapter) if c.cell_type == "code"]
    allowed = (
        set(dir(builtins)) | _names(cells[0].source)[1] | LESSON_NAMES_IN_TESTS.get(chapter, set())
    )
    for cell in cells:
        if _meta(cell).get("solution"):
            allowed |= _names(cell.source)[1]
    own: dict[str, set[str]] = {}  # exercise -> names its earlier test cells define
    for cell in cells:
        meta = _meta(cell)
        if not meta.get("grade") or meta.get("solution"):
            continue
        exercise = meta["grade_id"].rsplit("_", 1)[0]
        reads, binds = _names(cell.source)
        lesson = reads - binds - allowed - own.get(exercise, set())
        assert not lesson, f"{meta['grade_id']} reads lesson names {sorted(lesson)}"
        own.setdefault(exercise, set()).update(binds)
