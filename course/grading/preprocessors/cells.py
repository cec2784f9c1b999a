"""Small helpers the grading preprocessors share: which cells are tests, labels, errors."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

__all__ = ["is_test_cell", "cell_label", "error_output", "GUARD_META"]

#: Cell metadata key under which the test guards keep what they changed.
GUARD_META = "course_guard"


def is_test_cell(cell: NotebookNode) -> bool:
    """An nbgrader test cell: graded, not an answer."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"))


def cell_label(cell: NotebookNode, index: int) -> str:
    """``"cell 6 (square)"``: the cell's number and its grade_id, for messages."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1}" + (f" ({grade_id})" if grade_id else "")


def error_output(ename: str, text: str) -> NotebookNode:
    """An error output, as a kernel would report it (nbgrader scores the cell 0)."""
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=text,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {text}"],
    )
