"""Limits for one graded submission, and what this machine can enforce.

:class:`Limits` holds the numbers (time per cell and per notebook, memory,
processes, output, file size). :func:`capabilities` finds out once which
mechanisms work here: cgroups (memory and process caps that also hold for
root), namespaces (no network, hidden instructor files, read-only file system,
own PID space) and rlimits (the fallback). :class:`KernelSandbox` turns both
into the spec that ``sandbox.py`` applies when it starts a kernel, and after
the kernel ends says why it died ("used more than 1 GB", "more than 64
processes") and removes what was left.

Nothing here imports nbgrader or Jupyter, so the CLI can report the limits
without paying for those imports.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

__all__ = [
    "Limits",
    "parse_size",
    "format_size",
    "capabilities",
    "enforcement",
    "Cgroup",
    "KernelSandbox",
    "SANDBOX_SCRIPT",
]

SANDBOX_SCRIPT = Path(__file__).with_name("sandbox.py")

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str | int | None) -> int | None:
    """``"2G"`` -> 2147483648; ``"512M"``, ``"100k"``, plain bytes; ``None``/``"0"``/``"none"``
    -> no limit."""
    if text is None:
        return None
    if isinstance(text, int):
        return text or None
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kmgtKMGT]?)(i?[bB])?\s*", str(text))
    if not m:
        if str(text).strip().lower() in {"none", "off", "unlimited"}:
            return None
        raise ValueError(f"not a size: {text!r} (use e.g. 512M or 2G)")
    value = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    return value or None


def format_size(n: int | None) -> str:
    if n is None:
        return "no limit"
    for unit in ("TB", "GB", "MB", "kB"):
        size = _UNITS[unit[0].upper()]
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


@dataclass
class Limits:
    """What one submission may use. ``None`` means no limit."""

    cell_timeout: float | None = 300  # s per cell (then the cell is interrupted)
    notebook_timeout: float | None = 900  # s per notebook (then the rest is not run)
    memory: int | None = 4 << 30  # bytes: the kernel and its children
    processes: int | None = 256  # tasks (processes and threads) at once
    output: int | None = 1 << 20  # bytes of output kept per cell
    max_lines: int = 1000  # nbgrader LimitOutput
    max_traceback: int = 100  # nbgrader LimitOutput
    file_size: int | None = 512 << 20  # largest file the kernel may write
    tmp_size: int = 256 << 20  # the kernel's private /tmp (when namespaces work)
    network: bool = False  # allow network access
    threads_per_kernel: int | None = None  # OMP/TF thread pools (None: leave as is)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Limits:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def describe(self) -> str:
        def secs(v):
            return "no limit" if v is None else f"{v:g} s"

        return (
            f"cell {secs(self.cell_timeout)}, notebook {secs(self.notebook_timeout)}, "
            f"memory {format_size(self.memory)}, processes {self.processes or 'no limit'}, "
            f"output {format_size(self.output)}/cell, network {'on' if self.network else 'off'}"
        )


# --------------------------------------------------------------------------------------
# cgroups
# --------------------------------------------------------------------------------------


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path ("" key for cgroup v2)."""
    out = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                out[c] = path
    except OSError:
        pass
    return out


def _v1_dir(controller: str) -> Path | None:
    own = _own_cgroups()
    if controller not in own:
        return None
    base = Path("/sys/fs/cgroup") / controller
    if not (base / "cgroup.procs").exists():
        return None
    return base / own[controller].lstrip("/")


def _v2_dir() -> Path | None:
    own = _own_cgroups()
    if "" not in own:
        return None
    for base in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
        if (base / "cgroup.controllers").exists():
            return base / own[""].lstrip("/")
    return None


