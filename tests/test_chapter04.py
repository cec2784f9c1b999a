"""Chapter 4 (augmentation): its round trip.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/04_augmentation/wrong_answers.py`` is caught as declared. The static checks
every chapter shares (points, headings, markers, wrong-answer list) are in
tests/test_chapters.py.
"""

from __future__ import annotations

from . import harness

CHAPTER = "04_augmentation"

# exercise -> (visible points, hidden points), as the notebook's headings state them
POINTS = {
    "split_files": (2, 3),
    "load_folder": (2, 2),
    "feature_map_size": (1, 2),
    "build_convnet": (2, 2),
    "overfitting_epoch": (1, 2),
    "make_augmentation": (1, 2),
    "build_augmented_convnet": (2, 2),
    "binary_accuracy": (1, 2),
}


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS
