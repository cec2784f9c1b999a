"""AddGradingNotes: a note at the top of the graded notebook, and so of the feedback."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading.preprocessors.events import EventRecorder

__all__ = ["AddGradingNotes"]


class AddGradingNotes(EventRecorder, NbGraderPreprocessor):
    """Last: a note at the top of the graded notebook (and so of the feedback) listing what
    went wrong while grading: limits hit, cells not run, tests that did not complete."""

    def preprocess(self, nb, resources):
        events = [e for e in self.read(resources) if e.message]
        if events:
            lines = "\n".join(f"* {e.message}" for e in events)
            nb.cells.insert(
                0,
                NotebookNode(
                    cell_type="markdown",
                    metadata={},
                    id="course-grade-notes",
                    source=f"**Notes from the autograder**\n\n{lines}",
                ),
            )
        return nb, resources
