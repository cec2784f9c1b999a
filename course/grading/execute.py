"""nbgrader preprocessors and a kernel manager for grading untrusted notebooks.

They plug into nbgrader's own ``autograde`` (its ``Autograde.autograde_preprocessors``
list is configurable); nbgrader itself is not changed:

* :class:`GuardTests` (before execution): a first cell, run before any of the
  submission's code, loads a private copy of ``course.checks`` (from its file, not
  registered in ``sys.modules``) and binds ``print``; every test cell re-binds the
  check functions it uses from that copy, so a submission that monkeypatches
  ``course.checks``, ``importlib`` or ``sys.modules``, or redefines ``check_array``,
  cannot make the tests pass; and a secret marker is printed, through the bound
  ``print``, as the last line of each test cell.
* :class:`SandboxedExecute` (nbgrader's ``Execute``): starts the kernel in the
  sandbox (:class:`SandboxKernelManager`), applies a time budget per notebook
  on top of nbgrader's per-cell timeout, keeps at most ``output_limit`` bytes
  of output per cell, and turns a kernel that dies (memory limit, segfault,
  ``os._exit``) or does not stop when interrupted into a clear error in that
  cell; the cells after it are marked as not run (so they score 0: nbgrader
  would give full marks to a test cell without an error).
* :class:`CheckGuards` (after execution): the setup cell is removed (if it failed,
  the grader failed: the submission is not graded); a test cell whose marker did not
  appear did not run to its end, whatever the kernel reported (a patched
  ``showtraceback``, ``run_cell`` or ``sys.excepthook`` hides errors, not this);
  it gets an error and no points. The markers and the extra line are removed
  again, so the feedback shows the test as written.

* :class:`AddGradingNotes` (last): a note at the top of the graded notebook,
  and so of the feedback, listing what happened.

The events (timeouts, dead kernels, memory errors, truncated output, failed
guards) are appended to ``<events_dir>/<notebook>.jsonl`` for the grade report.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import signal
import time
from pathlib import Path

import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Dict, Float, Integer, Unicode
from traitlets.config import Configurable

from course.grading.limits import KernelSandbox, Limits, format_size

__all__ = [
    "SandboxKernelManager",
    "SandboxedExecute",
    "GuardTests",
    "CheckGuards",
    "AddGradingNotes",
    "CHECK_NAMES",
]


def _check_names() -> list[str]:
    import course.checks

    return list(course.checks.__all__)


CHECK_NAMES = _check_names()


def _is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def _error(ename: str, text: str) -> NotebookNode:
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=text,
        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {text}"],
    )


class _EventLog(Configurable):
    """Events of one notebook's grading, appended to ``<events_dir>/<notebook>.jsonl``."""

    events_dir = Unicode("", help="folder for the grading events").tag(config=True)

    def record(self, resources: dict, kind: str, cell: str | None, message: str) -> None:
        if not self.events_dir:
            return
        name = (resources or {}).get("nbgrader", {}).get("notebook", "notebook")
        path = Path(self.events_dir) / f"{name}.jsonl"
        with open(path, "a") as f:
            f.write(json.dumps({"kind": kind, "cell": cell, "message": message}) + "\n")

    def read(self, resources: dict) -> list[dict]:
        name = (resources or {}).get("nbgrader", {}).get("notebook", "notebook")
        path = Path(self.events_dir) / f"{name}.jsonl" if self.events_dir else None
        if not path or not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _cell_label(cell: NotebookNode, index: int) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1}" + (f" ({grade_id})" if grade_id else "")


# --------------------------------------------------------------------------------------
# The kernel manager
# --------------------------------------------------------------------------------------


_CONTEXT: zmq.asyncio.Context | None = None


def _shared_context() -> zmq.asyncio.Context:
    """One ZeroMQ context for every kernel of this process: a context per kernel costs about
    half a second of waiting each time it is destroyed (jupyter_client's default)."""
    global _CONTEXT
    if _CONTEXT is None or _CONTEXT.closed:
        _CONTEXT = zmq.asyncio.Context()
    return _CONTEXT


