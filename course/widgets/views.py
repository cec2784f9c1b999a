"""How LiveTraining's progress is drawn: a notebook widget or one text line per epoch.

The callback (:mod:`course.widgets.live`) collects; a view only draws what it is given,
as ``tqdm.keras`` leaves drawing to tqdm. Both views take the same calls:
``begin`` (a fit starts), ``render`` (a :class:`~course.widgets.progress.Snapshot`, and
new curves when an epoch has ended), ``epoch_end`` and ``end``.

The widget's CSS classes are a contract with the browser tests (``tests/browser``):
``course-live`` on the outer box, ``course-stop`` on the Stop button (description
``"Stop"``), ``course-live-plot`` around the SVG curves; the status line of a stopped run
contains "stopped".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from course.widgets.display import fmt_duration, fmt_logs
from course.widgets.progress import Snapshot, Stopped

__all__ = ["TextView", "WidgetView", "LIVE_CLASS", "STOP_CLASS", "PLOT_CLASS"]

LIVE_CLASS, STOP_CLASS, PLOT_CLASS = "course-live", "course-stop", "course-live-plot"

STOP_HINT = (
    "Stop (or interrupting the kernel, ■) ends training after the current batch and keeps "
    "the weights."
)
INTERRUPT_HINT = (
    "To stop early, interrupt the kernel (■): training ends cleanly after the current batch."
)


class TextView:
    """Exactly one line per epoch: ``epoch 3/10 - 4.2s - loss: 0.1234 - val_loss: 0.1456``."""

    def begin(self, stop_button: bool, hint: str) -> None:
        """Nothing to show before the first epoch ends."""

    def render(self, snapshot: Snapshot, chart: str | None) -> None:
        """Nothing between epochs: the log stays one line per epoch."""

    def epoch_end(self, snapshot: Snapshot, seconds: float, stopped: Stopped | None) -> None:
        """Print the epoch's line."""
        line = f"epoch {snapshot.epoch}/{snapshot.epochs} - {seconds:.1f}s"
        if snapshot.logs:
            line += " - " + fmt_logs(snapshot.logs)
        if stopped is not None and stopped.by == "you":
            line += f" - stopped at batch {stopped.batch}/{stopped.steps or '?'}"
        print(line, flush=True)

    def stopping(self) -> None:
        """Nothing to show: the epoch's line will say it."""

    def end(self, seconds: float, stopped: Stopped | None, chart: str | None) -> None:
        """A callback's early stop gets a line of its own (a Stop shows on the epoch's line)."""
        if stopped is not None and stopped.by == "callback":
            print(f"{stopped} ({fmt_duration(seconds)})", flush=True)


class WidgetView:
    """A progress bar with epoch i/N, batch j/M, ETA and throughput, the latest metric
    values, live curves (SVG) and a Stop button, in an ipywidgets box.

    Args:
        on_stop: called when the Stop button is pressed.

    Attributes:
        box: the outer ``VBox`` (CSS class ``course-live``).
    """

    def __init__(self, on_stop: Callable[[], None]) -> None:
        import ipywidgets as w

        self.epoch_label = w.Label("epoch -/-", layout=w.Layout(width="9em"))
        self.bar = w.IntProgress(min=0, max=1, value=0, layout=w.Layout(width="30%"))
        self.stats = w.Label("")
        self.button = w.Button(
            description="Stop",
            icon="stop",
            button_style="warning",
            tooltip="End training after the current batch (keeps weights and history)",
            layout=w.Layout(width="8em"),
        )
        self.button.add_class(STOP_CLASS)
        self.button.on_click(lambda _button: on_stop())
        self.values = w.HTML("")
        self.status = w.HTML("")  # HTML wraps; a Label would cut a long line with "…"
        self.plot = w.HTML("")
        self.plot.add_class(PLOT_CLASS)
        row = w.HBox([self.epoch_label, self.bar, self.stats, self.button])
        self.box = w.VBox([row, self.values, self.plot, self.status])
        self.box.add_class(LIVE_CLASS)

    def begin(self, stop_button: bool, hint: str) -> None:
        """A fit starts: an armed Stop button (or none, when clicks cannot arrive)."""
        self.button.disabled = False
        self.button.description = "Stop"
        self.button.layout.display = None if stop_button else "none"
        self.status.value = escape(hint)

    def render(self, snapshot: Snapshot, chart: str | None) -> None:
        """Show one snapshot: label, bar, numbers and (when given) the curves together."""
        steps = snapshot.steps
        self.epoch_label.value = f"epoch {snapshot.epoch}/{snapshot.epochs}"
        self.bar.max = steps or max(snapshot.batch, 1)
        self.bar.value = min(snapshot.batch, self.bar.max)
        self.stats.value = snapshot.stats
        if snapshot.logs:
            self.values.value = f"<code>{fmt_logs(_numbers(snapshot.logs), sep=' · ')}</code>"
        if chart is not None:
            self.plot.value = chart

    def epoch_end(self, snapshot: Snapshot, seconds: float, stopped: Stopped | None) -> None:
        """Nothing more than :meth:`render` shows."""

    def stopping(self) -> None:
        """Stop was pressed: say so until the current batch ends."""
        self.button.disabled = True
        self.button.description = "Stopping…"

    def end(self, seconds: float, stopped: Stopped | None, chart: str | None) -> None:
        """Training is over: the final curves and how it ended."""
        if chart is not None:
            self.plot.value = chart
        if stopped is not None:
            self.status.value = escape(f"{stopped} ({fmt_duration(seconds)})")
        else:
            self.status.value = f"done in {fmt_duration(seconds)}"
        self.button.disabled = True
        self.button.description = "Stop"


def _numbers(logs: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in logs.items() if isinstance(value, float | int)}
