"""A student's first hour, in a real browser: ``course lab --fast``, each chapter's Run All,
the live training widget and its Stop button, nbgrader's Validate button, and a start
without noise (issue 16).

Run them with ``.venv/bin/pytest tests/browser`` (they are marked ``slow``; under five
minutes in fast mode on two cores: run alone, the chapters' Run All go two at a time,
each in its own tab). Screenshots: ``tests/artifacts/browser/``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from ..conftest import ROOT
from .conftest import TIMINGS, VIEWPORT, note_browser_cpu
from .jlab import PANEL, KernelTraffic, menu, open_notebook, save, wait_until
from .lanes import RunAllResult, longest_first, run_chapters

pytestmark = pytest.mark.slow

CHAPTERS = sorted(p.name for p in (ROOT / "notebooks").iterdir()
                  if (p / f"{p.name}.ipynb").is_file())  # fmt: skip
#: seconds one chapter's Run All may take in fast mode (about a minute when the two
#: cores are free; several times that on a shared, loaded machine)
RUN_ALL_TIMEOUT = 480
#: chapters whose Run All go on at once, each in its own tab (and kernel), when the run
#: holds only the browser tests: one Run All leaves the cores idle between cells and while
#: its tab opens, saves, takes screenshots. With the rest of the suite, the other workers
#: keep the cores busy and one tab at a time adds less load to the tests with time limits.
TABS_ALONE, TABS_IN_SUITE = 2, 1
#: the chapter whose Validate button is pressed (Validate runs the whole notebook again)
VALIDATE_CHAPTER = "01_tensors"
#: the most seconds Stop may take to end a running fit
STOP_WITHIN = 2.0
#: the first code cells, where TensorFlow is imported: no red stderr box there
FIRST_CELLS = 2

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE_AS_TEXT = re.compile(r"<(matplotlib\.figure\.)?Figure size \d+(\.\d+)?x\d+")
#: server log lines that are no fault
HARMLESS = (
    # JupyterLab notes that a notebook opened for the first time is not signed as trusted
    # on this machine; the course notebooks ship without outputs, so nothing is hidden
    "is not trusted",
    # jupyter_server 2.x with tornado >= 6.5 (jupyter_server issue 1612): its own 90 s pong
    # timeout is also handed to tornado, which clamps it and says so; nothing changes
    "cannot be longer than the websocket_ping_interval",
    "Setting websocket_ping_timeout",
    # the server being stopped at the end of the session
    "Could not determine npm prefix",
)


def code_cells(nb) -> list[tuple[int, nbformat.NotebookNode]]:
    """``(index among code cells, cell)`` for every code cell that has code."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return [(i, c) for i, c in enumerate(cells) if c.source.strip()]


def is_exercise(cell) -> bool:
    """An nbgrader answer or test cell, tagged to let Run All go on while it fails."""
    meta = cell.metadata.get("nbgrader", {})
    tagged = "raises-exception" in cell.metadata.get("tags", [])
    return tagged and bool(meta.get("solution") or meta.get("grade"))


def has_code(cell) -> bool:
    """The cell has a line that is neither blank nor a comment."""
    return any(
        line.strip() and not line.lstrip().startswith("#") for line in cell.source.splitlines()
    )


def first_line(cell) -> str:
    return next((line for line in cell.source.splitlines() if line.strip()), "")[:70]


def shot(page, artifacts: Path, name: str) -> Path:
    path = artifacts / name
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


