"""Dispatch: ``workers`` long-lived grading processes, fed from one queue.

:class:`Pool` starts one thread per slot; each keeps a :class:`WorkerProcess` (``python
-m course.grading.autograder.worker``) and hands it one :class:`~course.grading.protocol.Job`
at a time. A worker that does not start, crashes or runs far past the job's limits
(:func:`job_timeout`) is killed with everything it started, its job comes back as a
grader error (:meth:`Result.failed <course.grading.protocol.Result.failed>`, so no
student gets a zero for it), and the slot starts a fresh worker for the next job.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path

from course.grading.autograder.options import JOB_SLACK, WORKER_START_TIMEOUT, WORKER_STOP_TIMEOUT
from course.grading.protocol import Job, Ready, Result, decode
from course.grading.runner import nbgrader_env, python_command
from course.grading.sandbox import Cgroup

__all__ = ["Pool", "WorkerProcess", "job_timeout"]


def job_timeout(job: Job, startup_timeout: float) -> float | None:
    """How long a worker may take for ``job`` before it counts as stuck (None: no limit)."""
    limit = job.run.limits.notebook_timeout
    if not limit:
        return None
    per_notebook = limit + startup_timeout + JOB_SLACK
    return len(job.assignment.notebooks) * per_notebook + JOB_SLACK


class WorkerProcess:
    """One grading worker: jobs go to its stdin, messages come back from its stdout."""

    def __init__(self, slot: int, log_dir: Path, cwd: Path) -> None:
        self.log = open(log_dir / f"worker-{slot}.log", "ab")
        self.proc = subprocess.Popen(
            python_command("course.grading.autograder.worker"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=nbgrader_env(),
            cwd=cwd,  # not the course folder: a kernel can read its parents' cwd
            start_new_session=True,
            text=True,
            bufsize=1,
        )
        self.messages: queue.Queue[Ready | Result | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            message = decode(line)
            if message is not None:
                self.messages.put(message)
        self.messages.put(None)  # EOF: the worker ended

    def wait(self, timeout: float | None) -> Ready | Result | None:
        """The next message, or None when the worker ended or ``timeout`` passed."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def send(self, job: Job) -> None:
        self.proc.stdin.write(json.dumps(job.to_json()) + "\n")
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
        """No more jobs: let it end (kill it if it does not)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=WORKER_STOP_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
            return
        Cgroup.remove_matching(f"k{self.proc.pid}-")
        self.log.close()


class Pool:
    """``n`` workers taking jobs from one queue; results come back through ``results``.

    The workers start at once, so that their imports overlap with the caller's set-up
    (generating the assignments) before the first :meth:`submit`."""

    def __init__(self, n: int, log_dir: Path, cwd: Path, startup_timeout: float) -> None:
        self.cwd = cwd
        self.log_dir = log_dir
        self.startup_timeout = startup_timeout
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.results: queue.Queue[Result] = queue.Queue()
        self.threads = [threading.Thread(target=self._slot, args=(i,), daemon=True)
                        for i in range(n)]  # fmt: skip
        for t in self.threads:
            t.start()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self.jobs.put(job)

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for t in self.threads:
            t.join()

    def _start(self, slot: int) -> WorkerProcess | None:
        """A ready worker, or None (the reason is in its log): a slot never dies of it, or
        its jobs would never come back."""
        try:
            worker = WorkerProcess(slot, self.log_dir, self.cwd)
        except OSError as exc:
            with open(self.log_dir / f"worker-{slot}.log", "a") as log:
                log.write(f"could not start the worker: {exc}\n")
            return None
        if not isinstance(worker.wait(timeout=WORKER_START_TIMEOUT), Ready):
            worker.kill()
            return None
        return worker

    def _slot(self, slot: int) -> None:
        worker = self._start(slot)
        while (job := self.jobs.get()) is not None:
            worker = worker or self._start(slot)
            if worker is None:
                self.results.put(self._not_started(slot, job))
                continue
            worker.send(job)
            result = worker.wait(timeout=job_timeout(job, self.startup_timeout))
            if not isinstance(result, Result):
                result = self._lost(worker, job)
                worker = None
            self.results.put(result)
        if worker is not None:
            worker.stop()

    def _not_started(self, slot: int, job: Job) -> Result:
        log = self.log_dir / f"worker-{slot}.log"
        why = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        return Result.failed(job, f"the grading worker did not start "
                                  f"({'; '.join(why) or 'no reason given'}; see {log})",
                             internal=True)  # fmt: skip

    def _lost(self, worker: WorkerProcess, job: Job) -> Result:
        """The worker crashed, or ran past the job's time: it is killed."""
        ended = worker.proc.poll() is not None
        worker.kill()
        limit = job_timeout(job, self.startup_timeout)
        if ended or limit is None:
            return Result.failed(job, "the grading worker crashed while grading this "
                                 "submission", internal=True)  # fmt: skip
        return Result.failed(job, f"grading did not finish within {limit:g} s and was stopped",
                             timeout=True)  # fmt: skip
