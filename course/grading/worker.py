"""A grading worker: a long-lived process that autogrades one submission at a time.

``course grade`` starts ``--workers`` of these (``python -m course.grading.worker``)
and sends each a job per line on stdin (JSON); the worker answers with one
result line on a private copy of its stdout, prefixed with :data:`RESULT`
(anything else it or nbgrader prints goes to stderr). Importing nbgrader once
per worker instead of once per submission saves several seconds of CPU per
submission.

Each job is graded in its own scratch nbgrader course folder:

    <job>/gradebook.db            copy of the assignment's template gradebook (no students)
    <job>/<source>/<chapter>/     the chapter's non-notebook files (nbgrader copies them)
    <job>/submitted/<student>/<chapter>/   copy of the submission (no symlinks)
    <job>/autograded/...  <job>/feedback/...   written by nbgrader
    <job>/ipc/                    the kernel's sockets, sandbox spec and status

so that a submission sees no other student, no solutions and no class
gradebook even where the sandbox cannot hide paths. The worker writes nothing
outside the job folder: merging into the class gradebook is the parent's job
(one writer, so SQLite is never written concurrently).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

RESULT = "@@course-grade-result "

# Code a notebook has no business running in an exercise: flagged for a human to look at.
SUSPICIOUS = {
    "changes how errors are shown": r"showtraceback|excepthook|InteractiveShell|run_cell"
    r"|input_transformers|ast_transformers|\.events\.register|_showtraceback",
    "patches the test helpers": r"import\s+course\.checks|from\s+course\s+import\s+checks|"
    r"checks\.\w+\s*=[^=]|setattr\(|^\s*check(_\w+)?\s*=[^=]|^\s*def\s+check(_\w+)?\s*\(",
    "touches the interpreter's modules": r"sys\.modules|importlib|__builtins__|builtins\.",
    "inspects the running code": r"globals\(\)|_getframe|\bf_back\b|\bf_globals\b|co_consts"
    r"|__closure__|__code__|\binspect\.|\bgc\.|\b_cg_",
    "patches a library": r"^\s*(np|numpy|tf|tensorflow|keras)\.[\w.]+\s*=[^=]",
    "stops or crashes the kernel": r"os\._exit|sys\.exit|ctypes|os\.kill|signal\.",
    "starts processes": r"os\.fork|subprocess|multiprocessing|os\.system|os\.popen|os\.exec",
    "looks for instructor files": r"solutions|gradebook|autograded|submitted|\.\./\.\.",
}


def scan(nb) -> list[str]:
    """Why a notebook looks suspicious (cells a student may edit), or []."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (
            cell.cell_type != "code"
            or meta.get("locked")
            or (meta.get("grade") and not meta.get("solution"))
        ):
            continue
        for label, pattern in SUSPICIOUS.items():
            if label not in found and re.search(pattern, cell.source, re.MULTILINE):
                found.append(label)
    return found


def _copy_plain(src: Path, dest: Path) -> list[str]:
    """Copy a submission folder without symlinks, devices or fifos; returns what was skipped."""
    skipped = []
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(os.scandir(src), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.is_symlink():
            skipped.append(f"{entry.name} (a symbolic link)")
        elif entry.is_dir(follow_symlinks=False):
            skipped += _copy_plain(path, dest / entry.name)
        elif entry.is_file(follow_symlinks=False):
            shutil.copyfile(path, dest / entry.name)
        else:
            skipped.append(f"{entry.name} (not a regular file)")
    return skipped


def _message_page(title: str, lines: list[str]) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1><ul>{items}</ul></body></html>"
    )


