"""What ``course grade`` keeps between runs: ``<course>/.course-grade/``.

``state.json`` holds the hash of each chapter's solutions and, per submission, its
content hash (:func:`submission_key`) and outcome, so that a run grades only what is
new or changed; ``lock`` keeps two runs out of one course folder; ``logs/`` holds the
workers' stderr; ``template-<chapter>.db`` the assignment's gradebook without students.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from pathlib import Path

from course.grading.config import CourseConfig

__all__ = ["STATE_DIR", "State", "hash_tree", "submission_key"]

STATE_DIR = ".course-grade"


def hash_tree(folder: Path, config: CourseConfig, h=None) -> str:
    """Content hash of a folder, without what nbgrader ignores (``config.ignore``)."""
    h = h or hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if config.ignored(rel):
                continue
            if path.is_symlink():
                h.update(f"L {rel} -> {path.readlink()}\n".encode())
            elif path.is_file():
                h.update(f"F {rel} {path.stat().st_size}\n".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def submission_key(folder: Path, source_hash: str, config: CourseConfig) -> str:
    """Content hash of a submission folder (and of the solutions it is graded against)."""
    return hash_tree(folder, config, hashlib.sha256(source_hash.encode()))


class State:
    """``.course-grade/state.json``: solutions hashes and one outcome per submission. Opening
    it takes the course folder's lock (:class:`ValueError` when another run holds it)."""

    def __init__(self, course: Path) -> None:
        self.dir = course / STATE_DIR
        self.dir.mkdir(exist_ok=True)
        self.logs = self.dir / "logs"
        self.path = self.dir / "state.json"
        self._lock = open(self.dir / "lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise ValueError(f"another `course grade` is running in {course}") from None
        try:
            self.data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.data = {}
        self.data.setdefault("sources", {})
        self.data.setdefault("submissions", {})

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc) -> None:
        self._lock.close()

    @property
    def sources(self) -> dict[str, str]:
        """chapter -> hash of the solutions its assignment was generated from."""
        return self.data["sources"]

    @property
    def submissions(self) -> dict[str, dict]:
        """``"<chapter>/<student>"`` -> the outcome (:meth:`Outcome.to_state`)."""
        return self.data["submissions"]

    def template(self, chapter: str) -> Path:
        return self.dir / f"template-{chapter}.db"

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        tmp.replace(self.path)
