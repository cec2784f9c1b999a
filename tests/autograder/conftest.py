"""What the ``course grade`` tests share: a tiny course, short limits, tree hashes.

Most cases use a tiny assignment (``tests/hostile``: no TensorFlow, ~1 s per notebook);
Chapter 1 is graded where realism matters. Short limits keep each file within a few
minutes: 10 s per cell, 20 s per notebook, 1 GB, 64 processes.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat

from course.grading.runner import run_nbgrader
from course.grading.sandbox import capabilities

from ..hostile import TINY, Builder, solution_answers, tiny_project

TINY_LIMITS = dict(cell_timeout=10, notebook_timeout=20, memory=1 << 30, processes=64)
MARKER = "HOSTILE-MARKER"


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def has(capability: str) -> bool:
    """Can this machine enforce it (a capability name, or "process_cap")?"""
    caps = capabilities()
    if capability == "process_cap":
        return caps["cgroup_pids"] or not caps["root"]
    return bool(caps.get(capability))


def tiny_course(base: Path, setup: str = "") -> tuple[Path, Path, Builder]:
    """A project with the tiny assignment (``setup`` prepended to its setup cell) and a
    course folder where it is released."""
    project = tiny_project(base / "project")
    source = project / "solutions" / TINY / f"{TINY}.ipynb"
    if setup:
        nb = nbformat.read(source, as_version=4)
        nb.cells[1].source = setup + nb.cells[1].source
        nbformat.write(nb, source)
    course = base / "course"
    (course / "submitted").mkdir(parents=True)
    shutil.copy(project / "nbgrader_config.py", course)
    shutil.copytree(project / "solutions", course / "solutions")
    run_nbgrader(course, "generate_assignment", TINY, "--force")  # as an instructor would
    builder = Builder(course / "notebooks" / TINY / f"{TINY}.ipynb", solution_answers(source))
    return project, course, builder


def printed(notebook: Path) -> str:
    """Everything a graded notebook's code cells printed."""
    nb = nbformat.read(notebook, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))  # fmt: skip
