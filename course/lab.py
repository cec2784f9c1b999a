"""What ``course lab`` starts: JupyterLab on the chapters, configured for students.

:func:`prepare` writes, under the project's ``.course/`` folder,

* ``jupyter/kernels/python3``: the kernel spec (:mod:`course.kernel`, which keeps
  TensorFlow's start-up log lines out of the notebooks), found through ``JUPYTER_PATH``;
* ``jupyter-config/students`` (``instructors`` with ``solutions=True``): a Jupyter config
  folder, found through ``JUPYTER_CONFIG_PATH`` (ahead of the virtual environment's own
  configuration, behind the user's), with

  - ``labconfig/default_setting_overrides.json``: JupyterLab does not ask whether to
    fetch Jupyter's news (``fetchNews``: never) and does not check for updates;
  - for the student notebooks, ``jupyter_server_config.d/course.json`` and
    ``labconfig/page_config.json``: of nbgrader's extensions only *Validate* is on. The
    others (formgrader, assignment and course lists, the create-assignment tools) are
    for instructors and for JupyterHub exchanges; the formgrader in particular logs
    "The course directory root is not a subdirectory of the notebook server root"
    when the server shows ``notebooks/`` and the nbgrader course is the project above it.

and returns the command, its environment and its working folder. JupyterLab runs in the
project folder, so nbgrader finds ``nbgrader_config.py`` where it looks for it (the
working folder), and the *Validate* button uses the course's configuration. With
``solutions=True`` (instructors) the server's root is the project itself, which is the
nbgrader course folder, so every nbgrader extension, formgrader included, works; the
file browser opens on ``solutions/``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from course.kernel import write_kernelspec

__all__ = ["Launch", "prepare", "STUDENT_OFF_SERVER", "STUDENT_OFF_LAB", "SETTINGS"]

#: nbgrader's server extensions a student's JupyterLab does not load.
STUDENT_OFF_SERVER = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)

#: nbgrader's JupyterLab plugins a student's JupyterLab does not show (the menu only
#: opens the instructor and exchange panels; Validate stays).
STUDENT_OFF_LAB = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:menu",
)

#: JupyterLab settings defaults: no question about Jupyter news, no update check.
SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class Launch:
    """How to start JupyterLab: ``subprocess.call(cmd, env=env, cwd=cwd)``."""

    cmd: list[str]
    env: dict[str, str]
    cwd: Path
    #: the folder the student sees (``notebooks/`` or ``solutions/``)
    folder: Path
    fast: bool


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


def write_config(folder: Path, *, students: bool = True) -> Path:
    """Write the Jupyter config folder ``folder`` (a ``JUPYTER_CONFIG_PATH`` entry)."""
    _write_json(folder / "labconfig" / "default_setting_overrides.json", SETTINGS)
    off_server = STUDENT_OFF_SERVER if students else ()
    extensions = {name: False for name in off_server}
    extensions["nbgrader.server_extensions.validate_assignment"] = True
    _write_json(folder / "jupyter_server_config.d" / "course.json",
                {"ServerApp": {"jpserver_extensions": extensions}})  # fmt: skip
    off_lab = STUDENT_OFF_LAB if students else ()
    _write_json(folder / "labconfig" / "page_config.json",
                {"disabledExtensions": {name: True for name in off_lab}})  # fmt: skip
    return folder


def _prepend(value: str, current: str | None) -> str:
    return os.pathsep.join(p for p in (value, current or "") if p)


def prepare(
    root: Path,
    *,
    solutions: bool = False,
    fast: bool = False,
    port: int | None = None,
    no_browser: bool = False,
    extra: Sequence[str] = (),
    environ: dict[str, str] | None = None,
) -> Launch:
    """Write the kernel spec and the Jupyter config, and say how to start JupyterLab.

    Args:
        root: the course project (holds ``notebooks/``, ``solutions/``,
            ``nbgrader_config.py``).
        solutions: open the instructor notebooks (all of nbgrader's extensions on).
        fast: set ``COURSE_FAST=1`` for the kernels.
        port, no_browser: passed to ``jupyter lab``.
        extra: more ``jupyter lab`` arguments, appended last.
        environ: the environment to start from (default: ``os.environ``).
    """
    root = Path(root).resolve()
    state = root / ".course"
    data_dir = state / "jupyter"
    # one config folder per audience, so that both can run at once
    config_dir = state / "jupyter-config" / ("instructors" if solutions else "students")
    write_kernelspec(data_dir)
    write_config(config_dir, students=not solutions)
    env = dict(os.environ if environ is None else environ)
    env["JUPYTER_PATH"] = _prepend(str(data_dir), env.get("JUPYTER_PATH"))
    env["JUPYTER_CONFIG_PATH"] = _prepend(str(config_dir), env.get("JUPYTER_CONFIG_PATH"))
    if fast:
        env["COURSE_FAST"] = "1"
    if solutions:
        folder = root / "solutions"
        cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}",
               "--LabApp.default_url=/lab/tree/solutions"]  # fmt: skip
    else:
        folder = root / "notebooks"
        cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}"]
    if port:
        cmd.append(f"--port={port}")
    if no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
        cmd.append("--allow-root")
    cmd.extend(extra)
    return Launch(cmd=cmd, env=env, cwd=root, folder=folder, fast=env.get("COURSE_FAST") == "1")
