"""Driving JupyterLab 4 in a Playwright page as a student does (menus, toolbar buttons),
and watching the kernel messages the page exchanges to know when a Run All is over."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .conftest import Lab

#: the notebook on screen (JupyterLab hides the other tabs' panels)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def parse_frame(payload: bytes | str) -> dict | None:
    """One kernel WebSocket message: ``{channel, header, parent_header, content}``.

    JupyterLab 4 speaks ``v1.kernel.websocket.jupyter.org``: a binary frame with a
    little-endian offset table, then channel, header, parent header, metadata, content
    and buffers. Older servers send the message as one JSON text.
    """
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return None
    count = int.from_bytes(payload[:8], "little")
    if not 5 <= count < 64:
        return None
    offsets = [int.from_bytes(payload[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    offsets.append(len(payload))
    parts = [payload[offsets[i] : offsets[i + 1]] for i in range(5)]
    try:
        return {
            "channel": parts[0].decode(),
            "header": json.loads(parts[1]),
            "parent_header": json.loads(parts[2]),
            "content": json.loads(parts[4]),
        }
    except (UnicodeDecodeError, ValueError):
        return None


@dataclass
class KernelTraffic:
    """The execute requests a page sent and the replies it got (listen before opening)."""

    requests: list[str] = field(default_factory=list)  # msg ids, in order
    replies: dict[str, str] = field(default_factory=dict)  # msg id -> status
    finished_at: dict[str, float] = field(default_factory=dict)  # msg id -> time of reply
    run_all_started: float = 0.0

    def attach(self, page: Any) -> KernelTraffic:
        page.on("websocket", self._on_websocket)
        return self

    def detach(self, page: Any) -> None:
        """Stop listening for the page's new kernel connections."""
        page.remove_listener("websocket", self._on_websocket)

    def _on_websocket(self, ws: Any) -> None:
        if "/api/kernels/" not in ws.url:
            return
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload: bytes | str) -> None:
        msg = parse_frame(payload)
        if msg and msg["header"].get("msg_type") == "execute_request":
            self.requests.append(msg["header"]["msg_id"])

    def _received(self, payload: bytes | str) -> None:
        msg = parse_frame(payload)
        if msg and msg["header"].get("msg_type") == "execute_reply":
            parent = msg["parent_header"].get("msg_id")
            self.replies[parent] = msg["content"].get("status", "?")
            self.finished_at[parent] = time.perf_counter()

    def pending(self, since: int = 0) -> int:
        return sum(1 for mid in self.requests[since:] if mid not in self.replies)

    def statuses(self, since: int = 0) -> list[str]:
        return [self.replies.get(mid, "pending") for mid in self.requests[since:]]

    def seconds(self, started: float, since: int = 0) -> list[float]:
        """How long each request ran (the kernel runs them one after the other)."""
        ends = [self.finished_at.get(mid, started) for mid in self.requests[since:]]
        return [end - begin for begin, end in zip([started, *ends[:-1]], ends, strict=True)]


def wait_until(page: Any, condition, timeout: float, what: str, poll: float = 0.25) -> None:
    """Poll ``condition()`` (letting the page run) until true, or fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        page.wait_for_timeout(poll * 1000)


def dismiss_dialogs(page: Any) -> None:
    """Close open dialogs: "Don't Save"/"Discard" where offered, else the default button."""
    for _ in range(5):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            return
        buttons = dialog.first.locator("button")
        texts = [t.strip() for t in buttons.all_inner_texts()]
        choice = next((i for i, t in enumerate(texts)
                       if t in ("Don't Save", "Discard", "Ok", "OK", "Close")), None)  # fmt: skip
        if choice is None:
            dialog.first.locator(".jp-mod-accept").first.click()
        else:
            buttons.nth(choice).click()
        page.wait_for_timeout(300)


def open_notebook(page: Any, lab: Lab, path: str, timeout: float = 180) -> None:
    """Open ``path`` as a student does (File → Open from Path…, in the JupyterLab the tab
    already shows, else after loading JupyterLab) and wait until its kernel is idle and
    every cell is on the page."""
    if not page.url.startswith(lab.url):
        page.goto(lab.page_url())
        page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=timeout * 1000)
    menu(page, "File", "filebrowser:open-path")
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").first.fill(path)
    dialog.locator(".jp-mod-accept").first.click()
    page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell", timeout=timeout * 1000)

    def kernel_idle() -> bool:
        session = lab.session(path)
        return bool(session and session["kernel"]["execution_state"] == "idle")

    wait_until(page, kernel_idle, timeout, f"the kernel of {path} to start")
    cells = len(json.loads((lab.notebooks / path).read_text())["cells"])
    wait_until(page, lambda: page.locator(f"{PANEL} .jp-Notebook .jp-Cell").count() >= cells,
               timeout, f"all {cells} cells of {path} on the page")  # fmt: skip


def menu(page: Any, top: str, command: str) -> None:
    """Click a main-menu entry: ``menu(page, "Run", "runmenu:run-all")``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()


