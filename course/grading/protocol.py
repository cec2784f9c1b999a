"""What travels between the processes of ``course grade``, as typed records with JSON forms.

* ``course grade`` -> a worker: one :class:`Job` per line on the worker's stdin.
* a worker -> ``course grade``: :class:`Ready` once it has imported nbgrader, then one
  :class:`Result` per job, each on a line of its stdout that starts with
  :data:`LINE_PREFIX` (:func:`encode` / :func:`decode`; anything else on that stream
  is not a message).
* the grading preprocessors (inside nbgrader, in the worker) -> the worker:
  :class:`Event` lines in ``<events>/<notebook>.jsonl`` and one
  :class:`ExecutionStats` file per notebook (:class:`EventFiles`).

A :class:`Job` holds what differs per submission; its :class:`AssignmentSpec` (what the
chapter is graded against) and :class:`RunSettings` (the same for every job of a run)
are shared.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from course.grading.limits import Limits

__all__ = [
    "LINE_PREFIX",
    "EventKind",
    "Event",
    "ExecutionStats",
    "EventFiles",
    "AssignmentSpec",
    "RunSettings",
    "Job",
    "CellGrade",
    "NotebookGrades",
    "Result",
    "Ready",
    "encode",
    "decode",
]

#: Starts every message line a worker writes.
LINE_PREFIX = "@@course-grade-result "


# --------------------------------------------------------------------------------------
# Events: what happened while one notebook was graded
# --------------------------------------------------------------------------------------


class EventKind(StrEnum):
    """What an :class:`Event` is about."""

    TAMPERING = "tampering"  # a test or locked cell was changed or deleted
    GRADER_ERROR = "grader_error"  # the grader failed (the submission is not graded)
    TIMEOUT = "timeout"  # a cell ran out of time
    NOTEBOOK_TIMEOUT = "notebook_timeout"  # the notebook ran out of time
    MEMORY = "memory"  # the memory limit was hit
    KERNEL_DIED = "kernel_died"  # the kernel stopped (os._exit, a crash)
    PROCESSES = "processes"  # the process limit was hit
    OUTPUT = "output"  # a cell's output was cut
    GUARD = "guard"  # a test cell did not run to its end


#: Events after which the submission's status is "error" (not fully gradable).
ERROR_KINDS = frozenset({EventKind.KERNEL_DIED, EventKind.MEMORY})
#: Events that count as a timeout in the report.
TIMEOUT_KINDS = frozenset({EventKind.TIMEOUT, EventKind.NOTEBOOK_TIMEOUT})


@dataclass(frozen=True)
class Event:
    """One thing that happened while grading a notebook, in words for the student."""

    kind: EventKind
    message: str
    cell: str | None = None  # "cell 6 (square)"
    notebook: str | None = None  # set by the worker when it collects the events

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            kind=EventKind(data["kind"]),
            message=data["message"],
            cell=data.get("cell"),
            notebook=data.get("notebook"),
        )


@dataclass(frozen=True)
class ExecutionStats:
    """How long one notebook ran, and its kernel's peak memory (where cgroups tell)."""

    seconds: float
    peak_memory: int | None = None


@dataclass(frozen=True)
class EventFiles:
    """The events folder of one job: ``<notebook>.jsonl`` (events, appended by several
    preprocessors) and ``<notebook>.stats.json`` (:class:`ExecutionStats`)."""

    folder: Path

    def append(self, notebook: str, event: Event) -> None:
        with open(self.folder / f"{notebook}.jsonl", "a") as f:
            f.write(json.dumps(event.to_json()) + "\n")

    def read(self, notebook: str) -> list[Event]:
        path = self.folder / f"{notebook}.jsonl"
        if not path.exists():
            return []
        lines = path.read_text().splitlines()
        return [Event.from_json(json.loads(line)) for line in lines if line.strip()]

    def write_stats(self, notebook: str, stats: ExecutionStats) -> None:
        (self.folder / f"{notebook}.stats.json").write_text(json.dumps(asdict(stats)))

    def read_stats(self, notebook: str) -> ExecutionStats | None:
        path = self.folder / f"{notebook}.stats.json"
        return ExecutionStats(**json.loads(path.read_text())) if path.exists() else None


# --------------------------------------------------------------------------------------
# Jobs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentSpec:
    """What every submission of one chapter is graded against."""

    chapter: str
    template_db: str  # the assignment's gradebook without students
    notebooks: tuple[str, ...]  # the assignment's notebooks (names without .ipynb)
    source: str  # the project's solutions/<chapter> (its other files go to the kernel)
    source_directory: str  # nbgrader's name for the source folder
    preload: tuple[str, ...] | None  # modules for the zygote; None: no zygote


