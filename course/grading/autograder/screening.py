"""Screening: what the worker checks in a submission before any of it runs.

Only plain files are copied (:func:`copy_plain`); each notebook the assignment has must be
there and readable, in nbgrader's current metadata format (an older one is updated,
:func:`check_format`); code a notebook has no business running is flagged for a human
(:func:`suspicious`); test and locked cells that differ from the instructor's are noted
(:func:`tampering`: nbgrader grades the originals anyway). :func:`screen` does all that
for one job.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from course.grading.protocol import Event, EventFiles, EventKind, Result

__all__ = ["SUSPICIOUS", "suspicious", "copy_plain", "check_format", "tampering", "screen"]

# Code a notebook has no business running in an exercise: flagged for a human to look at.
SUSPICIOUS = {
    "changes how errors are shown": r"showtraceback|excepthook|InteractiveShell|run_cell"
    r"|input_transformers|ast_transformers|\.events\.register|_showtraceback",
    "patches the test helpers": r"import\s+course\.checks|from\s+course\s+import\s+checks|"
    r"checks\.\w+\s*=[^=]|setattr\(|^\s*check(_\w+)?\s*=[^=]|^\s*def\s+check(_\w+)?\s*\(",
    "touches the interpreter's modules": r"sys\.modules|importlib|__builtins__|builtins\.",
    "inspects the running code": r"globals\(\)|_getframe|\bf_back\b|\bf_globals\b|co_consts"
    r"|__closure__|__code__|\binspect\.|\bgc\.|\b_cg_",
    "patches a library": r"^\s*(np|numpy|tf|tensorflow|keras)\.[\w.]+\s*=[^=]",
    "stops or crashes the kernel": r"os\._exit|sys\.exit|ctypes|os\.kill|signal\.",
    "starts processes": r"os\.fork|subprocess|multiprocessing|os\.system|os\.popen|os\.exec",
    "looks for instructor files": r"solutions|gradebook|autograded|submitted|\.\./\.\.",
}


def suspicious(nb) -> list[str]:
    """Why a notebook looks suspicious (cells a student may edit), or []."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (
            cell.cell_type != "code"
            or meta.get("locked")
            or (meta.get("grade") and not meta.get("solution"))
        ):
            continue
        for label, pattern in SUSPICIOUS.items():
            if label not in found and re.search(pattern, cell.source, re.MULTILINE):
                found.append(label)
    return found


def copy_plain(src: Path, dest: Path) -> list[str]:
    """Copy a submission folder without symlinks, devices or fifos; returns what was skipped."""
    skipped = []
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(os.scandir(src), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.is_symlink():
            skipped.append(f"{entry.name} (a symbolic link)")
        elif entry.is_dir(follow_symlinks=False):
            skipped += copy_plain(path, dest / entry.name)
        elif entry.is_file(follow_symlinks=False):
            shutil.copyfile(path, dest / entry.name)
        else:
            skipped.append(f"{entry.name} (not a regular file)")
    return skipped


def _released_sources(source: str) -> set[str]:
    """What a student may have in a test cell: the gradebook's source, and the same with
    the hidden tests removed (as nbgrader releases it)."""
    from nbformat.notebooknode import NotebookNode
    from nbgrader.preprocessors import ClearHiddenTests

    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return {source.strip(), cell.source.strip()}


def tampering(nb, name: str, db: Path, chapter: str) -> list[str]:
    """Test and locked cells that differ from the instructor's version in the gradebook,
    and test cells that were deleted; nbgrader puts the originals back and grades them,
    the messages say so. The submitted metadata is not trusted: a cell counts by its
    grade_id alone."""
    from nbgrader.api import Gradebook, MissingEntry

    messages, present = [], set()
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            notebook = gb.find_notebook(name, chapter)
        except MissingEntry:
            return []
        sources = {c.name: c for c in notebook.source_cells}
        points = {c.name: c.max_score for c in notebook.grade_cells}
        solutions = {c.name for c in notebook.solution_cells}
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            original = sources.get(gid)
            if original is None:
                continue
            present.add(gid)
            is_test = gid in points and gid not in solutions
            if not (original.locked or is_test):
                continue
            kind = "test cell" if is_test else "locked cell"
            if cell.get("cell_type") != original.cell_type:
                messages.append(f"{kind} {gid} was turned into a {cell.get('cell_type')} cell; "
                                "the original was graded")  # fmt: skip
            elif str(cell.get("source", "")).strip() not in _released_sources(original.source):
                messages.append(f"{kind} {gid} was changed; the original was graded")
            claimed = cell.get("metadata", {}).get("nbgrader", {}).get("points")
            if gid in points and claimed is not None and claimed != points[gid]:
                messages.append(f"the points of {kind} {gid} were changed ({claimed:g} instead "
                                f"of {points[gid]:g}); the original points count")  # fmt: skip
        expected = [c.name for c in notebook.grade_cells if c.name not in solutions]
    for gid in expected:
        if gid not in present:
            messages.append(f"test cell {gid} was missing; it was put back and run")
    return messages


def check_format(nb, path: Path, name: str, chapter: str) -> tuple[str | None, str | None]:
    """(a note, a problem) about the notebook's grading metadata. An older format is
    updated in place (as ``nbgrader update`` would) and graded; a damaged one is not
    graded, with what the student should do."""
    import nbformat
    from nbgrader.nbgraderformat import (
        MetadataValidator,
        SchemaTooNewError,
        SchemaTooOldError,
        ValidationError,
    )

    redo = (
        f"download a fresh copy of {chapter}/{name}.ipynb, copy your answers into its "
        "answer cells (do not copy whole cells) and submit it again"
    )
    validator = MetadataValidator()
    try:
        validator.validate_nb(nb)
        return None, None
    except SchemaTooOldError:
        try:
            nb = validator.upgrade_notebook_metadata(nb)
            validator.validate_nb(nb)
        except ValidationError as exc:
            why = f"{name}.ipynb uses an old format that could not be updated ({_first(exc)})"
            return None, f"{why}: {redo}"
        nbformat.write(nb, path)
        return f"{name}.ipynb used an older grading format; it was updated and graded", None
    except SchemaTooNewError:
        return None, (f"{name}.ipynb was saved by a newer version of nbgrader than this grader's: "
                      + redo)  # fmt: skip
    except ValidationError as exc:
        return None, (f"{name}.ipynb cannot be graded, the grading information in its cells "
                      f"is damaged ({_first(exc)}): " + redo)  # fmt: skip


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _read(path: Path, name: str):
    """(the notebook, None) or (None, why it cannot be read)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no cells")
        return nb, None
    except Exception as exc:  # noqa: BLE001 - any unreadable notebook
        text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
        return None, f"{name}.ipynb is not a valid notebook ({text}): it scores 0"


def screen(
    submission: Path, folder: Path, notebooks: tuple[str, ...], chapter: str, db: Path,
    events: EventFiles, result: Result,
) -> None:  # fmt: skip
    """Copy the ``submission`` into ``folder`` and check each of its ``notebooks`` (names
    without ``.ipynb``) against the gradebook ``db``. What it finds goes into ``result``
    (missing, invalid, flags, messages) and, for tampering, into ``events``; a notebook
    that cannot be graded is removed (graded as missing, so the others still are)."""
    if submission.is_dir():
        for name in copy_plain(submission, folder):
            result.messages.append(f"{name} was not used: only plain files are graded")
    else:
        folder.mkdir(parents=True)
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            result.missing.append(name)
            result.messages.append(f"{name}.ipynb was not submitted: it scores 0")
            continue
        nb, problem = _read(path, name)
        note = None
        if nb is not None:
            note, problem = check_format(nb, path, name, chapter)
        if problem:
            result.invalid.append(name)
            result.messages.append(problem)
            path.unlink()
            continue
        if note:
            result.messages.append(note)
        result.flags += [f"{name}.ipynb {label}" for label in suspicious(nb)]
        for text in tampering(nb, name, db, chapter):  # for the feedback's note too
            events.append(name, Event(EventKind.TAMPERING, text))
