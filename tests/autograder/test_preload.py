"""The zygote: kernels forked from a process that preloaded the chapter's modules grade like
fresh ones, also when the checkout `course` is imported from lives under /tmp."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..hostile import TINY, Builder, write_submission
from .conftest import tiny_course

_GRADE_IN_SUBPROCESS = r"""
import json, sys
from pathlib import Path
import course
from course.grading import grade
from course.grading.limits import Limits
course_dir, project, preload = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
report = grade(course_dir, workers=1, limits=Limits(cell_timeout=10, notebook_timeout=30),
               project=project, progress=False, feedback=False, preload=preload, force=True)
print(json.dumps({"course": course.__file__, "internal": report.internal_errors,
                  "outcomes": {o.student: [o.score, o.status] for o in report.outcomes}}))
"""


@pytest.mark.slow
def test_preloaded_kernels_grade_like_fresh_ones_also_from_tmp(tmp_path):
    """Grades are the same with and without the zygote, whether the checkout `course` is
    imported from lives under /tmp or not. The chapter imports a module that, like
    TensorFlow, fixes tempfile's folder while being imported (in the zygote)."""
    import json
    import tempfile

    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "cg_fixes_tempdir.py").write_text(
        "import tempfile\nTEMPDIR = tempfile.gettempdir()\n"
    )
    project, course, builder = tiny_course(tmp_path, setup="import cg_fixes_tempdir\n")
    uses_tmp = Builder.set(builder.solved(), "add", "import tempfile\n"
                           "with tempfile.NamedTemporaryFile() as _f:\n    _f.write(b'x')\n\n"
                           "def add(a, b):\n    return a + b")  # fmt: skip
    for student, nb in {"correct": builder.solved(), "blank": builder.blank(),
                        "uses-tmp": uses_tmp}.items():  # fmt: skip
        write_submission(course, TINY, student, TINY, nb)
    in_tmp = Path(tempfile.mkdtemp(prefix="cg-checkout-", dir="/tmp"))
    try:
        shutil.copytree(ROOT / "course", in_tmp / "course",
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        results = {}
        for where, path in (("checkout", ROOT), ("tmp", in_tmp)):
            for preload in (True, False):
                env = {**os.environ, "PYTHONPATH": f"{path}:{tmp_path / 'mods'}"}
                out = subprocess.run(
                    [sys.executable, "-c", _GRADE_IN_SUBPROCESS, str(course), str(project),
                     "1" if preload else "0"],
                    capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
                )  # fmt: skip
                assert out.returncode == 0, out.stderr[-3000:]
                got = json.loads(out.stdout.strip().splitlines()[-1])
                assert got["course"].startswith(str(path)), got["course"]
                assert got["internal"] == [], (where, preload, got)
                results[(where, preload)] = got["outcomes"]
    finally:
        shutil.rmtree(in_tmp, ignore_errors=True)
    expected = {"correct": [6, "ok"], "blank": [0, "ok"], "uses-tmp": [6, "ok"]}
    for key, outcomes in results.items():
        assert outcomes == expected, key
