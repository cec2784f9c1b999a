"""nbgrader preprocessors for grading untrusted notebooks, one per module (as nbgrader's
own ``preprocessors/``); they plug into nbgrader's ``autograde``, which is not changed.

In the order :data:`AUTOGRADE_PREPROCESSORS` gives them (``Autograde.autograde_preprocessors``,
set by :func:`configure`):

1. :class:`AddTestGuards` (``add_test_guards``): a first cell that binds the checks and
   ``print`` before the submission's code runs; each test cell uses them and ends with a
   secret marker.
2. :class:`SandboxedExecute` (``sandboxed_execute``), in place of nbgrader's ``Execute``:
   the kernel in the sandbox, a time budget per notebook, an output cap, a dead or stuck
   kernel as an error in its cell.
3. :class:`VerifyTestGuards` (``verify_test_guards``): the setup cell goes; a test cell
   without its marker did not run to its end and scores 0.
4. nbgrader's own: ``IgnorePattern``, ``ClearMetadataPreprocessor``, ``LimitOutput``,
   ``SaveAutoGrades``, ``AssignLatePenalties``, ``CheckCellMetadata``.
5. :class:`AddGradingNotes` (``grading_notes``): a note at the top of the graded notebook
   (and so of the feedback) listing what happened.

Each reports what happened (timeouts, dead kernels, memory, output cut, failed guards)
to ``<events_dir>/<notebook>.jsonl`` (:class:`~course.grading.preprocessors.events.EventRecorder`,
:class:`course.grading.protocol.Event`). Their settings are traits, set by :func:`configure`.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from course.grading.limits import Limits, format_size
from course.grading.preprocessors.add_test_guards import AddTestGuards
from course.grading.preprocessors.grading_notes import AddGradingNotes
from course.grading.preprocessors.sandboxed_execute import SandboxedExecute
from course.grading.preprocessors.verify_test_guards import VerifyTestGuards

__all__ = [
    "AddTestGuards",
    "SandboxedExecute",
    "VerifyTestGuards",
    "AddGradingNotes",
    "AUTOGRADE_PREPROCESSORS",
    "configure",
]

#: ``Autograde.autograde_preprocessors`` for ``course grade``: nbgrader's default list with
#: ``Execute`` replaced by :class:`SandboxedExecute`, the guards around it, the notes last.
AUTOGRADE_PREPROCESSORS = [
    AddTestGuards,
    SandboxedExecute,
    VerifyTestGuards,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
    AddGradingNotes,
]


def configure(c: Any, limits: Limits, events_dir: str) -> None:
    """Set up the traitlets config ``c`` for ``course grade``'s autograde: the preprocessors
    in their order, and their settings from ``limits``."""
    c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
    c.Execute.timeout = int(limits.cell_timeout) if limits.cell_timeout else None
    c.SandboxedExecute.timeout = c.Execute.timeout
    c.SandboxedExecute.notebook_timeout = limits.notebook_timeout
    c.SandboxedExecute.output_limit = limits.output
    c.SandboxedExecute.memory_text = format_size(limits.memory)
    for name in ("SandboxedExecute", "VerifyTestGuards", "AddGradingNotes"):
        c[name].events_dir = events_dir
    c.OverwriteCells.add_missing_cells = True  # a deleted test cell is put back and run
    c.LimitOutput.max_lines = limits.max_lines
    c.LimitOutput.max_traceback = limits.max_traceback
