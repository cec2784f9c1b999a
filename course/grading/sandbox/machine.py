"""What this machine can enforce, found out once, and the limits table in words.

:func:`capabilities` tries, in throwaway children, which mechanisms work here:
namespaces (no network, hidden instructor files, read-only file system, own PID
space; :mod:`~course.grading.sandbox.launcher` ``--probe``), cgroups (memory and
process caps) and, as the fallback, rlimits. :func:`enforcement` turns that and a
:class:`~course.grading.limits.Limits` into the table ``course grade`` prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from functools import cache
from pathlib import Path

from course.grading.limits import Limits, format_size
from course.grading.sandbox.cgroups import Cgroup

__all__ = ["LAUNCHER", "launcher_command", "capabilities", "enforcement"]

#: The launcher, run by path (standard library only, so it starts in milliseconds).
LAUNCHER = Path(__file__).with_name("launcher.py")


def launcher_command(*args: str, isolated: bool = True) -> list[str]:
    """``python launcher.py ARGS``; ``isolated``: without site-packages or the environment's
    Python settings (``-I -S``), as the launcher needs nothing but the standard library
    (the zygote, which imports the chapter's modules, is started without)."""
    flags = ["-I", "-S"] if isolated else []
    return [sys.executable, *flags, str(LAUNCHER), *args]


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
            launcher_command("--probe"),
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