class Cgroup:
    """One kernel's cgroups: memory and pids, v1 (one folder per controller) or v2."""

    def __init__(self, dirs: dict[str, Path], version: int) -> None:
        self.dirs = dirs  # controller -> folder
        self.version = version

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def create(cls, name: str, memory: int | None, processes: int | None) -> Cgroup | None:
        """Make the cgroups that can be made here; ``None`` when none can."""
        wanted = [c for c, v in (("memory", memory), ("pids", processes)) if v]
        if not wanted:
            return None
        group = cls._create_v1(name, wanted) or cls._create_v2(name, wanted)
        if group is None:
            return None
        try:
            group._set_limits(memory, processes)
        except OSError:
            group.remove()
            return None
        return group

    @classmethod
    def _create_v1(cls, name: str, wanted: list[str]) -> Cgroup | None:
        dirs = {}
        for controller in wanted:
            parent = _v1_dir(controller)
            if parent is None:
                continue
            folder = parent / "course-grade" / name
            try:
                folder.mkdir(parents=True)
            except OSError:
                continue
            dirs[controller] = folder
        return cls(dirs, 1) if dirs else None

    @classmethod
    def _create_v2(cls, name: str, wanted: list[str]) -> Cgroup | None:
        parent = _v2_dir()
        if parent is None:
            return None
        try:
            available = (parent / "cgroup.controllers").read_text().split()
            usable = [c for c in wanted if c in available]
            if not usable:
                return None
            base = parent / "course-grade"
            base.mkdir(exist_ok=True)
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in usable))
            (base / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in usable))
            folder = base / name
            folder.mkdir()
        except OSError:
            return None
        return cls({c: folder for c in usable}, 2)

    def _set_limits(self, memory: int | None, processes: int | None) -> None:
        if "memory" in self.dirs and memory:
            d = self.dirs["memory"]
            if self.version == 1:
                (d / "memory.limit_in_bytes").write_text(str(memory))
                memsw = d / "memory.memsw.limit_in_bytes"
                if memsw.exists():
                    try:
                        memsw.write_text(str(memory))
                    except OSError:
                        pass
            else:
                (d / "memory.max").write_text(str(memory))
                if (d / "memory.swap.max").exists():
                    (d / "memory.swap.max").write_text("0")
        if "pids" in self.dirs and processes:
            (self.dirs["pids"] / "pids.max").write_text(str(processes))

    @property
    def paths(self) -> list[str]:
        return sorted({str(d) for d in self.dirs.values()})

    # -- reading -----------------------------------------------------------------------

    def _read(self, controller: str, name: str) -> str:
        try:
            return (self.dirs[controller] / name).read_text()
        except (OSError, KeyError):
            return ""

    def _field(self, controller: str, name: str, key: str) -> int:
        for line in self._read(controller, name).splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key:
                return int(parts[1])
        return 0

    def oom_killed(self) -> bool:
        """Did the kernel (or a child) hit the memory limit and get killed?"""
        if "memory" not in self.dirs:
            return False
        if self.version == 1:
            control = self._read("memory", "memory.oom_control")
            if "oom_kill " in control:
                return self._field("memory", "memory.oom_control", "oom_kill") > 0
            return int(self._read("memory", "memory.failcnt") or 0) > 0
        return bool(
            self._field("memory", "memory.events", "oom_kill")
            or self._field("memory", "memory.events", "max")
        )

    def peak_memory(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        text = self._read("memory", name).strip()
        return int(text) if text.isdigit() else None

    def process_limit_hit(self) -> bool:
        return self._field("pids", "pids.events", "max") > 0

    def procs(self) -> set[int]:
        pids: set[int] = set()
        for d in set(self.dirs.values()):
            try:
                pids |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
            except OSError:
                pass
        return pids

    # -- cleaning up -------------------------------------------------------------------

    def kill_all(self, rounds: int = 200) -> None:
        """Kill every process left in the cgroups (a fork bomb keeps trying to fork)."""
        if "pids" in self.dirs:
            try:
                (self.dirs["pids"] / "pids.max").write_text("0")  # no new processes
            except OSError:
                pass
        for d in set(self.dirs.values()):
            kill = d / "cgroup.kill"
            if kill.exists():
                try:
                    kill.write_text("1")
                except OSError:
                    pass
        for _ in range(rounds):
            left = self.procs()
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)

    @classmethod
    def remove_matching(cls, prefix: str) -> int:
        """Kill and remove the kernel cgroups whose names start with ``prefix`` (those of a
        grading worker that was killed). Returns how many were removed."""
        found: dict[Path, tuple[dict[str, Path], int]] = {}
        for controller in ("memory", "pids"):
            parent = _v1_dir(controller)
            if parent is not None and (parent / "course-grade").is_dir():
                for d in (parent / "course-grade").iterdir():
                    if d.is_dir() and d.name.startswith(prefix):
                        found.setdefault(Path(d.name), ({}, 1))[0][controller] = d
        parent = _v2_dir()
        if parent is not None and (parent / "course-grade").is_dir():
            for d in (parent / "course-grade").iterdir():
                if d.is_dir() and d.name.startswith(prefix):
                    found[Path("v2") / d.name] = ({"memory": d, "pids": d}, 2)
        for dirs, version in found.values():
            cls(dirs, version).remove()
        return len(found)

    def remove(self) -> None:
        self.kill_all()
        for d in set(self.dirs.values()):
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


# --------------------------------------------------------------------------------------
# What works here
# --------------------------------------------------------------------------------------


def capabilities() -> dict:
    """What this process can enforce. Cached; tries everything in throwaway children.

    ``COURSE_GRADE_SANDBOX=minimal`` pretends that neither namespaces nor cgroups work
    (rlimits only), to try the fallback on a machine that has them."""
    return _capabilities(os.environ.get("COURSE_GRADE_SANDBOX", "").strip().lower())


