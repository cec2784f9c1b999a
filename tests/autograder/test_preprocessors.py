"""The grading preprocessors (course/grading/preprocessors), one unit at a time."""

from __future__ import annotations

from nbformat.notebooknode import NotebookNode

from course.grading.preprocessors import (
    AUTOGRADE_PREPROCESSORS,
    AddGradingNotes,
    AddTestGuards,
    SandboxedExecute,
    VerifyTestGuards,
    configure,
)
from course.grading.preprocessors.add_test_guards import with_marker
from course.grading.preprocessors.cells import GUARD_META, is_test_cell
from course.grading.preprocessors.output_cap import OutputCap
from course.grading.protocol import EventFiles, EventKind

from ..hostile import TINY, tiny_source_notebook


def test_test_cells_keep_their_result_and_get_a_marker():
    assert with_marker("x = 1", "M") == "x = 1\nprint('M')"
    # a cell ending with an expression still shows it (nbgrader's partial credit)
    assert with_marker("f()\n3 / 4", "M") == "f()\n_g_last = (3 / 4)\nprint('M')\n_g_last"
    assert with_marker("1;", "M") == "1;\nprint('M')"


def test_the_guards_catch_a_test_that_did_not_run_to_its_end(tmp_path):
    nb = tiny_source_notebook()
    resources = {"nbgrader": {"notebook": TINY}}
    nb, resources = AddTestGuards().preprocess(nb, resources)
    setup = nb.cells[0]
    assert setup.metadata[GUARD_META] == {"setup": True} and "_cg_" in setup.source
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if is_test_cell(c)}
    visible, hidden = tests["add_visible"], tests["add_hidden"]
    assert "check_equal, = _cg_" in visible.source  # the grader's own check_equal
    # what the kernel would have printed: the visible test ran to its end, the hidden one
    # did not, and no error was shown (a patched showtraceback)
    setup.execution_count = 1
    marker = visible.metadata[GUARD_META]["marker"]
    visible.outputs = [NotebookNode(output_type="stream", name="stdout",
                                    text=f"visible tests passed\n{marker}\n")]  # fmt: skip
    hidden.outputs = []
    for gid in ("square_visible", "square_hidden"):  # failed, and said so: nothing to add
        tests[gid].outputs = [NotebookNode(output_type="error", ename="AssertionError",
                                           evalue="no", traceback=[])]  # fmt: skip
    verify = VerifyTestGuards(events_dir=str(tmp_path))
    nb, resources = verify.preprocess(nb, resources)
    assert not any(GUARD_META in c.metadata for c in nb.cells)
    assert nb.cells[1].source == tiny_source_notebook().cells[1].source  # setup cell gone
    assert visible.source == tiny_source_notebook().cells[3].source  # as the student saw it
    assert [o.text for o in visible.outputs] == ["visible tests passed\n"]
    assert [o.ename for o in hidden.outputs] == ["TestNotCompleted"]
    events = EventFiles(tmp_path).read(TINY)
    assert [(e.kind, e.cell) for e in events] == [(EventKind.GUARD, "cell 5 (add_hidden)")]
    nb, _ = AddGradingNotes(events_dir=str(tmp_path)).preprocess(nb, resources)
    assert nb.cells[0].source.startswith("**Notes from the autograder**")
    assert "did not run to its end" in nb.cells[0].source


def test_a_setup_cell_that_failed_is_the_graders_error(tmp_path):
    nb, resources = AddTestGuards().preprocess(tiny_source_notebook(), {"nbgrader": {}})
    nb.cells[0].outputs = [NotebookNode(output_type="error", ename="OSError", evalue="gone",
                                        traceback=[])]  # fmt: skip
    VerifyTestGuards(events_dir=str(tmp_path)).preprocess(nb, resources)
    event = EventFiles(tmp_path).read("notebook")[0]
    assert event.kind == EventKind.GRADER_ERROR and "OSError: gone" in event.message


def test_output_past_the_cap_keeps_only_what_counts_for_the_grade():
    cap = OutputCap(100)
    outs: list = []

    def msg(msg_type, **content):
        return {"msg_type": msg_type, "content": content}

    assert cap.admit(outs, msg("stream", name="stdout", text="x" * 60), 0)
    assert not cap.admit(outs, msg("stream", name="stdout", text="x" * 60), 0)  # over: dropped
    assert cap.truncated == {0} and "output truncated: more than 100 B" in outs[0].text
    err = msg("error", traceback=["t" * 5000] * 80)
    assert cap.admit(outs, err, 0)  # errors count for the grade: kept, shortened
    assert len(err["content"]["traceback"]) == 50 and len(err["content"]["traceback"][0]) == 2000
    result = msg("execute_result", data={"text/plain": "r" * 5000, "image/png": "..."})
    assert cap.admit(outs, result, 0) and result["content"]["data"] == {"text/plain": "r" * 1000}
    stderr = msg("stream", name="stderr", text="e" * 5000)
    assert cap.admit(outs, stderr, 0) and stderr["content"]["text"].startswith("e" * 1000)
    assert not cap.admit(outs, msg("display_data", data={"text/plain": "d"}), 0)
    assert cap.admit([], msg("stream", name="stdout", text="x"), 1)  # each cell has its own
    assert OutputCap(None).admit([], msg("stream", name="stdout", text="x" * 10**7), 0)


def test_course_grade_sets_the_order_and_the_settings():
    from traitlets.config import Config

    from course.grading.limits import Limits

    c = Config()
    configure(c, Limits(cell_timeout=10, notebook_timeout=20, output=1000), "/events")
    order = c.Autograde.autograde_preprocessors
    assert order == AUTOGRADE_PREPROCESSORS
    assert order.index(AddTestGuards) < order.index(SandboxedExecute) < order.index(
        VerifyTestGuards)  # fmt: skip
    assert order[-1] is AddGradingNotes
    assert (c.Execute.timeout, c.SandboxedExecute.notebook_timeout) == (10, 20)
    assert c.SandboxedExecute.output_limit == 1000 and c.VerifyTestGuards.events_dir == "/events"
    assert c.OverwriteCells.add_missing_cells is True
