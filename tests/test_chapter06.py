"""Chapter 6 (sequences): its round trip.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/06_rnn/wrong_answers.py`` is caught as declared. The static checks every
chapter shares (points, headings, markers, wrong-answer list) are in tests/test_chapters.py.
"""

from __future__ import annotations

from . import harness

CHAPTER = "06_rnn"

# exercise: (visible points, hidden points), by difficulty
POINTS = {
    "rnn_forward": (2, 3),
    "rnn_params": (1, 2),
    "pad_truncate": (1, 2),
    "build_lstm_classifier": (1, 2),
    "chronological_split": (1, 2),
    "standardize_series": (1, 2),
    "make_windows": (2, 3),
    "naive_mae": (1, 1),
    "beats_baseline": (1, 1),
}


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS
