"""Shared fixtures: the course data (as the course finds it), the data mirror, a throwaway
Keras cache, and each chapter's grading round trip (``round_trips``), run once per test
run and shared by the chapter's tests."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pytest

if TYPE_CHECKING:
    from course.grading.roundtrip import RoundTripResult

ROOT = Path(__file__).resolve().parents[1]

NO_DATA = (
    "No course data could be found: the tests read it the way the course does, from the "
    "data mirror named by COURSE_DATA_DIR, else the Keras cache, else a download. Run "
    "`.venv/bin/course data fetch` once (it downloads into the Keras cache, or copies "
    "from a mirror when COURSE_DATA_DIR is set), or set COURSE_DATA_DIR to a course data "
    "mirror (e.g. ../shared/data). ({why})"
)


@pytest.fixture(scope="session")
def data() -> Path | None:
    """The course data, found as the course finds it (mirror, Keras cache, download).

    Returns the mirror in use, or None when the data comes from the Keras cache. Missing
    data is a failure that says what to run, not a skip.
    """
    from course.datasets import DatasetError, locate, mirror_dir

    try:
        mirror = mirror_dir()
        for name in ("mnist.npz", "imdb.npz"):  # what most chapters load first
            locate(name)
    except DatasetError as exc:
        pytest.fail(NO_DATA.format(why=str(exc).splitlines()[0]))
    return mirror


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The data mirror named by COURSE_DATA_DIR, for the tests of the mirror itself (its
    checksums, copying it into the cache). Without a mirror they are skipped; the rest of
    the suite reads the Keras cache (``data``)."""
    value = os.environ.get("COURSE_DATA_DIR")
    if not value:
        pytest.skip("tests of the data mirror itself: set COURSE_DATA_DIR to a course mirror")
    if not Path(value).is_dir():
        pytest.fail(f"COURSE_DATA_DIR={value!r} is not a folder; fix it or unset it.")
    return Path(value)


@pytest.fixture
def keras_home(tmp_path, monkeypatch) -> Path:
    """An empty Keras cache for one test."""
    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


# --------------------------------------------------------------------------------------
# The grading round trip of each chapter: run once per test run, shared by every test
# --------------------------------------------------------------------------------------


@dataclass
class ChapterRun:
    """One chapter's grading round trip (``course check``), as the tests read it.

    nbgrader autograded the solved submission, then tried every wrong answer and blank
    stub in that kernel; the graded notebook stays in ``workdir`` so that tests can read
    what the lesson printed.
    """

    chapter: str
    result: RoundTripResult
    workdir: Path
    seconds: float  # wall time
    cpu_seconds: float = 0.0  # CPU time of nbgrader and its kernels (user + system)

    def folder(self, stage: str, student: str = "solved") -> Path:
        """nbgrader's folder of one student's chapter: ``stage`` is ``submitted`` or
        ``autograded``."""
        return self.workdir / stage / student / self.chapter

    def notebook(self, student: str = "solved") -> nbformat.NotebookNode:
        """The autograded notebook of ``student`` (``solved``), with outputs."""
        (path,) = sorted(self.folder("autograded", student).glob("*.ipynb"))
        return nbformat.read(path, as_version=4)

    def printed(self, student: str = "solved") -> str:
        """Everything the notebook's cells printed or showed as text, in order."""
        text = []
        for cell in self.notebook(student).cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    text.append(out.get("text", ""))
                elif "text/plain" in out.get("data", {}):
                    text.append(out["data"]["text/plain"])
        return "\n".join(text)


class RoundTrips:
    """Each chapter's round trip, computed on first use and kept for the session (a
    failure too: it is raised again, not retried)."""

    def __init__(self, workdir: Callable[[str], Path]) -> None:
        self._workdir = workdir
        self.done: dict[str, ChapterRun | BaseException] = {}

    def __call__(self, chapter: str) -> ChapterRun:
        if chapter not in self.done:
            from course.grading.roundtrip import round_trip

            workdir = self._workdir(chapter)
            started, cpu = time.perf_counter(), _children_cpu()
            try:
                (result,) = round_trip(
                    ROOT, [chapter], workdir=workdir, progress=lambda _: None, grade_blank=False
                )  # see tests/harness.py
                assert result.chapter == chapter, f"round_trip({chapter!r}) gave {result.chapter}"
                self.done[chapter] = ChapterRun(
                    chapter, result, workdir, time.perf_counter() - started, _children_cpu() - cpu
                )
            except Exception as exc:
                self.done[chapter] = exc
        found = self.done[chapter]
        if isinstance(found, BaseException):
            raise found
        return found


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (nbgrader, its kernels): a
    measure of a round trip's cost that other load on the machine does not inflate."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_ROUND_TRIPS = pytest.StashKey[RoundTrips]()


@pytest.fixture(scope="session")
def round_trips(data, tmp_path_factory, pytestconfig) -> RoundTrips:
    """``round_trips(chapter)``: the chapter's :class:`ChapterRun`. Each solution runs once
    per test run, whichever tests ask for it."""
    trips = RoundTrips(lambda chapter: tmp_path_factory.mktemp(f"round_trip_{chapter}"))
    pytestconfig.stash[_ROUND_TRIPS] = trips
    return trips


def _summary_lines(config) -> list[str]:
    """One line per round trip run in this process: its wall and CPU time and scores."""
    trips = config.stash.get(_ROUND_TRIPS, None)
    lines = []
    for chapter, run in trips.done.items() if trips else ():
        if isinstance(run, BaseException):
            lines.append(f"{chapter}: failed: {type(run).__name__}")
            continue
        suite = run.result.suite
        tried = f", {len(suite.trials)} wrong answers in {suite.seconds:.0f} s" if suite else ""
        lines.append(
            f"{chapter}: {run.seconds:.0f} s, {run.cpu_seconds:.0f} s CPU (solution "
            f"{run.result.solved.score:g}/{run.result.solved.max_score:g}, blank stubs "
            f"{sum(s for s, _ in suite.blank.values()) if suite else 0:g}{tried})"
        )
    return lines


_WORKER_LINES = pytest.StashKey[list[str]]()


def pytest_sessionfinish(session) -> None:
    """In a pytest-xdist worker: hand the round-trip lines to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["round_trips"] = _summary_lines(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """In the pytest-xdist controller: keep each worker's round-trip lines."""
    lines = getattr(node, "workeroutput", {}).get("round_trips", [])
    node.config.stash.setdefault(_WORKER_LINES, []).extend(lines)


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker more than there are cores, at most 4. Many tests wait (the
    browser's page, a sandbox's time limit, pip's resolver) while others compute, so an
    extra worker keeps the cores busy (on 2 cores: 3 workers 15.7 min, 4 workers 17.2 min,
    the extra contention costing more than the gaps it fills); more than 4 only multiply
    the memory (each worker and its kernels hold TensorFlow)."""
    return min((os.cpu_count() or 1) + 1, 4)


def pytest_collection_modifyitems(config, items) -> None:
    """Files with slow tests first (the browser's, the longest file, then the chapters'
    round trips and the sandbox), each file kept whole: pytest-xdist (``--dist loadfile``)
    then starts the long work first and fills the gaps with the quick files."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path not in slow_files, "browser" not in item.path.parts))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say how long each chapter's round trip took (the bulk of the suite's time)."""
    lines = sorted(_summary_lines(config) + config.stash.get(_WORKER_LINES, []))
    if lines:
        terminalreporter.section("grading round trips (one run of each solution)")
        for line in lines:
            terminalreporter.write_line(line)
