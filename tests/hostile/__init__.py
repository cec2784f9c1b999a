"""Hostile and broken submissions, built from a released notebook by editing cells.

Nothing here is committed as .ipynb: :func:`tiny_project` writes a small
nbgrader source notebook (no TensorFlow: it grades in about a second), and each
case in :data:`TINY_CASES` / :data:`CHAPTER1_CASES` turns the released
(student) notebook plus the solution answers into one submission, with the
outcome ``course grade`` must produce.
"""

from __future__ import annotations

import copy
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------
# The tiny assignment: two exercises, 6 points, ~1 s to grade
# --------------------------------------------------------------------------------------

TINY = "tiny"


def _cell(
    source: str, grade_id: str | None = None, *, solution=False, grade=False, points=0, locked=False
) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip())
    if grade_id:
        meta = {
            "grade": grade,
            "grade_id": grade_id,
            "locked": locked,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
        if grade:
            meta["points"] = points
        cell.metadata["nbgrader"] = meta
    return cell


def tiny_source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny assignment\nTwo functions, six points."),
        _cell("from course.checks import check_equal", "setup", locked=True),
        _cell(
            """
            def add(a, b):
                ### BEGIN SOLUTION
                return a + b
                ### END SOLUTION
            """,
            "add",
            solution=True,
        ),
        _cell(
            """
            check_equal(add(1, 2), 3, name="add(1, 2)")
            print("visible tests passed")
            """,
            "add_visible",
            grade=True,
            points=1,
            locked=True,
        ),
        _cell(
            """
            # hidden tests
            ### BEGIN HIDDEN TESTS
            for _a in range(-3, 4):
                for _b in (-7, 0, 10):
                    check_equal(add(_a, _b), _a + _b, name=f"add({_a}, {_b})")
            ### END HIDDEN TESTS
            """,
            "add_hidden",
            grade=True,
            points=2,
            locked=True,
        ),
        _cell(
            """
            def square(x):
                ### BEGIN SOLUTION
                return x * x
                ### END SOLUTION
            """,
            "square",
            solution=True,
        ),
        _cell(
            """
            check_equal(square(3), 9, name="square(3)")
            print("visible tests passed")
            """,
            "square_visible",
            grade=True,
            points=1,
            locked=True,
        ),
        _cell(
            """
            # hidden tests
            ### BEGIN HIDDEN TESTS
            for _x in (-4, 0, 2.5, 11):
                check_equal(square(_x), _x * _x, name=f"square({_x})")
            ### END HIDDEN TESTS
            """,
            "square_hidden",
            grade=True,
            points=2,
            locked=True,
        ),
    ]
    return nb


def tiny_project(root: Path) -> Path:
    """A course project (nbgrader_config.py + solutions/tiny/tiny.ipynb) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    folder = root / "solutions" / TINY
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(tiny_source_notebook(), folder / f"{TINY}.ipynb")
    return root


# --------------------------------------------------------------------------------------
# Editing a released notebook
# --------------------------------------------------------------------------------------


def _find(nb, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def answer_ids(nb) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]


def grade_cell_ids(nb) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution")
    ]


class Builder:
    """A released notebook and the solution's answers; each method returns a new notebook."""

    def __init__(self, released: Path, answers: dict[str, str]) -> None:
        self.released = nbformat.read(released, as_version=4)
        self.answers = answers

    def blank(self):
        return copy.deepcopy(self.released)

    def solved(self, except_ids: tuple[str, ...] = ()):
        nb = self.blank()
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in self.answers and gid not in except_ids:
                cell.source = self.answers[gid]
        return nb

    @staticmethod
    def set(nb, grade_id: str, source: str):
        nb.cells[_find(nb, grade_id)].source = textwrap.dedent(source).strip()
        return nb

    @staticmethod
    def insert_after(nb, index: int, source: str):
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(textwrap.dedent(source).strip()))
        return nb

    @staticmethod
    def delete(nb, grade_id: str):
        del nb.cells[_find(nb, grade_id)]
        return nb


