"""The options of one ``course grade`` run, as one frozen, typed object.

``course grade`` (the CLI) builds a :class:`GradeOptions` once with
:meth:`GradeOptions.create`, which checks the course folder, finds the project and
fills in the defaults; :func:`course.grading.autograder.run` takes it as it is.
The grader's own waiting times are here too; the per-submission limits (time per
cell and per notebook, memory, ...) are :class:`~course.grading.limits.Limits`, the
kernel start-up time is ``Execute.startup_timeout`` in ``nbgrader_config.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from course.grading.coursedir import project_root
from course.grading.limits import Limits

__all__ = ["GradeOptions", "WORKER_START_TIMEOUT", "JOB_SLACK", "WORKER_STOP_TIMEOUT"]

#: Seconds a worker (or its zygote) may take to import nbgrader (or the chapter's modules).
WORKER_START_TIMEOUT = 600
#: Seconds a worker gets per job and per notebook beyond the notebook's own limits
#: (copying, nbgrader's own work, feedback) before it counts as stuck and is killed.
JOB_SLACK = 120
#: Seconds a worker may take to finish after its last job.
WORKER_STOP_TIMEOUT = 30


@dataclass(frozen=True)
class GradeOptions:
    """What to grade and how: the course folder, the project, the chapters, the limits."""

    course: Path  # the nbgrader course folder (has submitted/)
    project: Path  # the course project (solutions/, nbgrader_config.py)
    chapters: tuple[str, ...] = ()  # empty: every chapter with submissions
    workers: int = 1  # grading processes
    limits: Limits = field(default_factory=Limits)
    export: Path | None = None  # CSV file to write
    force: bool = False  # regrade unchanged submissions too
    feedback: bool = True  # generate feedback HTML
    preload: bool = True  # fork kernels from a zygote (where namespaces hide it)
    workdir: Path | None = None  # scratch folder (None: a temporary one)
    progress: bool = True  # show a progress bar

    @classmethod
    def create(
        cls,
        course_dir: str | os.PathLike = ".",
        chapters: list[str] | tuple[str, ...] | None = None,
        *,
        workers: int | None = None,
        limits: Limits | None = None,
        export: str | os.PathLike | None = None,
        force: bool = False,
        feedback: bool = True,
        project: str | os.PathLike | None = None,
        workdir: str | os.PathLike | None = None,
        progress: bool = True,
        preload: bool = True,
    ) -> GradeOptions:
        """Check the course folder, find the project (``project`` or the one above the
        course folder), default ``workers`` to the number of cores and split the cores
        between the kernels (``Limits.threads_per_kernel``)."""
        course = Path(course_dir).resolve()
        if not (course / "submitted").is_dir():
            raise FileNotFoundError(
                f"{course} has no submitted/ folder (submitted/<student>/"
                "<chapter>/...): is this an nbgrader course folder?"
            )
        workers = max(1, workers or os.cpu_count() or 1)
        limits = limits or Limits()
        if limits.threads_per_kernel is None and workers > 1:
            limits = replace(limits, threads_per_kernel=max(1, (os.cpu_count() or 1) // workers))
        return cls(
            course=course,
            project=Path(project).resolve() if project else project_root(course),
            chapters=tuple(chapters or ()),
            workers=workers,
            limits=limits,
            export=Path(export) if export else None,
            force=force,
            feedback=feedback,
            preload=preload,
            workdir=Path(workdir).resolve() if workdir else None,
            progress=progress,
        )