@pytest.fixture(scope="module")
def run_alls(request, lab, lab_tab, browser, artifacts) -> dict[str, RunAllResult]:
    """Every chapter's Run All, several chapters at once, each in its own tab
    (tests/browser/lanes.py); the slowest chapters first, by the last run's timings."""
    alone = all(item.nodeid.startswith("tests/browser/") for item in request.session.items)
    tabs = TABS_ALONE if alone else TABS_IN_SUITE
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(tabs - 1)]
    pages = [lab_tab, *(context.new_page() for context in contexts)]
    for extra in pages[1:]:
        extra.set_default_timeout(60_000)
    order = longest_first(CHAPTERS, artifacts / TIMINGS, lab.notebooks)
    started = time.perf_counter()
    try:
        results = run_chapters(lab, pages, order, artifacts, RUN_ALL_TIMEOUT)
    finally:
        note_browser_cpu()
        for context in contexts:
            context.close()
        lab.shutdown_kernels()
    lab.timings[f"Run All of {len(order)} chapters, {tabs} at once"] = time.perf_counter() - started
    for chapter, result in results.items():
        lab.timings[f"Run All {chapter}"] = result.seconds
        if result.kernel_cpu is not None:
            lab.timings[f"kernel CPU {chapter}"] = result.kernel_cpu
    return results


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_run_all_runs_the_whole_chapter(run_alls, chapter):
    """Run → Run All Cells on the student notebook, as a student does: the kernel runs
    every cell down to the last (past the blank exercises), only the blank exercises
    fail and their visible tests give no points, no stderr box under the first cells,
    every figure and widget is drawn, and no file is left beside the notebook."""
    run = run_alls.get(chapter)
    assert run is not None, f"{chapter} was not run"
    if run.error is not None:
        raise run.error
    print(f"{chapter}: open, kernel ready in {run.opened_in:.1f} s; Run All took "
          f"{run.seconds:.1f} s; the kernel used {run.kernel_cpu or 0:.1f} s of CPU")  # fmt: skip
    for path in run.screenshots:
        print(f"screenshot: {path}")
    nb, figures = run.notebook, run.figures
    cells = code_cells(nb)

    # JupyterLab 4's Run All went on past every blank exercise, down to the last cell.
    statuses = run.statuses
    assert "aborted" not in statuses, (
        f"Run All stopped: {statuses.count('aborted')} of {len(statuses)} cells were not run "
        "(a cell that failed without the raises-exception tag stops the kernel's queue)"
    )
    not_run = [f"code cell {i}: {first_line(c)}" for i, c in cells if c.execution_count is None]
    assert not not_run, "Run All did not run:\n" + "\n".join(not_run)
    assert cells[-1][1].execution_count == max(c.execution_count for _, c in cells)

    # Only the blank exercises fail (their answer and test cells); the lesson does not.
    failures = []
    blank_errors = 0
    for i, cell in cells:
        for out in cell.outputs:
            if out.output_type != "error":
                continue
            if is_exercise(cell):
                blank_errors += 1
            else:
                failures.append(f"code cell {i} ({first_line(cell)}): {out.ename}: {out.evalue}")
    assert not failures, "errors outside the exercises:\n" + "\n".join(failures)
    assert blank_errors, "no blank exercise failed: is this the student notebook?"
    # Every visible test of the blank notebook failed: it scores 0 (nbgrader's own rule;
    # the hidden tests' cells hold only a comment until the notebook is graded).
    earned = [f"{c.metadata['nbgrader']['grade_id']}: {determine_grade(c)[0]:g}" for _, c in cells
              if c.metadata.get("nbgrader", {}).get("grade") and has_code(c)
              and determine_grade(c)[0]]  # fmt: skip
    assert not earned, f"test cells that gave points to the blank notebook: {earned}"
    # The lesson leaves no files beside the notebook (its working folders are temporary).
    assert not run.new_files, f"files the lesson left beside the notebook: {sorted(run.new_files)}"

    # No red stderr box (TensorFlow's C++ start-up lines) under the first cells.
    for i, cell in cells[:FIRST_CELLS]:
        stderr = "".join(o.text for o in cell.outputs
                         if o.output_type == "stream" and o.name == "stderr")  # fmt: skip
        assert not stderr, f"stderr under code cell {i} ({first_line(cell)}):\n{stderr[:800]}"

    # Every figure and widget view is drawn: nothing stuck at "Loading widget...".
    broken = [f for f in figures if f["kind"] == "broken"]
    assert not broken, f"outputs not displayed: {broken}"
    empty = [f for f in figures if f["width"] <= 0 or f["height"] <= 0
             or (f["kind"] == "img" and not f["natural"])]  # fmt: skip
    assert not empty, f"figures drawn with no size: {empty}"
    drawn = {(f["cell"], f["kind"]) for f in figures}
    missing = []
    for i, cell in cells:
        data = [o.get("data", {}) for o in cell.outputs
                if o.output_type in ("display_data", "execute_result")]  # fmt: skip
        if any("image/png" in d or "image/jpeg" in d for d in data) and (i, "img") not in drawn:
            missing.append(f"code cell {i}: an image")
        if any(WIDGET_VIEW in d for d in data) and (i, "widget") not in drawn:
            missing.append(f"code cell {i}: a widget")
        # a matplotlib figure that reached the page as its text, not as a picture
        missing.extend(
            f"code cell {i}: {d['text/plain']} (as text, no picture)"
            for d in data
            if set(d) == {"text/plain"} and FIGURE_AS_TEXT.match(str(d["text/plain"]))
        )
    assert not missing, "outputs in the notebook but not on the page:\n" + "\n".join(missing)
    print(f"{chapter}: {len(figures)} figures and widgets drawn, "
          f"{blank_errors} errors from blank exercises")  # fmt: skip
    took = run.took
    if len(took) == len(cells):
        slowest = sorted(zip(took, cells, strict=True), key=lambda t: -t[0])[:3]
        print(f"{chapter}: slowest cells: " + "; ".join(
            f"{i} ({first_line(c)[:40]}) {s:.1f} s" for s, (i, c) in slowest))  # fmt: skip

    # No question about Jupyter news on a student's first start.
    assert not [t for t in run.toasts if "news" in t.lower()], run.toasts


