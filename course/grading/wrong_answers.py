"""Plausible wrong answers for a chapter's exercises, and the proof that the tests catch them.

Each chapter lists its classic mistakes in ``solutions/<chapter>/wrong_answers.py``
(a module-level ``WRONG_ANSWERS`` list of :class:`WrongAnswer`). ``course check``
runs the solution once, then, one wrong answer at a time, re-defines the
exercise with the wrong code in the same kernel, re-runs that exercise's test
cells (``<exercise>_visible`` and ``<exercise>_hidden``) and restores the
solution. Every wrong answer must lose points; the one the exercise is about
(``about=True``) must fail the *visible* test, with ``message`` in its text.

The file is instructor material: ``nbgrader_config.py`` keeps it out of the
student release.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WrongAnswer"]


@dataclass(frozen=True)
class WrongAnswer:
    """One classic mistake for one exercise.

    Attributes:
        exercise: the ``grade_id`` of the exercise's solution cell (its tests are
            ``<exercise>_visible`` and ``<exercise>_hidden``).
        name: the mistake in a few words, as the report shows it.
        code: Python source run in the notebook's kernel in place of the
            solution cell: it re-defines the exercise's function(s) wrongly.
        about: this is the mistake the exercise is about, so the visible test
            must catch it (not only the hidden one).
        message: with ``about``, a piece of text (case-insensitive) that the
            visible test's failure message must contain, so the student is told
            what went wrong; empty to accept any failure message.
    """

    exercise: str
    name: str
    code: str
    about: bool = False
    message: str = ""
