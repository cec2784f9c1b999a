"""`course grade` on hostile and broken submissions of the tiny assignment, all graded in
one run: each gets its grade, the rest of the class and the instructor files stay intact,
the gradebook is consistent, a rerun skips what did not change, and plain nbgrader is
fooled by the same cheats."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from course.cli import app
from course.grading import grade
from course.grading.limits import Limits
from course.grading.runner import run_nbgrader
from course.grading.sandbox import capabilities

from ..conftest import ROOT
from ..hostile import TINY, TINY_CASES, write_submission
from .conftest import MARKER, TINY_LIMITS, has, printed, tiny_course, tree_hash


@pytest.fixture(scope="module")
def tiny_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny-class")
    project, course, builder = tiny_course(base)
    for case in TINY_CASES:
        write_submission(course, TINY, case.name, TINY, case.build(builder), case.extra_files)
    # a student the hostile ones try to reach, and one who resubmits later
    write_submission(course, TINY, "alice", TINY, builder.solved())
    write_submission(course, TINY, "bob", TINY, builder.blank())
    before = {
        "submitted": tree_hash(course / "submitted"),
        "project": tree_hash(project / "solutions"),
        "repo": tree_hash(ROOT / "solutions"),
    }
    report = grade(course, workers=2, limits=Limits(**TINY_LIMITS), project=project,
                   progress=False, export=base / "grades.csv")  # fmt: skip
    yield {"report": report, "course": course, "project": project, "before": before,
           "builder": builder, "csv": base / "grades.csv"}  # fmt: skip
    for stray in (ROOT / MARKER, ROOT / "solutions" / MARKER):  # only without namespaces
        stray.unlink(missing_ok=True)


@pytest.mark.slow
@pytest.mark.parametrize("case", TINY_CASES, ids=lambda c: c.name)
def test_hostile_submission_gets_its_grade(tiny_class, case):
    if case.needs and not has(case.needs):
        pytest.skip(f"this machine cannot enforce it ({case.needs})")
    outcome = tiny_class["report"].by_student(TINY)[case.name]
    text = "; ".join(outcome.messages)
    assert (outcome.score, outcome.max_score) == (case.score, 6), text
    assert outcome.status == case.status, text
    assert outcome.timeouts == case.timeouts, text
    if case.message:
        assert case.message in text
    if case.absent:
        assert case.absent not in text
    if case.flagged is not None:
        assert outcome.flagged == case.flagged, text
    feedback = tiny_class["course"] / "feedback" / case.name / TINY / f"{TINY}.html"
    assert feedback.is_file(), "every student gets feedback"
    html = feedback.read_text()
    if case.feedback_text:
        assert case.feedback_text in html
    if any(".ipynb: " in m for m in outcome.messages):  # something happened while running
        assert "Notes from the autograder" in html


@pytest.mark.slow
def test_hostile_submissions_leave_the_rest_intact(tiny_class):
    course, before = tiny_class["course"], tiny_class["before"]
    report = tiny_class["report"]
    assert report.internal_errors == []
    assert report.by_student(TINY)["alice"].score == 6
    assert tree_hash(course / "submitted") == before["submitted"]
    assert tree_hash(tiny_class["project"] / "solutions") == before["project"]
    markers = [p for p in course.rglob(MARKER)
               if "write-outside" not in p.parts]  # its own folder is fair game  # fmt: skip
    assert markers == []
    if capabilities().get("namespaces"):  # else the checkout is writable by path (README)
        assert tree_hash(ROOT / "solutions") == before["repo"]
        assert not (ROOT / MARKER).exists()


@pytest.mark.slow
def test_gradebook_is_consistent_and_exported(tiny_class):
    from nbgrader.api import Gradebook

    course, report = tiny_class["course"], tiny_class["report"]
    db = course / "gradebook.db"
    assert sqlite3.connect(db).execute("pragma integrity_check").fetchone() == ("ok",)
    students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{TINY}"))
    with Gradebook(f"sqlite:///{db}") as gb:
        subs = {s.student_id: s.score for s in gb.find_assignment(TINY).submissions}
        flagged = {nb.student.id for nb in gb.find_notebook(TINY, TINY).submissions if nb.flagged}
    assert sorted(subs) == students
    for outcome in report.outcomes:
        assert subs[outcome.student] == pytest.approx(outcome.score), outcome.student
    assert flagged == {o.student for o in report.outcomes if o.flagged}
    rows = tiny_class["csv"].read_text().splitlines()
    assert rows[0].startswith("chapter,student,score,max_score,status")
    assert len(rows) == len(students) + 1
    summary = report.summary()[0]
    assert summary["submissions"] == len(students) and summary["graded"] == len(students)
    assert summary["errors"] == sum(c.status != "ok" for c in TINY_CASES)
    assert summary["timeouts"] == sum(c.timeouts for c in TINY_CASES)


@pytest.mark.slow
def test_rerun_skips_unchanged_and_regrades_changed(tiny_class):
    course, project = tiny_class["course"], tiny_class["project"]
    limits = Limits(**TINY_LIMITS)
    again = grade(course, workers=2, limits=limits, project=project, progress=False)
    assert again.graded == [] and len(again.skipped) == len(tiny_class["report"].outcomes)
    assert again.by_student(TINY)["correct"].score == 6
    assert again.by_student(TINY)["bob"].score == 0
    write_submission(course, TINY, "bob", TINY, tiny_class["builder"].solved())
    third = grade(course, workers=2, limits=limits, project=project, progress=False)
    assert [(o.student, o.score) for o in third.graded] == [("bob", 6)]
    result = CliRunner().invoke(app, ["grade", "-C", str(course), "--project", str(project),
                                      "--export", str(course / "out.csv"), "-q"],
                                terminal_width=200)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Grades" in result.output and TINY in result.output
    assert "bob,6,6" in (course / "out.csv").read_text()


@pytest.mark.slow
def test_plain_nbgrader_is_fooled_by_the_cheats(tiny_class, tmp_path):
    """Without the guards, the cheats work: the hostile cases test something real."""
    course = tmp_path / "plain"
    course.mkdir()
    for name in ("nbgrader_config.py", "solutions", "gradebook.db"):
        src = tiny_class["course"] / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, course / name)
    for student in ("hide-tracebacks", "patch-checks"):
        shutil.copytree(tiny_class["course"] / "submitted" / student,
                        course / "submitted" / student)  # fmt: skip
    run_nbgrader(course, "autograde", TINY, "--force")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student_id: s.score for s in gb.find_assignment(TINY).submissions}
    assert scores["hide-tracebacks"] > 0 and scores["patch-checks"] == 6
    ours = tiny_class["report"].by_student(TINY)
    assert ours["hide-tracebacks"].score == 0 and ours["patch-checks"].score == 0


@pytest.mark.slow
def test_kernel_sees_no_checkout_or_git(tiny_class):
    """Graded against a copy of the project, the checkout `course` is imported from (with
    its solutions/) and every .git stay out of the kernel's sight."""
    if not capabilities().get("namespaces"):
        pytest.skip("without namespaces the checkout is readable by path (README)")
    out = printed(tiny_class["course"] / "autograded" / "look-around" / TINY / f"{TINY}.ipynb")
    assert "seen: {'solutions': 0, '.git': 0, 'students': 1}" in out, out
    assert any((ROOT / "solutions").iterdir()), "hidden from the kernel only"
