"""Plan: what a ``course grade`` run grades, and the jobs for it.

:func:`find_work` compares every submission's content hash (and its solutions') with
the state of the last run: unchanged ones are reported as they were, the rest are
pending. :func:`make_jobs` then makes sure each chapter's assignment is in the class
gradebook (``nbgrader generate_assignment`` from the project's solutions, again
whenever they change), with a template gradebook without students for the workers,
and describes every pending submission as a :class:`~course.grading.protocol.Job`:
where to grade it, what the kernel must not see (:func:`instructor_paths`), which
modules its zygote preloads (:func:`preload_modules`).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.autograder.options import GradeOptions
from course.grading.autograder.report import Outcome
from course.grading.autograder.state import State, hash_tree, submission_key
from course.grading.config import CONFIG_FILE
from course.grading.coursedir import PACKAGE_CHECKOUT, CourseDir, chapters
from course.grading.protocol import AssignmentSpec, Job, RunSettings

__all__ = ["Pending", "Work", "find_work", "make_jobs", "preload_modules", "instructor_paths"]


@dataclass(frozen=True)
class Pending:
    """A submission to grade in this run."""

    chapter: str
    student: str
    folder: Path
    key: str


@dataclass
class Work:
    """What this run grades (``pending``) and what it reports as it was (``skipped``)."""

    pending: list[Pending] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    unknown_chapters: list[str] = field(default_factory=list)


def find_work(options: GradeOptions, course: CourseDir, state: State) -> Work:
    """Submissions whose content or solutions changed since the last run (all with
    ``options.force``), in the chapters asked for (default: every chapter submitted)."""
    known = chapters(options.project)
    present = sorted({p.name for p in course.submitted.glob("*/*") if p.is_dir()})
    if options.chapters:
        chapters(options.project, list(options.chapters))  # raises for unknown chapters
        wanted = list(options.chapters)
    else:
        wanted = [c for c in present if c in known]
    work = Work(unknown_chapters=[c for c in present if c not in known])
    for chapter in wanted:
        source_hash = hash_tree(course.project_source(chapter), course.config)
        for folder in sorted(p for p in course.submitted.glob(f"*/{chapter}") if p.is_dir()):
            student = folder.parent.name
            key = submission_key(folder, source_hash, course.config)
            old = state.submissions.get(f"{chapter}/{student}")
            graded = (course.root / "autograded" / student / chapter).is_dir()
            if (
                not options.force
                and old
                and old.get("key") == key
                and (graded or old["status"] != "ok")
            ):
                work.skipped.append(Outcome.from_state(old))
            else:
                work.pending.append(Pending(chapter, student, folder, key))
    return work


def ensure_assignment(
    course: CourseDir, chapter: str, state: State, log: Callable[[str], None]
) -> tuple[Path, list[str]]:
    """The chapter's assignment in the class gradebook (generated when missing or when the
    solutions changed) and a template gradebook without students for the workers; returns
    the template and the assignment's notebooks."""
    from nbgrader.api import Gradebook, MissingEntry

    project_src = course.project_source(chapter)
    source_hash = hash_tree(project_src, course.config)
    template = state.template(chapter)
    present = False
    if course.db.exists():
        with Gradebook(course.db_url) as gb:
            try:
                present = bool(gb.find_assignment(chapter).notebooks)
            except MissingEntry:
                present = False
    recorded = state.sources.get(chapter)
    # An assignment the instructor generated from these very solutions is used as it is.
    adopt = (present and recorded is None
             and hash_tree(course.source / chapter, course.config) == source_hash)  # fmt: skip
    generate = not present or (recorded != source_hash and not adopt)
    if generate:
        log(f"{chapter}: generating the assignment from {project_src}")
        course.generate(chapter)
    if generate or not template.exists():
        tmp = template.with_suffix(".tmp")
        shutil.copyfile(course.db, tmp)
        with Gradebook(f"sqlite:///{tmp}") as gb:
            for student in list(gb.students):
                gb.remove_student(student.id)
        tmp.replace(template)
    if recorded != source_hash:
        state.sources[chapter] = source_hash
        state.save()
    with Gradebook(course.db_url) as gb:
        notebooks = sorted(nb.name for nb in gb.find_assignment(chapter).notebooks)
    return template, notebooks


