"""Collect: each worker's result into the class gradebook, the course folder and the report.

Only this process writes the class gradebook (nbgrader's
:class:`~nbgrader.api.Gradebook` API), one result after the other, so SQLite is never
written concurrently. A result the grader failed on (``internal``) writes nothing
there: the student gets no zero for the grader's failure, and the state keeps no
content key for it, so the next run grades it again.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from course.grading.autograder.report import Outcome
from course.grading.autograder.state import State
from course.grading.coursedir import CourseDir
from course.grading.protocol import ERROR_KINDS, TIMEOUT_KINDS, EventKind, Job, Result

__all__ = ["Collector", "merge"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def merge(course: CourseDir, result: Result) -> tuple[float, float]:
    """Write one result into the class gradebook; returns the submission's (score, max)."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(), Gradebook(course.db_url) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush notices
        gb.update_or_create_student(result.student)
        kwargs = {"timestamp": datetime.fromisoformat(result.timestamp)} if result.timestamp else {}
        sub = gb.update_or_create_submission(result.chapter, result.student, **kwargs)
        for nb in sub.notebooks:
            got = result.notebooks.get(nb.name)
            for grade in nb.grades:
                cell = got.grades.get(grade.name) if got else None
                if cell is None:  # nothing graded (grader failure): an explicit 0
                    grade.auto_score, needs = 0.0, False
                else:
                    grade.auto_score, needs = cell.auto_score, cell.needs_manual_grade
                grade.needs_manual_grade = bool(needs or grade.manual_score is not None)
            for comment in nb.comments:
                if got and comment.name in got.comments:
                    comment.auto_comment = got.comments[comment.name]
            nb.flagged = bool(result.flags)
            if got and got.late_penalty is not None:
                nb.late_submission_penalty = got.late_penalty
        gb.db.commit()
        return float(sub.score or 0), float(sub.max_score or 0)


def _place(src: str | None, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    if src and Path(src).is_dir():
        shutil.copytree(src, dest, copy_function=shutil.copyfile)


class Collector:
    """Turns results into outcomes, one at a time, keeping the state file and the counts
    for the progress bar up to date."""

    def __init__(self, course: CourseDir, state: State) -> None:
        self.course = course
        self.state = state
        self.outcomes: list[Outcome] = []
        self.internal_errors: list[str] = []
        self.counts = {"ok": 0, "errors": 0, "timeouts": 0}

    def add(self, job: Job, result: Result) -> Outcome:
        outcome = self._not_graded(job, result) if result.internal else self._graded(job, result)
        if result.log_tail and os.environ.get("COURSE_GRADE_DEBUG"):
            print(result.log_tail, file=sys.stderr)
        if result.internal:
            self.internal_errors.append(
                f"{outcome.chapter}/{outcome.student}: " + "; ".join(outcome.messages)
            )
        self.outcomes.append(outcome)
        self.state.submissions[f"{outcome.chapter}/{outcome.student}"] = outcome.to_state()
        self.state.save()
        self.counts["ok" if outcome.status == "ok" else "errors"] += 1  # grader errors too
        self.counts["timeouts"] += outcome.timeouts
        shutil.rmtree(job.root, ignore_errors=True)
        return outcome

    def _not_graded(self, job: Job, result: Result) -> Outcome:
        """The grader failed on a submission: nothing goes into the gradebook (no zero for
        the student), and no content key is kept, so the next run grades it again."""
        reasons = result.event_messages(EventKind.GRADER_ERROR)
        reasons += [m for m in result.messages if m not in reasons]
        return Outcome(
            chapter=job.chapter,
            student=job.student,
            status="grader_error",
            messages=["not graded: grader error: " + "; ".join(reasons or ["unknown"])],
            graded_at=_now(),
            seconds=result.seconds,
            key="",
        )

    def _graded(self, job: Job, result: Result) -> Outcome:
        """Merge one result into the class gradebook and put its files in place."""
        score, max_score = merge(self.course, result)  # as nbgrader computes it
        root = self.course.root
        _place(result.autograded, root / "autograded" / job.student / job.chapter)
        if job.run.feedback:
            _place(result.feedback, root / "feedback" / job.student / job.chapter)
        status = result.status
        if result.invalid or result.missing or result.kinds & ERROR_KINDS:
            status = "error"
        return Outcome(
            chapter=job.chapter,
            student=job.student,
            score=score,
            max_score=max_score,
            status=status,
            timeouts=bool(result.kinds & TIMEOUT_KINDS),
            flagged=bool(result.flags),
            messages=list(result.messages),
            graded_at=_now(),
            seconds=result.seconds,
            key=job.key,
        )
