"""`course grade` on Chapter 1: the real notebook, the real solutions folder (reading the
instructor's notebook, monkeypatching `course.checks`)."""

from __future__ import annotations

import pytest

from course.grading import grade
from course.grading.limits import Limits
from course.grading.sandbox import capabilities

from ..conftest import ROOT
from ..hostile import CHAPTER1, CHAPTER1_CASES, Builder, solution_answers, write_submission
from .conftest import has, printed, tree_hash


@pytest.fixture(scope="module")
def chapter1_class(tmp_path_factory, data):
    course = tmp_path_factory.mktemp("chapter1-class")
    (course / "submitted").mkdir()
    released = ROOT / "notebooks" / CHAPTER1 / f"{CHAPTER1}.ipynb"
    builder = Builder(released, solution_answers(ROOT / "solutions" / CHAPTER1 / released.name))
    for case in CHAPTER1_CASES:
        write_submission(course, CHAPTER1, case.name, CHAPTER1, case.build(builder))
    before = tree_hash(ROOT / "solutions")
    limits = Limits(cell_timeout=120, notebook_timeout=300, memory=3 << 30, processes=256)
    report = grade(course, workers=2, limits=limits, project=ROOT, progress=False)
    return {"report": report, "course": course, "before": before}


@pytest.mark.slow
@pytest.mark.parametrize("case", CHAPTER1_CASES, ids=lambda c: c.name)
def test_chapter1_submission_gets_its_grade(chapter1_class, case):
    if case.needs and not has(case.needs):
        pytest.skip(f"this machine cannot hide the checkout ({case.needs}); see README")
    outcome = chapter1_class["report"].by_student(CHAPTER1)[case.name]
    text = "; ".join(outcome.messages)
    assert outcome.max_score >= 18, text
    expected = outcome.max_score if case.score == "max" else case.score
    assert outcome.score == expected, text
    assert outcome.status == case.status, text
    if case.flagged is not None:
        assert outcome.flagged == case.flagged, text
    assert (chapter1_class["course"] / "feedback" / case.name / CHAPTER1).is_dir()


@pytest.mark.slow
def test_chapter1_kernel_sees_no_solutions(chapter1_class):
    course = chapter1_class["course"]
    out = printed(course / "autograded" / "read-solutions" / CHAPTER1 / f"{CHAPTER1}.ipynb")
    assert "found:" in out
    found = out.split("found:")[1].splitlines()[0]
    # never through the kernel's folder, its environment or the class gradebook
    for leak in ("relative", "source", "env", "gradebook"):
        assert leak not in found, found
    if capabilities().get("namespaces"):
        assert found.strip() == "[]"
    assert tree_hash(ROOT / "solutions") == chapter1_class["before"]
    assert chapter1_class["report"].internal_errors == []