@cache
def _capabilities(mode: str) -> dict:
    caps: dict = {"root": os.geteuid() == 0, "linux": sys.platform.startswith("linux")}
    if mode == "minimal":
        caps.update(namespaces=False, user_ns=False, cgroup_memory=False, cgroup_pids=False,
                    cgroup_version=None, mode="minimal")  # fmt: skip
        return caps
    if not caps["linux"]:
        caps.update(namespaces=False, user_ns=False, cgroup_memory=False, cgroup_pids=False)
        return caps
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-S", str(SANDBOX_SCRIPT), "--probe"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        caps.update(json.loads(out.stdout))
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        caps.update(namespaces=False, user_ns=False, namespaces_error=str(exc))
    probe = Cgroup.create(f"probe-{os.getpid()}-{uuid.uuid4().hex[:6]}", 1 << 30, 64)
    caps["cgroup_memory"] = bool(probe and "memory" in probe.dirs)
    caps["cgroup_pids"] = bool(probe and "pids" in probe.dirs)
    caps["cgroup_version"] = probe.version if probe else None
    if probe:
        probe.remove()
    return caps


def enforcement(limits: Limits, caps: dict | None = None) -> list[tuple[str, str]]:
    """(limit, how it is enforced on this machine) for the report and the CLI."""
    caps = caps or capabilities()
    root = caps.get("root")
    ns = caps.get("namespaces")
    rows = [
        (
            "time per cell",
            f"{limits.cell_timeout:g} s: the cell is interrupted (nbclient), then "
            "the kernel is stopped if it does not stop"
            if limits.cell_timeout
            else "no limit",
        ),
        (
            "time per notebook",
            f"{limits.notebook_timeout:g} s: cells past it are not run and score 0"
            if limits.notebook_timeout
            else "no limit",
        ),
    ]
    mem = format_size(limits.memory)
    if not limits.memory:
        rows.append(("memory", "no limit"))
    elif caps.get("cgroup_memory"):
        rows.append(
            (
                "memory",
                f"{mem}: cgroup v{caps.get('cgroup_version')} memory limit "
                "(kernel and children; the kernel is stopped)",
            )
        )
    else:
        rows.append(
            (
                "memory",
                f"{mem}: RLIMIT_DATA on the kernel (each process; allocations "
                "fail with MemoryError)",
            )
        )
    if not limits.processes:
        rows.append(("processes", "no limit"))
    elif caps.get("cgroup_pids"):
        rows.append(("processes", f"{limits.processes}: cgroup pids limit"))
    elif not root:
        rows.append(
            (
                "processes",
                f"{limits.processes} more than the user already runs: RLIMIT_NPROC (per user)",
            )
        )
    else:
        rows.append(
            (
                "processes",
                "NOT enforced (root without a pids cgroup: RLIMIT_NPROC does not apply to uid 0)",
            )
        )
    rows.append(
        (
            "output",
            f"{format_size(limits.output)} per cell, {limits.max_lines} lines, "
            f"{limits.max_traceback} traceback lines (nbgrader LimitOutput)",
        )
    )
    rows.append(("file size", f"{format_size(limits.file_size)} per file (RLIMIT_FSIZE)"))
    if limits.network:
        rows.append(("network", "allowed"))
    elif ns:
        rows.append(("network", "none: own network namespace (kernel talks over Unix sockets)"))
    else:
        rows.append(("network", "NOT blocked (no namespaces here)"))
    if ns:
        who = "uid 0 without any capability" if root else "the same user (user namespace)"
        rows.append(
            (
                "files",
                "solutions/, the gradebook and other students' folders hidden; "
                f"file system read-only except the submission folder and a private /tmp; "
                f"kernel runs as {who} in its own PID namespace",
            )
        )
    else:
        rows.append(
            (
                "files",
                "scratch course folder per submission (no solutions/, no other "
                "students); the project checkout stays readable by path",
            )
        )
    return rows


# --------------------------------------------------------------------------------------
# One kernel's sandbox
# --------------------------------------------------------------------------------------


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
    zygote: str | None = None  # socket of a zygote to fork the kernel from (sandbox.py)
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
        launcher = [sys.executable, "-I", "-S", str(SANDBOX_SCRIPT)]
        if self.zygote and ns:  # only where the kernel cannot reach the zygote's socket
            launcher += ["--via", self.zygote]
        return [*launcher, str(spec_file), "--", *kernel_cmd]

    @staticmethod
    def keep(env: dict[str, str]) -> list[str]:
        """What the kernel reads and may find under /tmp: this Python and its virtualenv,
        the checkout the course package comes from, ``PYTHONPATH`` and the data folders."""
        paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).parents[2])]
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


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
