"""Plausible wrong answers for a chapter's exercises, and the proof that the tests catch them.

Each chapter lists its classic mistakes in ``solutions/<chapter>/wrong_answers.py``
(a module-level ``WRONG_ANSWERS`` list of :class:`WrongAnswer`). ``course check``
runs the solution once, then, one wrong answer at a time, re-defines the
exercise with the wrong code in the same kernel, re-runs that exercise's test
cells (``<exercise>_visible`` and ``<exercise>_hidden``) and restores the
solution. Every wrong answer must lose points; the one the exercise is about
(``about=True``) must fail the *visible* test, with ``message`` in its text.

How it runs: the checker is nbgrader's own ``Execute`` preprocessor with one
step added (:class:`WrongAnswerExecute`). ``course check`` autogrades the solved
submission with it in nbgrader's ``Autograde.autograde_preprocessors`` in place
of ``Execute`` (:func:`configure`), so the solution's grade comes from the very
kernel, cells and scoring (:func:`nbgrader.utils.determine_grade`) that grade a
class. After the last cell, still in that kernel, it runs each wrong answer's
code, the exercise's test cells (copies: the graded notebook is not touched),
scores them the way nbgrader does, and re-runs the solution cell. It also tries
each exercise's *blank* answer, the stub the student is given (from the released
notebook; the names the solution and the exercise's tests bind are removed first, as in
the kernel of a student who has not answered): its tests must score 0.
After an exercise's last wrong answer it runs the exercise's tests once more: they must
pass again, which proves they are self-contained (they do not depend on state a
wrong answer could have spoilt) and that the solution was restored. Nothing is
executed twice except those small test cells, so the cost is a few seconds, not
a second run of the chapter. The findings go to a JSON file
(:func:`read_report` turns it into a :class:`SuiteReport`).

The file is instructor material: ``nbgrader_config.py`` keeps it out of the
student release.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.preprocessors import Execute
from traitlets import Unicode

__all__ = [
    "WrongAnswer",
    "MIN_WRONG_ANSWERS",
    "REQUIRE_SUITE",
    "SUITE_FILE",
    "suite_path",
    "load_suite",
    "suite_problems",
    "Trial",
    "SuiteReport",
    "WrongAnswerExecute",
    "configure",
    "config_file",
    "read_report",
]

#: Every exercise needs at least this many wrong answers (the chapter standard).
MIN_WRONG_ANSWERS = 3
#: A chapter without ``wrong_answers.py`` fails ``course check`` when this is True;
#: while it is False, ``course check`` only warns (``--require-wrong-answers`` fails).
REQUIRE_SUITE = False
#: The file beside a chapter's solution notebook that lists its wrong answers.
SUITE_FILE = "wrong_answers.py"


@dataclass(frozen=True)
class WrongAnswer:
    """One classic mistake for one exercise.

    Attributes:
        exercise: the ``grade_id`` of the exercise's solution cell (its tests are
            ``<exercise>_visible`` and ``<exercise>_hidden``).
        name: the mistake in a few words, as the report shows it.
        code: Python source run in the notebook's kernel in place of the
            solution cell: it re-defines the exercise's function(s) wrongly.
        about: this is the mistake the exercise is about, so the visible test
            must catch it (not only the hidden one).
        message: with ``about``, a piece of text (case-insensitive) that the
            visible test's failure message must contain, so the student is told
            what went wrong; empty to accept any failure message.
    """

    exercise: str
    name: str
    code: str
    about: bool = False
    message: str = ""


# --------------------------------------------------------------------------------------
# The suite of a chapter
# --------------------------------------------------------------------------------------


def suite_path(project: Path, chapter: str) -> Path:
    """Where a chapter's wrong answers live: ``solutions/<chapter>/wrong_answers.py``."""
    return Path(project) / "solutions" / chapter / SUITE_FILE


