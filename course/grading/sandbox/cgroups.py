"""The kernel's cgroups: memory and process caps that also hold for root.

:meth:`Cgroup.create` makes a memory and a pids cgroup for one kernel (cgroup v1, one
folder per controller, or a v2 subtree where it is delegated), the launcher puts the
kernel in them, and afterwards :class:`Cgroup` says whether the kernel hit a limit,
its peak memory, and removes the groups with whatever is left in them.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["Cgroup"]


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
