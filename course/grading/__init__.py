"""Instructor tools on top of nbgrader: build the student notebooks, check the round trip,
grade a class (``grade``: parallel, with limits per submission)."""

from course.grading.grade import GradeReport, Outcome, grade
from course.grading.limits import Limits
from course.grading.nbgrader import CourseDir, NbgraderError, Score, chapters, project_root
from course.grading.roundtrip import RoundTripResult, build, drift, round_trip, solved_submission

__all__ = [
    "CourseDir",
    "NbgraderError",
    "Score",
    "chapters",
    "project_root",
    "RoundTripResult",
    "build",
    "drift",
    "round_trip",
    "solved_submission",
    "grade",
    "GradeReport",
    "Outcome",
    "Limits",
]
