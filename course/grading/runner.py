"""Running nbgrader, and the grading workers, in a subprocess: one environment, one command.

The course never changes nbgrader: it runs the ordinary ``nbgrader`` commands in a
course folder (:func:`run_nbgrader`), and ``course grade``'s workers import nbgrader
themselves. Both need the same environment (:func:`nbgrader_env`): this Python's
``bin`` first on ``PATH`` (nbgrader runs helper programs such as ``alembic`` from
there), unbuffered output, and TensorFlow's start-up log lines off unless asked for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["NbgraderError", "nbgrader_env", "python_command", "run_nbgrader"]

#: How many lines of a failed command's log its error message keeps.
LOG_LINES = 40


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of its log."""


def nbgrader_env(**extra: str) -> dict[str, str]:
    """The environment for nbgrader and the grading workers (``extra`` added on top)."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
    }
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(extra)
    return env


def python_command(module: str, *args: str) -> list[str]:
    """``python -m MODULE ARGS`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def run_nbgrader(
    folder: str | os.PathLike, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in the course ``folder`` against its ``gradebook.db``; with
    ``check``, raise :class:`NbgraderError` with the end of the log when it fails."""
    folder = Path(folder)
    db = f"--db=sqlite:///{folder / 'gradebook.db'}"
    cmd = python_command("nbgrader", *args, db)
    proc = subprocess.run(cmd, cwd=folder, env=nbgrader_env(), capture_output=True, text=True)
    if check and proc.returncode != 0:
        log = (proc.stdout + proc.stderr).strip().splitlines()
        raise NbgraderError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n"
            + "\n".join(log[-LOG_LINES:])
        )
    return proc
