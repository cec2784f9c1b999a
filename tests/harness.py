"""Run a solution notebook in this process once, then try each chapter's wrong answers.

Chapter tests use it like this::

    chapter = pytest.fixture(scope="module")(lambda data: harness.Chapter.run(NOTEBOOK))

    @pytest.mark.parametrize("wrong", harness.wrong_answers(NOTEBOOK), ids=harness.wrong_id)
    def test_wrong_answer_is_caught(chapter, wrong):
        harness.assert_caught(chapter, wrong)

The run mirrors ``course check``: the whole notebook first, then, per wrong answer,
its code in place of the solution cell, the exercise's visible and hidden test
cells, and the solution cell again to restore. It needs the tests to be
self-contained (they re-run after the whole notebook has run).
"""

from __future__ import annotations

import importlib.util
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.checks import CheckFailed
from course.grading.wrong_answers import WrongAnswer


def wrong_answers(notebook: Path) -> list[WrongAnswer]:
    """The ``WRONG_ANSWERS`` listed beside a solution notebook."""
    path = notebook.parent / "wrong_answers.py"
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{notebook.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.WRONG_ANSWERS)


def wrong_id(wrong: WrongAnswer) -> str:
    """A readable pytest id: ``exercise: mistake``."""
    return f"{wrong.exercise}: {wrong.name}"


@dataclass
class Chapter:
    """A solution notebook after running top to bottom in this process."""

    ns: dict
    cells: dict[str, str] = field(default_factory=dict)  # grade_id -> source
    points: dict[str, float] = field(default_factory=dict)  # test grade_id -> points

    @classmethod
    def run(cls, notebook: Path) -> Chapter:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        chapter = cls(ns={"__name__": f"__{notebook.stem}__"})
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id", "")
            if grade_id:
                chapter.cells[grade_id] = cell.source
            if meta.get("grade"):
                chapter.points[grade_id] = meta.get("points", 0)
            chapter.exec(cell.source, grade_id or "cell")
            plt.close("all")
        return chapter

    def exec(self, source: str, name: str) -> None:
        exec(compile(source, f"<{name}>", "exec"), self.ns)

    def exercises(self) -> set[str]:
        return {gid.rsplit("_", 1)[0] for gid in self.points}

    def outcome(self, grade_id: str) -> str | None:
        """None if the test cell passes, else its failure message (traceback for non-checks)."""
        try:
            self.exec(self.cells[grade_id], grade_id)
        except CheckFailed as failure:
            return str(failure)
        except Exception:
            return traceback.format_exc(limit=3)
        return None


def assert_caught(chapter: Chapter, wrong: WrongAnswer) -> None:
    """The wrong answer fails the tests as declared; the solution passes them again after."""
    ex = wrong.exercise
    assert ex in chapter.cells, f"no solution cell with grade_id {ex!r}"
    try:
        chapter.exec(wrong.code, f"wrong answer {wrong.name}")
        visible = chapter.outcome(f"{ex}_visible")
        hidden = chapter.outcome(f"{ex}_hidden")
    finally:
        chapter.exec(chapter.cells[ex], ex)  # restore the solution
    assert visible is not None or hidden is not None, f"{ex}: '{wrong.name}' passes every test"
    if wrong.about:
        assert visible is not None, f"{ex}: '{wrong.name}' passes the visible test"
        assert wrong.message.lower() in visible.lower(), (
            f"{ex}: the visible test catches '{wrong.name}' but its message does not say "
            f"{wrong.message!r}:\n{visible}"
        )
    for test in (f"{ex}_visible", f"{ex}_hidden"):
        assert chapter.outcome(test) is None, f"{test} fails for the solution after restoring it"
    print(f"{ex} / {wrong.name}: visible={visible is not None} hidden={hidden is not None}")
