"""The course's nbgrader configuration, read in one place.

``nbgrader_config.py`` (in the project; copied into every course folder) is the one
source of what nbgrader and the course tools share:

* the folder names (``CourseDirectory.source_directory``, ``release_directory``,
  ``submitted_directory``);
* the files left out whenever a chapter or a submission is copied or hashed
  (``CourseDirectory.ignore``: nbgrader leaves them out of releases and of graded
  submissions, so they can never change a grade);
* the time a kernel has to start (``Execute.startup_timeout``), which ``course grade``
  also counts into the time it gives a worker for one submission.

:func:`load` returns the file as a traitlets ``Config`` (what nbgrader's applications
take); :meth:`CourseConfig.read` the few values above as a typed, frozen object.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

__all__ = ["CONFIG_FILE", "CourseConfig", "load"]

CONFIG_FILE = "nbgrader_config.py"


def load(folder: str | os.PathLike) -> Config:
    """The folder's ``nbgrader_config.py`` as a traitlets ``Config``."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_FILE, path=str(folder)).load_config()


def _nbgrader_default(name: str):
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory.class_traits()[name].default()


@dataclass(frozen=True)
class CourseConfig:
    """What the course tools read from ``nbgrader_config.py`` (nbgrader's defaults where the
    file says nothing)."""

    source: str = "source"
    release: str = "release"
    submitted: str = "submitted"
    course_id: str = ""
    ignore: tuple[str, ...] = ()  # read() falls back to nbgrader's default list
    startup_timeout: float = 60.0

    @classmethod
    def read(cls, folder: str | os.PathLike) -> CourseConfig:
        """Read ``folder/nbgrader_config.py``."""
        cfg = load(folder)
        cd = cfg.get("CourseDirectory", {})
        execute = cfg.get("Execute", {})
        ignore = cd.get("ignore")
        return cls(
            source=cd.get("source_directory", cls.source),
            release=cd.get("release_directory", cls.release),
            submitted=cd.get("submitted_directory", cls.submitted),
            course_id=cd.get("course_id", cls.course_id),
            ignore=tuple(ignore if ignore is not None else _nbgrader_default("ignore")),
            startup_timeout=float(execute.get("startup_timeout", cls.startup_timeout)),
        )

    def ignored(self, relative: str | PurePath) -> bool:
        """Is a path (relative to a copied folder) left out? A match on any part counts, as
        when nbgrader copies a folder."""
        parts = PurePath(relative).parts
        return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in self.ignore)

    def ignore_patterns(self) -> Callable[[str, list[str]], set[str]]:
        """The ``ignore`` argument for :func:`shutil.copytree`."""
        return shutil.ignore_patterns(*self.ignore)

    def copy_tree(self, src: Path, dest: Path) -> None:
        """Replace ``dest`` by a copy of ``src`` without the ignored files."""
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=self.ignore_patterns())
