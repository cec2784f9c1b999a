"""Thin helpers around the nbgrader command line: run it in a course folder, read grades.

The course never forks nbgrader: it prepares an nbgrader course directory (a
copy of the project's ``nbgrader_config.py`` and ``solutions/``) and runs the
ordinary ``nbgrader`` commands there, in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NbgraderError", "project_root", "chapters", "CourseDir", "Score"]


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of its log."""


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The course project folder (the one holding ``solutions/`` and ``nbgrader_config.py``).

    Looks at ``$COURSE_ROOT``, then upwards from ``start`` (default: the
    current folder), then beside the installed package.
    """
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = Path(start or Path.cwd()).resolve()
    candidates = [here, *here.parents, Path(__file__).resolve().parents[2]]
    for folder in candidates:
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
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
    """A scratch nbgrader course directory built from the project's instructor notebooks."""

    def __init__(self, root: Path, project: Path) -> None:
        self.root = Path(root)
        self.project = Path(project)
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy(project / "nbgrader_config.py", self.root / "nbgrader_config.py")
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"

    @property
    def source(self) -> Path:
        return self.root / "solutions"

    @property
    def release(self) -> Path:
        return self.root / "notebooks"

    def add_source(self, chapter: str) -> None:
        """Copy one chapter's instructor notebooks (and files) into the course directory."""
        dest = self.source / chapter
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(
            self.project / "solutions" / chapter,
            dest,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``nbgrader ARGS`` in this course directory; raise with the log if it fails."""
        cmd = [sys.executable, "-m", "nbgrader", *args, f"--db={self.db_url}"]
        # nbgrader runs helper programs (alembic) from PATH: put this Python's bin first.
        bin_dir = str(Path(sys.executable).parent)
        path = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PATH": path}
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        proc = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True)
        if check and proc.returncode != 0:
            log = (proc.stdout + proc.stderr).strip().splitlines()
            raise NbgraderError(
                f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n"
                + "\n".join(log[-40:])
            )
        return proc

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
        folder = self.root / "submitted" / student / chapter
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