def start_run_all(page: Any, traffic: KernelTraffic) -> int:
    """Run → Run All Cells; returns how many requests the page had sent before: the run
    is over when ``traffic.pending(since) == 0``. The page sends every cell's request at
    once. JupyterLab 4 clears the ``[*]`` marks of the queued cells at the first error
    reply while the kernel still runs them, so the page is not the place to see the end:
    the execute replies are."""
    since = len(traffic.requests)
    traffic.run_all_started = time.perf_counter()
    menu(page, "Run", "runmenu:run-all")
    wait_until(page, lambda: len(traffic.requests) > since, 30, "Run All to send the cells")
    page.wait_for_timeout(1000)  # the rest of the requests
    return since


def close_all(page: Any) -> None:
    """Answer any dialog, then File → Close All Tabs without saving."""
    if not page.url.startswith("http"):
        return
    dismiss_dialogs(page)
    menu(page, "File", "application:close-all")
    dismiss_dialogs(page)
    page.keyboard.press("Escape")  # a menu left open (nothing to close)


def save(page: Any, lab: Lab, path: str) -> Any:
    """File → Save Notebook; the notebook as saved (read once the server wrote it)."""
    import nbformat

    def modified() -> str:
        return lab.api("GET", f"/api/contents/{quote(path)}?content=0")["last_modified"]

    before = modified()
    menu(page, "File", "docmanager:save")
    wait_until(page, lambda: modified() != before, 60, f"{path} to be saved")
    # jupyter_server writes the file in place (keeping a copy until done): read it once
    # it is whole
    deadline = time.monotonic() + 30
    while True:
        try:
            return nbformat.read(lab.notebooks / path, as_version=4)
        except (ValueError, nbformat.reader.NotJSONError):
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(200)


# Every figure and widget in the output areas, scrolled into view one by one (JupyterLab
# skips the layout of cells outside the view), measured once drawn.
MEASURE_OUTPUTS = """
async (panel) => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const root = document.querySelector(panel);
  const found = [];
  const cells = [...root.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  for (let index = 0; index < cells.length; index++) {
    const area = cells[index].querySelector('.jp-OutputArea');
    if (!area) continue;
    const items = [
      ...[...area.querySelectorAll('img')].filter(e => !e.closest('.jupyter-widgets'))
         .map(e => ['img', e]),
      ...[...area.querySelectorAll('svg')].filter(e => !e.parentElement.closest('svg'))
         .filter(e => !e.closest('.jp-OutputPrompt, .jp-icon3, button, .jp-Toolbar'))
         .map(e => ['svg', e]),
      ...[...area.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets' +
         '.widget-inline-hbox, .jupyter-widgets.widget-html, .jupyter-widgets.widget-label')]
         .filter(e => !e.parentElement.closest('.jupyter-widgets')).map(e => ['widget', e]),
    ];
    const text = area.innerText;
    const broken = ['Loading widget...', 'Loading widget…', 'Error displaying widget',
                    'Error rendering output', 'Model not found']
                   .filter(t => text.includes(t));
    if (!items.length && !broken.length) continue;
    cells[index].scrollIntoView({block: 'center'});
    await frame();
    for (const [kind, e] of items) {
      const box = e.getBoundingClientRect();
      found.push({cell: index, kind, width: box.width, height: box.height,
                  natural: kind === 'img' ? e.naturalWidth * e.naturalHeight : null,
                  complete: kind === 'img' ? e.complete : null});
    }
    for (const t of broken) found.push({cell: index, kind: 'broken', text: t});
  }
  return found;
}
"""


def measure_outputs(page: Any) -> list[dict]:
    """Every image, SVG and widget view in the notebook's outputs, with its drawn size."""
    return page.evaluate(MEASURE_OUTPUTS, PANEL)


def scroll_to_last_figure(page: Any) -> bool:
    """Scroll the notebook to its last image or chart; False when it has none."""
    found = page.evaluate(
        """(panel) => {
             const all = [...document.querySelector(panel).querySelectorAll(
               '.jp-OutputArea-output img, .jp-OutputArea-output svg')]
               .filter(e => !e.parentElement.closest('svg'));
             if (!all.length) return false;
             all[all.length - 1].scrollIntoView({block: 'center'});
             return true;
           }""",
        PANEL,
    )
    page.wait_for_timeout(300)
    return found


def scroll_to_end(page: Any) -> None:
    """Scroll the notebook to the bottom of its last cell."""
    page.evaluate(
        """(panel) => {
             const cells = document.querySelector(panel).querySelectorAll('.jp-Notebook .jp-Cell');
             cells[cells.length - 1].scrollIntoView({block: 'end'});
           }""",
        PANEL,
    )
    page.wait_for_timeout(300)