@dataclass(frozen=True)
class RunSettings:
    """What is the same for every job of one ``course grade`` run."""

    config_file: str  # the course folder's nbgrader_config.py
    limits: Limits
    feedback: bool
    workdir: str  # the run's scratch folder (job folders, zygote sockets, caches)
    hide: tuple[str, ...]  # instructor paths the kernel must not see
    protect: tuple[str, ...]  # paths that must end up read-only for the kernel
    kernel_env: dict[str, str] = field(default_factory=dict)  # added to the kernel's env


@dataclass(frozen=True)
class Job:
    """One submission to grade."""

    id: int
    student: str
    key: str  # content hash of the submission (and of the solutions)
    submission: str  # submitted/<student>/<chapter> in the course folder
    root: str  # the job's scratch course folder
    assignment: AssignmentSpec
    run: RunSettings

    @property
    def chapter(self) -> str:
        return self.assignment.chapter

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        a, r = dict(data["assignment"]), dict(data["run"])
        a["notebooks"] = tuple(a["notebooks"])
        a["preload"] = None if a["preload"] is None else tuple(a["preload"])
        r["limits"] = Limits.from_json(r["limits"])
        r["hide"], r["protect"] = tuple(r["hide"]), tuple(r["protect"])
        return cls(**{**data, "assignment": AssignmentSpec(**a), "run": RunSettings(**r)})


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellGrade:
    """One graded cell's score, as nbgrader recorded it in the job's gradebook."""

    auto_score: float | None
    needs_manual_grade: bool
    max_score: float


@dataclass
class NotebookGrades:
    """One notebook's grades, comments and late penalty, for the class gradebook."""

    grades: dict[str, CellGrade] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)
    late_penalty: float | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NotebookGrades:
        grades = {k: CellGrade(**v) for k, v in data.get("grades", {}).items()}
        return cls(grades, dict(data.get("comments", {})), data.get("late_penalty"))


@dataclass
class Result:
    """What a worker reports for one :class:`Job`.

    ``status`` is ``"ok"`` or ``"error"`` (not or not fully gradable); ``internal``
    means the grader failed on it: nothing goes into the gradebook and the next run
    grades it again.
    """

    id: int
    chapter: str
    student: str
    status: str = "ok"
    internal: bool = False
    messages: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # why it is flagged for review
    events: list[Event] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # notebooks that could not be read
    missing: list[str] = field(default_factory=list)  # notebooks not submitted
    notebooks: dict[str, NotebookGrades] = field(default_factory=dict)
    score: float = 0.0
    max_score: float = 0.0
    timestamp: str | None = None  # the submission's, ISO format
    autograded: str | None = None  # folder with the graded notebooks
    feedback: str | None = None  # folder with the feedback
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    peak_memory: int | None = None
    log_tail: str = ""  # the end of nbgrader's log when something went wrong

    @classmethod
    def failed(
        cls, job: Job, message: str, *, internal: bool = False, timeout: bool = False
    ) -> Result:
        """A job that produced no result of its own (a worker that crashed or hung)."""
        events = [Event(EventKind.TIMEOUT, message)] if timeout else []
        return cls(job.id, job.chapter, job.student, status="error", internal=internal,
                   messages=[message], events=events)  # fmt: skip

    @property
    def kinds(self) -> set[EventKind]:
        return {e.kind for e in self.events}

    def event_messages(self, kind: EventKind) -> list[str]:
        return [e.message for e in self.events if e.kind == kind]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        data = dict(data)
        data["events"] = [Event.from_json(e) for e in data.get("events", [])]
        data["notebooks"] = {k: NotebookGrades.from_json(v)
                             for k, v in data.get("notebooks", {}).items()}  # fmt: skip
        return cls(**data)


@dataclass(frozen=True)
class Ready:
    """A worker's first message: nbgrader is imported, jobs may come."""

    pid: int


def encode(message: Ready | Result) -> str:
    """The line a worker writes for ``message`` (with its newline)."""
    body = {"ready": asdict(message)} if isinstance(message, Ready) else message.to_json()
    return LINE_PREFIX + json.dumps(body) + "\n"


def decode(line: str) -> Ready | Result | None:
    """The message on a worker's line, or None for any other line."""
    if not line.startswith(LINE_PREFIX):
        return None
    body = json.loads(line[len(LINE_PREFIX) :])
    if "ready" in body:
        return Ready(**body["ready"])
    return Result.from_json(body)
