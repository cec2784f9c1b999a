"""``course grade``: autograde a whole class with nbgrader, in parallel, within limits.

The course folder is an ordinary nbgrader course directory::

    <course>/nbgrader_config.py           (copied from the project when missing)
    <course>/gradebook.db                 the class gradebook
    <course>/submitted/<student>/<chapter>/<notebook>.ipynb
    <course>/autograded/...  <course>/feedback/...    written here

:func:`grade` makes sure each chapter's assignment is in the gradebook (``nbgrader
generate_assignment`` from the project's ``solutions/``, again whenever the
solutions change), hashes every submission and skips those graded before with
the same content and solutions, and sends the rest to ``workers`` grading
processes (:mod:`course.grading.worker`). Each submission is graded in its own
scratch course folder, with a kernel in a sandbox (:mod:`course.grading.limits`,
``sandbox.py``). Results come back to this process, which alone writes the
class gradebook (nbgrader's :class:`~nbgrader.api.Gradebook` API), copies the
graded notebooks and feedback into place, and keeps ``.course-grade/state.json``
(hash, score and messages per submission) for the next run and the report.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from course.grading.limits import Cgroup, Limits, capabilities, enforcement
from course.grading.nbgrader import NbgraderError, chapters, project_root
from course.grading.worker import RESULT

__all__ = ["grade", "GradeReport", "Outcome", "submission_key", "STATE_DIR"]

STATE_DIR = ".course-grade"
_STARTUP_TIMEOUT = 120  # s for a kernel to start (nbgrader_config: Execute.startup_timeout)


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One submission's grade, as reported (and kept in the state file)."""

    chapter: str
    student: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "ok"  # ok | error (not or not fully gradable) | grader_error (not graded)
    timeouts: bool = False
    flagged: bool = False
    messages: list[str] = field(default_factory=list)
    graded_at: str = ""
    seconds: float = 0.0
    key: str = ""
    skipped: bool = False  # unchanged since the last run

    @property
    def not_graded(self) -> bool:
        """The grader failed on it: nothing was recorded, the next run tries again."""
        return self.status == "grader_error"

    @property
    def full_marks(self) -> bool:
        return self.max_score > 0 and self.score >= self.max_score

    def to_state(self) -> dict:
        data = asdict(self)
        data.pop("skipped")
        return data