def solution_answers(solution: Path) -> dict[str, str]:
    out = {}
    for cell in nbformat.read(solution, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = "\n".join(
                line
                for line in cell.source.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            )
    return out


def _hard_coded(b: Builder):
    """Answers that return what the visible tests expect, whatever the input."""
    nb = b.set(b.blank(), "add", "def add(a, b):\n    return 3")
    return b.set(nb, "square", "def square(x):\n    return 9")


def _meta(nb, grade_id: str) -> dict:
    return nb.cells[_find(nb, grade_id)].metadata["nbgrader"]


def _unlocked(nb, grade_id: str):
    """The cell's lock and checksum removed, as a student hiding an edit would."""
    meta = _meta(nb, grade_id)
    meta["locked"] = False
    meta.pop("checksum", None)
    return nb


def _points(nb, grade_id: str, points):
    _meta(nb, grade_id)["points"] = points
    return nb


def _old_format(nb):
    """nbgrader's first metadata format: no schema_version, no task flag."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta:
            meta.pop("schema_version", None)
            meta.pop("task", None)
    return nb


def _stub_answers(nb):
    """Every answer a function that returns None: only no-op checks would pass it."""
    for gid in answer_ids(nb):
        Builder.set(nb, gid, f"def {gid}(*args, **kwargs):\n    return None")
    return nb


# --------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    build: Callable[[Builder], object]  # -> notebook, JSON text, or None (no notebook)
    score: float | str  # expected score ("max": full marks, whatever the chapter's total)
    status: str = "ok"  # expected status
    message: str | None = None  # a substring one of the messages must contain
    timeouts: bool = False
    flagged: bool | None = None
    feedback_text: str | None = None  # a substring the feedback HTML must contain
    absent: str | None = None  # a substring no message may contain
    extra_files: dict[str, str] = field(default_factory=dict)
    needs: str | None = None  # a capability the expectation depends on


# Hiding failures: the display of errors and the reply status are patched away.
HIDE_ERRORS = textwrap.dedent("""
    import sys
    from IPython.core.interactiveshell import InteractiveShell
    InteractiveShell.showtraceback = lambda *a, **k: None
    InteractiveShell._showtraceback = lambda *a, **k: None
    sys.excepthook = lambda *a: None
    _ip = get_ipython()
    _run_cell, _run_cell_async = _ip.run_cell, _ip.run_cell_async
    def _ok(result):
        result.error_in_exec = None
        result.error_before_exec = None
        return result
    _ip.run_cell = lambda *a, **k: _ok(_run_cell(*a, **k))
    async def _run_async(*a, **k):
        return _ok(await _run_cell_async(*a, **k))
    _ip.run_cell_async = _run_async
""")

# Makes `importlib.reload` a no-op before patching: the old guard reloaded course.checks.
PATCH_IMPORTLIB = textwrap.dedent("""
    import importlib
    importlib.reload = lambda module: module
""")

# Where instructor material might be read by path: the checkout `course` comes from, git.
LOOK_AROUND = textwrap.dedent("""
    import os, pathlib, course
    _root = pathlib.Path(course.__file__).resolve().parents[1]
    _seen = {}
    for _name in ("solutions", ".git"):
        try:
            _seen[_name] = sorted(os.listdir(_root / _name))
        except OSError:
            _seen[_name] = []
    _seen["students"] = sorted(os.listdir("../.."))  # submitted/: only this student
    print("seen:", {k: len(v) for k, v in _seen.items()})
""")

PATCH_CHECKS = textwrap.dedent("""
    import course.checks as _checks
    for _name in _checks.__all__:
        if _name.startswith("check"):
            setattr(_checks, _name, lambda *a, **k: None)
    check = check_array = check_shape = check_dtype = check_equal = lambda *a, **k: None
""")

# Writes a marker file wherever it can reach; the test checks none appears where it matters.
WRITE_OUTSIDE = textwrap.dedent("""
    import os, glob, pathlib, course
    _marker = "HOSTILE-MARKER"
    _targets = ["../../../submitted/alice/{chapter}/" + _marker,
                "../../../" + _marker, "/tmp/" + _marker,
                str(pathlib.Path(course.__file__).parents[1] / "solutions" / _marker)]
    for _var in ("COURSE_ROOT", "PWD", "OLDPWD", "HOME"):
        if os.environ.get(_var):
            _targets.append(os.path.join(os.environ[_var], _marker))
    for _cwd in glob.glob("/proc/[0-9]*/cwd"):
        _targets.append(os.path.join(_cwd, _marker))
        _targets.append(os.path.join(_cwd, "submitted", "alice", "{chapter}", _marker))
    _wrote = []
    for _t in _targets:
        try:
            pathlib.Path(_t).write_text("pwned")
            _wrote.append(_t)
        except OSError:
            pass
    print("wrote:", _wrote)
""")

# Looks for the instructor's notebook or the gradebook and runs the solutions from it.
READ_SOLUTIONS = textwrap.dedent("""
    import os, glob, json, re, sqlite3, pathlib, course
    _found = {}
    _candidates = {
        "relative": "../../../solutions/{chapter}/{chapter}.ipynb",
        "source": "../../../source/{chapter}/{chapter}.ipynb",
        "course_file": str(pathlib.Path(course.__file__).parents[1]
                           / "solutions/{chapter}/{chapter}.ipynb"),
    }
    if os.environ.get("COURSE_ROOT"):
        _candidates["env"] = os.environ["COURSE_ROOT"] + "/solutions/{chapter}/{chapter}.ipynb"
    for _cwd in glob.glob("/proc/[0-9]*/cwd"):
        _candidates["proc:" + _cwd] = _cwd + "/solutions/{chapter}/{chapter}.ipynb"
    for _label, _path in _candidates.items():
        try:
            _cells = json.loads(pathlib.Path(_path).read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        _sources = ["".join(c["source"]) for c in _cells]
        _found[_label] = [src for src in _sources if "BEGIN SOLUTION" in src]
    for _db in ["../../../gradebook.db"] + glob.glob("/proc/[0-9]*/cwd/gradebook.db"):
        try:
            _rows = sqlite3.connect(f"file:{_db}?mode=ro", uri=True).execute(
                "select source from source_cell").fetchall()
            _found["gradebook:" + _db] = [r[0] for r in _rows if "BEGIN SOLUTION" in r[0]]
        except Exception:
            pass
    print("found:", sorted(_found))
    for _sources in _found.values():
        for _src in _sources:
            exec(_src)
        if _sources:
            break
""")


def _tiny_cases() -> list[Case]:
    def with_answer(grade_id: str, code: str):
        def build(b: Builder):
            nb = b.solved()
            return b.set(nb, grade_id, code)

        return build

    return [
        Case("blank", lambda b: b.blank(), 0, feedback_text="NotImplementedError"),
        Case("correct", lambda b: b.solved(), 6),
        Case(
            "edited-locked-cells",
            lambda b: [b.set(nb, gid, "pass") for nb in [b.blank()] for gid in grade_cell_ids(nb)][
                -1
            ],
            0,
            message="test cell add_hidden was changed; the original was graded",
        ),
        Case(
            "edited-unlocked-test",  # the lock and checksum taken off first: still seen
            lambda b: _unlocked(b.set(b.solved(), "add_hidden", "pass"), "add_hidden"),
            6,
            message="test cell add_hidden was changed; the original was graded",
        ),
        Case(
            "inflated-points",
            lambda b: _points(b.solved(), "add_visible", 100),
            6,
            message="the points of test cell add_visible were changed (100 instead of 1)",
            absent="square_visible",
        ),
        Case(
            "old-format",
            lambda b: _old_format(b.solved()),
            6,
            message="used an older grading format; it was updated and graded",
        ),
        Case(
            "damaged-metadata",
            lambda b: _points(b.solved(), "add_visible", "lots"),
            0,
            status="error",
            message="download a fresh copy of tiny/tiny.ipynb",
        ),
        Case(
            "patch-importlib",
            lambda b: b.insert_after(_stub_answers(b.blank()), 1, PATCH_IMPORTLIB + PATCH_CHECKS),
            0,
            flagged=True,
        ),
        Case(
            "look-around",
            lambda b: b.insert_after(b.solved(), 1, LOOK_AROUND),
            6,
            flagged=True,
        ),
        Case(
            "deleted-test-cells",  # answers that pass the visible tests only
            lambda b: b.delete(b.delete(_hard_coded(b), "add_hidden"), "square_hidden"),
            2,
            message="square_hidden was missing; it was put back and run",
        ),
        Case(
            "hard-coded",
            _hard_coded,
            2,
        ),
        Case(
            "hide-tracebacks",
            lambda b: b.insert_after(b.blank(), 1, HIDE_ERRORS),
            0,
            message="did not run to its end",
            flagged=True,
        ),
        Case(
            "patch-checks",
            lambda b: b.insert_after(
                b.set(
                    b.set(b.blank(), "add", "def add(a, b):\n    return None"),
                    "square",
                    "def square(x):\n    return None",
                ),
                1,
                PATCH_CHECKS,
            ),
            0,
            flagged=True,
        ),
        Case(
            "sys-exit",
            with_answer("add", "import sys\n\ndef add(a, b):\n    return a + b\n\nsys.exit(0)"),
            6,
        ),
        Case(
            "os-exit",
            with_answer("square", "import os\nos._exit(1)"),
            3,
            status="error",
            message="exited with status 1",
        ),
        Case(
            "segfault",
            with_answer("square", "import ctypes\nctypes.string_at(0)"),
            3,
            status="error",
            message="segmentation fault",
        ),
        Case(
            "infinite-loop",
            with_answer("square", "while True:\n    pass"),
            3,
            timeouts=True,
            message="did not finish within",
        ),
        Case(
            "stuck-loop",
            with_answer(
                "square",
                "import signal\nsignal.signal(signal.SIGINT, "
                "signal.SIG_IGN)\nwhile True:\n    pass",
            ),
            3,
            timeouts=True,
            message="did not respond to the interrupt",
        ),
        Case(
            "slow-notebook",
            lambda b: b.insert_after(
                b.insert_after(
                    b.set(
                        b.solved(),
                        "square",
                        "import time\ntime.sleep(8)\n\ndef square(x):\n    return x * x",
                    ),
                    1,
                    "import time\ntime.sleep(8)",
                ),
                1,
                "import time\ntime.sleep(8)",
            ),
            3,
            timeouts=True,
            message="time limit",
        ),
        Case(
            "memory-bomb",
            with_answer("square", "_hog = []\nwhile True:\n    _hog.append(bytearray(64 << 20))"),
            3,
            status="error",
            message="memory",
        ),
        Case(
            "fork-bomb",
            with_answer(
                "square",
                "import os\nwhile True:\n    try:\n        "
                "os.fork()\n    except OSError:\n        pass",
            ),
            3,
            timeouts=True,
            needs="process_cap",
        ),
        Case(
            "write-outside",
            lambda b: b.insert_after(b.solved(), 1, WRITE_OUTSIDE.replace("{chapter}", TINY)),
            6,
            flagged=True,
        ),
        Case(
            "huge-output",
            with_answer(
                "add",
                "for _ in range(50):\n    print('x' * (1 << 20))"
                "\n\ndef add(a, b):\n    return a + b",
            ),
            6,
            message="printed more than",
        ),
        Case(
            "invalid-json",
            lambda b: '{"cells": [ this is not json',
            0,
            status="error",
            message="not a valid notebook",
        ),
        Case(
            "missing-notebook",
            lambda b: None,
            0,
            status="error",
            message="was not submitted",
            extra_files={"README.txt": "I forgot the notebook"},
        ),
    ]


TINY_CASES = _tiny_cases()

CHAPTER1 = "01_tensors"

CHAPTER1_CASES = [
    Case("correct", lambda b: b.solved(), "max"),
    Case("blank", lambda b: b.blank(), 0),
    Case(
        "read-solutions",
        lambda b: b.insert_after(b.blank(), 1, READ_SOLUTIONS.replace("{chapter}", CHAPTER1)),
        0,
        flagged=True,
        needs="namespaces",
    ),
    Case(
        "patch-checks",
        lambda b: b.insert_after(_stub_answers(b.blank()), 1, PATCH_CHECKS),
        0,
        flagged=True,
    ),
    Case(
        "patch-importlib",
        lambda b: b.insert_after(_stub_answers(b.blank()), 1, PATCH_IMPORTLIB + PATCH_CHECKS),
        0,
        flagged=True,
    ),
]


def write_submission(
    course: Path,
    chapter: str,
    student: str,
    notebook: str,
    content,
    extra_files: dict[str, str] | None = None,
) -> Path:
    folder = course / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    if content is not None:
        text = content if isinstance(content, str) else nbformat.writes(content)
        (folder / f"{notebook}.ipynb").write_text(text)
    for name, text in (extra_files or {}).items():
        (folder / name).write_text(text)
    return folder
