"""`course grade`: parallel autograding of a class, limits per submission, hostile notebooks.

Most cases use a tiny assignment made here (no TensorFlow, ~1 s per notebook);
Chapter 1 is graded where realism matters (reading the instructor's notebook,
monkeypatching `course.checks`). Short limits keep the whole file within a few
minutes: 10 s per cell, 20 s per notebook, 1 GB, 64 processes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from course.cli import app
from course.grading.execute import _with_marker
from course.grading.grade import _nbgrader, grade
from course.grading.limits import (
    KernelSandbox,
    Limits,
    capabilities,
    enforcement,
    format_size,
    parse_size,
)

from .conftest import ROOT
from .hostile import (
    CHAPTER1,
    CHAPTER1_CASES,
    TINY,
    TINY_CASES,
    Builder,
    solution_answers,
    tiny_project,
    write_submission,
)

TINY_LIMITS = dict(cell_timeout=10, notebook_timeout=20, memory=1 << 30, processes=64)
MARKER = "HOSTILE-MARKER"


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def _has(capability: str) -> bool:
    caps = capabilities()
    if capability == "process_cap":
        return caps["cgroup_pids"] or not caps["root"]
    return bool(caps.get(capability))


def _tiny_course(base: Path, setup: str = "") -> tuple[Path, Path, Builder]:
    """A project with the tiny assignment (``setup`` prepended to its setup cell) and a
    course folder where it is released."""
    project = tiny_project(base / "project")
    source = project / "solutions" / TINY / f"{TINY}.ipynb"
    if setup:
        nb = nbformat.read(source, as_version=4)
        nb.cells[1].source = setup + nb.cells[1].source
        nbformat.write(nb, source)
    course = base / "course"
    (course / "submitted").mkdir(parents=True)
    shutil.copy(project / "nbgrader_config.py", course)
    shutil.copytree(project / "solutions", course / "solutions")
    _nbgrader(course, "generate_assignment", TINY, "--force")  # as an instructor would
    builder = Builder(course / "notebooks" / TINY / f"{TINY}.ipynb", solution_answers(source))
    return project, course, builder


# --------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------


def test_sizes_parse_and_print():
    assert parse_size("2G") == 2 << 30 and parse_size("512M") == 512 << 20
    assert parse_size("100k") == 102400 and parse_size(4096) == 4096
    assert parse_size("none") is None and parse_size("0") is None
    assert format_size(1 << 30) == "1 GB" and format_size(1536 << 20) == "1.5 GB"
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_enforcement_says_what_is_not_enforced():
    bare = {"root": True, "namespaces": False, "cgroup_memory": False, "cgroup_pids": False}
    rows = dict(enforcement(Limits(), bare))
    assert "NOT enforced" in rows["processes"] and "NOT blocked" in rows["network"]
    assert "RLIMIT_DATA" in rows["memory"] and "readable" in rows["files"]
    full = {"root": True, "namespaces": True, "cgroup_memory": True, "cgroup_pids": True,
            "cgroup_version": 1}  # fmt: skip
    rows = dict(enforcement(Limits(), full))
    assert "cgroup" in rows["memory"] and "cgroup" in rows["processes"]
    assert "namespace" in rows["network"] and "hidden" in rows["files"]


def test_test_cells_keep_their_result_and_get_a_marker():
    assert _with_marker("x = 1", "M") == "x = 1\nprint('M')"
    # a cell ending with an expression still shows it (nbgrader's partial credit)
    assert _with_marker("f()\n3 / 4", "M") == "f()\n_g_last = (3 / 4)\nprint('M')\n_g_last"
    assert _with_marker("1;", "M") == "1;\nprint('M')"


@pytest.mark.skipif(not capabilities().get("namespaces"), reason="no namespaces here")
def test_sandbox_hides_freezes_and_cuts_the_network(tmp_path):
    cwd, ipc = tmp_path / "cwd", tmp_path / "ipc"
    cwd.mkdir()
    ipc.mkdir()
    probe = ROOT / "sandbox-probe.txt"  # must stay unwritable
    box = KernelSandbox(Limits(memory=256 << 20, processes=32), ipc,
                        hide=[str(ROOT / "solutions")], protect=[str(ROOT)])  # fmt: skip
    code = (
        "import os, socket, pathlib\n"
        f"print(sorted(os.listdir({str(ROOT / 'solutions')!r})))\n"
        "pathlib.Path('mine.txt').write_text('ok')\n"
        f"try:\n    pathlib.Path({str(probe)!r}).write_text('x')\n"
        "except OSError as e:\n    print('readonly', e.errno)\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "except OSError:\n    print('no network')\n"
        "print('pids', sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
    )
    try:
        out = subprocess.run(box.command([sys.executable, "-c", code], str(cwd)), cwd=cwd,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        box.cleanup()
        written = probe.exists()
        probe.unlink(missing_ok=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["[]", "readonly 30", "no network", "pids ['1']"]
    assert (cwd / "mine.txt").read_text() == "ok" and not written
    assert any((ROOT / "solutions").iterdir()), "hidden from the kernel only"


def test_sandbox_that_cannot_start_says_why(tmp_path):
    import json

    box = KernelSandbox(Limits(memory=None, processes=None), tmp_path)
    cmd = box.command([sys.executable, "-c", "print('ran')"], str(tmp_path))
    spec_file = Path(cmd[cmd.index("--") - 1])
    spec = json.loads(spec_file.read_text())
    spec["cgroups"] = [str(tmp_path / "no-such-cgroup")]
    spec_file.write_text(json.dumps(spec))
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    box.cleanup()
    assert out.returncode == 70 and "ran" not in out.stdout
    assert "could not start it in its sandbox" in box.diagnose(out.returncode)
    assert "no-such-cgroup" in box.status()["error"]


# --------------------------------------------------------------------------------------
# Hostile and broken submissions (tiny assignment), all graded in one run
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny-class")
    project, course, builder = _tiny_course(base)
    for case in TINY_CASES:
        write_submission(course, TINY, case.name, TINY, case.build(builder), case.extra_files)
    # a student the hostile ones try to reach, and one who resubmits later
    write_submission(course, TINY, "alice", TINY, builder.solved())
    write_submission(course, TINY, "bob", TINY, builder.blank())
    before = {
        "submitted": _tree_hash(course / "submitted"),
        "project": _tree_hash(project / "solutions"),
        "repo": _tree_hash(ROOT / "solutions"),
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
    if case.needs and not _has(case.needs):
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
    assert _tree_hash(course / "submitted") == before["submitted"]
    assert _tree_hash(tiny_class["project"] / "solutions") == before["project"]
    markers = [p for p in course.rglob(MARKER)
               if "write-outside" not in p.parts]  # its own folder is fair game  # fmt: skip
    assert markers == []
    if capabilities().get("namespaces"):  # else the checkout is writable by path (README)
        assert _tree_hash(ROOT / "solutions") == before["repo"]
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
    _nbgrader(course, "autograde", TINY, "--force")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student_id: s.score for s in gb.find_assignment(TINY).submissions}
    assert scores["hide-tracebacks"] > 0 and scores["patch-checks"] == 6
    ours = tiny_class["report"].by_student(TINY)
    assert ours["hide-tracebacks"].score == 0 and ours["patch-checks"].score == 0


MINIMAL_CASES = ["correct", "blank", "hide-tracebacks", "patch-checks", "os-exit", "segfault",
                 "infinite-loop", "memory-bomb", "huge-output"]  # fmt: skip


@pytest.mark.slow
def test_fallback_without_namespaces_or_cgroups(tmp_path, monkeypatch):
    """The same outcomes with rlimits only (what a machine without privileges offers)."""
    monkeypatch.setenv("COURSE_GRADE_SANDBOX", "minimal")
    assert capabilities()["namespaces"] is False
    project, course, builder = _tiny_course(tmp_path)
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


def test_missing_course_folder_is_a_clean_cli_error(tmp_path):
    result = CliRunner().invoke(app, ["grade", "-C", str(tmp_path)], terminal_width=300)
    assert result.exit_code == 2 and "has no" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------------------
# Parallel vs serial: 40 submissions, identical scores, no lost rows
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_parallel_grades_equal_serial_nbgrader(tmp_path):
    project, course, builder = _tiny_course(tmp_path / "a")
    kinds = {
        "correct": (builder.solved(), 6),
        "blank": (builder.blank(), 0),
        "hard": (Builder.set(builder.blank(), "add", "def add(a, b):\n    return 3"), 1),
        "half": (builder.solved(except_ids=("square",)), 3),
        "deleted": (Builder.delete(builder.solved(), "add_hidden"), 6),  # put back and run
    }
    expected = {}
    for i in range(40):
        kind = list(kinds)[i % len(kinds)]
        write_submission(course, TINY, f"s{i:02d}-{kind}", TINY, kinds[kind][0])
        expected[f"s{i:02d}-{kind}"] = kinds[kind][1]
    serial = tmp_path / "serial"
    shutil.copytree(course, serial)
    # kernels started the plain way here (the hostile run above forks them from a zygote)
    report = grade(course, workers=2, limits=Limits(**TINY_LIMITS), project=project,
                   feedback=False, progress=False, preload=False)  # fmt: skip
    assert report.internal_errors == [] and len(report.graded) == 40
    # plain nbgrader, one at a time, configured as `course grade` configures it
    _nbgrader(serial, "autograde", TINY, "--force", "--OverwriteCells.add_missing_cells=True")
    from nbgrader.api import Gradebook

    def scores(folder: Path) -> dict[str, float]:
        with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
            return {s.student_id: s.score for s in gb.find_assignment(TINY).submissions}

    parallel = scores(course)
    assert len(parallel) == 40
    assert parallel == scores(serial) == expected
    assert {o.student: o.score for o in report.outcomes} == expected
    db = sqlite3.connect(course / "gradebook.db")
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert db.execute("select count(*) from submitted_assignment").fetchone() == (40,)
    assert db.execute("select count(*) from grade").fetchone() == (40 * 4,)


# --------------------------------------------------------------------------------------
# Chapter 1: the real notebook, the real solutions folder
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chapter1_class(tmp_path_factory, data):
    course = tmp_path_factory.mktemp("chapter1-class")
    (course / "submitted").mkdir()
    released = ROOT / "notebooks" / CHAPTER1 / f"{CHAPTER1}.ipynb"
    builder = Builder(released, solution_answers(ROOT / "solutions" / CHAPTER1 / released.name))
    for case in CHAPTER1_CASES:
        write_submission(course, CHAPTER1, case.name, CHAPTER1, case.build(builder))
    before = _tree_hash(ROOT / "solutions")
    limits = Limits(cell_timeout=120, notebook_timeout=300, memory=3 << 30, processes=256)
    report = grade(course, workers=2, limits=limits, project=ROOT, progress=False)
    return {"report": report, "course": course, "before": before}


@pytest.mark.slow
@pytest.mark.parametrize("case", CHAPTER1_CASES, ids=lambda c: c.name)
def test_chapter1_submission_gets_its_grade(chapter1_class, case):
    if case.needs and not _has(case.needs):
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
    nb = nbformat.read(course / "autograded" / "read-solutions" / CHAPTER1 / f"{CHAPTER1}.ipynb",
                       as_version=4)  # fmt: skip
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))  # fmt: skip
    assert "found:" in printed
    found = printed.split("found:")[1].splitlines()[0]
    # never through the kernel's folder, its environment or the class gradebook
    for leak in ("relative", "source", "env", "gradebook"):
        assert leak not in found, found
    if capabilities().get("namespaces"):
        assert found.strip() == "[]"
    assert _tree_hash(ROOT / "solutions") == chapter1_class["before"]
    assert chapter1_class["report"].internal_errors == []


@pytest.mark.slow
def test_kernel_sees_no_checkout_or_git(tiny_class):
    """Graded against a copy of the project, the checkout `course` is imported from (with
    its solutions/) and every .git stay out of the kernel's sight."""
    if not capabilities().get("namespaces"):
        pytest.skip("without namespaces the checkout is readable by path (README)")
    nb = nbformat.read(tiny_class["course"] / "autograded" / "look-around" / TINY / f"{TINY}.ipynb",
                       as_version=4)  # fmt: skip
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))  # fmt: skip
    assert "seen: {'solutions': 0, '.git': 0, 'students': 1}" in printed, printed
    assert any((ROOT / "solutions").iterdir()), "hidden from the kernel only"


