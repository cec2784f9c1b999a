"""`course grade` as an unprivileged user (`nobody`, through `setpriv`): user namespaces
where the kernel allows them, rlimits for memory and processes (no cgroups without root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..hostile import TINY, TINY_CASES, write_submission
from .conftest import printed, tiny_course

_GRADE_AS_USER = r"""
import json, sys
from pathlib import Path
from course.grading import grade
from course.grading.limits import Limits
from course.grading.sandbox import capabilities
course_dir, project = Path(sys.argv[1]), Path(sys.argv[2])
report = grade(course_dir, workers=2, project=project, progress=False, feedback=False,
               limits=Limits(cell_timeout=10, notebook_timeout=20, memory=1 << 30, processes=64))
outcomes = {o.student: [o.score, o.status, o.messages] for o in report.outcomes}
print(json.dumps({"caps": capabilities(), "enforcement": dict(report.enforcement),
                  "internal": report.internal_errors, "outcomes": outcomes}))
"""

NON_ROOT_CASES = ["correct", "blank", "patch-checks", "hide-tracebacks", "memory-bomb",
                  "infinite-loop", "look-around"]  # fmt: skip


@pytest.mark.slow
def test_grading_as_an_unprivileged_user():
    """The non-root path: user namespaces where the kernel allows them, rlimits for memory
    and processes (no cgroups without root). Run as `nobody` where this machine can."""
    import json
    import tempfile

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root (to switch to an unprivileged user) and setpriv")
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{site_packages}"}
    # as the grader will: that user runs a Python that starts itself again (a worker). This
    # Python may live where others cannot go (e.g. root's home): then the system's same
    # version, with this environment's packages.
    spawn = "import subprocess as s, sys; s.run([sys.executable, '-c', 'import nbgrader'], check=1)"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = None
    for candidate in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        probe = subprocess.run([*as_nobody, candidate, "-c", spawn], cwd="/", env=env,
                               capture_output=True, text=True)  # fmt: skip
        if probe.returncode == 0:
            python = candidate
            break
    if python is None:
        pytest.skip(f"no {version} that an unprivileged user can run here: {probe.stderr[-300:]}")
    base = Path(tempfile.mkdtemp(prefix="cg-nobody-", dir="/tmp"))
    try:
        base.chmod(0o755)
        project, course, builder = tiny_course(base)
        cases = [c for c in TINY_CASES if c.name in NON_ROOT_CASES]
        for case in cases:
            write_submission(course, TINY, case.name, TINY, case.build(builder))
        subprocess.run(["chown", "-R", "65534:65534", str(base)], check=True)
        env["HOME"] = str(base)
        out = subprocess.run([*as_nobody, python, "-c", _GRADE_AS_USER, str(course),
                              str(project)], capture_output=True, text=True, env=env,
                             cwd=base, timeout=900)  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        got = json.loads(out.stdout.strip().splitlines()[-1])
        assert got["caps"]["root"] is False and got["internal"] == []
        assert "RLIMIT_DATA" in got["enforcement"]["memory"]
        assert "RLIMIT_NPROC" in got["enforcement"]["processes"]
        for case in cases:
            score, status, messages = got["outcomes"][case.name]
            assert (score, status) == (case.score, case.status), (case.name, messages)
            if case.message:
                assert case.message in "; ".join(messages), (case.name, messages)
        if got["caps"]["namespaces"]:  # a user namespace hides the checkout here too
            assert got["caps"]["user_ns"] is True
            assert "namespace" in got["enforcement"]["network"]
            out = printed(course / "autograded" / "look-around" / TINY / f"{TINY}.ipynb")
            assert "seen: {'solutions': 0, '.git': 0, 'students': 1}" in out, out
    finally:
        shutil.rmtree(base, ignore_errors=True)
