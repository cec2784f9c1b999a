"""A real JupyterLab, started by ``course lab --fast`` as a student starts it, driven in
headless Chromium with Playwright.

One server for the whole session, on a free port with a token, serving a temporary copy
of the student notebooks (the checkout stays clean). Chromium is Debian's (``apt-get
install chromium``); Playwright cannot download its own browsers here. Without Chromium
the tests are skipped, except where ``COURSE_REQUIRE_BROWSER=1`` (``.ci/run``) makes
that a failure. Screenshots and the server log go to ``tests/artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..conftest import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
#: the session's timings (``Lab.timings``), kept in ARTIFACTS for the next run's order
TIMINGS = "timings.json"
#: the size of every tab's window
VIEWPORT = {"width": 1400, "height": 1000}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: seconds the server may take to start (a loaded 2-core machine imports slowly)
START_TIMEOUT = 240
#: what the test run has in its environment and a student's JupyterLab does not: the
#: project's conftest.py sets the first three for the other tests (with MPLBACKEND=Agg
#: the kernels would show no inline figures, with TF_CPP_MIN_LOG_LEVEL TensorFlow would be
#: quiet whatever course.kernel does), `course lab --fast` sets COURSE_FAST itself, and
#: under pytest's variables ipykernel does not capture what C code writes to stderr
NOT_A_STUDENTS = ("MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL", "COURSE_FAST", "PYTEST_CURRENT_TEST",
                  "PYTEST_VERSION")  # fmt: skip


def chromium_path() -> str | None:
    """The Chromium to drive: ``$COURSE_CHROMIUM``, else the first of CHROMIUM_NAMES."""
    explicit = os.environ.get("COURSE_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else shutil.which(explicit)
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of the Chromium executable (skip, or fail in CI, without one)."""
    path = chromium_path()
    if path is None:
        message = (
            "no Chromium for the browser tests: install Debian's (`apt-get install -y "
            "chromium`) or set COURSE_CHROMIUM to a Chromium/Chrome executable"
        )
        if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (COURSE_REQUIRE_BROWSER=1: this run must test the browser)")
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def course_command() -> list[str]:
    """The ``course`` command of this environment (the console script beside Python)."""
    script = Path(sys.executable).parent / "course"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from course.cli import app; app()"]


