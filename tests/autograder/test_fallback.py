"""`course grade` without namespaces or cgroups (``COURSE_GRADE_SANDBOX=minimal``): the same
outcomes with rlimits only, what a machine without privileges offers."""

from __future__ import annotations

import pytest

from course.grading import grade
from course.grading.limits import Limits
from course.grading.sandbox import capabilities

from ..hostile import TINY, TINY_CASES, write_submission
from .conftest import TINY_LIMITS, tiny_course

MINIMAL_CASES = ["correct", "blank", "hide-tracebacks", "patch-checks", "os-exit", "segfault",
                 "infinite-loop", "memory-bomb", "huge-output"]  # fmt: skip


@pytest.mark.slow
def test_fallback_without_namespaces_or_cgroups(tmp_path, monkeypatch):
    """The same outcomes with rlimits only (what a machine without privileges offers)."""
    monkeypatch.setenv("COURSE_GRADE_SANDBOX", "minimal")
    assert capabilities()["namespaces"] is False
    project, course, builder = tiny_course(tmp_path)
    cases = [c for c in TINY_CASES if c.name in MINIMAL_CASES]
    for case in cases:
        write_submission(course, TINY, case.name, TINY, case.build(builder), case.extra_files)
    report = grade(course, workers=2, limits=Limits(**TINY_LIMITS), project=project,
                   progress=False, feedback=False)  # fmt: skip
    rows = dict(report.enforcement)
    assert "RLIMIT_DATA" in rows["memory"] and "NOT blocked" in rows["network"]
    for case in cases:
        outcome = report.by_student(TINY)[case.name]
        text = "; ".join(outcome.messages)
        assert (outcome.score, outcome.status, outcome.timeouts) == (
            case.score, case.status, case.timeouts), f"{case.name}: {text}"  # fmt: skip
        if case.message:
            assert case.message in text, case.name