# --------------------------------------------------------------------------------------
# The grader's own failures are never a student's zero
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_grader_failure_is_not_recorded_as_a_zero(tmp_path):
    from nbgrader.api import Gradebook

    project, course, builder = _tiny_course(tmp_path)
    write_submission(course, TINY, "ann", TINY, builder.solved())
    write_submission(course, TINY, "ben", TINY, builder.blank())
    # 16 MB: no Python kernel can even start, before any of the students' code runs
    broken = Limits(cell_timeout=10, notebook_timeout=20, memory=16 << 20, processes=64)
    result = CliRunner().invoke(app, ["grade", "-C", str(course), "--project", str(project),
                                      "--memory", "16M", "--cell-timeout", "10",
                                      "--notebook-timeout", "20", "-q", "-j", "1"],
                                terminal_width=250)  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "not graded: grader error" in result.output and "did not start" in result.output
    report = grade(course, workers=1, limits=broken, project=project, progress=False,
                   feedback=False)  # fmt: skip
    for outcome in report.outcomes:
        assert outcome.not_graded and not outcome.skipped, outcome
        assert outcome.messages[0].startswith("not graded: grader error: "), outcome.messages
    assert report.summary()[0]["not graded"] == 2 and report.summary()[0]["zero"] == 0
    assert len(report.internal_errors) == 2
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_assignment(TINY).submissions == []  # no zero written for anyone
    assert not (course / "autograded").exists() or not any((course / "autograded").iterdir())
    # the next run, with the grader fixed, grades them (nothing was skipped as done)
    fixed = grade(course, workers=1, limits=Limits(**TINY_LIMITS), project=project,
                  progress=False, feedback=False)  # fmt: skip
    assert {o.student: (o.score, o.status) for o in fixed.outcomes} == {
        "ann": (6, "ok"), "ben": (0, "ok")}  # fmt: skip
    assert fixed.internal_errors == []


_GRADE_IN_SUBPROCESS = r"""
import json, sys
from pathlib import Path
import course
from course.grading.grade import grade
from course.grading.limits import Limits
course_dir, project, preload = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
report = grade(course_dir, workers=1, limits=Limits(cell_timeout=10, notebook_timeout=30),
               project=project, progress=False, feedback=False, preload=preload, force=True)
print(json.dumps({"course": course.__file__, "internal": report.internal_errors,
                  "outcomes": {o.student: [o.score, o.status] for o in report.outcomes}}))
"""


@pytest.mark.slow
def test_preloaded_kernels_grade_like_fresh_ones_also_from_tmp(tmp_path):
    """Grades are the same with and without the zygote, whether the checkout `course` is
    imported from lives under /tmp or not. The chapter imports a module that, like
    TensorFlow, fixes tempfile's folder while being imported (in the zygote)."""
    import json
    import tempfile

    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "cg_fixes_tempdir.py").write_text(
        "import tempfile\nTEMPDIR = tempfile.gettempdir()\n"
    )
    project, course, builder = _tiny_course(tmp_path, setup="import cg_fixes_tempdir\n")
    uses_tmp = Builder.set(builder.solved(), "add", "import tempfile\n"
                           "with tempfile.NamedTemporaryFile() as _f:\n    _f.write(b'x')\n\n"
                           "def add(a, b):\n    return a + b")  # fmt: skip
    for student, nb in {"correct": builder.solved(), "blank": builder.blank(),
                        "uses-tmp": uses_tmp}.items():  # fmt: skip
        write_submission(course, TINY, student, TINY, nb)
    in_tmp = Path(tempfile.mkdtemp(prefix="cg-checkout-", dir="/tmp"))
    try:
        shutil.copytree(ROOT / "course", in_tmp / "course",
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        results = {}
        for where, path in (("checkout", ROOT), ("tmp", in_tmp)):
            for preload in (True, False):
                env = {**os.environ, "PYTHONPATH": f"{path}:{tmp_path / 'mods'}"}
                out = subprocess.run(
                    [sys.executable, "-c", _GRADE_IN_SUBPROCESS, str(course), str(project),
                     "1" if preload else "0"],
                    capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
                )  # fmt: skip
                assert out.returncode == 0, out.stderr[-3000:]
                got = json.loads(out.stdout.strip().splitlines()[-1])
                assert got["course"].startswith(str(path)), got["course"]
                assert got["internal"] == [], (where, preload, got)
                results[(where, preload)] = got["outcomes"]
    finally:
        shutil.rmtree(in_tmp, ignore_errors=True)
    expected = {"correct": [6, "ok"], "blank": [0, "ok"], "uses-tmp": [6, "ok"]}
    for key, outcomes in results.items():
        assert outcomes == expected, key


_GRADE_AS_USER = r"""
import json, sys
from pathlib import Path
from course.grading.grade import grade
from course.grading.limits import Limits, capabilities
course_dir, project = Path(sys.argv[1]), Path(sys.argv[2])
report = grade(course_dir, workers=2, project=project, progress=False, feedback=False,
               limits=Limits(cell_timeout=10, notebook_timeout=20, memory=1 << 30, processes=64))
outcomes = {o.student: [o.score, o.status, o.messages] for o in report.outcomes}
print(json.dumps({"caps": capabilities(), "enforcement": dict(report.enforcement),
                  "internal": report.internal_errors, "outcomes": outcomes}))
"""

NON_ROOT_CASES = ["correct", "blank", "patch-checks", "hide-tracebacks", "memory-bomb",
                  "infinite-loop", "look-around"]  # fmt: skip


@pytest.mark.slow
def test_grading_as_an_unprivileged_user():
    """The non-root path: user namespaces where the kernel allows them, rlimits for memory
    and processes (no cgroups without root). Run as `nobody` where this machine can."""
    import json
    import tempfile

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (to switch to an unprivileged user) and setpriv")
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{site_packages}"}
    # as the grader will: that user runs a Python that starts itself again (a worker). This
    # Python may live where others cannot go (e.g. root's home): then the system's same
    # version, with this environment's packages.
    spawn = "import subprocess as s, sys; s.run([sys.executable, '-c', 'import nbgrader'], check=1)"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = None
    for candidate in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        probe = subprocess.run([*as_nobody, candidate, "-c", spawn], cwd="/", env=env,
                               capture_output=True, text=True)  # fmt: skip
        if probe.returncode == 0:
            python = candidate
            break
    if python is None:
        pytest.skip(f"no {version} that an unprivileged user can run here: {probe.stderr[-300:]}")
    base = Path(tempfile.mkdtemp(prefix="cg-nobody-", dir="/tmp"))
    try:
        base.chmod(0o755)
        project, course, builder = _tiny_course(base)
        cases = [c for c in TINY_CASES if c.name in NON_ROOT_CASES]
        for case in cases:
            write_submission(course, TINY, case.name, TINY, case.build(builder))
        subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
        env["HOME"] = str(base)
        out = subprocess.run([*as_nobody, python, "-c", _GRADE_AS_USER, str(course),
                              str(project)], capture_output=True, text=True, env=env,
                             cwd=base, timeout=900)  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        got = json.loads(out.stdout.strip().splitlines()[-1])
        assert got["caps"]["root"] is False and got["internal"] == []
        assert "RLIMIT_DATA" in got["enforcement"]["memory"]
        assert "RLIMIT_NPROC" in got["enforcement"]["processes"]
        for case in cases:
            score, status, messages = got["outcomes"][case.name]
            assert (score, status) == (case.score, case.status), (case.name, messages)
            if case.message:
                assert case.message in "; ".join(messages), (case.name, messages)
        if got["caps"]["namespaces"]:  # a user namespace hides the checkout here too
            assert got["caps"]["user_ns"] is True
            assert "namespace" in got["enforcement"]["network"]
            nb = nbformat.read(course / "autograded" / "look-around" / TINY / f"{TINY}.ipynb",
                               as_version=4)  # fmt: skip
            printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                              for o in c.get("outputs", []))  # fmt: skip
            assert "seen: {'solutions': 0, '.git': 0, 'students': 1}" in printed, printed
    finally:
        shutil.rmtree(base, ignore_errors=True)
