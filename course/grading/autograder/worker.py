"""A grading worker: a long-lived process that autogrades one submission at a time.

``course grade`` starts ``--workers`` of these (``python -m
course.grading.autograder.worker``, :mod:`.dispatch`) and sends each a
:class:`~course.grading.protocol.Job` per line on stdin; the worker answers on a
private copy of its stdout (:func:`~course.grading.protocol.encode`: first
:class:`~course.grading.protocol.Ready`, then one
:class:`~course.grading.protocol.Result` per job); anything else it or nbgrader
prints goes to stderr. Importing nbgrader once per worker instead of once per
submission saves several seconds of CPU per submission.

Each job is graded in its own scratch course folder (:mod:`.scratch`): the
submission is screened (:mod:`.screening`), nbgrader's ``Autograde`` runs with the
grading preprocessors (:mod:`course.grading.preprocessors`) and the kernel in the
sandbox, then ``GenerateFeedback``. The worker writes nothing outside the job folder:
merging into the class gradebook is the parent's job (one writer, so SQLite is never
written concurrently). Kernels may be forked from a *zygote* that has imported the
chapter's modules once (:meth:`Worker.zygote`).
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from course.grading import config as course_config
from course.grading.autograder.options import WORKER_START_TIMEOUT
from course.grading.autograder.scratch import Scratch
from course.grading.autograder.screening import screen
from course.grading.config import CourseConfig
from course.grading.protocol import EventKind, Job, Ready, Result, encode
from course.grading.sandbox import launcher_command

__all__ = ["Worker", "main"]


def _message_page(title: str, lines: list[str]) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1><ul>{items}</ul></body></html>"
    )


def _last_error(log: str) -> str:
    lines = [line for line in log.strip().splitlines() if line.strip()
             and "NbGraderException" not in line and "Please see the" not in line]  # fmt: skip
    for line in reversed(lines):
        if "Error" in line or "error" in line:
            return line.strip()[:300]
    return lines[-1][:300] if lines else "unknown error"


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

    def zygote(self, job: Job) -> str | None:
        """The socket of a zygote that preloads the job's modules (started on demand)."""
        import select

        modules = job.assignment.preload
        if modules is None:
            return None
        key = (job.run.workdir, modules)
        if self._zygote_key == key and self._zygote_proc and self._zygote_proc.poll() is None:
            return self._zygote_socket
        self.stop_zygote()
        sock = str(Path(job.run.workdir) / f"z{os.getpid()}.sock")
        proc = subprocess.Popen(
            launcher_command("--zygote", sock, ",".join(modules), isolated=False),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd=job.run.workdir,
        )  # fmt: skip
        ready, _, _ = select.select([proc.stdout], [], [], WORKER_START_TIMEOUT)
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

    def nbgrader_config(self, job: Job, scratch: Scratch):
        """The course folder's ``nbgrader_config.py``, pointed at the scratch folder, with the
        grading preprocessors (:func:`course.grading.preprocessors.configure`) and the
        kernel's sandbox."""
        from traitlets.config import Config

        from course.grading import preprocessors

        cfg = course_config.load(Path(job.run.config_file).parent)
        c = Config()
        c.CourseDirectory.root = str(scratch.root)
        c.CourseDirectory.db_url = f"sqlite:///{scratch.db}"
        c.CourseDirectory.submitted_directory = "submitted"
        c.CourseDirectory.autograded_directory = "autograded"
        c.CourseDirectory.feedback_directory = "feedback"
        preprocessors.configure(c, job.run.limits, str(scratch.events.folder))
        env = dict(job.run.kernel_env)
        mpl = self._matplotlib_cache(Path(job.run.workdir))
        if mpl:
            shutil.copytree(mpl, scratch.ipc / "mpl")
            env["MPLCONFIGDIR"] = str(scratch.ipc / "mpl")
        c.SandboxKernelManager.sandbox_spec = {
            "zygote": self.zygote(job),
            "limits": job.run.limits.to_json(),
            "workdir": str(scratch.ipc),
            "hide": list(job.run.hide),
            "protect": list(job.run.protect),
            "writable": [],
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

    def grade(self, job: Job) -> Result:
        """Screen, autograde and give feedback on one submission."""
        start = time.monotonic()
        config = CourseConfig.read(Path(job.run.config_file).parent)
        scratch = Scratch.create(job, config)
        result = Result(job.id, job.chapter, job.student)
        screen(Path(job.submission), scratch.submitted, job.assignment.notebooks, job.chapter,
               scratch.db, scratch.events, result)  # fmt: skip
        cfg = self.nbgrader_config(job, scratch)
        coursedir = self._coursedir(cfg, job)
        log = self._autograde(job, scratch, cfg, coursedir, result)
        deleted = scratch.read_grades(result)
        self._collect_events(job, scratch, result)
        for gid in deleted:
            result.messages.append(f"test cell {gid} is missing from the notebook: it scores 0")
        if result.flags:
            result.messages.append("flagged for review: " + "; ".join(result.flags))
        t_feedback = time.monotonic()
        if job.run.feedback:
            self._feedback(job, scratch, cfg, coursedir, result)
        result.autograded = str(scratch.autograded)
        result.feedback = str(scratch.feedback)
        result.timings["feedback"] = round(time.monotonic() - t_feedback, 2)
        self._collect_stats(job, scratch, result)
        result.seconds = round(time.monotonic() - start, 2)
        result.log_tail = log[-4000:] if result.status != "ok" else ""
        return result

    @staticmethod
    def _coursedir(cfg, job: Job):
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = job.chapter
        coursedir.student_id = job.student
        return coursedir

    def _autograde(self, job: Job, scratch: Scratch, cfg, coursedir, result: Result) -> str:
        """nbgrader's ``Autograde`` on the notebooks that passed screening (a submission
        with none gets every grade 0); returns nbgrader's log."""
        from nbgrader.converters import Autograde
        from nbgrader.utils import capture_log

        graded = [n for n in job.assignment.notebooks
                  if (scratch.submitted / f"{n}.ipynb").exists()]  # fmt: skip
        if not graded:
            scratch.record_zero()
            return ""
        app = Autograde(coursedir=coursedir, config=cfg)
        app.force = True
        app.create_student = True
        started = time.monotonic()
        out = capture_log(app)
        result.timings["autograde"] = round(time.monotonic() - started, 2)
        log = out.get("log", "") + out.get("error", "")
        if not out["success"]:  # every failure a student can cause is caught before
            result.status = "error"
            result.internal = True
            result.messages.append("nbgrader failed on this submission: " + _last_error(log))
        return log

    def _collect_events(self, job: Job, scratch: Scratch, result: Result) -> None:
        """The preprocessors' events, per notebook, into the result and its messages; an
        event that says the grader failed makes the result a grader error."""
        from dataclasses import replace

        for name in job.assignment.notebooks:
            for event in scratch.events.read(name):
                result.events.append(replace(event, notebook=name))
                result.messages.append(f"{name}.ipynb: {event.message}")
        if EventKind.GRADER_ERROR in result.kinds:
            result.status = "error"
            result.internal = True

    def _feedback(self, job: Job, scratch: Scratch, cfg, coursedir, result: Result) -> None:
        """nbgrader's ``GenerateFeedback``, and a page for each notebook not graded."""
        from nbgrader.converters import GenerateFeedback
        from nbgrader.utils import capture_log
        from traitlets.config import Config

        if scratch.autograded.is_dir():
            fb = GenerateFeedback(coursedir=coursedir, config=cfg)
            fb_cfg = Config()
            fb_cfg.HTMLExporter.template_name = "feedback"
            fb.update_config(fb_cfg)
            fb.force = True
            out = capture_log(fb)
            if not out["success"]:
                result.messages.append(
                    "feedback could not be generated: "
                    + _last_error(out.get("log", "") + out.get("error", ""))
                )
        scratch.feedback.mkdir(parents=True, exist_ok=True)
        for name in result.missing + result.invalid:
            (scratch.feedback / f"{name}.html").write_text(
                _message_page(
                    f"{job.chapter}/{name}.ipynb: not graded",
                    [m for m in result.messages if m.startswith(name)],
                )
            )

    def _collect_stats(self, job: Job, scratch: Scratch, result: Result) -> None:
        for name in job.assignment.notebooks:
            stats = scratch.events.read_stats(name)
            if stats is None:
                continue
            result.timings["execute"] = result.timings.get("execute", 0) + (stats.seconds or 0)
            if stats.peak_memory:
                result.peak_memory = max(result.peak_memory or 0, stats.peak_memory)


def main() -> None:
    # Results go to a private copy of stdout; everything else printed goes to stderr.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    worker = Worker()
    out.write(encode(Ready(os.getpid())))
    for line in sys.stdin:
        if not line.strip():
            continue
        job = Job.from_json(json.loads(line))
        try:
            result = worker.grade(job)
        except Exception:  # noqa: BLE001 - report, keep serving
            # the grader's own failure: not graded (no zero), graded again next time
            message = "internal grader error: " + traceback.format_exc(limit=3)[-600:]
            result = Result.failed(job, message, internal=True)
        out.write(encode(result))
    worker.stop_zygote()


if __name__ == "__main__":
    main()
