"""Chapter 7 (the Keras workflow): its round trip, and a notebook that cleans up after itself.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/07_workflow/wrong_answers.py`` is caught as declared. The lesson writes its
checkpoints, logs and tuner trials to a temporary working folder (``WORK``), deletes it at
the end and leaves no file beside the notebook. The static checks every chapter shares
(points, headings, markers, wrong-answer list) are in tests/test_chapters.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import harness

CHAPTER = "07_workflow"

# exercise: (visible points, hidden points), by difficulty
POINTS = {
    "build_ticket_model": (2, 3),
    "compile_ticket_model": (1, 2),
    "best_checkpoint": (1, 1),
    "step_decay": (1, 2),
    "LearningRateRecorder": (2, 2),
    "save_and_reload": (1, 2),
    "build_tuned_model": (2, 2),
    "scaled_cv_scores": (2, 3),
}


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS

    def test_the_notebook_leaves_no_files_behind(self, run):
        """The graded notebook's folder (its working directory) holds only what was
        submitted, after the lesson, the blank and the wrong answers ran; WORK is gone.
        (The blank student notebook: tests/browser checks its folder after Run All.)"""
        submitted = _files(run.folder("submitted"))
        graded = _files(run.folder("autograded"))
        assert graded - submitted == set(), "files written beside the notebook"
        work = re.search(r"working folder: (\S+)", run.printed())
        assert work, "the first code cell does not print the working folder"
        assert not Path(work.group(1)).exists(), f"{work.group(1)} was not deleted"