# A long fit with the live widget, in a notebook of the test's own (not in the course).
LIVE_SETUP = """\
import time

import keras
import numpy as np

from course.widgets import LiveTraining

rng = np.random.default_rng(0)
x = rng.normal(size=(256, 8)).astype("float32")
y = (x.sum(axis=1) > 0).astype("float32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])


class SlowBatches(keras.callbacks.Callback):
    \"\"\"Makes each batch take ~20 ms, so that the fit runs for minutes.\"\"\"

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.02)


live = LiveTraining(min_interval_ms=100, batch_size=32)
"""
LIVE_FIT = """\
history = model.fit(x, y, epochs=EPOCHS, batch_size=32, validation_split=0.25, verbose=0,
                    callbacks=[live, SlowBatches()])
print(f"fit returned after {len(history.history['loss'])} of EPOCHS epochs")
"""
LIVE_EPOCHS = 400

COUNT_POINTS = """
() => {
  let most = 0;
  for (const svg of document.querySelectorAll('.course-live .course-live-plot svg')) {
    for (const curve of svg.querySelectorAll('polyline, path')) {
      const text = curve.getAttribute(curve.tagName === 'polyline' ? 'points' : 'd') || '';
      const numbers = text.match(/-?\\d*\\.?\\d+(?:e[-+]?\\d+)?/gi) || [];
      most = Math.max(most, Math.floor(numbers.length / 2));
    }
  }
  return most;
}
"""


def _live_notebook(lab) -> str:
    folder = lab.notebooks / "browser_checks"
    folder.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}  # fmt: skip
    fit = LIVE_FIT.replace("EPOCHS", str(LIVE_EPOCHS))
    nb.cells = [nbformat.v4.new_code_cell(LIVE_SETUP), nbformat.v4.new_code_cell(fit)]
    nbformat.write(nb, folder / "live_fit.ipynb")
    return "browser_checks/live_fit.ipynb"