def preload_modules(folder: Path) -> list[str]:
    """The top-level modules the chapter's notebooks import (``numpy``, ``tensorflow``...),
    for the zygote to import once instead of every kernel doing it again."""
    names: dict[str, None] = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code":
                names.update(dict.fromkeys(_imports("".join(cell.get("source", [])))))
    found = []
    for name in names:
        try:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
        except (ImportError, ValueError):
            pass
    return found


def _imports(source: str) -> list[str]:
    """The top-level modules a cell imports (magics and shell lines left out)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module.split(".")[0])
    return names


def _git_dirs(folder: Path) -> list[Path]:
    """The git repository data of the checkout holding ``folder`` (its ``.git``, and for a
    worktree or submodule the git dir its ``.git`` file points to, with the common dir)."""
    for parent in [folder, *folder.parents]:
        dot_git = parent / ".git"
        if dot_git.is_dir():
            return [dot_git]
        if dot_git.is_file():
            found = [dot_git]
            text = dot_git.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                gitdir = (parent / text.removeprefix("gitdir:").strip()).resolve()
                found.append(gitdir)
                common = gitdir / "commondir"
                if common.is_file():
                    found.append((gitdir / common.read_text().strip()).resolve())
            return found
    return []


def instructor_paths(course: CourseDir, state: State, workdir: Path) -> list[Path]:
    """What the kernel must not see: the solutions (the project's, the course folder's, and
    those of the checkout the ``course`` package is imported from, which may not be the
    project), every git repository holding them (``git show`` reads them), the class
    gradebook, the submissions, graded notebooks and feedback, the state folder and the
    run's scratch folder (other submissions)."""
    paths = [PACKAGE_CHECKOUT / "solutions"]
    for folder in (course.project, PACKAGE_CHECKOUT, course.root):
        paths += _git_dirs(folder)
    extra = [p for p in paths if p.exists()]
    root = course.root
    return list(dict.fromkeys([
        *extra,
        course.project / course.project_config.source,
        course.source,
        course.db,
        root / "gradebook.db-journal",
        root / "gradebook.db-wal",
        course.submitted,
        root / "autograded",
        root / "feedback",
        state.dir,
        workdir,
    ]))  # fmt: skip


def make_jobs(
    options: GradeOptions,
    course: CourseDir,
    state: State,
    work: Work,
    workdir: Path,
    namespaces: bool,
    log: Callable[[str], None],
) -> list[Job]:
    """One job per pending submission (the assignments are generated first where needed).
    ``namespaces``: the sandbox can hide the zygote, so kernels may be forked from one."""
    kernel_env = {}
    if os.environ.get("KERAS_HOME") is None:
        kernel_env["KERAS_HOME"] = str(Path.home() / ".keras")
    run = RunSettings(
        config_file=str(course.root / CONFIG_FILE),
        limits=options.limits,
        feedback=options.feedback,
        workdir=str(workdir),
        hide=tuple(str(p) for p in instructor_paths(course, state, workdir)),
        protect=(str(course.project), str(course.root)),
        kernel_env=kernel_env,
    )
    specs = {}
    for chapter in dict.fromkeys([*options.chapters, *(p.chapter for p in work.pending)]):
        template, notebooks = ensure_assignment(course, chapter, state, log)
        preload = options.preload and namespaces
        specs[chapter] = AssignmentSpec(
            chapter=chapter,
            template_db=str(template),
            notebooks=tuple(notebooks),
            source=str(course.project_source(chapter)),
            source_directory=course.config.source,
            preload=tuple(preload_modules(course.project_source(chapter))) if preload else None,
        )
    return [
        Job(i, p.student, p.key, str(p.folder), str(workdir / f"j{i}"), specs[p.chapter], run)
        for i, p in enumerate(work.pending)
    ]
