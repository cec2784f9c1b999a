"""The code base is ruff clean (lint and format)."""

import subprocess
import sys

from .conftest import ROOT


def test_ruff_check():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format():
    out = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