def load_suite(path: Path) -> list[WrongAnswer]:
    """The ``WRONG_ANSWERS`` list of a ``wrong_answers.py`` file."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"_wrong_answers_{path.parent.name}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wrong = list(getattr(module, "WRONG_ANSWERS", []))
    for item in wrong:
        if not isinstance(item, WrongAnswer):
            raise TypeError(f"{path}: WRONG_ANSWERS holds {item!r}, not a WrongAnswer")
    return wrong


def suite_problems(wrong: list[WrongAnswer], exercises: list[str]) -> list[str]:
    """What makes a suite fall short of the chapter standard, before anything runs:
    unknown exercises, fewer than :data:`MIN_WRONG_ANSWERS` per exercise, not exactly
    one ``about=True`` per exercise, duplicate names."""
    problems = []
    for w in wrong:
        if w.exercise not in exercises:
            problems.append(f"'{w.name}' is for {w.exercise!r}, which is not an exercise here")
    seen: set[tuple[str, str]] = set()
    for w in wrong:
        if (w.exercise, w.name) in seen:
            problems.append(f"{w.exercise}: two wrong answers are called '{w.name}'")
        seen.add((w.exercise, w.name))
    for ex in exercises:
        mine = [w for w in wrong if w.exercise == ex]
        if len(mine) < MIN_WRONG_ANSWERS:
            problems.append(f"{ex}: {len(mine)} wrong answers, the standard is "
                            f">= {MIN_WRONG_ANSWERS}")  # fmt: skip
        about = sum(w.about for w in mine)
        if mine and about != 1:
            problems.append(f"{ex}: {about} wrong answers have about=True; exactly one must")
    return problems


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class Trial:
    """What one wrong answer scored on its exercise's tests."""

    exercise: str
    name: str
    about: bool
    message: str
    visible: float  # points of the visible test (out of visible_max)
    visible_max: float
    hidden: float
    hidden_max: float
    visible_text: str = ""  # the visible test's failure message ("" if it passed)
    hidden_text: str = ""
    error: str = ""  # the wrong answer's own code failed to run
    seconds: float = 0.0

    @property
    def caught_by(self) -> str:
        """``"visible"``, ``"hidden"`` (only), ``"not caught"`` or ``"broken"``."""
        if self.error:
            return "broken"
        if self.visible < self.visible_max:
            return "visible"
        if self.hidden < self.hidden_max:
            return "hidden"
        return "not caught"

    @property
    def problems(self) -> list[str]:
        """Why this wrong answer does not pass the check (empty when it does)."""
        where = f"{self.exercise}: '{self.name}'"
        if self.error:
            return [f"{where}: its code does not run: {self.error}"]
        if self.caught_by == "not caught":
            return [f"{where} gets full marks: no test catches it"]
        if self.about and self.caught_by != "visible":
            return [f"{where} is what the exercise is about, but the visible test passes it"]
        if self.about and self.message.lower() not in self.visible_text.lower():
            return [f"{where}: the visible test catches it, but its message does not say "
                    f"{self.message!r}: {_short(self.visible_text)}"]  # fmt: skip
        return []


@dataclass
class SuiteReport:
    """The wrong-answer check of one chapter."""

    chapter: str
    suite: str = ""  # path of wrong_answers.py ("" when the chapter has none)
    exercises: list[str] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    # exercise -> (score, max) of the solution's tests, as nbgrader scored them
    solution: dict[str, tuple[float, float]] = field(default_factory=dict)
    # exercise -> (score, max) of its tests on the released stub (the blank answer)
    blank: dict[str, tuple[float, float]] = field(default_factory=dict)
    # problems outside single trials: suite format, tests that fail after a restore
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def missing(self) -> bool:
        """The chapter has no ``wrong_answers.py``."""
        return not self.suite

    @property
    def problems(self) -> list[str]:
        """Everything that makes ``course check`` fail for this chapter's suite."""
        out = list(self.notes)
        for ex, (score, top) in self.solution.items():
            if score < top:
                out.append(f"{ex}: the solution scores {score:g} / {top:g}")
        for ex, (score, top) in self.blank.items():
            if score:
                out.append(f"{ex}: the blank answer (the released stub) scores {score:g} / {top:g}")
        for trial in self.trials:
            out += trial.problems
        return out

    @property
    def ok(self) -> bool:
        """Every wrong answer caught as declared, the solution intact (a missing suite
        counts as ok here; :data:`REQUIRE_SUITE` decides what it means for the check)."""
        return not self.problems

    def rows(self) -> list[dict[str, Any]]:
        """One row per exercise: wrong answers, caught by visible / hidden / not caught."""
        rows = []
        for ex in self.exercises:
            mine = [t for t in self.trials if t.exercise == ex]
            rows.append({
                "exercise": ex,
                "wrong answers": len(mine),
                "visible": sum(t.caught_by == "visible" for t in mine),
                "hidden": sum(t.caught_by == "hidden" for t in mine),
                "not caught": sum(t.caught_by in ("not caught", "broken") for t in mine),
                "ok": not any(t.problems for t in mine)
                and not any(n.startswith(f"{ex}:") for n in self.notes)
                and not self.blank.get(ex, (0, 0))[0],
            })  # fmt: skip
        return rows

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> SuiteReport:
        data = json.loads(text)
        data["trials"] = [Trial(**t) for t in data.get("trials", [])]
        data["solution"] = {k: tuple(v) for k, v in data.get("solution", {}).items()}
        data["blank"] = {k: tuple(v) for k, v in data.get("blank", {}).items()}
        return cls(**data)


def read_report(path: Path, chapter: str) -> SuiteReport:
    """The report :class:`WrongAnswerExecute` wrote; a note if it wrote none."""
    path = Path(path)
    if not path.is_file():
        return SuiteReport(chapter, suite="?", notes=[
            "the wrong-answer check did not run (nbgrader wrote no report; "
            "see the nbgrader log with `course check --keep DIR`)"])  # fmt: skip
    return SuiteReport.from_json(path.read_text())


