"""Chapter 5 (transfer learning): its round trip, and what the lesson loaded.

``TestRoundTrip`` reads the chapter's grading round trip, run once per test run (see
tests/harness.py): the solution gets full marks, the blank 0, every wrong answer of
``solutions/05_transfer/wrong_answers.py`` is caught as declared, and each hard-coded answer
passes the visible test (a real cheat) but not the hidden one. In fast mode the lesson uses
MobileNetV2 alpha 0.35 on 96-px photos, 100 per class, with weights and photos from the data
mirror or the Keras cache: nothing is downloaded. The static checks every chapter shares
(points, headings, markers, wrong-answer list) are in tests/test_chapters.py.
"""

from __future__ import annotations

import re

from . import harness

CHAPTER = "05_transfer"

# exercise: (visible points, hidden points), by difficulty
POINTS = {
    "preprocess": (1, 1),
    "freeze": (1, 1),
    "extract_features": (2, 3),
    "build_classifier": (1, 2),
    "build_frozen_model": (2, 3),
    "unfreeze_top": (1, 2),
    "activation_model": (1, 2),
    "grad_cam": (2, 3),
}


class TestRoundTrip(harness.RoundTripTests):
    chapter, points = CHAPTER, POINTS

    def test_hard_coded_answer_passes_visible_and_fails_hidden(self, run, hard_coded):
        harness.assert_caught_by_hidden_only(run, hard_coded)

    def test_the_lesson_used_the_fast_mode_base_and_photos(self, run):
        """What the solved notebook printed: the fast-mode base (alpha 0.35), the feature
        maps of 96-px photos, 100 per class, and the 20 layers it fine-tunes."""
        printed = run.printed()
        base = re.search(r": \d+ layers, ([\d,]+) parameters", printed)
        assert base and base.group(1) == "410,208", base and base.group(0)  # alpha 0.35
        assert "features: train (200, 3, 3, 1280)" in printed  # 96-px photos, 100 per class
        assert "block block_14_add: (3, 3, 56)" in printed
        assert "fine-tuning the last 20 layers of" in printed

    def test_nothing_was_downloaded(self, run):
        """Weights and photos come from the data mirror or the Keras cache (the loaders
        print where from; keras prints 'Downloading data from' when it downloads)."""
        printed = run.printed()
        assert "[course.datasets]" in printed, "no provenance line"
        for download in ("downloaded to", "Downloading data from"):
            assert download not in printed, download
