"""Fast mode: COURSE_FAST and nbgrader's NBGRADER_EXECUTION."""

import pytest

from course import is_fast, pick


@pytest.mark.parametrize(
    ("course_fast", "nbgrader", "expected"),
    [
        (None, None, False),
        ("1", None, True),
        ("yes", None, True),
        ("0", None, False),
        (None, "autograde", True),
        ("0", "autograde", False),  # an explicit 0 wins: full runs under nbgrader
    ],
)
def test_switch(monkeypatch, course_fast, nbgrader, expected):
    for name, value in (("COURSE_FAST", course_fast), ("NBGRADER_EXECUTION", nbgrader)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert is_fast() is expected
    assert pick(full=20, fast=2) == (2 if expected else 20)


def test_bad_value_is_explained(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST='maybe'"):
        is_fast()


def test_import_course_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, course; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_mode_line_says_which_mode_and_how_to_switch(monkeypatch):
    from course.fast import mode_line

    monkeypatch.setenv("COURSE_FAST", "1")
    fast = mode_line(full="about 8 min", fast="about 1 min")
    assert fast.startswith("Fast mode") and "about 1 min" in fast and "COURSE_FAST=0" in fast
    monkeypatch.setenv("COURSE_FAST", "0")
    full = mode_line(full="about 8 min", fast="about 1 min")
    assert full.startswith("Full mode") and "about 8 min" in full and "--fast" in full
