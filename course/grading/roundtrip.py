"""Build the student notebooks and prove the grading round trip.

* :func:`build` regenerates ``notebooks/`` from ``solutions/`` with
  ``nbgrader generate_assignment`` (solutions replaced by stubs, hidden tests
  removed).
* :func:`drift` says which student notebooks differ from a fresh build.
* :func:`round_trip` grades each chapter twice, as nbgrader would grade a
  class: the solution, submitted as a student would (the released notebook
  with the answers filled in), must get full marks; the untouched released
  notebook must get zero without breaking the grader. With ``wrong_answers``,
  the solved submission's kernel then tries the chapter's wrong answers
  (:mod:`course.grading.wrong_answers`): each must lose points; and each
  exercise's blank stub: its tests must score 0. Without ``grade_blank`` that
  in-kernel check is the only blank one (the test suite's choice: the browser
  tests run the student notebook's lesson past the blank exercises).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.grading.config import CourseConfig
from course.grading.coursedir import CourseDir, Score, chapters
from course.grading.wrong_answers import (
    SUITE_FILE,
    SuiteReport,
    config_file,
    read_report,
    suite_path,
)

__all__ = ["build", "drift", "solved_submission", "round_trip", "RoundTripResult", "lesson_errors"]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def build(project: Path, names: list[str] | None = None, dest: Path | None = None) -> list[Path]:
    """Regenerate the student notebooks of the given chapters (default: all) into ``dest``
    (default: the project's ``notebooks/``). Returns the chapter folders written."""
    dest = dest or project / "notebooks"
    written = []
    with tempfile.TemporaryDirectory(prefix="course-build-") as tmp:
        course = CourseDir(Path(tmp), project)
        for chapter in chapters(project, names):
            released = course.generate(chapter)
            target = dest / chapter
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(released, target)
            written.append(target)
    return written


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def drift(project: Path, names: list[str] | None = None, built: Path | None = None) -> list[str]:
    """Files in ``notebooks/`` that a fresh build would change, add or remove (what nbgrader
    ignores, e.g. checkpoints, does not count, except instructor material: ``wrong_answers.py``
    there is reported). ``built``: a folder that already holds a fresh build of the chapters
    (e.g. a round trip's ``release/``), compared instead of building again."""
    config = CourseConfig.read(project)
    problems = []
    with tempfile.TemporaryDirectory(prefix="course-drift-") as tmp:
        fresh_root = built
        if fresh_root is None:
            fresh_root = Path(tmp) / "fresh"
            build(project, names, dest=fresh_root)
        for chapter in chapters(project, names):
            fresh = {p.relative_to(fresh_root): p for p in (fresh_root / chapter).rglob("*")
                     if p.is_file()}  # fmt: skip
            current_root = project / "notebooks"
            current = {}
            for p in (current_root / chapter).rglob("*"):
                rel = p.relative_to(current_root)
                if p.is_file() and (p.name == SUITE_FILE or not config.ignored(rel)):
                    current[rel] = p
            for rel in sorted(fresh.keys() | current.keys()):
                if rel not in current:
                    problems.append(f"notebooks/{rel} is missing")
                elif rel not in fresh:
                    problems.append(f"notebooks/{rel} is not generated from solutions/")
                elif rel.suffix == ".ipynb":
                    if _load(fresh[rel]) != _load(current[rel]):
                        problems.append(f"notebooks/{rel} differs from solutions/")
                elif fresh[rel].read_bytes() != current[rel].read_bytes():
                    problems.append(f"notebooks/{rel} differs from solutions/")
    return problems


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def solved_submission(released: Path, solution: Path) -> str:
    """A released notebook with every answer cell filled in from the solution notebook,
    as a student who solved everything would hand it in (JSON text)."""
    nb = nbformat.read(released, as_version=4)
    answers = {}
    for cell in nbformat.read(solution, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = _strip_markers(cell.source)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return nbformat.writes(nb)


@dataclass
class RoundTripResult:
    """The scores of the solved and the blank submission of one chapter."""

    chapter: str
    solved: Score
    blank: Score | None  # None: not graded by nbgrader (``round_trip(grade_blank=False)``)
    # Cells of the blank notebook that failed although they are neither an answer
    # nor a test: the lesson itself must run before the student writes anything.
    lesson_errors: list[str]
    # The wrong-answer check (None: not asked for; ``suite.missing``: no wrong_answers.py).
    suite: SuiteReport | None = None
    # Errors anywhere in the solved notebook: the solution must run top to bottom. This
    # run is the test suite's only run of each solution (no separate nbval run).
    solution_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        full = self.solved.max_score > 0 and self.solved.score == self.solved.max_score
        suite_ok = self.suite is None or self.suite.ok
        clean = not self.lesson_errors and not self.solution_errors
        blank_zero = self.blank is None or self.blank.score == 0
        return full and blank_zero and clean and suite_ok


def lesson_errors(notebook: Path, *, everywhere: bool = False) -> list[str]:
    """Errors in an executed notebook outside answer and test cells (``"cell N: Error"``);
    with ``everywhere``, in any cell."""
    found = []
    for number, cell in enumerate(nbformat.read(notebook, as_version=4).cells, start=1):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if not everywhere and (meta.get("solution") or meta.get("grade")):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {number}: {out.get('ename')}: {out.get('evalue', '')[:200]}")
    return found


def round_trip(
    project: Path,
    names: list[str] | None = None,
    workdir: Path | None = None,
    progress: Callable[[str], None] = print,
    wrong_answers: bool = True,
    grade_blank: bool = True,
) -> list[RoundTripResult]:
    """Autograde the solved and (with ``grade_blank``) the blank version of each chapter
    with nbgrader; with ``wrong_answers``, also try each chapter's wrong answers and
    blank stubs in the solved kernel. ``wrong_answers=False`` needs ``grade_blank``."""
    if not (wrong_answers or grade_blank):
        raise ValueError("round_trip: with wrong_answers=False, the blank must be graded")
    project = Path(project).resolve()  # nbgrader runs in the temporary course folder
    results = []
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        course = CourseDir(workdir or Path(tmp), project)
        for chapter in chapters(project, names):
            progress(f"{chapter}: generating the student version")
            released = course.generate(chapter)
            solved, blank = {}, {}
            for nb in sorted(released.glob("*.ipynb")):
                solved[nb.name] = solved_submission(nb, course.source / chapter / nb.name)
                blank[nb.name] = nb
            course.submit(chapter, "solved", solved)
            students = ["solved"]
            if grade_blank:
                course.submit(chapter, "blank", blank)
                students.append("blank")
            graded = " and the blank submission" if grade_blank else " submission"
            suite = suite_path(project, chapter)
            report = course.root / f"wrong_answers_{chapter}.json"
            report.unlink(missing_ok=True)
            if wrong_answers and suite.is_file():
                progress(f"{chapter}: autograding the solved{graded}, then the wrong "
                         "answers and blank stubs in the solved kernel")  # fmt: skip
                cfg = config_file(course.root, suite, report, student="solved", released=released)
                course.nbgrader("autograde", chapter, "--force",
                                f"--JupyterApp.config_file={cfg}", check=False)  # fmt: skip
                suite_report = read_report(report, chapter)
            else:
                progress(f"{chapter}: autograding the solved{graded}")
                course.autograde(chapter)
                suite_report = SuiteReport(chapter) if wrong_answers else None
            scores = {s.student: s for s in course.scores(chapter)}
            missing = set(students) - scores.keys()
            if missing:
                raise RuntimeError(f"{chapter}: nbgrader graded no {', '.join(missing)} submission")
            errors, solution_errors = [], []
            for nb in sorted((course.root / "autograded" / "blank" / chapter).glob("*.ipynb")):
                errors += [f"{nb.name} {e}" for e in lesson_errors(nb)]
            for nb in sorted((course.root / "autograded" / "solved" / chapter).glob("*.ipynb")):
                solution_errors += [f"{nb.name} {e}" for e in lesson_errors(nb, everywhere=True)]
            results.append(
                RoundTripResult(
                    chapter,
                    scores["solved"],
                    scores.get("blank"),
                    errors,
                    suite_report,
                    solution_errors,
                )  # fmt: skip
            )
    return results
