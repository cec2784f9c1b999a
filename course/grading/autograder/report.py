"""What ``course grade`` reports: one :class:`Outcome` per submission, a :class:`GradeReport`
per run (summary table, CSV export), and the :class:`Progress` bar while it runs."""

from __future__ import annotations

import csv
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["Outcome", "GradeReport", "Progress"]


@dataclass
class Outcome:
    """One submission's grade, as reported (and kept in the state file)."""

    chapter: str
    student: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "ok"  # ok | error (not or not fully gradable) | grader_error (not graded)
    timeouts: bool = False
    flagged: bool = False
    messages: list[str] = field(default_factory=list)
    graded_at: str = ""
    seconds: float = 0.0
    key: str = ""
    skipped: bool = False  # unchanged since the last run

    @property
    def not_graded(self) -> bool:
        """The grader failed on it: nothing was recorded, the next run tries again."""
        return self.status == "grader_error"

    @property
    def full_marks(self) -> bool:
        return self.max_score > 0 and self.score >= self.max_score

    def to_state(self) -> dict:
        """The record kept in ``.course-grade/state.json``."""
        data = asdict(self)
        data.pop("skipped")
        return data

    @classmethod
    def from_state(cls, data: dict) -> Outcome:
        """A submission graded in an earlier run, unchanged since (``skipped``)."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "skipped": True})


@dataclass
class GradeReport:
    """What ``course grade`` did: every submission's outcome, and how limits were enforced."""

    course: Path
    outcomes: list[Outcome]
    enforcement: list[tuple[str, str]]
    internal_errors: list[str] = field(default_factory=list)
    unknown_chapters: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def graded(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped]

    def by_student(self, chapter: str | None = None) -> dict[str, Outcome]:
        return {o.student: o for o in self.outcomes if chapter is None or o.chapter == chapter}

    def summary(self) -> list[dict]:
        """Per chapter: submissions, graded now, skipped, full marks, zero, errors, timeouts."""
        rows = []
        for chapter in sorted({o.chapter for o in self.outcomes}):
            outs = [o for o in self.outcomes if o.chapter == chapter]
            scored = [o for o in outs if not o.not_graded]
            rows.append(
                {
                    "chapter": chapter,
                    "submissions": len(outs),
                    "graded": sum(not o.skipped for o in outs),
                    "skipped": sum(o.skipped for o in outs),
                    "full marks": sum(o.full_marks for o in scored),
                    "zero": sum(o.score == 0 for o in scored),
                    "errors": sum(o.status == "error" for o in outs),
                    "not graded": sum(o.not_graded for o in outs),
                    "timeouts": sum(o.timeouts for o in outs),
                    "flagged": sum(o.flagged for o in outs),
                    "mean": round(sum(o.score for o in scored) / len(scored), 2) if scored else 0.0,
                    "max": max((o.max_score for o in outs), default=0.0),
                }
            )
        return rows

    def export_csv(self, path: str | os.PathLike) -> Path:
        """One row per student and chapter: score, max, status, timeouts, flagged, messages."""
        path = Path(path)
        columns = ["chapter", "student", "score", "max_score", "status", "timeouts", "flagged",
                   "graded_at", "messages"]  # fmt: skip
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for o in sorted(self.outcomes, key=lambda o: (o.chapter, o.student)):
                writer.writerow([o.chapter, o.student, f"{o.score:g}", f"{o.max_score:g}",
                                 o.status, int(o.timeouts), int(o.flagged), o.graded_at,
                                 " | ".join(o.messages)])  # fmt: skip
        return path


class Progress:
    """A rich progress bar with counts and ETA (quiet when ``enabled`` is false)."""

    def __init__(self, console, enabled: bool, total: int) -> None:
        self.bar = None
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=2,
        )
        self.task = self.bar.add_task("grading", total=total, counts="")
        self.bar.start()

    def advance(self, counts: dict[str, int]) -> None:
        if self.bar:
            text = f"ok {counts['ok']} · errors {counts['errors']} · timeouts {counts['timeouts']}"
            self.bar.update(self.task, advance=1, counts=text)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()
