"""Run All of several chapters at once, each in its own JupyterLab tab, as students who
each opened a chapter would.

One Run All keeps a kernel busy; between its cells, and while a tab opens a notebook,
saves it or takes a screenshot, the two cores of a small machine idle. Two tabs (lanes)
fill those gaps: every chapter still runs alone in its own kernel, from its own page.
Playwright's sync API is not thread-safe, so one loop drives every tab: it starts a
chapter on a free lane, polls the kernel replies of the busy ones, and collects a
finished chapter (its figures, the saved notebook, screenshots) before starting the next.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conftest import Lab
from .jlab import (
    KernelTraffic,
    close_all,
    measure_outputs,
    open_notebook,
    save,
    scroll_to_end,
    scroll_to_last_figure,
    start_run_all,
)


@dataclass
class RunAllResult:
    """What one chapter's Run All left: the page's kernel traffic, the saved notebook,
    the drawn outputs, and the files the lesson wrote beside the notebook."""

    chapter: str
    opened_in: float = 0.0  # seconds to open the notebook and start its kernel
    seconds: float = 0.0  # Run All, from the click to the last reply
    kernel_cpu: float | None = None
    statuses: list[str] = field(default_factory=list)  # each execute reply's status
    took: list[float] = field(default_factory=list)  # each request's seconds
    figures: list[dict] = field(default_factory=list)
    notebook: Any = None  # the notebook as saved after the run
    toasts: list[str] = field(default_factory=list)
    new_files: set[str] = field(default_factory=set)
    screenshots: list[Path] = field(default_factory=list)
    error: BaseException | None = None  # the run could not be completed


def folder_files(folder: Path) -> set[str]:
    """Every file under ``folder`` (JupyterLab's checkpoints left out)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}  # fmt: skip


@dataclass
class _Lane:
    page: Any
    result: RunAllResult | None = None
    traffic: KernelTraffic | None = None
    since: int = 0
    before: set[str] = field(default_factory=set)

    @property
    def busy(self) -> bool:
        return self.result is not None


def longest_first(chapters: list[str], timings: Path, notebooks: Path) -> list[str]:
    """The chapters, longest Run All first, so that the lanes end together: by the last
    run's ``timings`` (JSON); a chapter without one goes first, the one that calls
    ``fit`` most first among them (a fresh checkout has no timings)."""
    try:
        last = json.loads(timings.read_text())
    except (OSError, ValueError):
        last = {}

    def expected(chapter: str) -> float:
        if f"Run All {chapter}" in last:
            return last[f"Run All {chapter}"]
        return 1e6 + (notebooks / _path(chapter)).read_text().count(".fit(")

    return sorted(chapters, key=lambda c: -expected(c))


def run_chapters(lab: Lab, pages: list[Any], chapters: list[str], artifacts: Path,
                 timeout: float) -> dict[str, RunAllResult]:  # fmt: skip
    """Run All of each chapter's student notebook, on as many tabs at once as ``pages``."""
    queue, lanes = list(chapters), [_Lane(page) for page in pages]
    results: dict[str, RunAllResult] = {}
    while queue or any(lane.busy for lane in lanes):
        for lane in lanes:
            try:
                if not lane.busy and queue:
                    _start(lab, lane, queue.pop(0))
                elif lane.busy and lane.traffic.pending(lane.since) == 0:
                    done = _collect(lab, lane, artifacts)
                    results[done.chapter] = done
                elif lane.busy and time.perf_counter() - lane.traffic.run_all_started > timeout:
                    raise AssertionError(f"timed out after {timeout:g} s waiting for Run All")
            except Exception as exc:  # this chapter fails; the others go on
                if lane.result is not None:
                    lane.result.error = exc
                    results[lane.result.chapter] = lane.result
                _reset(lab, lane)
        pages[0].wait_for_timeout(250)  # lets Playwright deliver every tab's messages
    return results


def _path(chapter: str) -> str:
    return f"{chapter}/{chapter}.ipynb"


def _start(lab: Lab, lane: _Lane, chapter: str) -> None:
    lane.result = RunAllResult(chapter)
    lane.before = folder_files(lab.notebooks / chapter)
    started = time.perf_counter()
    lane.traffic = KernelTraffic().attach(lane.page)
    open_notebook(lane.page, lab, _path(chapter))
    lane.result.opened_in = time.perf_counter() - started
    lane.since = start_run_all(lane.page, lane.traffic)


def _collect(lab: Lab, lane: _Lane, artifacts: Path) -> RunAllResult:
    result, page, traffic = lane.result, lane.page, lane.traffic
    chapter, path = result.chapter, _path(result.chapter)
    result.seconds = time.perf_counter() - traffic.run_all_started
    result.kernel_cpu = lab.kernel_cpu_seconds(path)
    result.statuses = traffic.statuses(lane.since)
    result.took = traffic.seconds(traffic.run_all_started, lane.since)
    result.figures = measure_outputs(page)
    result.notebook = save(page, lab, path)
    result.toasts = page.locator(".Toastify__toast, .jp-toast-message").all_inner_texts()
    result.new_files = folder_files(lab.notebooks / chapter) - lane.before
    if scroll_to_last_figure(page):
        result.screenshots.append(_shot(page, artifacts / f"{chapter}_figure.png"))
    scroll_to_end(page)
    result.screenshots.append(_shot(page, artifacts / f"{chapter}_end.png"))
    _reset(lab, lane)
    return result


def _shot(page: Any, path: Path) -> Path:
    page.screenshot(path=str(path))
    return path


def _reset(lab: Lab, lane: _Lane) -> None:
    """Close the lane's notebook and end its kernel (the other lanes' kernels run on)."""
    if lane.traffic is not None:
        lane.traffic.detach(lane.page)
    chapter = lane.result.chapter if lane.result else None
    lane.result, lane.traffic = None, None
    try:
        close_all(lane.page)
    except Exception:  # a stuck page: the next chapter loads JupyterLab again
        lane.page.goto("about:blank")
    if chapter:
        session = lab.session(_path(chapter))
        if session:
            lab.api("DELETE", f"/api/sessions/{session['id']}")
