"""Instructor tools on top of nbgrader: build the student notebooks, check the round trip,
grade a class.

* :mod:`~course.grading.coursedir`: the project, its chapters, scratch nbgrader course
  folders (:class:`CourseDir`).
* :mod:`~course.grading.config`: the one reader of ``nbgrader_config.py``;
  :mod:`~course.grading.runner`: the one way to run nbgrader.
* :mod:`~course.grading.roundtrip`: ``course build`` and ``course check`` (:func:`build`,
  :func:`drift`, :func:`round_trip`), with :mod:`~course.grading.wrong_answers`.
* :mod:`~course.grading.autograder`: ``course grade`` (:func:`grade`: plan, dispatch,
  collect), with :mod:`~course.grading.protocol` (what travels between its processes),
  :mod:`~course.grading.preprocessors` (the nbgrader preprocessors it adds),
  :mod:`~course.grading.sandbox` (where its kernels run) and
  :mod:`~course.grading.limits` (what a submission may use).
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name -> the module that defines it. Loaded on first use, so that importing a light
# module (e.g. ``course.grading.limits`` for the CLI's defaults) does not import nbgrader.
_EXPORTS = {
    "CourseDir": "coursedir",
    "Score": "coursedir",
    "chapters": "coursedir",
    "project_root": "coursedir",
    "NbgraderError": "runner",
    "RoundTripResult": "roundtrip",
    "build": "roundtrip",
    "drift": "roundtrip",
    "round_trip": "roundtrip",
    "solved_submission": "roundtrip",
    "grade": "autograder",
    "GradeOptions": "autograder",
    "GradeReport": "autograder",
    "Outcome": "autograder",
    "Limits": "limits",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"course.grading.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'course.grading' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