@dataclass
class GradeReport:
    """What ``course grade`` did: every submission's outcome, and how limits were enforced."""

    course: Path
    outcomes: list[Outcome]
    enforcement: list[tuple[str, str]]
    internal_errors: list[str] = field(default_factory=list)
    unknown_chapters: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def graded(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped]

    def by_student(self, chapter: str | None = None) -> dict[str, Outcome]:
        return {o.student: o for o in self.outcomes if chapter is None or o.chapter == chapter}

    def summary(self) -> list[dict]:
        """Per chapter: submissions, graded now, skipped, full marks, zero, errors, timeouts."""
        rows = []
        for chapter in sorted({o.chapter for o in self.outcomes}):
            outs = [o for o in self.outcomes if o.chapter == chapter]
            scored = [o for o in outs if not o.not_graded]
            rows.append(
                {
                    "chapter": chapter,
                    "submissions": len(outs),
                    "graded": sum(not o.skipped for o in outs),
                    "skipped": sum(o.skipped for o in outs),
                    "full marks": sum(o.full_marks for o in scored),
                    "zero": sum(o.score == 0 for o in scored),
                    "errors": sum(o.status == "error" for o in outs),
                    "not graded": sum(o.not_graded for o in outs),
                    "timeouts": sum(o.timeouts for o in outs),
                    "flagged": sum(o.flagged for o in outs),
                    "mean": round(sum(o.score for o in scored) / len(scored), 2) if scored else 0.0,
                    "max": max((o.max_score for o in outs), default=0.0),
                }
            )
        return rows

    def export_csv(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(
                [
                    "chapter",
                    "student",
                    "score",
                    "max_score",
                    "status",
                    "timeouts",
                    "flagged",
                    "graded_at",
                    "messages",
                ]
            )
            for o in sorted(self.outcomes, key=lambda o: (o.chapter, o.student)):
                writer.writerow(
                    [
                        o.chapter,
                        o.student,
                        f"{o.score:g}",
                        f"{o.max_score:g}",
                        o.status,
                        int(o.timeouts),
                        int(o.flagged),
                        o.graded_at,
                        " | ".join(o.messages),
                    ]
                )
        return path


# --------------------------------------------------------------------------------------
# Course folder
# --------------------------------------------------------------------------------------


def _hash_tree(folder: Path, h=None) -> str:
    h = h or hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if any(p in (".ipynb_checkpoints", "__pycache__") for p in rel.parts):
                continue
            if path.is_symlink():
                h.update(f"L {rel} -> {os.readlink(path)}\n".encode())
            elif path.is_file():
                h.update(f"F {rel} {path.stat().st_size}\n".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def submission_key(folder: Path, source_hash: str) -> str:
    """Content hash of a submission folder (and of the solutions it is graded against)."""
    h = hashlib.sha256(source_hash.encode())
    return _hash_tree(folder, h)


def _config(course: Path) -> dict:
    from traitlets.config.loader import PyFileConfigLoader

    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    cd = cfg.get("CourseDirectory", {})
    return {
        "source": cd.get("source_directory", "source"),
        "release": cd.get("release_directory", "release"),
        "submitted": cd.get("submitted_directory", "submitted"),
        "course_id": cd.get("course_id", ""),
    }


def preload_modules(folder: Path) -> list[str]:
    """The top-level modules the chapter's notebooks import (``numpy``, ``tensorflow``...),
    for the zygote to import once instead of every kernel doing it again."""
    import ast
    import importlib.util

    names: dict[str, None] = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text())["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        names[alias.name.split(".")[0]] = None
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names[node.module.split(".")[0]] = None
    found = []
    for name in names:
        try:
            if importlib.util.find_spec(name) is not None:
                found.append(name)
        except (ImportError, ValueError):
            pass
    return found


def _git_dirs(folder: Path) -> list[Path]:
    """The git repository data of the checkout holding ``folder`` (its ``.git``, and for a
    worktree or submodule the git dir its ``.git`` file points to, with the common dir)."""
    for parent in [folder, *folder.parents]:
        dot_git = parent / ".git"
        if dot_git.is_dir():
            return [dot_git]
        if dot_git.is_file():
            found = [dot_git]
            text = dot_git.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                gitdir = (parent / text.removeprefix("gitdir:").strip()).resolve()
                found.append(gitdir)
                common = gitdir / "commondir"
                if common.is_file():
                    found.append((gitdir / common.read_text().strip()).resolve())
            return found
    return []


def _instructor_paths(project: Path, course: Path) -> list[Path]:
    """Instructor material a kernel could find by path besides the course folder's own:
    the solutions of the checkout the ``course`` package is imported from (it may not be
    ``project``), and every git repository holding solutions (``git show`` reads them)."""
    package_checkout = Path(__file__).resolve().parents[2]
    paths = [package_checkout / "solutions"]
    for folder in (project, package_checkout, course):
        paths += _git_dirs(folder)
    return list(dict.fromkeys(p for p in paths if p.exists()))


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course folder (nbgrader needs alembic on PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--db=sqlite:///{course / 'gradebook.db'}"]
    proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        log = (proc.stdout + proc.stderr).strip().splitlines()
        raise NbgraderError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n" + "\n".join(log[-30:])
        )
    return proc


class _State:
    """``.course-grade/state.json``: solutions hashes and one outcome per submission."""

    def __init__(self, course: Path) -> None:
        self.dir = course / STATE_DIR
        self.dir.mkdir(exist_ok=True)
        self.path = self.dir / "state.json"
        try:
            self.data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.data = {}
        self.data.setdefault("sources", {})
        self.data.setdefault("submissions", {})

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        tmp.replace(self.path)


def _ensure_assignment(
    course: Path, project: Path, cfg: dict, chapter: str, state: _State, log: Callable[[str], None]
) -> tuple[Path, list[str]]:
    """The chapter's assignment in the class gradebook (generated when missing or when the
    solutions changed) and a template gradebook without students for the workers."""
    from nbgrader.api import Gradebook, MissingEntry

    project_src = project / _config(project)["source"] / chapter
    source_hash = _hash_tree(project_src)
    template = state.dir / f"template-{chapter}.db"
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    present = False
    if (course / "gradebook.db").exists():
        with Gradebook(db_url) as gb:
            try:
                present = bool(gb.find_assignment(chapter).notebooks)
            except MissingEntry:
                present = False
    course_src = course / cfg["source"] / chapter
    recorded = state.data["sources"].get(chapter)
    # An assignment the instructor generated from these very solutions is used as it is.
    adopt = present and recorded is None and _hash_tree(course_src) == source_hash
    generate = not present or (recorded != source_hash and not adopt)
    if generate:
        log(f"{chapter}: generating the assignment from {project_src}")
        if course_src.resolve() != project_src.resolve():
            if course_src.exists():
                shutil.rmtree(course_src)
            shutil.copytree(
                project_src,
                course_src,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
        _nbgrader(course, "generate_assignment", chapter, "--force")
    if generate or not template.exists():
        tmp = template.with_suffix(".tmp")
        shutil.copyfile(course / "gradebook.db", tmp)
        with Gradebook(f"sqlite:///{tmp}") as gb:
            for student in list(gb.students):
                gb.remove_student(student.id)
        tmp.replace(template)
    if recorded != source_hash:
        state.data["sources"][chapter] = source_hash
        state.save()
    with Gradebook(db_url) as gb:
        notebooks = sorted(nb.name for nb in gb.find_assignment(chapter).notebooks)
    return template, notebooks


# --------------------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------------------


class _WorkerProcess:
    def __init__(self, slot: int, log_dir: Path, cwd: Path) -> None:
        self.cwd = cwd  # not the course folder: a kernel can read its parents' cwd
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
        }
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self.log = open(log_dir / f"worker-{slot}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "course.grading.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            cwd=self.cwd,
            start_new_session=True,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith(RESULT):
                self.lines.put(json.loads(line[len(RESULT) :]))
        self.lines.put(None)  # EOF: the worker ended

    def wait_result(self, timeout: float | None) -> dict | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def send(self, job: dict) -> None:
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        """Kill the worker and everything it started (launchers, kernels, their cgroups)."""
        import psutil

        pid = self.proc.pid
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            children = []
        for p in children:
            try:
                p.kill()
            except psutil.Error:
                pass
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()
        Cgroup.remove_matching(f"k{pid}-")
        self.log.close()

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
            return
        Cgroup.remove_matching(f"k{self.proc.pid}-")
        self.log.close()


class _Pool:
    """``n`` workers taking jobs from one queue; results come back through ``results``."""

    def __init__(
        self, n: int, log_dir: Path, cwd: Path, job_timeout: Callable[[dict], float | None]
    ):
        self.cwd = cwd
        self.jobs: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.job_timeout = job_timeout
        self.log_dir = log_dir
        self.threads = [
            threading.Thread(target=self._slot, args=(i,), daemon=True) for i in range(n)
        ]
        for t in self.threads:
            t.start()

    def _start(self, slot: int) -> _WorkerProcess | None:
        """A ready worker, or None (the reason is in its log): a slot never dies of it, or
        its jobs would never come back."""
        try:
            worker = _WorkerProcess(slot, self.log_dir, self.cwd)
        except OSError as exc:
            with open(self.log_dir / f"worker-{slot}.log", "a") as log:
                log.write(f"could not start the worker: {exc}\n")
            return None
        ready = worker.wait_result(timeout=600)
        if not ready or not ready.get("ready"):
            worker.kill()
            return None
        return worker

    def _slot(self, slot: int) -> None:
        worker = self._start(slot)
        while True:
            job = self.jobs.get()
            if job is None:
                break
            if worker is None:
                worker = self._start(slot)
            if worker is None:
                log = self.log_dir / f"worker-{slot}.log"
                why = (
                    log.read_text(errors="replace").strip().splitlines()[-1:]
                    if log.exists()
                    else []
                )
                self.results.put(
                    _failed(
                        job,
                        f"the grading worker did not start ({'; '.join(why) or 'no reason given'};"
                        f" see {log})",
                        internal=True,
                    )
                )
                continue
            worker.send(job)
            limit = self.job_timeout(job)
            result = worker.wait_result(timeout=limit)
            if result is None:
                ended = worker.proc.poll() is not None
                worker.kill()
                worker = None
                if ended:
                    result = _failed(
                        job,
                        "the grading worker crashed while grading this submission",
                        internal=True,
                    )
                else:
                    result = _failed(
                        job,
                        f"grading did not finish within {limit:g} s and was stopped",
                        timeout=True,
                    )
            self.results.put(result)
        if worker is not None:
            worker.stop()

    def submit(self, jobs: Iterable[dict]) -> None:
        for job in jobs:
            self.jobs.put(job)

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for t in self.threads:
            t.join()


def _failed(job: dict, message: str, internal: bool = False, timeout: bool = False) -> dict:
    return {
        "id": job["id"],
        "chapter": job["chapter"],
        "student": job["student"],
        "status": "error",
        "messages": [message],
        "events": [{"kind": "timeout", "message": message}] if timeout else [],
        "flags": [],
        "internal": internal,
        "notebook_grades": {},
    }


# --------------------------------------------------------------------------------------
# Merging into the class gradebook (this process only)
# --------------------------------------------------------------------------------------


def _merge(course: Path, result: dict) -> tuple[float, float]:
    """Write one result into the class gradebook; returns the submission's (score, max)."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    chapter, student = result["chapter"], result["student"]
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush notices
        gb.update_or_create_student(student)
        timestamp = result.get("timestamp")
        kwargs = {"timestamp": datetime.fromisoformat(timestamp)} if timestamp else {}
        sub = gb.update_or_create_submission(chapter, student, **kwargs)
        grades = result.get("notebook_grades") or {}
        flagged = bool(result.get("flags"))
        for nb in sub.notebooks:
            got = grades.get(nb.name)
            for grade in nb.grades:
                g = (got or {}).get(grade.name)
                if g is None:  # nothing graded (grader failure): an explicit 0
                    grade.auto_score, needs = 0.0, False
                else:
                    grade.auto_score, needs = g["auto_score"], g["needs_manual_grade"]
                grade.needs_manual_grade = bool(needs or grade.manual_score is not None)
            for comment in nb.comments:
                comment.auto_comment = (result.get("comments", {}).get(nb.name) or {}).get(
                    comment.name, comment.auto_comment
                )
            nb.flagged = flagged
            penalty = (result.get("late_penalty") or {}).get(nb.name)
            if penalty is not None:
                nb.late_submission_penalty = penalty
        gb.db.commit()
        return float(sub.score or 0), float(sub.max_score or 0)


def _place(src: str | None, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    if src and Path(src).is_dir():
        shutil.copytree(src, dest, copy_function=shutil.copyfile)


# --------------------------------------------------------------------------------------
# grade()
# --------------------------------------------------------------------------------------


def grade(
    course_dir: str | os.PathLike = ".",
    chapter_names: list[str] | None = None,
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    export: str | os.PathLike | None = None,
    force: bool = False,
    feedback: bool = True,
    project: str | os.PathLike | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    console=None,
    preload: bool = True,
) -> GradeReport:
    """Autograde every (new or changed) submission in ``course_dir``; see the module doc."""
    started = time.monotonic()
    course = Path(course_dir).resolve()
    if not (course / "submitted").is_dir():
        raise FileNotFoundError(
            f"{course} has no submitted/ folder (submitted/<student>/"
            "<chapter>/...): is this an nbgrader course folder?"
        )
    project = Path(project).resolve() if project else project_root(course)
    log = log or (lambda m: None)
    limits = replace(limits) if limits else Limits()  # a copy: threads are set per run
    workers = max(1, workers or os.cpu_count() or 1)
    if not (course / "nbgrader_config.py").exists():
        shutil.copyfile(project / "nbgrader_config.py", course / "nbgrader_config.py")
    cfg = _config(course)
    state = _State(course)
    lock = open(state.dir / "lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise ValueError(f"another `course grade` is running in {course}") from None
    try:
        return _grade_locked(
            course,
            project,
            cfg,
            state,
            chapter_names,
            workers,
            limits,
            export,
            force,
            feedback,
            workdir,
            progress,
            log,
            console,
            started,
            preload,
        )
    finally:
        lock.close()


def _grade_locked(
    course,
    project,
    cfg,
    state,
    chapter_names,
    workers,
    limits,
    export,
    force,
    feedback,
    workdir,
    progress,
    log,
    console,
    started,
    preload,
) -> GradeReport:
    known = chapters(project)
    submitted = course / cfg["submitted"]
    present = sorted({p.name for p in submitted.glob("*/*") if p.is_dir()})
    if chapter_names:
        chapters(project, chapter_names)  # raises for unknown chapters
        wanted = list(chapter_names)
    else:
        wanted = [c for c in present if c in known]
    unknown = [c for c in present if c not in known]

    caps = capabilities()
    own_workdir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="cg-")) if own_workdir else Path(workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    log_dir = state.dir / "logs"
    log_dir.mkdir(exist_ok=True)
    for old_log in log_dir.glob("worker-*.log"):  # the workers' stderr, from this run only
        old_log.unlink()
    if limits.threads_per_kernel is None and workers > 1:
        limits.threads_per_kernel = max(1, (os.cpu_count() or 1) // workers)

    hide = [
        *_instructor_paths(project, course),
        project / cfg["source"],
        course / cfg["source"],
        course / "gradebook.db",
        course / "gradebook.db-journal",
        course / "gradebook.db-wal",
        course / cfg["submitted"],
        course / "autograded",
        course / "feedback",
        state.dir,
        work,
    ]
    kernel_env = {}
    if os.environ.get("KERAS_HOME") is None:
        kernel_env["KERAS_HOME"] = str(Path.home() / ".keras")

    def job_timeout(job: dict) -> float | None:
        if not limits.notebook_timeout:
            return None
        per_nb = limits.notebook_timeout + _STARTUP_TIMEOUT + 120
        return len(job["notebooks"]) * per_nb + 120

    # What needs grading: submissions whose content or solutions changed since last time.
    outcomes: list[Outcome] = []
    pending: list[tuple[str, str, Path, str]] = []
    project_source = project / _config(project)["source"]
    for chapter in wanted:
        source_hash = _hash_tree(project_source / chapter)
        for folder in sorted(p for p in submitted.glob(f"*/{chapter}") if p.is_dir()):
            student = folder.parent.name
            key = submission_key(folder, source_hash)
            old = state.data["submissions"].get(f"{chapter}/{student}")
            if (
                not force
                and old
                and old.get("key") == key
                and ((course / "autograded" / student / chapter).is_dir() or old["status"] != "ok")
            ):
                outcome = Outcome(
                    **{k: v for k, v in old.items() if k in Outcome.__dataclass_fields__}
                )
                outcome.skipped = True
                outcomes.append(outcome)
            else:
                pending.append((chapter, student, folder, key))

    internal: list[str] = []
    # The workers start now: their imports overlap with the assignment set-up below.
    pool = _Pool(min(workers, len(pending)), log_dir, work, job_timeout) if pending else None
    try:
        assignments = {
            chapter: _ensure_assignment(course, project, cfg, chapter, state, log)
            for chapter in dict.fromkeys([*(chapter_names or []), *(c for c, *_ in pending)])
        }
        modules = {
            chapter: preload_modules(project_source / chapter)
            if preload and caps.get("namespaces")
            else None
            for chapter in assignments
        }
        jobs = []
        for chapter, student, folder, key in pending:
            template, notebooks = assignments[chapter]
            jobs.append(
                {
                    "id": len(jobs),
                    "chapter": chapter,
                    "student": student,
                    "key": key,
                    "submission": str(folder),
                    "root": str(work / f"j{len(jobs)}"),
                    "template_db": str(template),
                    "notebooks": notebooks,
                    "source": str(project_source / chapter),
                    "source_directory": cfg["source"],
                    "config_file": str(course / "nbgrader_config.py"),
                    "limits": limits.to_json(),
                    "feedback": feedback,
                    "workdir": str(work),
                    "hide": [str(p) for p in hide],
                    "protect": [str(project), str(course)],
                    "kernel_env": kernel_env,
                    "preload": modules[chapter],
                }
            )
        if pool is not None:
            pool.submit(jobs)
        bar = _progress(console, progress and bool(jobs), len(jobs))
        counts = {"ok": 0, "errors": 0, "timeouts": 0}
        try:
            for _ in range(len(jobs)):
                result = pool.results.get()
                job = jobs[result["id"]]
                if result.get("internal"):
                    outcome = _not_graded(job, result)
                else:
                    outcome = _finish(course, job, result)
                if result.get("log_tail") and os.environ.get("COURSE_GRADE_DEBUG"):
                    print(result["log_tail"], file=sys.stderr)
                if result.get("internal"):
                    internal.append(
                        f"{outcome.chapter}/{outcome.student}: " + "; ".join(outcome.messages)
                    )
                outcomes.append(outcome)
                state.data["submissions"][f"{outcome.chapter}/{outcome.student}"] = (
                    outcome.to_state()
                )
                state.save()
                counts["ok" if outcome.status == "ok" else "errors"] += 1  # grader errors too
                counts["timeouts"] += outcome.timeouts
                bar.advance(counts)
                shutil.rmtree(job["root"], ignore_errors=True)
        finally:
            bar.close()
    finally:
        if pool is not None:
            pool.close()
    if own_workdir:
        shutil.rmtree(work, ignore_errors=True)
    report = GradeReport(
        course,
        sorted(outcomes, key=lambda o: (o.chapter, o.student)),
        enforcement(limits, caps),
        internal,
        unknown,
        round(time.monotonic() - started, 1),
    )
    if export:
        report.export_csv(export)
    return report


def _not_graded(job: dict, result: dict) -> Outcome:
    """The grader failed on a submission: nothing goes into the gradebook (no zero for the
    student), and no content key is kept, so the next run grades it again."""
    reasons = [e["message"] for e in result.get("events", []) if e.get("kind") == "grader_error"]
    reasons += [m for m in result.get("messages", []) if m not in reasons]
    return Outcome(
        chapter=job["chapter"],
        student=job["student"],
        status="grader_error",
        messages=["not graded: grader error: " + "; ".join(reasons or ["unknown"])],
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=float(result.get("seconds", 0.0)),
        key="",
    )


def _finish(course: Path, job: dict, result: dict) -> Outcome:
    """Merge one result into the class gradebook and put its files in place."""
    chapter, student = job["chapter"], job["student"]
    score, max_score = _merge(course, result)  # as nbgrader computes it
    _place(result.get("autograded"), course / "autograded" / student / chapter)
    if job["feedback"]:
        _place(result.get("feedback"), course / "feedback" / student / chapter)
    kinds = {e.get("kind") for e in result.get("events", [])}
    status = result.get("status", "error")
    if result.get("invalid") or result.get("missing") or kinds & {"kernel_died", "memory"}:
        status = "error"
    return Outcome(
        chapter=chapter,
        student=student,
        score=score,
        max_score=max_score,
        status=status,
        timeouts=bool(kinds & {"timeout", "notebook_timeout"}),
        flagged=bool(result.get("flags")),
        messages=list(result.get("messages", [])),
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=float(result.get("seconds", 0.0)),
        key=job["key"],
    )


class _progress:
    """A rich progress bar with counts and ETA (quiet when ``enabled`` is false)."""

    def __init__(self, console, enabled: bool, total: int) -> None:
        self.bar = None
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=2,
        )
        self.task = self.bar.add_task("grading", total=total, counts="")
        self.bar.start()

    def advance(self, counts: dict) -> None:
        if self.bar:
            text = f"ok {counts['ok']} · errors {counts['errors']} · timeouts {counts['timeouts']}"
            self.bar.update(self.task, advance=1, counts=text)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()