def test_live_training_grows_and_stop_ends_the_fit(lab, page, artifacts):
    """The LiveTraining widget appears during fit, its curves grow, and Stop ends the
    running fit within STOP_WITHIN seconds (the cell finishes, the status says so)."""
    path = _live_notebook(lab)
    traffic = KernelTraffic().attach(page)
    open_notebook(page, lab, path)
    menu(page, "Run", "runmenu:run-all")
    wait_until(page, lambda: len(traffic.requests) >= 2, 30, "both cells to be sent")
    fit_request = traffic.requests[-1]

    live = page.locator(f"{PANEL} .course-live")
    live.first.wait_for(state="visible", timeout=120_000)
    wait_until(page, lambda: page.evaluate(COUNT_POINTS) >= 2, 120, "a curve on the live plot")
    first, seen = page.evaluate(COUNT_POINTS), time.perf_counter()
    wait_until(page, lambda: page.evaluate(COUNT_POINTS) >= first + 2, 60,
               f"the live curves to grow during fit (from {first} points)")  # fmt: skip
    later = page.evaluate(COUNT_POINTS)
    print(f"live plot: {first} points, {time.perf_counter() - seen:.1f} s later {later}")
    assert fit_request not in traffic.replies, "the fit ended before Stop was pressed"
    live.first.scroll_into_view_if_needed()
    shot(page, artifacts, "live_training.png")

    stop = live.first.locator(".course-stop")
    assert stop.first.inner_text().strip() == "Stop"
    status = live.first.locator(".widget-label, .widget-html")

    def says_stopped() -> bool:
        return any("stopped" in t for t in status.all_inner_texts())

    clicked = time.perf_counter()
    stop.first.click()
    wait_until(page, lambda: fit_request in traffic.replies, 30, "the fit to end after Stop",
               poll=0.02)  # fmt: skip
    cell_done = traffic.finished_at[fit_request] - clicked
    wait_until(page, says_stopped, 30, "the status to say 'stopped'", poll=0.02)
    status_seen = time.perf_counter() - clicked
    latency = max(cell_done, status_seen)
    lab.timings["Stop latency"] = latency
    print(f"Stop: the fit cell finished {cell_done:.2f} s after the click, the status said "
          f"'stopped' after {status_seen:.2f} s")  # fmt: skip
    shot(page, artifacts, "live_training_stopped.png")
    nb = save(page, lab, path)
    printed = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    epochs = int(re.search(r"after (\d+) of", printed).group(1))
    assert epochs < LIVE_EPOCHS, printed
    assert latency <= STOP_WITHIN, f"Stop took {latency:.2f} s (at most {STOP_WITHIN} s)"


def test_validate_reports_the_blank_exercises(lab, page, artifacts):
    """nbgrader's Validate button (toolbar) on a blank chapter lists its failing tests."""
    path = f"{VALIDATE_CHAPTER}/{VALIDATE_CHAPTER}.ipynb"
    nb = nbformat.read(lab.notebooks / path, as_version=4)
    visible = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
               and c.metadata["nbgrader"]["grade_id"].endswith("_visible")]  # fmt: skip
    open_notebook(page, lab, path)
    button = page.locator(f"{PANEL} .jp-Toolbar-item", has_text="Validate")
    started = time.perf_counter()
    button.first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.first.wait_for(state="visible", timeout=RUN_ALL_TIMEOUT * 1000)
    seconds = time.perf_counter() - started
    lab.timings["Validate"] = seconds
    text = dialog.first.inner_text()
    shot(page, artifacts, "validate.png")
    print(f"Validate took {seconds:.1f} s: {text.splitlines()[0] if text else ''}")
    assert "Cannot validate" not in text and "Version Mismatch" not in text, text
    failed = text.count("The following cell failed")
    assert failed == len(visible), (
        f"Validate listed {failed} failing cells, the chapter has {len(visible)} blank "
        f"exercises:\n{text[:2000]}"
    )
    assert "NotImplementedError" in text
    page.locator(".jp-Dialog .jp-mod-accept").first.click()


def test_start_is_quiet(lab, page):
    """`course lab` logs no error or warning a student could take for a fault, JupyterLab
    asks nothing about news, and the kernels are the course's (TensorFlow kept quiet).
    Runs last: the log then holds the whole session (Validate included)."""
    settings = lab.api("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    # the default the server gives JupyterLab (course.lab's override), not changed by a user
    assert settings["schema"]["properties"]["fetchNews"]["default"] == "false"
    assert "fetchNews" not in settings["settings"]
    spec = lab.api("GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]
    assert spec["argv"][1:3] == ["-m", "course.kernel"], spec["argv"]
    log = lab.log_text()
    for noise in ("not a subdirectory of the notebook server root", "No nbgrader_config.py",
                  "nbgrader will not work correctly"):  # fmt: skip
        assert noise not in log, f"course lab logged {noise!r}:\n{log}"
    problems = [line for line in log.splitlines()
                if re.match(r"\[[EW] |\[\w+ \| (WARNING|ERROR|CRITICAL)\]", line)
                and not any(known in line for known in HARMLESS)]  # fmt: skip
    assert not problems, "warnings or errors in the log:\n" + "\n".join(problems)
    if not page.url.startswith(lab.url):
        page.goto(lab.page_url())
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=120_000)
    assert page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 0
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in lab.timings.items()))
