"""SandboxedExecute: nbgrader's ``Execute``, for notebooks nobody trusts.

It starts the kernel in the sandbox
(:class:`~course.grading.sandbox.kernel_manager.SandboxKernelManager`), gives the
notebook a time budget on top of nbgrader's per-cell timeout, keeps at most
``output_limit`` bytes of output per cell (:class:`OutputCap`), and turns a kernel that
dies (memory limit, segfault, ``os._exit``) or does not stop when interrupted into a
clear error in that cell; the cells after it are marked as not run (so they score 0:
nbgrader would give full marks to a test cell without an error). What happened goes to
the event log, the run time and peak memory to the stats file.
"""

from __future__ import annotations

import math
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, Unicode

from course.grading.limits import format_size
from course.grading.preprocessors.cells import cell_label, error_output
from course.grading.preprocessors.events import EventRecorder
from course.grading.preprocessors.output_cap import OutputCap
from course.grading.protocol import EventKind, ExecutionStats
from course.grading.sandbox.kernel_manager import SandboxKernelManager

__all__ = ["SandboxedExecute"]


class SandboxedExecute(EventRecorder, Execute):
    """nbgrader's ``Execute`` with a notebook time budget, an output cap and kernel death
    turned into per-cell errors."""

    notebook_timeout = Float(
        None, allow_none=True, help="Seconds for all the notebook's cells (None: no limit)."
    ).tag(config=True)
    output_limit = Integer(
        None, allow_none=True, help="Bytes of output kept per cell (None: all)."
    ).tag(config=True)
    memory_text = Unicode("", help="The memory limit in words, for messages.").tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)

    # -- the notebook ------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        self._stopped: str | None = None
        self._deadline: float | None = None
        self._cap = OutputCap(self.output_limit)
        self._pids_hit = False
        self._executed = 0
        self._started = time.monotonic()
        self.timeout_func = self._cell_timeout
        self._nb = nb
        self._resources = resources
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except (DeadKernelError, RuntimeError) as exc:  # the kernel did not start
            if self._executed:
                raise
            sandbox = getattr(getattr(self, "_km", None), "sandbox", None)
            reason = (sandbox.status().get("error") if sandbox else None) or str(exc)
            # Nothing of the student's has run yet: the grader failed, not the submission.
            self.record(resources, EventKind.GRADER_ERROR, None,
                        f"the kernel did not start: {reason}")  # fmt: skip
            self._mark_rest(nb, 0, "the kernel did not start")
        finally:
            km = getattr(self, "_km", None)
            if isinstance(km, SandboxKernelManager):
                km.sandbox_cleanup()  # also when the kernel never started
        if self.event_files:
            stats = ExecutionStats(round(time.monotonic() - self._started, 2),
                                   getattr(km, "peak_memory", None))  # fmt: skip
            self.event_files.write_stats(self.notebook_name(resources), stats)
        return nb, resources

    def create_kernel_manager(self):
        self._km = super().create_kernel_manager()
        return self._km

    def _cell_timeout(self, cell) -> int | None:
        limits = [t for t in (self.timeout, self._remaining()) if t is not None and t > 0]
        return max(1, math.ceil(min(limits))) if limits else None

    def _remaining(self) -> float | None:
        if self._deadline is None:
            return None
        return self._deadline - time.monotonic()

    def _mark_rest(self, nb, start: int, reason: str) -> None:
        for cell in nb.cells[start:]:
            if cell.cell_type == "code" and cell.source.strip():
                cell.outputs = [error_output("NotRun", f"not run: {reason}")]
                cell.execution_count = None

    def _stop(self, label: str, kind: EventKind, message: str) -> None:
        """Nothing after this cell runs; ``message`` says why."""
        self._stopped = message
        self.record(self._resources, kind, label, message)

    # -- one cell ----------------------------------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._stopped:
            self._mark_rest(self._nb, index, self._stopped)
            return cell, resources
        label = cell_label(cell, index)
        self._executed += 1
        if not self._time_left(label):
            self._mark_rest(self._nb, index, self._stopped)
            return cell, resources
        budget_bound, text = self._arm_timeout(label)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_died(cell, label)
        except CellTimeoutError:
            self._kernel_stuck(cell, label, text)
        else:
            self._check_outputs(cell, label, index, text, budget_bound)
        return cell, resources

    def _time_left(self, label: str) -> bool:
        """Start the notebook's clock at its first cell; False (and stop) once it ran out."""
        if self.notebook_timeout and self._deadline is None:
            self._deadline = time.monotonic() + self.notebook_timeout
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            self._stop(label, EventKind.NOTEBOOK_TIMEOUT,
                       f"the notebook ran out of time ({self.notebook_timeout:g} s) "
                       f"before {label}")  # fmt: skip
            return False
        return True

    def _arm_timeout(self, label: str) -> tuple[bool, str]:
        """The error a timeout of this cell leaves in it; whether the notebook's budget (not
        the cell's own timeout) is what limits it."""
        remaining = self._remaining()
        budget_bound = remaining is not None and (self.timeout is None or remaining < self.timeout)
        if budget_bound:
            text = (f"{label} was stopped: the notebook used up its {self.notebook_timeout:g} s "
                    "time limit")  # fmt: skip
        else:
            text = f"{label} did not finish within {self.timeout:g} s and was interrupted"
        self.error_on_timeout = {
            "ename": "CellTimeoutError",
            "evalue": text,
            "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {text}"],
        }
        return budget_bound, text

    def _kernel_died(self, cell, label: str) -> None:
        self._check_processes(label)
        sandbox = self.km.sandbox
        code = self._returncode()
        reason = sandbox.diagnose(code) if sandbox else f"exit status {code}"
        cell.outputs.append(error_output(
            "KernelDied",
            f"the kernel stopped while running {label}: {reason}. The cells after it were not run.",
        ))  # fmt: skip
        if sandbox and sandbox.status().get("error"):
            kind = EventKind.GRADER_ERROR
        elif "memory" in reason:
            kind = EventKind.MEMORY
        else:
            kind = EventKind.KERNEL_DIED
        self._stop(label, kind, f"{label}: the kernel stopped: {reason}")

    def _kernel_stuck(self, cell, label: str, text: str) -> None:
        """Interrupted, but the kernel did not answer: it is stuck (e.g. ignores SIGINT)."""
        self._check_processes(label)
        self.km.kill_now()
        cell.outputs.append(error_output(
            "CellTimeoutError",
            f"{text}; the kernel did not respond to the interrupt and was stopped. "
            "The cells after it were not run.",
        ))  # fmt: skip
        self._stop(label, EventKind.TIMEOUT,
                   f"{text}; it did not respond to the interrupt, so the kernel was stopped "
                   "and the cells after it were not run")  # fmt: skip

    def _check_outputs(self, cell, label: str, index: int, text: str, budget_bound: bool) -> None:
        """Events for a cell that ran: a timeout, a MemoryError, too many processes, output
        cut."""
        timed_out = any(o.output_type == "error" and o.get("ename") == "CellTimeoutError"
                        and o.get("evalue") == text for o in cell.outputs)  # fmt: skip
        if timed_out and budget_bound:
            self._stop(label, EventKind.NOTEBOOK_TIMEOUT, text)
        elif timed_out:
            self.record(self._resources, EventKind.TIMEOUT, label, text)
        if any(o.output_type == "error" and o.get("ename") == "MemoryError" for o in cell.outputs):
            self.record(self._resources, EventKind.MEMORY, label,
                        f"{label} ran out of memory (MemoryError; "
                        f"the limit is {self.memory_text or 'the machine'})")  # fmt: skip
        self._check_processes(label)
        if index in self._cap.truncated:
            self.record(self._resources, EventKind.OUTPUT, label,
                        f"{label} printed more than {format_size(self.output_limit)}; "
                        "the rest was dropped")  # fmt: skip

    def _check_processes(self, label: str) -> None:
        sandbox = getattr(self.km, "sandbox", None)
        cgroup = sandbox.cgroup if sandbox else None
        if cgroup is not None and not self._pids_hit and cgroup.process_limit_hit():
            self._pids_hit = True
            self.record(self._resources, EventKind.PROCESSES, label,
                        f"{label} tried to run more than {sandbox.limits.processes} "
                        "processes/threads at once; the extra ones were refused")  # fmt: skip

    def _returncode(self) -> int | None:
        for _ in range(20):  # the launcher may need a moment to mirror the kernel's end
            code = self.km.returncode
            if code is not None:
                return code
            time.sleep(0.05)
        return None

    # -- output cap --------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        if self._cap.admit(outs, msg, cell_index):
            return super().output(outs, msg, display_id, cell_index)
        return None