class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel through ``sandbox.py`` with the limits in ``sandbox_spec``, talking
    over Unix sockets in the spec's ``workdir`` (the kernel has no network)."""

    sandbox_spec = Dict(help="limits, workdir, hide, protect, writable, env, mask_files").tag(
        config=True
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("context", _shared_context())
        super().__init__(**kwargs)
        self.sandbox: KernelSandbox | None = None
        self.peak_memory: int | None = None
        if self.sandbox_spec:
            workdir = Path(self.sandbox_spec["workdir"])
            workdir.mkdir(parents=True, exist_ok=True)
            self.transport = "ipc"
            self.connection_file = str(workdir / "kernel.json")
            self.ip = str(workdir / "k")

    def client(self, **kwargs):
        kwargs.setdefault("context", self.context)
        return super().client(**kwargs)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        spec = self.sandbox_spec
        if not spec:
            return cmd
        if self.sandbox:
            self.sandbox.cleanup()
        cwd = self._launch_args.get("cwd")
        self.sandbox = KernelSandbox(
            limits=Limits.from_json(spec["limits"]),
            workdir=Path(spec["workdir"]),
            hide=list(spec.get("hide", [])),
            protect=list(spec.get("protect", [])),
            writable=list(spec.get("writable", [])),
            env=dict(spec.get("env", {})),
            mask_files=[str(p) for p in Path(cwd).glob("*.ipynb")] if cwd else [],
            zygote=spec.get("zygote"),
        )
        return self.sandbox.command(cmd, cwd)

    @property
    def returncode(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    def kill_now(self) -> None:
        """SIGKILL the kernel's process group (the launcher; the PID namespace goes with it)."""
        pgid = getattr(self.provisioner, "pgid", None)
        try:
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif getattr(self.provisioner, "process", None):
                self.provisioner.process.kill()
        except OSError:
            pass

    def _sandbox_cleanup(self) -> None:
        if self.sandbox:
            self.peak_memory = self.sandbox.peak_memory() or self.peak_memory
            self.sandbox.cleanup()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self._sandbox_cleanup()
        await super()._async_cleanup_resources(restart=restart)

    cleanup_resources = _async_cleanup_resources


# --------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------


class SandboxedExecute(_EventLog, Execute):
    """nbgrader's ``Execute`` with a notebook time budget, an output cap and kernel death
    turned into per-cell errors."""

    notebook_timeout = Float(None, allow_none=True, help="seconds for all cells").tag(config=True)
    output_limit = Integer(None, allow_none=True, help="bytes of output kept per cell").tag(
        config=True
    )
    memory_text = Unicode("", help="the memory limit, in words").tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)

    # -- the notebook ------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        self._stopped: str | None = None
        self._deadline: float | None = None
        self._out_bytes: dict[int, int] = {}
        self._truncated: set[int] = set()
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
            self.record(resources, "grader_error", None, f"the kernel did not start: {reason}")
            self._mark_rest(nb, 0, "the kernel did not start")
        finally:
            km = getattr(self, "_km", None)
            if isinstance(km, SandboxKernelManager):
                km._sandbox_cleanup()  # also when the kernel never started
        peak = getattr(km, "peak_memory", None)
        stats = {
            "kind": "stats",
            "cell": None,
            "message": "",
            "seconds": round(time.monotonic() - self._started, 2),
            "peak_memory": peak,
        }
        if self.events_dir:
            name = resources.get("nbgrader", {}).get("notebook", "notebook")
            with open(Path(self.events_dir) / f"{name}.stats.json", "w") as f:
                json.dump(stats, f)
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
                cell.outputs = [_error("NotRun", f"not run: {reason}")]
                cell.execution_count = None

    # -- one cell ----------------------------------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        label = _cell_label(cell, index)
        if self._stopped:
            self._mark_rest(self._nb, index, self._stopped)
            return cell, resources
        self._executed += 1
        if self.notebook_timeout and self._deadline is None:
            self._deadline = time.monotonic() + self.notebook_timeout
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            self._stop(
                label,
                "notebook_timeout",
                f"the notebook ran out of time ({self.notebook_timeout:g} s) before {label}",
            )
            self._mark_rest(self._nb, index, self._stopped)
            return cell, resources
        budget_bound = remaining is not None and (self.timeout is None or remaining < self.timeout)
        if budget_bound:
            text = (
                f"{label} was stopped: the notebook used up its {self.notebook_timeout:g} s "
                "time limit"
            )
        else:
            text = f"{label} did not finish within {self.timeout:g} s and was interrupted"
        self.error_on_timeout = {
            "ename": "CellTimeoutError",
            "evalue": text,
            "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {text}"],
        }
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._check_processes(label)
            reason = (
                self.km.sandbox.diagnose(self._returncode())
                if self.km.sandbox
                else (f"exit status {self._returncode()}")
            )
            cell.outputs.append(
                _error(
                    "KernelDied",
                    f"the kernel stopped while running {label}: "
                    f"{reason}. The cells after it were not run.",
                )
            )
            sandbox_failed = bool(self.km.sandbox and self.km.sandbox.status().get("error"))
            kind = (
                "grader_error"
                if sandbox_failed
                else "memory"
                if "memory" in reason
                else ("kernel_died")
            )
            self._stop(label, kind, f"{label}: the kernel stopped: {reason}")
            return cell, resources
        except CellTimeoutError:
            # interrupted, but the kernel did not answer: it is stuck (e.g. ignores SIGINT)
            self._check_processes(label)
            self.km.kill_now()
            cell.outputs.append(
                _error(
                    "CellTimeoutError",
                    f"{text}; the kernel did not respond to "
                    "the interrupt and was stopped. The cells after it were "
                    "not run.",
                )
            )
            self._stop(
                label,
                "timeout",
                f"{text}; it did not respond to the interrupt, so the "
                "kernel was stopped and the cells after it were not run",
            )
            return cell, resources
        timed_out = any(
            o.output_type == "error"
            and o.get("ename") == "CellTimeoutError"
            and o.get("evalue") == text
            for o in cell.outputs
        )
        if timed_out:
            if budget_bound:
                self._stop(label, "notebook_timeout", text)
            else:
                self.record(self._resources, "timeout", label, text)
        if any(o.output_type == "error" and o.get("ename") == "MemoryError" for o in cell.outputs):
            self.record(
                self._resources,
                "memory",
                label,
                f"{label} ran out of memory (MemoryError; "
                f"the limit is {self.memory_text or 'the machine'})",
            )
        self._check_processes(label)
        if index in self._truncated:
            self.record(
                self._resources,
                "output",
                label,
                f"{label} printed more than {format_size(self.output_limit)}; the rest was dropped",
            )
        return cell, resources

    def _check_processes(self, label: str) -> None:
        sandbox = getattr(self.km, "sandbox", None)
        cgroup = sandbox.cgroup if sandbox else None
        if cgroup is not None and not self._pids_hit and cgroup.process_limit_hit():
            self._pids_hit = True
            self.record(
                self._resources,
                "processes",
                label,
                f"{label} tried to run more than "
                f"{sandbox.limits.processes} processes/threads at once; the extra ones "
                "were refused",
            )

    def _returncode(self) -> int | None:
        for _ in range(20):  # the launcher may need a moment to mirror the kernel's end
            code = self.km.returncode
            if code is not None:
                return code
            time.sleep(0.05)
        return None

    def _stop(self, label: str, kind: str, message: str) -> None:
        self._stopped = message
        self.record(self._resources, kind, label, message)

    # -- output cap --------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        if not self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content", {})
        msg_type = msg.get("msg_type")
        if msg_type == "stream":
            size = len(content.get("text", ""))
        elif msg_type == "error":
            size = sum(len(line) for line in content.get("traceback", []))
        else:
            size = sum(
                len(v) if isinstance(v, str) else len(json.dumps(v))
                for v in content.get("data", {}).values()
            )
        used = self._out_bytes.get(cell_index, 0)
        self._out_bytes[cell_index] = used + size
        if used + size <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        # Over the cap: errors, stderr and results still count for the grade, so keep a
        # short form of each; drop everything else.
        note = f"\n[output truncated: more than {format_size(self.output_limit)} in this cell]\n"
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            outs.append(NotebookNode(output_type="stream", name="stdout", text=note))
        if msg_type == "error":
            content["traceback"] = [line[:2000] for line in content.get("traceback", [])[-50:]]
            return super().output(outs, msg, display_id, cell_index)
        if msg_type == "stream" and content.get("name") == "stderr":
            if not any(o.get("name") == "stderr" for o in outs if o.output_type == "stream"):
                content["text"] = content.get("text", "")[:1000] + note
                return super().output(outs, msg, display_id, cell_index)
        if msg_type == "execute_result":
            text = str(content.get("data", {}).get("text/plain", ""))[:1000]
            content["data"] = {"text/plain": text}
            return super().output(outs, msg, display_id, cell_index)
        return None