# --------------------------------------------------------------------------------------
# The checker: nbgrader's Execute, plus the wrong answers after the last cell
# --------------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _failure_text(cell: Any) -> str:
    """What a failed cell tells the student: its errors (name: message) and stderr."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
    return _ANSI.sub("", "\n".join(parts)).strip()


def _grade_id(cell: Any) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def bound_names(source: str) -> list[str]:
    """The top-level names a cell binds (functions, classes, assignments, loop targets),
    imports left out: what a blank answer cell would leave undefined or stubbed."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (magics): nothing to remove
        return []
    found: list[tuple[int, int, str]] = []  # (line, column, name)
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((node.lineno, node.col_offset, node.name))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.append((node.lineno, node.col_offset, node.id))
        elif not isinstance(node, ast.Lambda | ast.comprehension):
            todo.extend(ast.iter_child_nodes(node))
    names = [name for _, _, name in sorted(found)]
    return list(dict.fromkeys(names))


#: run in the kernel before a blank answer: the names the solution bound are gone, as in
#: the kernel of a student who has not answered (the loop's own name last, so that the
#: cell leaves no name behind, and no value for IPython to display)
_FORGET = (
    "for _course_name in {names!r} + ['_course_name']:\n"
    "    get_ipython().user_ns.pop(_course_name, None)\n"
)


class WrongAnswerExecute(Execute):
    """nbgrader's ``Execute``; for one student, it then tries the chapter's wrong answers.

    Configure it with :func:`configure`. For any other student (the blank
    submission) it is plain ``Execute``.
    """

    suite = Unicode("", help="Path of the chapter's wrong_answers.py.").tag(config=True)
    report = Unicode("", help="Where to write the JSON report.").tag(config=True)
    student = Unicode("", help="The submission whose kernel tries the wrong answers.").tag(
        config=True
    )
    released = Unicode(
        "",
        help="Folder of the released (student) notebooks: each exercise's stub there is "
        "tried as the blank answer, whose tests must score 0. Empty: not tried.",
    ).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> Any:
        result = super().preprocess_cell(cell, resources, index)
        if index == len(self.nb.cells) - 1 and self._for_me(resources):
            started = time.perf_counter()
            chapter = (resources or {}).get("nbgrader", {}).get("assignment", "")
            report = SuiteReport(chapter, suite=self.suite)
            try:
                self._try_suite(report, resources)
            except Exception as exc:  # a broken suite is a finding, not a grading crash
                report.notes.append(f"the wrong-answer check stopped: {type(exc).__name__}: {exc}")
            report.seconds = round(time.perf_counter() - started, 2)
            Path(self.report).write_text(report.to_json())
        return result

    def _for_me(self, resources: Any) -> bool:
        student = (resources or {}).get("nbgrader", {}).get("student", "")
        return bool(self.suite and self.report) and (not self.student or student == self.student)

    def _scratch(self, source: str) -> Any:
        """A new code cell (not in the notebook) holding ``source``."""
        nbnode = type(self.nb.cells[0])
        return nbnode(cell_type="code", source=source, metadata={}, outputs=[],
                      execution_count=None)  # fmt: skip

    def _stubs(self, resources: Any) -> dict[str, str]:
        """``grade_id -> source`` of the answer cells of this notebook as released."""
        if not self.released:
            return {}
        name = (resources or {}).get("nbgrader", {}).get("notebook", "")
        path = Path(self.released) / f"{name}.ipynb"
        if not path.is_file():
            return {}
        released = nbformat.read(path, as_version=4)
        return {_grade_id(c): c.source for c in released.cells
                if c.metadata.get("nbgrader", {}).get("solution")}  # fmt: skip

    def _run(self, cell: Any, index: int) -> Any:
        """Execute a copy-to-be cell in the notebook's kernel, as nbgrader executes cells."""
        cell.outputs = []
        cell.execution_count = None
        self.execute_cell(cell, index, store_history=False)
        return cell

    def _run_test(self, test: Any, index: int) -> tuple[float, float, str]:
        from nbgrader.utils import determine_grade

        cell = self._run(copy.deepcopy(test), index)
        score, top = determine_grade(cell, self.log)
        return float(score or 0), float(top), _failure_text(cell)

    def _try_suite(self, report: SuiteReport, resources: Any = None) -> None:
        cells = {_grade_id(c): (i, c) for i, c in enumerate(self.nb.cells) if _grade_id(c)}
        meta = {gid: c.metadata.get("nbgrader", {}) for gid, (_, c) in cells.items()}
        graded = [g for g, m in meta.items() if m.get("grade")]
        exercises = [gid for gid, m in meta.items() if m.get("solution") and not m.get("grade")
                     and any(g.startswith(gid + "_") for g in graded)]  # fmt: skip
        report.exercises = exercises
        tests = {ex: [g for g in (f"{ex}_visible", f"{ex}_hidden") if g in cells]
                 for ex in exercises}  # fmt: skip
        for ex in exercises:  # the solution's own grade, from the run nbgrader scores
            got = [(float(determine_grade_safe(cells[g][1])[0]), float(meta[g].get("points", 0)))
                   for g in tests[ex]]  # fmt: skip
            report.solution[ex] = (sum(s for s, _ in got), sum(t for _, t in got))
        wrong = load_suite(Path(self.suite))
        report.notes += suite_problems(wrong, exercises)
        stubs = self._stubs(resources)
        for ex in exercises:
            mine = [w for w in wrong if w.exercise == ex]
            solution_index, solution_cell = cells[ex]
            if ex in stubs:  # the blank answer: its tests must score 0
                # a student who has not answered has neither the answer's names nor what
                # its tests bind when they pass (a hidden test may read the visible's)
                names = [n for c in [solution_cell, *(cells[g][1] for g in tests[ex])]
                         for n in bound_names(c.source)]  # fmt: skip
                forget = _FORGET.format(names=list(dict.fromkeys(names)))
                self._run(self._scratch(forget), solution_index)
                self._run(self._scratch(stubs[ex]), solution_index)
                got = [self._run_test(cells[g][1], cells[g][0]) for g in tests[ex]]
                report.blank[ex] = (sum(s for s, _, _ in got), sum(t for _, t, _ in got))
                self._run(copy.deepcopy(solution_cell), solution_index)  # restore
            if not mine and ex not in stubs:
                continue
            for w in mine:
                started = time.perf_counter()
                scratch = self._scratch(w.code)
                self._run(scratch, solution_index)
                error = _failure_text(scratch)
                results = {}
                for suffix in ("visible", "hidden"):
                    gid = f"{ex}_{suffix}"
                    if gid in cells and not error:
                        results[suffix] = self._run_test(cells[gid][1], cells[gid][0])
                    else:
                        top = float(meta.get(gid, {}).get("points", 0))
                        results[suffix] = (top, top, "")
                self._run(copy.deepcopy(solution_cell), solution_index)  # restore
                (vs, vm, vt), (hs, hm, ht) = results["visible"], results["hidden"]
                seconds = round(time.perf_counter() - started, 2)
                report.trials.append(Trial(ex, w.name, w.about, w.message, vs, vm, hs, hm,
                                           vt, ht, _short(error), seconds))  # fmt: skip
            for gid in tests[ex]:  # self-contained: the tests pass again after all that
                score, top, text = self._run_test(cells[gid][1], cells[gid][0])
                if score < top:
                    report.notes.append(
                        f"{ex}: {gid} fails when re-run after the blank and wrong answers "
                        f"and the restored solution, so it is not self-contained: {_short(text)}"
                    )


