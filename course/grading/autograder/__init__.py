"""``course grade``: autograde a whole class with nbgrader, in parallel, within limits.

The course folder is an ordinary nbgrader course directory::

    <course>/nbgrader_config.py           (copied from the project when missing)
    <course>/gradebook.db                 the class gradebook
    <course>/submitted/<student>/<chapter>/<notebook>.ipynb
    <course>/autograded/...  <course>/feedback/...    written here
    <course>/.course-grade/               state between runs (:mod:`.state`)

A run (:func:`run`, with :class:`~.options.GradeOptions`; :func:`grade` builds those
from keywords) has three stages:

1. **plan** (:mod:`.plan`): hash every submission, skip those graded before with the
   same content and solutions, generate the assignments where needed, and describe the
   rest as :class:`~course.grading.protocol.Job` s;
2. **dispatch** (:mod:`.dispatch`): ``workers`` grading processes (:mod:`.worker`)
   take the jobs; each grades one submission at a time in a scratch course folder of
   its own, with a kernel in the sandbox (:mod:`course.grading.sandbox`) and the
   grading preprocessors (:mod:`course.grading.preprocessors`);
3. **collect** (:mod:`.collect`): this process alone writes each result into the class
   gradebook, copies the graded notebooks and feedback into place, and keeps the state
   file; the :class:`~.report.GradeReport` says what happened.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from course.grading.autograder.collect import Collector
from course.grading.autograder.dispatch import Pool
from course.grading.autograder.options import GradeOptions
from course.grading.autograder.plan import find_work, make_jobs
from course.grading.autograder.report import GradeReport, Outcome, Progress
from course.grading.autograder.state import STATE_DIR, State, submission_key
from course.grading.coursedir import CourseDir
from course.grading.sandbox import capabilities, enforcement

__all__ = ["grade", "run", "GradeOptions", "GradeReport", "Outcome", "submission_key",
           "STATE_DIR"]  # fmt: skip


def grade(
    course_dir: str | os.PathLike = ".",
    chapter_names: list[str] | None = None,
    *,
    log: Callable[[str], None] | None = None,
    console=None,
    **options: Any,
) -> GradeReport:
    """Autograde every (new or changed) submission in ``course_dir``: :func:`run` with the
    options :meth:`GradeOptions.create` makes of ``course_dir``, ``chapter_names`` and
    ``options`` (``workers``, ``limits``, ``export``, ``force``, ``feedback``, ``project``,
    ``workdir``, ``progress``, ``preload``: see there)."""
    return run(GradeOptions.create(course_dir, chapter_names, **options), log=log,
               console=console)  # fmt: skip


def run(
    options: GradeOptions, *, log: Callable[[str], None] | None = None, console=None
) -> GradeReport:
    """Plan, dispatch, collect (see the module doc); ``log`` gets one line per step taken
    (e.g. an assignment generated), ``console`` is rich's, for the progress bar."""
    started = time.monotonic()
    log = log or (lambda m: None)
    course = CourseDir(options.course, options.project, own_config=False)
    with State(course.root) as state:
        work = find_work(options, course, state)
        caps = capabilities()
        workdir = options.workdir or Path(tempfile.mkdtemp(prefix="cg-"))
        workdir.mkdir(parents=True, exist_ok=True)
        state.logs.mkdir(exist_ok=True)
        for old_log in state.logs.glob("worker-*.log"):  # the workers' stderr, this run only
            old_log.unlink()
        collector = Collector(course, state)
        # The workers start first: their imports overlap with generating the assignments.
        pool = (Pool(min(options.workers, len(work.pending)), state.logs, workdir,
                     course.config.startup_timeout) if work.pending else None)  # fmt: skip
        try:
            jobs = make_jobs(options, course, state, work, workdir,
                             bool(caps.get("namespaces")), log)  # fmt: skip
            _dispatch_and_collect(pool, jobs, collector, options, console)
        finally:
            if pool is not None:
                pool.close()
        if options.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = GradeReport(
        course.root,
        sorted([*work.skipped, *collector.outcomes], key=lambda o: (o.chapter, o.student)),
        enforcement(options.limits, caps),
        collector.internal_errors,
        work.unknown_chapters,
        round(time.monotonic() - started, 1),
    )
    if options.export:
        report.export_csv(options.export)
    return report


def _dispatch_and_collect(pool: Pool | None, jobs, collector: Collector, options, console) -> None:
    if pool is None or not jobs:
        return
    pool.submit(jobs)
    bar = Progress(console, options.progress, len(jobs))
    try:
        for _ in jobs:
            result = pool.results.get()
            collector.add(jobs[result.id], result)
            bar.advance(collector.counts)
    finally:
        bar.close()