# --------------------------------------------------------------------------------------
# Guards around the test cells
# --------------------------------------------------------------------------------------

_GUARD_META = "course_guard"


def _with_marker(source: str, marker: str, tail: str | None = None) -> str:
    """``source`` followed by ``tail`` (default: ``print(marker)``); when the cell ends with
    an expression, its value is still the cell's result (nbgrader gives partial credit for
    a number there)."""
    import ast

    tail = tail or f"print({marker!r})"
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return f"{source}\n{tail}"
    last = body[-1] if body else None
    if not isinstance(last, ast.Expr):
        return f"{source}\n{tail}"
    lines = source.splitlines()
    after = lines[last.end_lineno - 1][last.end_col_offset :]
    if ";" in after.split("#")[0]:  # `expr;` shows nothing anyway
        return f"{source}\n{tail}"
    head = "\n".join(lines[: last.lineno - 1] + [lines[last.lineno - 1][: last.col_offset]])
    expr = ast.get_source_segment(source, last)
    return f"{head}_g_last = ({expr})\n{tail}\n_g_last"


# Runs before any cell of the submission: loads a private copy of course.checks (not
# registered in sys.modules, so patching `course.checks`, `importlib` or `sys.modules`
# later does not reach it) and binds `print`, so that the test cells' helpers and their
# end marker come from references taken before the student's code ran.
_SETUP = """\
def {name}(path):
    import builtins
    import importlib.util
    spec = importlib.util.spec_from_file_location("_course_checks_for_grading", path)
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    fresh = {{n: getattr(checks, n) for n in checks.__all__}}
    say = builtins.print

    def guard(*names, done=None):
        if done is not None:
            say(done)
            return None
        return tuple(fresh[n] for n in names)

    return guard


{name} = {name}({path!r})
"""


