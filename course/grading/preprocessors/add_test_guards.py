"""AddTestGuards: test cells that take their checks, and say they ran, from the grader.

Before any cell of the submission runs, a first cell (the *setup*) loads a private copy
of ``course.checks`` from its file (registered nowhere in ``sys.modules``) and binds
``print``. Every test cell then re-binds the check functions it uses from that copy and
ends by printing a secret marker through the bound ``print``. So a submission that
monkeypatches ``course.checks``, ``importlib`` or ``sys.modules``, or redefines
``check_array``, cannot make the tests pass, and
:class:`~course.grading.preprocessors.VerifyTestGuards` can tell a test that ran to its
end from one whose error was hidden.
"""

from __future__ import annotations

import ast
import re
import secrets

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading.preprocessors.cells import GUARD_META, is_test_cell

__all__ = ["AddTestGuards", "CHECK_NAMES", "with_marker"]


def _check_names() -> list[str]:
    import course.checks

    return list(course.checks.__all__)


#: The check functions a test cell may use (``course.checks.__all__``).
CHECK_NAMES = _check_names()


def with_marker(source: str, marker: str, tail: str | None = None) -> str:
    """``source`` followed by ``tail`` (default: ``print(marker)``); when the cell ends with
    an expression, its value is still the cell's result (nbgrader gives partial credit for
    a number there)."""
    tail = tail or f"print({marker!r})"
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return f"{source}\n{tail}"
    last = body[-1] if body else None
    if not isinstance(last, ast.Expr):
        return f"{source}\n{tail}"
    lines = source.splitlines()
    after = lines[last.end_lineno - 1][last.end_col_offset :]
    if ";" in after.split("#")[0]:  # `expr;` shows nothing anyway
        return f"{source}\n{tail}"
    head = "\n".join(lines[: last.lineno - 1] + [lines[last.lineno - 1][: last.col_offset]])
    expr = ast.get_source_segment(source, last)
    return f"{head}_g_last = ({expr})\n{tail}\n_g_last"


# Runs before any cell of the submission: loads a private copy of course.checks (not
# registered in sys.modules, so patching `course.checks`, `importlib` or `sys.modules`
# later does not reach it) and binds `print`, so that the test cells' helpers and their
# end marker come from references taken before the student's code ran.
_SETUP = """\
def {name}(path):
    import builtins
    import importlib.util
    spec = importlib.util.spec_from_file_location("_course_checks_for_grading", path)
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    fresh = {{n: getattr(checks, n) for n in checks.__all__}}
    say = builtins.print

    def guard(*names, done=None):
        if done is not None:
            say(done)
            return None
        return tuple(fresh[n] for n in names)

    return guard


{name} = {name}({path!r})
"""


class AddTestGuards(NbGraderPreprocessor):
    """Before execution: a first cell that takes private references to the checks and to
    ``print``; each test cell then uses those checks and ends with a secret marker."""

    def preprocess(self, nb, resources):
        import course.checks

        nonce = secrets.token_hex(12)
        self._marker = f"[course-grade:{nonce}:{{index}}]"
        self._guard = f"_cg_{nonce}"
        nb, resources = super().preprocess(nb, resources)
        setup = NotebookNode(
            cell_type="code",
            id=f"course-grade-setup-{nonce[:8]}",
            metadata={GUARD_META: {"setup": True}},
            source=_SETUP.format(name=self._guard, path=course.checks.__file__),
            outputs=[],
            execution_count=None,
        )
        nb.cells.insert(0, setup)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if not is_test_cell(cell):
            return cell, resources
        source = cell.source
        used = [n for n in CHECK_NAMES if re.search(rf"\b{n}\b", source)]
        marker = self._marker.format(index=index)
        lines = []
        if used:
            names = ", ".join(repr(n) for n in used)
            lines.append(f"{', '.join(used)}, = {self._guard}({names})  # grader: fresh checks")
        lines.append(with_marker(source, marker, f"{self._guard}(done={marker!r})"))
        cell.source = "\n".join(lines)
        cell.metadata[GUARD_META] = {"original": source, "marker": marker}
        return cell, resources
