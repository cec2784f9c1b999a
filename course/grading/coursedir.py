"""The course project and scratch nbgrader course folders (``course build``, ``course check``).

The course never forks nbgrader: :class:`CourseDir` prepares an nbgrader course
directory (the project's ``nbgrader_config.py`` and instructor notebooks) and
runs the ordinary ``nbgrader`` commands there (:mod:`course.grading.runner`).
:func:`project_root` finds the project, :func:`chapters` its chapters.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import course
from course.grading.config import CONFIG_FILE, CourseConfig
from course.grading.runner import NbgraderError, run_nbgrader

__all__ = [
    "NbgraderError",
    "PACKAGE_CHECKOUT",
    "project_root",
    "chapters",
    "CourseDir",
    "Score",
    "tag_exercises",
]

#: The checkout (or installed tree) the ``course`` package is imported from. The grading
#: sandbox hides its ``solutions/`` and ``.git`` and lets the kernel read the rest.
PACKAGE_CHECKOUT = Path(course.__file__).resolve().parents[1]


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The course project folder (the one holding ``solutions/`` and ``nbgrader_config.py``).

    Looks at ``$COURSE_ROOT``, then upwards from ``start`` (default: the
    current folder), then beside the installed package.
    """
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents, PACKAGE_CHECKOUT]:
        if (folder / CONFIG_FILE).is_file() and (folder / "solutions").is_dir():
            return folder
    raise FileNotFoundError(
        "No course project found (a folder with nbgrader_config.py and solutions/). "
        "Run this from the course checkout or set COURSE_ROOT."
    )


def chapters(root: Path, names: list[str] | None = None) -> list[str]:
    """The chapter folders under ``solutions/`` (all, or the ``names`` asked for)."""
    found = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir()
                   and not p.name.startswith(".") and any(p.glob("*.ipynb")))  # fmt: skip
    if not names:
        return found
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValueError(f"Unknown chapter(s) {', '.join(unknown)}; found: {', '.join(found)}")
    return list(names)


@dataclass
class Score:
    """One graded submission."""

    chapter: str
    student: str
    score: float
    max_score: float
    failed_cells: list[str]


RUN_ON = "raises-exception"


def tag_exercises(notebook: Path) -> None:
    """Tag every answer and test cell ``raises-exception``: while an exercise is blank, its
    ``NotImplementedError`` and its failing test no longer stop Run All (JupyterLab and
    nbclient honour the tag). Grading does not change: nbgrader runs every cell anyway,
    and an error output still scores 0."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
            tags = cell.metadata.setdefault("tags", [])
            if RUN_ON not in tags:
                tags.append(RUN_ON)
    nbformat.write(nb, notebook)


class CourseDir:
    """An nbgrader course directory whose assignments come from the project's instructor
    notebooks.

    ``own_config`` (default): a scratch folder, given the project's ``nbgrader_config.py``;
    otherwise (an instructor's course folder) the folder keeps its own, which is copied
    from the project only when it has none.
    """

    def __init__(self, root: Path, project: Path, *, own_config: bool = True) -> None:
        self.root = Path(root)
        self.project = Path(project)
        self.root.mkdir(parents=True, exist_ok=True)
        if own_config or not (self.root / CONFIG_FILE).exists():
            shutil.copyfile(self.project / CONFIG_FILE, self.root / CONFIG_FILE)
        self.config = CourseConfig.read(self.root)
        self.project_config = CourseConfig.read(self.project)
        self.db = self.root / "gradebook.db"
        self.db_url = f"sqlite:///{self.db}"

    @property
    def source(self) -> Path:
        return self.root / self.config.source

    @property
    def release(self) -> Path:
        return self.root / self.config.release

    @property
    def submitted(self) -> Path:
        return self.root / self.config.submitted

    def project_source(self, chapter: str) -> Path:
        """The chapter's instructor notebooks in the project."""
        return self.project / self.project_config.source / chapter

    def add_source(self, chapter: str) -> None:
        """Copy one chapter's instructor notebooks (and files) into the course directory."""
        src, dest = self.project_source(chapter), self.source / chapter
        if src.resolve() != dest.resolve():
            self.config.copy_tree(src, dest)

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``nbgrader ARGS`` in this course directory; raise with the log if it fails."""
        return run_nbgrader(self.root, *args, check=check)

    def generate(self, chapter: str) -> Path:
        """``nbgrader generate_assignment``: the student version of one chapter, with its
        answer and test cells tagged so that Run All goes on past blank exercises."""
        self.add_source(chapter)
        self.nbgrader("generate_assignment", chapter, "--force")
        for notebook in (self.release / chapter).glob("*.ipynb"):
            tag_exercises(notebook)
        return self.release / chapter

    def submit(self, chapter: str, student: str, notebooks: dict[str, Path | str]) -> Path:
        """Place notebooks (``{file name: path or JSON text}``) as a student's submission."""
        folder = self.submitted / student / chapter
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, content in notebooks.items():
            target = folder / name
            if isinstance(content, Path):
                shutil.copy(content, target)
            else:
                target.write_text(content)
        return folder

    def autograde(self, chapter: str, student: str | None = None) -> subprocess.CompletedProcess:
        """``nbgrader autograde`` one chapter (all students, or one); never raises for a
        broken submission, since nbgrader grades the others and exits 1."""
        args = ["autograde", chapter, "--force"]
        if student:
            args.append(f"--student={student}")
        return self.nbgrader(*args, check=False)

    def scores(self, chapter: str) -> list[Score]:
        """Read each student's score for a chapter from the gradebook."""
        from nbgrader.api import Gradebook

        out = []
        with Gradebook(self.db_url) as gb:
            assignment = gb.find_assignment(chapter)
            for sub in assignment.submissions:
                failed = []
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.max_score and (grade.score or 0) < grade.max_score:
                            failed.append(grade.name)
                out.append(Score(chapter, sub.student_id, sub.score, sub.max_score, failed))
        return sorted(out, key=lambda s: s.student)