class GuardTests(NbGraderPreprocessor):
    """Before execution: a first cell that takes private references to the checks and to
    ``print``; each test cell then uses those checks and ends with a secret marker."""

    def preprocess(self, nb, resources):
        import course.checks

        nonce = secrets.token_hex(12)
        self._marker = f"[course-grade:{nonce}:{{index}}]"
        self._guard = f"_cg_{nonce}"
        nb, resources = super().preprocess(nb, resources)
        setup = NotebookNode(
            cell_type="code",
            id=f"course-grade-setup-{nonce[:8]}",
            metadata={_GUARD_META: {"setup": True}},
            source=_SETUP.format(name=self._guard, path=course.checks.__file__),
            outputs=[],
            execution_count=None,
        )
        nb.cells.insert(0, setup)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if not _is_test_cell(cell):
            return cell, resources
        source = cell.source
        used = [n for n in CHECK_NAMES if re.search(rf"\b{n}\b", source)]
        marker = self._marker.format(index=index)
        guard: dict = {"original": source, "marker": marker}
        lines = []
        if used:
            names = ", ".join(repr(n) for n in used)
            lines.append(f"{', '.join(used)}, = {self._guard}({names})  # grader: fresh checks")
        lines.append(_with_marker(source, marker, f"{self._guard}(done={marker!r})"))
        cell.source = "\n".join(lines)
        cell.metadata[_GUARD_META] = guard
        return cell, resources


class CheckGuards(_EventLog, NbGraderPreprocessor):
    """After execution: the setup cell goes (its failure is the grader's), and a test cell
    without its marker did not run to the end -> error."""

    def preprocess(self, nb, resources):
        kept = []
        for cell in nb.cells:
            if cell.metadata.get(_GUARD_META, {}).get("setup"):
                errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
                ran = cell.get("execution_count") is not None or errors
                if errors or not ran:
                    why = (f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors
                           else "it did not run")  # fmt: skip
                    text = f"the grader's test helpers could not be loaded ({why})"
                    self.record(resources, "grader_error", None, text)
                continue
            kept.append(cell)
        nb.cells = kept
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        guard = cell.metadata.pop(_GUARD_META, None)
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
        has_error = any(o.output_type == "error" for o in kept)
        if not seen and not has_error:
            text = (
                f"{_cell_label(cell, index)} did not run to its end, but no error was "
                "reported: the notebook changed how errors are shown (e.g. patched "
                "showtraceback or run_cell). This test scores 0."
            )
            cell.outputs.append(_error("TestNotCompleted", text))
            self.record(resources, "guard", _cell_label(cell, index), text)
        return cell, resources


class AddGradingNotes(_EventLog, NbGraderPreprocessor):
    """Last: a note at the top of the graded notebook (and so of the feedback) listing what
    went wrong while grading: limits hit, cells not run, tests that did not complete."""

    def preprocess(self, nb, resources):
        events = [e for e in self.read(resources) if e.get("message")]
        if events:
            lines = "\n".join(f"* {e['message']}" for e in events)
            nb.cells.insert(
                0,
                NotebookNode(
                    cell_type="markdown",
                    metadata={},
                    id="course-grade-notes",
                    source=f"**Notes from the autograder**\n\n{lines}",
                ),
            )
        return nb, resources
