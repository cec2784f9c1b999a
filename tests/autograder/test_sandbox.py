"""The sandbox (course/grading/sandbox): the launcher hides, freezes and cuts the network; a
launch that fails says why; the limits table says what this machine does not enforce."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course.grading.limits import Limits
from course.grading.sandbox import KernelSandbox, capabilities, enforcement

from ..conftest import ROOT


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