class Worker:
    """Grades jobs in this process with nbgrader's converters."""

    def __init__(self) -> None:
        # the heavy imports, once
        import nbformat  # noqa: F401
        from nbgrader.converters import Autograde, GenerateFeedback  # noqa: F401

        self._mpl_ready: dict[str, bool] = {}
        self._zygote_proc: subprocess.Popen | None = None
        self._zygote_key: tuple | None = None
        self._zygote_socket: str | None = None

    # -- the zygote (kernels forked with the heavy modules already imported) -----------

    def zygote(self, job: dict) -> str | None:
        """The socket of a zygote that preloads ``job["preload"]`` (started on demand)."""
        import select

        from course.grading.limits import SANDBOX_SCRIPT

        modules = job.get("preload")
        if modules is None:
            return None
        key = (job["workdir"], tuple(modules))
        if self._zygote_key == key and self._zygote_proc and self._zygote_proc.poll() is None:
            return self._zygote_socket
        self.stop_zygote()
        sock = str(Path(job["workdir"]) / f"z{os.getpid()}.sock")
        proc = subprocess.Popen(
            [sys.executable, str(SANDBOX_SCRIPT), "--zygote", sock, ",".join(modules)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd=job["workdir"],
        )  # fmt: skip
        ready, _, _ = select.select([proc.stdout], [], [], 600)
        if not ready or proc.stdout.readline().strip() != b"ready":
            proc.kill()
            proc.wait()
            return None
        self._zygote_proc, self._zygote_key, self._zygote_socket = proc, key, sock
        return sock

    def stop_zygote(self) -> None:
        if self._zygote_proc is not None:
            self._zygote_proc.kill()
            self._zygote_proc.wait()
        self._zygote_proc = self._zygote_key = self._zygote_socket = None

    # -- configuration -----------------------------------------------------------------

    def _config(self, job: dict, root: Path, ipc: Path, events: Path):
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import (
            AssignLatePenalties,
            CheckCellMetadata,
            IgnorePattern,
            LimitOutput,
            SaveAutoGrades,
        )
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        from course.grading.execute import (
            AddGradingNotes,
            CheckGuards,
            GuardTests,
            SandboxedExecute,
        )
        from course.grading.limits import Limits, format_size

        config_file = Path(job["config_file"])
        cfg = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
        limits = Limits.from_json(job["limits"])
        c = Config()
        c.CourseDirectory.root = str(root)
        c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
        c.CourseDirectory.submitted_directory = "submitted"
        c.CourseDirectory.autograded_directory = "autograded"
        c.CourseDirectory.feedback_directory = "feedback"
        c.Autograde.autograde_preprocessors = [
            GuardTests,
            SandboxedExecute,
            CheckGuards,
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
            AddGradingNotes,
        ]
        c.Execute.timeout = int(limits.cell_timeout) if limits.cell_timeout else None
        c.SandboxedExecute.timeout = c.Execute.timeout
        c.SandboxedExecute.notebook_timeout = limits.notebook_timeout
        c.SandboxedExecute.output_limit = limits.output
        c.SandboxedExecute.memory_text = format_size(limits.memory)
        c.SandboxedExecute.events_dir = str(events)
        c.CheckGuards.events_dir = str(events)
        c.AddGradingNotes.events_dir = str(events)
        c.OverwriteCells.add_missing_cells = True  # a deleted test cell is put back and run
        c.LimitOutput.max_lines = limits.max_lines
        c.LimitOutput.max_traceback = limits.max_traceback
        env = dict(job.get("kernel_env", {}))
        writable = []
        mpl = self._matplotlib_cache(Path(job["workdir"]))
        if mpl:
            shutil.copytree(mpl, ipc / "mpl")
            env["MPLCONFIGDIR"] = str(ipc / "mpl")
        c.SandboxKernelManager.sandbox_spec = {
            "zygote": self.zygote(job),
            "limits": limits.to_json(),
            "workdir": str(ipc),
            "hide": job.get("hide", []),
            "protect": job.get("protect", []),
            "writable": writable,
            "env": env,
        }
        cfg.merge(c)
        return cfg

    def _matplotlib_cache(self, workdir: Path) -> Path | None:
        """A font cache built once per run, copied into each kernel's writable folder (the
        kernel cannot write to its home, and rebuilding the cache costs seconds)."""
        folder = workdir / "mpl-cache"
        if str(folder) in self._mpl_ready:
            return folder if self._mpl_ready[str(folder)] else None
        ok = False
        try:
            if not (folder / ".ready").exists():
                tmp = workdir / f"mpl-cache-{os.getpid()}"
                subprocess.run(
                    [sys.executable, "-c", "import matplotlib.font_manager"],
                    env={**os.environ, "MPLCONFIGDIR": str(tmp)},
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                (tmp / ".ready").write_text("")
                try:
                    tmp.rename(folder)
                except OSError:  # another worker was first
                    shutil.rmtree(tmp, ignore_errors=True)
            ok = (folder / ".ready").exists()
        except Exception:  # noqa: BLE001 - no matplotlib: nothing to cache
            ok = False
        self._mpl_ready[str(folder)] = ok
        return folder if ok else None

    # -- one job -----------------------------------------------------------------------

    def grade(self, job: dict) -> dict:
        import nbformat
        from nbgrader.converters import Autograde, GenerateFeedback
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.utils import capture_log
        from traitlets.config import Config

        start = time.monotonic()
        timings: dict[str, float] = {}
        chapter, student = job["chapter"], job["student"]
        root = Path(job["root"])
        if root.exists():
            shutil.rmtree(root)
        ipc, events = root / "ipc", root / "events"
        for folder in (ipc, events):
            folder.mkdir(parents=True)
        shutil.copyfile(job["template_db"], root / "gradebook.db")
        src = Path(job["source"])
        dest_src = root / job["source_directory"] / chapter
        dest_src.mkdir(parents=True)
        for path in src.rglob("*"):
            rel = path.relative_to(src)
            if (
                path.is_file()
                and not path.is_symlink()
                and path.suffix != ".ipynb"
                and not any(p in (".ipynb_checkpoints", "__pycache__") for p in rel.parts)
            ):
                (dest_src / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest_src / rel)

        result: dict = {
            "id": job["id"],
            "chapter": chapter,
            "student": student,
            "messages": [],
            "flags": [],
            "events": [],
            "invalid": [],
            "missing": [],
            "status": "ok",
        }
        sub = root / "submitted" / student / chapter
        submission = Path(job["submission"])
        if submission.is_dir():
            skipped = _copy_plain(submission, sub)
            for name in skipped:
                result["messages"].append(f"{name} was not used: only plain files are graded")
        else:
            sub.mkdir(parents=True)
        for name in job["notebooks"]:
            path = sub / f"{name}.ipynb"
            if not path.exists():
                result["missing"].append(name)
                result["messages"].append(f"{name}.ipynb was not submitted: it scores 0")
                continue
            try:
                nb = nbformat.read(path, as_version=4)
                if not isinstance(nb.get("cells"), list):
                    raise ValueError("it has no cells")
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook
                text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
                result["invalid"].append(name)
                result["messages"].append(
                    f"{name}.ipynb is not a valid notebook ({text}): it scores 0"
                )
                path.unlink()  # graded as missing, so the other notebooks are still graded
                continue
            note, problem = _check_format(nb, path, name, chapter)
            if problem:
                result["invalid"].append(name)
                result["messages"].append(problem)
                path.unlink()
                continue
            if note:
                result["messages"].append(note)
            for label in scan(nb):
                result["flags"].append(f"{name}.ipynb {label}")
            with open(events / f"{name}.jsonl", "a") as f:  # for the feedback's note too
                for text in _tampering(nb, name, root / "gradebook.db", chapter):
                    f.write(json.dumps({"kind": "tampering", "cell": None, "message": text}) + "\n")

        cfg = self._config(job, root, ipc, events)
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = chapter
        coursedir.student_id = student
        graded = [n for n in job["notebooks"] if (sub / f"{n}.ipynb").exists()]
        log = ""
        if graded:
            app = Autograde(coursedir=coursedir, config=cfg)
            app.force = True
            app.create_student = True
            t_autograde = time.monotonic()
            out = capture_log(app)
            timings["autograde"] = round(time.monotonic() - t_autograde, 2)
            log = out.get("log", "") + out.get("error", "")
            if not out["success"]:  # every failure a student can cause is caught before
                result["status"] = "error"
                result["internal"] = True
                result["messages"].append("nbgrader failed on this submission: " + _last_error(log))
        else:
            self._record_zero(root, chapter, student)
        result.update(self._read_grades(root, chapter, student))
        for name in job["notebooks"]:
            for line in (
                (events / f"{name}.jsonl").read_text().splitlines()
                if (events / f"{name}.jsonl").exists()
                else []
            ):
                event = json.loads(line)
                event["notebook"] = name
                result["events"].append(event)
                result["messages"].append(f"{name}.ipynb: {event['message']}")
        grader_errors = [e for e in result["events"] if e.get("kind") == "grader_error"]
        if grader_errors:
            result["status"] = "error"
            result["internal"] = True
        for gid in result.pop("deleted_tests", []):
            result["messages"].append(f"test cell {gid} is missing from the notebook: it scores 0")
        if result["flags"]:
            result["messages"].append("flagged for review: " + "; ".join(result["flags"]))

        t_feedback = time.monotonic()
        # feedback
        feedback_dir = root / "feedback" / student / chapter
        if job.get("feedback", True):
            if (root / "autograded" / student / chapter).is_dir():
                fb = GenerateFeedback(coursedir=coursedir, config=cfg)
                fb_cfg = Config()
                fb_cfg.HTMLExporter.template_name = "feedback"
                fb.update_config(fb_cfg)
                fb.force = True
                out = capture_log(fb)
                if not out["success"]:
                    result["messages"].append(
                        "feedback could not be generated: "
                        + _last_error(out.get("log", "") + out.get("error", ""))
                    )
            feedback_dir.mkdir(parents=True, exist_ok=True)
            for name in result["missing"] + result["invalid"]:
                (feedback_dir / f"{name}.html").write_text(
                    _message_page(
                        f"{chapter}/{name}.ipynb: not graded",
                        [m for m in result["messages"] if m.startswith(name)],
                    )
                )
        result["autograded"] = str(root / "autograded" / student / chapter)
        result["feedback"] = str(feedback_dir)
        timings["feedback"] = round(time.monotonic() - t_feedback, 2)
        for name in job["notebooks"]:
            stats = events / f"{name}.stats.json"
            if stats.exists():
                data = json.loads(stats.read_text())
                timings["execute"] = timings.get("execute", 0) + (data.get("seconds") or 0)
                if data.get("peak_memory"):
                    result["peak_memory"] = max(result.get("peak_memory", 0), data["peak_memory"])
        result["timings"] = timings
        result["seconds"] = round(time.monotonic() - start, 2)
        result["log_tail"] = log[-4000:] if result["status"] != "ok" else ""
        return result

    def _record_zero(self, root: Path, chapter: str, student: str) -> None:
        """No notebook could be graded: a submission with every grade 0, like nbgrader's own
        handling of a missing notebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            gb.update_or_create_student(student)
            sub = gb.update_or_create_submission(chapter, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()

    def _read_grades(self, root: Path, chapter: str, student: str) -> dict:
        from nbgrader.api import Gradebook, MissingEntry

        out: dict = {
            "notebook_grades": {},
            "comments": {},
            "score": 0.0,
            "max_score": 0.0,
            "timestamp": None,
            "late_penalty": {},
            "deleted_tests": [],
        }
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            try:
                sub = gb.find_submission(chapter, student)
            except MissingEntry:
                assignment = gb.find_assignment(chapter)
                out["max_score"] = assignment.max_score
                return out
            out["score"] = sub.score
            out["max_score"] = sub.max_score
            out["timestamp"] = sub.timestamp.isoformat() if sub.timestamp else None
            autograded = root / "autograded" / student / chapter
            for nb in sub.notebooks:
                grades = {}
                cell_ids = set()
                nb_file = autograded / f"{nb.name}.ipynb"
                if nb_file.exists():
                    cell_ids = {
                        c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                        for c in json.loads(nb_file.read_text()).get("cells", [])
                    }
                for grade in nb.grades:
                    auto = grade.auto_score
                    needs = grade.needs_manual_grade
                    is_test = grade.cell.cell_type == "code" and not _is_solution(
                        gb, grade.name, nb.name, chapter
                    )
                    if nb_file.exists() and grade.name not in cell_ids and is_test:
                        out["deleted_tests"].append(grade.name)
                        auto, needs = 0.0, False
                    grades[grade.name] = {
                        "auto_score": auto,
                        "needs_manual_grade": needs,
                        "max_score": grade.max_score,
                    }
                out["notebook_grades"][nb.name] = grades
                out["comments"][nb.name] = {c.name: c.auto_comment for c in nb.comments}
                out["late_penalty"][nb.name] = nb.late_submission_penalty
            out["score"] = sum(
                (g["auto_score"] or 0)
                for nbg in out["notebook_grades"].values()
                for g in nbg.values()
            )
        return out


def _released_sources(source: str) -> set[str]:
    """What a student may have in a test cell: the gradebook's source, and the same with
    the hidden tests removed (as nbgrader releases it)."""
    from nbformat.notebooknode import NotebookNode
    from nbgrader.preprocessors import ClearHiddenTests

    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return {source.strip(), cell.source.strip()}


def _tampering(nb, name: str, db: Path, chapter: str) -> list[str]:
    """Test and locked cells that differ from the instructor's version in the gradebook,
    and test cells that were deleted; nbgrader puts the originals back and grades them,
    the messages say so. The submitted metadata is not trusted: a cell counts by its
    grade_id alone."""
    from nbgrader.api import Gradebook, MissingEntry

    messages, present = [], set()
    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            notebook = gb.find_notebook(name, chapter)
        except MissingEntry:
            return []
        sources = {c.name: c for c in notebook.source_cells}
        points = {c.name: c.max_score for c in notebook.grade_cells}
        solutions = {c.name for c in notebook.solution_cells}
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            original = sources.get(gid)
            if original is None:
                continue
            present.add(gid)
            guarded = original.locked or (gid in points and gid not in solutions)
            if not guarded:
                continue
            kind = "test cell" if gid in points and gid not in solutions else "locked cell"
            if cell.get("cell_type") != original.cell_type:
                messages.append(f"{kind} {gid} was turned into a {cell.get('cell_type')} cell; "
                                "the original was graded")  # fmt: skip
            elif str(cell.get("source", "")).strip() not in _released_sources(original.source):
                messages.append(f"{kind} {gid} was changed; the original was graded")
            claimed = cell.get("metadata", {}).get("nbgrader", {}).get("points")
            if gid in points and claimed is not None and claimed != points[gid]:
                messages.append(f"the points of {kind} {gid} were changed ({claimed:g} instead "
                                f"of {points[gid]:g}); the original points count")  # fmt: skip
        expected = [c.name for c in notebook.grade_cells if c.name not in solutions]
    for gid in expected:
        if gid not in present:
            messages.append(f"test cell {gid} was missing; it was put back and run")
    return messages


def _check_format(nb, path: Path, name: str, chapter: str) -> tuple[str | None, str | None]:
    """(a note, a problem) about the notebook's grading metadata. An older format is
    updated in place (as ``nbgrader update`` would) and graded; a damaged one is not
    graded, with what the student should do."""
    import nbformat
    from nbgrader.nbgraderformat import (
        MetadataValidator,
        SchemaTooNewError,
        SchemaTooOldError,
        ValidationError,
    )

    redo = (
        f"download a fresh copy of {chapter}/{name}.ipynb, copy your answers into its "
        "answer cells (do not copy whole cells) and submit it again"
    )
    validator = MetadataValidator()
    try:
        validator.validate_nb(nb)
        return None, None
    except SchemaTooOldError:
        try:
            nb = validator.upgrade_notebook_metadata(nb)
            validator.validate_nb(nb)
        except ValidationError as exc:
            why = f"{name}.ipynb uses an old format that could not be updated ({_first(exc)})"
            return None, f"{why}: {redo}"
        nbformat.write(nb, path)
        return f"{name}.ipynb used an older grading format; it was updated and graded", None
    except SchemaTooNewError:
        return None, (f"{name}.ipynb was saved by a newer version of nbgrader than this grader's: "
                      + redo)  # fmt: skip
    except ValidationError as exc:
        return None, (f"{name}.ipynb cannot be graded, the grading information in its cells "
                      f"is damaged ({_first(exc)}): " + redo)  # fmt: skip


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _is_solution(gb, name: str, notebook: str, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        gb.find_solution_cell(name, notebook, assignment)
        return True
    except MissingEntry:
        return False


def _last_error(log: str) -> str:
    lines = [line for line in log.strip().splitlines() if line.strip()
             and "NbGraderException" not in line and "Please see the" not in line]  # fmt: skip
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return line.strip()[:300]
    return lines[-1][:300] if lines else "unknown error"


def main() -> None:
    # Results go to a private copy of stdout; everything else printed goes to stderr.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    worker = Worker()
    out.write(RESULT + json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            result = worker.grade(job)
        except Exception:  # noqa: BLE001 - report, keep serving
            result = {
                "id": job.get("id"),
                "chapter": job.get("chapter"),
                "student": job.get("student"),
                "status": "error",
                "messages": ["internal grader error: " + traceback.format_exc(limit=3)[-600:]],
                "events": [],
                "flags": [],
            }
        out.write(RESULT + json.dumps(result) + "\n")
    worker.stop_zygote()


if __name__ == "__main__":
    main()