@dataclass
class Lab:
    """A running ``course lab``: its URL, token, notebooks folder and log."""

    url: str
    token: str
    root: Path  # the temporary project (COURSE_ROOT)
    log: Path
    process: subprocess.Popen
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    def page_url(self, path: str = "") -> str:
        """The JupyterLab URL opening ``path`` (relative to the notebooks folder)."""
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab{tree}?token={self.token}&reset"

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the Jupyter server's REST API; the decoded JSON answer (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def session(self, path: str) -> dict | None:
        """The server's session (notebook + kernel) for ``path``, if any."""
        return next((s for s in self.api("GET", "/api/sessions") if s["path"] == path), None)

    def kernel_cpu_seconds(self, path: str) -> float | None:
        """CPU seconds the kernel of ``path`` has used so far (user + system, with its
        children): what the chapter costs on an idle machine, whatever the load now."""
        import psutil

        session = self.session(path)
        if session is None:
            return None
        marker = f"kernel-{session['kernel']['id']}.json"
        for process in psutil.process_iter(["cmdline"]):
            if any(marker in part for part in process.info["cmdline"] or ()):
                t = process.cpu_times()
                return t.user + t.system + t.children_user + t.children_system
        return None

    def shutdown_kernels(self) -> None:
        """End every session and kernel (nothing keeps running between tests)."""
        for s in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{s['id']}")
        for k in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{k['id']}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _project_copy(folder: Path) -> Path:
    """A course project a student would have: the notebooks (copied) and the nbgrader
    configuration; ``solutions/`` only for ``course``'s project check (a link)."""
    shutil.copytree(ROOT / "notebooks", folder / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))  # fmt: skip
    shutil.copy2(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    (folder / "solutions").symlink_to(ROOT / "solutions", target_is_directory=True)
    return folder


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab(chromium, data, artifacts, tmp_path_factory) -> Iterator[Lab]:
    """``course lab --fast --no-browser`` on a free port, on a copy of the notebooks."""
    root = _project_copy(tmp_path_factory.mktemp("course-lab"))
    home = tmp_path_factory.mktemp("jupyter-user")
    token = secrets.token_hex(16)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in NOT_A_STUDENTS}
    env.update({
        "COURSE_ROOT": str(root),
        "JUPYTER_TOKEN": token,
        # A new student's JupyterLab: no settings or workspaces saved yet.
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    })  # fmt: skip
    log = artifacts / "lab.log"
    cmd = [*course_command(), "lab", "--fast", "--no-browser", f"--port={port}",
           "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1"]  # fmt: skip
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    server = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log,
                 process=process)  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"course lab exited with {process.returncode}:\n{server.log_text()}")
            try:
                server.api("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"course lab did not answer within {START_TIMEOUT} s:\n"
                                f"{server.log_text()}")  # fmt: skip
                time.sleep(0.5)
        server.timings["server start"] = time.perf_counter() - started
        print(f"\ncourse lab on {server.url} (log: {log}), started in "
              f"{server.timings['server start']:.1f} s")  # fmt: skip
        yield server
    finally:
        try:
            if process.poll() is None:
                server.shutdown_kernels()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if process.poll() is None:
            import psutil

            own = psutil.Process(process.pid)
            server_cpu = cpu_seconds([own, *own.children(recursive=True)])
            print(f"\nJupyterLab's server used {server_cpu:.1f} s of CPU (kernels not counted)")
        _stop(process)
        (artifacts / TIMINGS).write_text(json.dumps(server.timings, indent=1))


def cpu_seconds(processes) -> float:
    """User + system CPU seconds of some processes, not counting their ended children (a
    server's ended kernels, a browser's closed tabs: those are counted on their own)."""
    import psutil

    total = 0.0
    for process in processes:
        try:
            t = process.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to ``course lab`` and JupyterLab (its own process group), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            continue


#: CPU seconds of each Chromium process, last seen (tabs' processes end with their tab)
BROWSER_CPU: dict[int, float] = {}


def note_browser_cpu() -> None:
    """Remember each Chromium process's CPU time (its tabs' processes end with them)."""
    import psutil

    for process in psutil.Process().children(recursive=True):
        try:
            if "chrom" in process.name().lower():
                BROWSER_CPU[process.pid] = cpu_seconds([process])
        except psutil.Error:
            continue


@pytest.fixture(scope="session")
def browser(chromium) -> Iterator[Any]:
    """Headless Chromium through Playwright (one for the session)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield instance
        finally:
            note_browser_cpu()
            print(f"\nChromium used {sum(BROWSER_CPU.values()):.1f} s of CPU")
            instance.close()


@pytest.fixture(scope="session")
def lab_tab(browser, lab) -> Iterator[Any]:
    """One browser tab on JupyterLab for the session: loading JupyterLab costs Chromium
    several CPU seconds, so the tests open their notebooks in it one after another."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        note_browser_cpu()
        context.close()


@pytest.fixture
def page(lab_tab, lab) -> Iterator[Any]:
    """The JupyterLab tab, for one test: afterwards its notebooks are closed, nothing is
    left asking, and every kernel is shut down."""
    from .jlab import close_all  # (jlab imports Lab from here)

    try:
        yield lab_tab
    finally:
        note_browser_cpu()
        try:
            close_all(lab_tab)
        except Exception as exc:  # a stuck page: the next test loads JupyterLab again
            print(f"(reloading JupyterLab after: {exc})")
            lab_tab.goto("about:blank")
        lab.shutdown_kernels()
