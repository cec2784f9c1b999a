"""VerifyTestGuards: after execution, a test cell without its marker scores 0."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading.preprocessors.cells import GUARD_META, cell_label, error_output
from course.grading.preprocessors.events import EventRecorder
from course.grading.protocol import EventKind

__all__ = ["VerifyTestGuards"]


class VerifyTestGuards(EventRecorder, NbGraderPreprocessor):
    """After execution: the setup cell of :class:`~course.grading.preprocessors.AddTestGuards`
    goes (if it failed, the grader failed: the submission is not graded); a test cell whose
    marker did not appear did not run to its end, whatever the kernel reported (a patched
    ``showtraceback``, ``run_cell`` or ``sys.excepthook`` hides errors, not this): it gets
    an error and no points. The markers and the extra line are removed again, so the
    feedback shows the test as written."""

    def preprocess(self, nb, resources):
        kept = []
        for cell in nb.cells:
            if cell.metadata.get(GUARD_META, {}).get("setup"):
                self._check_setup(cell, resources)
            else:
                kept.append(cell)
        nb.cells = kept
        return super().preprocess(nb, resources)

    def _check_setup(self, cell, resources) -> None:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        ran = cell.get("execution_count") is not None or errors
        if errors or not ran:
            why = (f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors
                   else "it did not run")  # fmt: skip
            text = f"the grader's test helpers could not be loaded ({why})"
            self.record(resources, EventKind.GRADER_ERROR, None, text)

    def preprocess_cell(self, cell, resources, index):
        guard = cell.metadata.pop(GUARD_META, None)
        if guard is None:
            return cell, resources
        cell.source = guard["original"]
        marker = guard.get("marker")
        if not marker:
            return cell, resources
        seen = False
        kept = []
        for out in cell.outputs:
            if out.output_type == "stream" and marker in out.get("text", ""):
                seen = True
                out.text = out.text.replace(marker + "\n", "").replace(marker, "")
                if not out.text:
                    continue
            kept.append(out)
        cell.outputs = kept
        if not seen and not any(o.output_type == "error" for o in kept):
            label = cell_label(cell, index)
            text = (
                f"{label} did not run to its end, but no error was "
                "reported: the notebook changed how errors are shown (e.g. patched "
                "showtraceback or run_cell). This test scores 0."
            )
            cell.outputs.append(error_output("TestNotCompleted", text))
            self.record(resources, EventKind.GUARD, label, text)
        return cell, resources
