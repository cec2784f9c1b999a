"""One kernel's sandbox: the launcher's settings, and what happened afterwards.

:class:`KernelSandbox` turns the :class:`~course.grading.limits.Limits` and what this
machine can do (:func:`~course.grading.sandbox.machine.capabilities`) into the spec
file the launcher applies (namespaces, cgroups, rlimits, mounts, environment) and
the launcher's command line; after the kernel ends it says why it died ("used more
than 1 GB", "more than 64 processes") and removes its cgroups.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.coursedir import PACKAGE_CHECKOUT
from course.grading.limits import Limits, format_size
from course.grading.sandbox.cgroups import Cgroup
from course.grading.sandbox.machine import capabilities, launcher_command

__all__ = ["KernelSandbox"]


@dataclass
class KernelSandbox:
    """Everything the grader needs to start one kernel in a sandbox and clean up after.

    ``hide``: instructor paths the kernel must not see; ``protect``: paths that
    must end up read-only (else the launch fails); ``writable``: the submission
    folder and the socket folder.
    """

    limits: Limits
    workdir: Path  # the kernel's socket folder (short path) and spec/status files
    hide: list[str] = field(default_factory=list)
    protect: list[str] = field(default_factory=list)
    writable: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    mask_files: list[str] = field(default_factory=list)
    zygote: str | None = None  # socket of a zygote to fork the kernel from (launcher.py)
    caps: dict = field(default_factory=capabilities)
    cgroup: Cgroup | None = None
    cwd: str | None = None

    @property
    def status_file(self) -> Path:
        return self.workdir / "sandbox-status.json"

    def command(self, kernel_cmd: list[str], cwd: str | None) -> list[str]:
        """The launcher command line wrapping ``kernel_cmd`` (creates the cgroups)."""
        self.cwd = os.path.realpath(cwd) if cwd else None
        lim = self.limits
        self.cgroup = Cgroup.create(
            f"k{os.getpid()}-{uuid.uuid4().hex[:8]}",
            lim.memory if self.caps.get("cgroup_memory") else None,
            lim.processes if self.caps.get("cgroup_pids") else None,
        )
        cg_dirs = self.cgroup.dirs if self.cgroup else {}
        ns = bool(self.caps.get("namespaces"))
        root = bool(self.caps.get("root"))
        rlimits: dict[str, int] = {"CORE": 0}
        if lim.file_size:
            rlimits["FSIZE"] = lim.file_size
        if lim.memory and "memory" not in cg_dirs:
            rlimits["DATA"] = lim.memory
        if lim.processes and "pids" not in cg_dirs and not root:
            rlimits["NPROC"] = _user_tasks(os.getuid()) + lim.processes
        env = {"IPYTHONDIR": "/tmp/.ipython", **self.env}
        if lim.threads_per_kernel:
            n = str(lim.threads_per_kernel)
            env.update(
                OMP_NUM_THREADS=n,
                OPENBLAS_NUM_THREADS=n,
                MKL_NUM_THREADS=n,
                TF_NUM_INTRAOP_THREADS=n,
                TF_NUM_INTEROP_THREADS=n,
            )
        writable = [str(self.workdir), *self.writable]
        if self.cwd and self.cwd not in writable:
            writable.append(self.cwd)
        spec = {
            "cgroups": self.cgroup.paths if self.cgroup else [],
            "rlimits": rlimits,
            "net_ns": ns and not lim.network,
            "pid_ns": ns,
            "mounts": ns,
            "user_ns": bool(self.caps.get("user_ns")),
            "hide": [p for p in self.hide if os.path.exists(p)],
            "keep": self.keep(env),
            "protect": self.protect,
            "writable": writable,
            "readonly": True,
            "tmp_bytes": lim.tmp_size,
            "drop_caps": root and ns,
            "cwd": self.cwd,
            "env": env,
            "unset_env": ["JPY_PARENT_PID"] if ns else [],
            "oom_score_adj": 1000,
            "status_file": str(self.status_file),
            "mask_files": self.mask_files,
        }
        spec_file = self.workdir / "sandbox-spec.json"
        spec_file.write_text(json.dumps(spec, indent=1))
        via = ["--via", self.zygote] if self.zygote and ns else []  # only where the kernel
        # cannot reach the zygote's socket
        return launcher_command(*via, str(spec_file), "--", *kernel_cmd)

    @staticmethod
    def keep(env: dict[str, str]) -> list[str]:
        """What the kernel reads and may find under /tmp: this Python and its virtualenv,
        the checkout the course package comes from, ``PYTHONPATH`` and the data folders."""
        paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, str(PACKAGE_CHECKOUT)]
        paths += os.environ.get("PYTHONPATH", "").split(os.pathsep)
        for name in ("COURSE_DATA_DIR", "KERAS_HOME"):
            paths.append(env.get(name) or os.environ.get(name, ""))
        return sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)})

    def status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return {}

    def diagnose(self, returncode: int | None) -> str:
        """Why the kernel stopped, in words for the student."""
        lim = self.limits
        if self.cgroup and self.cgroup.oom_killed():
            return f"it used more than {format_size(lim.memory)} of memory and was stopped"
        if self.cgroup and self.cgroup.process_limit_hit() and returncode is not None:
            return (
                f"it tried to run more than {lim.processes} processes/threads at once "
                f"and then stopped (exit status {returncode})"
            )
        error = self.status().get("error")
        if error:
            return f"the grader could not start it in its sandbox ({error})"
        if returncode is None:
            return "it stopped responding"
        if returncode < 0:
            try:
                name = signal.Signals(-returncode).name
            except ValueError:
                name = f"signal {-returncode}"
            if name == "SIGSEGV":
                return "it crashed (segmentation fault, SIGSEGV)"
            if (
                name == "SIGKILL"
                and lim.memory
                and "memory" not in (self.cgroup.dirs if self.cgroup else {})
            ):
                limit = format_size(lim.memory)
                return f"it was killed (SIGKILL), possibly for using more than {limit}"
            return f"it was killed by {name}"
        return f"it exited with status {returncode} (e.g. os._exit or a crash)"

    def peak_memory(self) -> int | None:
        return self.cgroup.peak_memory() if self.cgroup else None

    def cleanup(self) -> None:
        if self.cgroup:
            self.cgroup.remove()
            self.cgroup = None


def _user_tasks(uid: int) -> int:
    """How many tasks (processes and threads) a user runs now (RLIMIT_NPROC counts them)."""
    n = 0
    try:
        entries = list(os.scandir("/proc"))
    except OSError:  # no /proc (macOS): the cap then counts from zero
        return 0
    for entry in entries:
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    n += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return n
