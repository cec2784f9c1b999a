"""One job's scratch nbgrader course folder, and the grades nbgrader wrote there::

    <job>/gradebook.db            copy of the assignment's template gradebook (no students)
    <job>/<source>/<chapter>/     the chapter's non-notebook files (nbgrader copies them)
    <job>/submitted/<student>/<chapter>/   copy of the submission (plain files only)
    <job>/autograded/...  <job>/feedback/...   written by nbgrader
    <job>/ipc/                    the kernel's sockets, sandbox spec and status
    <job>/events/                 what happened, per notebook (:class:`EventFiles`)

A submission graded here sees no other student, no solutions and no class gradebook,
even where the sandbox cannot hide paths.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from course.grading.config import CourseConfig
from course.grading.protocol import CellGrade, EventFiles, Job, NotebookGrades, Result

__all__ = ["Scratch"]


@dataclass(frozen=True)
class Scratch:
    """The folders of one job (see the module doc)."""

    root: Path
    chapter: str
    student: str

    @property
    def ipc(self) -> Path:
        return self.root / "ipc"

    @property
    def events(self) -> EventFiles:
        return EventFiles(self.root / "events")

    @property
    def db(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted" / self.student / self.chapter

    @property
    def autograded(self) -> Path:
        return self.root / "autograded" / self.student / self.chapter

    @property
    def feedback(self) -> Path:
        return self.root / "feedback" / self.student / self.chapter

    @classmethod
    def create(cls, job: Job, config: CourseConfig) -> Scratch:
        """A fresh folder with the template gradebook and the chapter's other files."""
        scratch = cls(Path(job.root), job.chapter, job.student)
        if scratch.root.exists():
            shutil.rmtree(scratch.root)
        for folder in (scratch.ipc, scratch.events.folder):
            folder.mkdir(parents=True)
        shutil.copyfile(job.assignment.template_db, scratch.db)
        src = Path(job.assignment.source)
        dest = scratch.root / job.assignment.source_directory / job.chapter
        dest.mkdir(parents=True)
        for path in src.rglob("*"):
            rel = path.relative_to(src)
            if (path.is_file() and not path.is_symlink() and path.suffix != ".ipynb"
                    and not config.ignored(rel)):  # fmt: skip
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest / rel)
        return scratch

    def record_zero(self) -> None:
        """No notebook could be graded: a submission with every grade 0, like nbgrader's own
        handling of a missing notebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.db}") as gb:
            gb.update_or_create_student(self.student)
            sub = gb.update_or_create_submission(self.chapter, self.student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()

    def read_grades(self, result: Result) -> list[str]:
        """Put the grades nbgrader wrote into ``result``; returns the test cells the
        submission deleted (nbgrader would count them as passed: they score 0 here)."""
        from nbgrader.api import Gradebook, MissingEntry

        deleted: list[str] = []
        with Gradebook(f"sqlite:///{self.db}") as gb:
            try:
                sub = gb.find_submission(self.chapter, self.student)
            except MissingEntry:
                result.max_score = gb.find_assignment(self.chapter).max_score
                return deleted
            result.max_score = sub.max_score
            result.timestamp = sub.timestamp.isoformat() if sub.timestamp else None
            for nb in sub.notebooks:
                present = self._cell_ids(nb.name)
                solutions = {c.name for c in nb.notebook.solution_cells}
                grades = {}
                for grade in nb.grades:
                    auto, needs = grade.auto_score, grade.needs_manual_grade
                    is_test = grade.cell.cell_type == "code" and grade.name not in solutions
                    if present is not None and grade.name not in present and is_test:
                        deleted.append(grade.name)
                        auto, needs = 0.0, False
                    grades[grade.name] = CellGrade(auto, needs, grade.max_score)
                result.notebooks[nb.name] = NotebookGrades(
                    grades, {c.name: c.auto_comment for c in nb.comments},
                    nb.late_submission_penalty,
                )  # fmt: skip
        result.score = sum(g.auto_score or 0 for nbg in result.notebooks.values()
                           for g in nbg.grades.values())  # fmt: skip
        return deleted

    def _cell_ids(self, notebook: str) -> set[str | None] | None:
        """The grade_ids in the graded notebook (None: it was not graded)."""
        path = self.autograded / f"{notebook}.ipynb"
        if not path.exists():
            return None
        cells = json.loads(path.read_text()).get("cells", [])
        return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells}