def determine_grade_safe(cell: Any) -> tuple[float, float]:
    """nbgrader's grade of an executed test cell (``(0, points)`` if it cannot tell)."""
    from nbgrader.utils import determine_grade

    score, top = determine_grade(cell)
    return float(score or 0), float(top)


def configure(
    c: Any, suite: str | Path, report: str | Path, student: str = "", released: str | Path = ""
) -> None:
    """Set up an nbgrader config object ``c`` so that ``nbgrader autograde`` runs
    :class:`WrongAnswerExecute` in place of ``Execute`` (the rest of nbgrader's
    autograde preprocessors unchanged) for ``student`` (default: every one); with
    ``released`` (the folder of the student notebooks), it also tries each blank answer."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute as NbgraderExecute

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    c.Autograde.autograde_preprocessors = [
        WrongAnswerExecute if pp is NbgraderExecute else pp for pp in default
    ]
    c.WrongAnswerExecute.suite = str(suite)
    c.WrongAnswerExecute.report = str(report)
    c.WrongAnswerExecute.student = student
    c.WrongAnswerExecute.released = str(released or "")


def config_file(
    folder: Path, suite: Path, report: Path, student: str, released: Path | None = None
) -> Path:
    """Write an nbgrader config file that calls :func:`configure`; returns its path
    *without* ``.py``, as ``nbgrader --JupyterApp.config_file=`` wants it."""
    path = Path(folder) / "course_wrong_answers_config.py"
    path.write_text(
        "# Written by course check: try the wrong answers in the solved submission's kernel.\n"
        "from course.grading.wrong_answers import configure\n\n"
        f"configure(get_config(), {str(suite)!r}, {str(report)!r}, {student!r},  # noqa: F821\n"
        f"          {str(released or '')!r})\n"
    )
    return path.with_suffix("")
