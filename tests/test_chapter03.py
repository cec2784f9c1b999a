"""Chapter 3 (convnets): its round trip.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/03_cnn/wrong_answers.py`` is caught as declared, and each hard-coded answer
passes the visible test (a real cheat) but not the hidden one. The static checks every
chapter shares (points, headings, markers, wrong-answer list) are in tests/test_chapters.py.
"""

from __future__ import annotations

from . import harness

CHAPTER = "03_cnn"

# exercise: (visible points, hidden points), by difficulty
POINTS = {
    "conv2d_single": (2, 3),
    "conv_output_size": (1, 2),
    "max_pool2d": (1, 2),
    "conv_params": (1, 1),
    "build_convnet": (2, 3),
    "confusion_matrix": (1, 2),
    "most_confused": (1, 2),
    "build_fashion_model": (2, 3),
}


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS

    def test_hard_coded_answer_passes_visible_and_fails_hidden(self, run, hard_coded):
        harness.assert_caught_by_hidden_only(run, hard_coded)
