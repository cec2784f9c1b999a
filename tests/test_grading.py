"""The nbgrader pipeline: notebooks/ in sync with solutions/, solved submissions, lesson
errors, Run All past blank exercises. (Each chapter's round trip: tests/test_chapterNN.py.)"""

from __future__ import annotations

import shutil

import nbformat

from course.grading import build, chapters, drift, solved_submission

from .conftest import ROOT


def test_every_chapter_has_a_student_version():
    names = chapters(ROOT)
    assert "01_tensors" in names
    for name in names:
        assert sorted(p.name for p in (ROOT / "notebooks" / name).glob("*.ipynb")) == sorted(
            p.name for p in (ROOT / "solutions" / name).glob("*.ipynb")
        )


def test_drift_is_detected(tmp_path):
    """``drift`` names a notebook edited by hand and a stray file, and a rebuild clears
    both; on a tiny chapter (each chapter's own notebooks are compared with the build of
    its round trip: ``test_student_notebook_is_built_from_the_solution``)."""
    from .test_wrong_answers import make_chapter

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", project)
    make_chapter(project, "c1")
    build(project, ["c1"])
    released = project / "notebooks" / "c1" / "c1.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells[0].source += "\nedited by hand"
    nbformat.write(nb, released)
    (project / "notebooks" / "c1" / "stray.txt").write_text("x")
    assert sorted(drift(project, ["c1"])) == [
        "notebooks/c1/c1.ipynb differs from solutions/",
        "notebooks/c1/stray.txt is not generated from solutions/",
    ]
    build(project, ["c1"])  # a rebuild replaces the chapter folder entirely
    assert drift(project, ["c1"]) == []


def test_released_notebooks_hide_solutions_and_hidden_tests():
    for name in chapters(ROOT):
        for path in (ROOT / "notebooks" / name).glob("*.ipynb"):
            text = path.read_text()
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
            assert "raise NotImplementedError()" in text


def test_solved_submission_fills_every_answer():
    released = ROOT / "notebooks" / "01_tensors" / "01_tensors.ipynb"
    solution = ROOT / "solutions" / "01_tensors" / "01_tensors.ipynb"
    nb = nbformat.reads(solved_submission(released, solution), as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) >= 5
    for cell in answers:
        assert "NotImplementedError" not in cell.source and "SOLUTION" not in cell.source


# The round trip of each chapter (the solved submission gets full marks, the blank one 0,
# every wrong answer is caught) is tested per chapter, in tests/test_chapterNN.py
# (harness.RoundTripTests, run once per test run); tests/test_chapters.py checks that every
# chapter has it.


def test_lesson_errors_ignore_exercises_but_not_the_lesson(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from course.grading.roundtrip import lesson_errors

    def failing(source, nbgrader=None):
        cell = new_code_cell(source, metadata={"nbgrader": nbgrader} if nbgrader else {})
        cell.outputs = [new_output("error", ename="NameError", evalue="x", traceback=[])]
        return cell

    nb = new_notebook(
        cells=[
            failing("answer", {"solution": True, "grade_id": "a"}),
            failing("test", {"grade": True, "grade_id": "t", "points": 1}),
            new_code_cell("print(1)"),
            failing("lesson"),
        ]
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert lesson_errors(path) == ["cell 4: NameError: x"]


def test_run_all_goes_past_blank_exercises(tmp_path):
    """Answer and test cells of a released notebook carry `raises-exception`, so a notebook
    client's Run All goes on past a blank exercise (the round trip above proves grading is
    unchanged: the blank still scores 0, the solution full marks)."""
    from nbclient import NotebookClient

    from course.grading import CourseDir

    from .hostile import TINY, tiny_project

    project = tiny_project(tmp_path / "project")
    released = CourseDir(tmp_path / "course", project).generate(TINY) / f"{TINY}.ipynb"
    nb = nbformat.read(released, as_version=4)
    exercise_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                      or c.metadata.get("nbgrader", {}).get("grade")]  # fmt: skip
    assert exercise_cells and all("raises-exception" in c.metadata.get("tags", [])
                                  for c in exercise_cells)  # fmt: skip
    nb.cells.append(nbformat.v4.new_code_cell("print('reached the end')"))
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()  # no CellExecutionError
    assert "reached the end" in nb.cells[-1].outputs[0]["text"]
    errors = [o for c in exercise_cells for o in c.outputs if o.output_type == "error"]
    assert {e["ename"] for e in errors} >= {"NotImplementedError"}
