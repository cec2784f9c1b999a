"""The grading preprocessors' event log (:class:`EventRecorder`)."""

from __future__ import annotations

from pathlib import Path

from traitlets import Unicode
from traitlets.config import Configurable

from course.grading.protocol import Event, EventFiles, EventKind

__all__ = ["EventRecorder"]


class EventRecorder(Configurable):
    """A mixin for preprocessors that report what happened while grading a notebook: each
    event is appended to ``<events_dir>/<notebook>.jsonl`` (read by the worker for the
    grade report, and by :class:`~course.grading.preprocessors.AddGradingNotes`)."""

    events_dir = Unicode(
        "", help="Folder for the grading events (one JSON-lines file per notebook); empty: none."
    ).tag(config=True)

    @property
    def event_files(self) -> EventFiles | None:
        return EventFiles(Path(self.events_dir)) if self.events_dir else None

    @staticmethod
    def notebook_name(resources: dict | None) -> str:
        return (resources or {}).get("nbgrader", {}).get("notebook", "notebook")

    def record(self, resources: dict, kind: EventKind, cell: str | None, message: str) -> None:
        if self.event_files:
            self.event_files.append(self.notebook_name(resources), Event(kind, message, cell))

    def read(self, resources: dict) -> list[Event]:
        return self.event_files.read(self.notebook_name(resources)) if self.event_files else []
