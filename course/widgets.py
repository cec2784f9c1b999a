"""Watch training happen: a live progress widget, history plots and a small playground.

Three tools, all usable in JupyterLab and all falling back to plain output elsewhere::

    from course.widgets import LiveTraining, plot_history, Playground

    history = model.fit(x, y, epochs=10, validation_split=0.1,
                        verbose=0, callbacks=[LiveTraining()])
    plot_history(history)                                  # one panel per metric
    plot_history({"baseline": h1, "dropout": h2})          # compare runs

* :class:`LiveTraining` is a Keras callback: a progress bar, the current metric values,
  live curves and a Stop button in a notebook; one text line per epoch anywhere else
  (terminals, CI, nbgrader autograding).
* :func:`plot_history` draws a ``History`` like R keras' ``plot(history)``.
* :class:`Playground` is a form (units, layers, dropout, learning rate, epochs) that
  trains a model per click and overlays the validation curves of every run.

Stopping early: Jupyter hands a button click to the kernel only when the kernel is not
busy, so a Stop button cannot be heard while ``model.fit`` keeps a cell running. In that
case ``LiveTraining`` shows a hint instead of the button: *interrupt the kernel* (the
square button, or ``I, I``). It turns the first interrupt into a clean stop: training
ends after the current batch, ``fit`` returns the history so far and the weights are
kept; a second interrupt raises ``KeyboardInterrupt`` as usual. The Playground trains in
a background thread, so there the Stop button is shown and works.

Keras is imported with this module (``LiveTraining`` is a Keras callback); ipywidgets and
matplotlib are imported only when a widget or a figure is made.
"""

from __future__ import annotations

import io
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import keras

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

__all__ = ["LiveTraining", "plot_history", "Playground", "Run", "in_notebook"]

Mode = Literal["auto", "widget", "text"]
Which = Literal["both", "train", "val"]
HistoryDict = dict[str, list[float]]

# Substrings that say which way a metric improves (checked in this order).
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
                    "divergence", "logcosh", "poisson")  # fmt: skip
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "score")


def in_notebook() -> bool:
    """Return True when running inside a Jupyter (IPython) kernel.

    >>> in_notebook()  # in a terminal or under pytest
    False
    """
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _resolve_mode(mode: str) -> str:
    if mode not in ("auto", "widget", "text"):
        raise ValueError(f"mode must be 'auto', 'widget' or 'text', not {mode!r}")
    if mode != "auto":
        return mode
    # nbgrader runs notebooks in a real kernel, but nobody watches: keep the log readable.
    if os.environ.get("NBGRADER_EXECUTION") or not in_notebook():
        return "text"
    return "widget"


def _show(widget: Any) -> None:
    """Display a widget in the notebook; do nothing outside IPython (no repr spam)."""
    if "IPython" in sys.modules:
        from IPython import get_ipython

        if get_ipython() is not None:
            from IPython.display import display

            display(widget)


def _fmt_value(value: float) -> str:
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def _fmt_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _fmt_logs(logs: Mapping[str, Any], sep: str = " - ") -> str:
    return sep.join(
        f"{key}: {_fmt_value(value) if isinstance(value, float | int) else value}"
        for key, value in logs.items()
    )


class LiveTraining(keras.callbacks.Callback):
    """A Keras callback that shows training progress, live curves and a Stop button.

    In a notebook (``mode="widget"``): a progress bar with epoch i/N, batch j/M, ETA and
    throughput, the latest metric values, one live plot per metric (train solid,
    validation dashed) and a Stop button. Anywhere else (``mode="text"``): exactly one
    line per epoch, e.g. ``epoch 3/10 - 4.2s - loss: 0.1234 - val_loss: 0.1456``.
    ``mode="auto"`` picks the widget in a Jupyter kernel and text otherwise (also text
    while nbgrader executes the notebook).

    Stopping early keeps the weights and the history so far: call :meth:`stop`, press
    Stop, or interrupt (see the module docstring). Jupyter cannot deliver a click while
    ``fit`` keeps the cell busy in the main thread, so there the button is replaced by a
    hint to interrupt the kernel; it is shown when ``fit`` runs in a thread (Playground).

    Batch ends only store the batch number and compare the clock; the numbers on screen
    change at most every ``min_interval_ms``. The curves are redrawn at epoch ends, also
    at most every ``min_interval_ms`` (the final state is always drawn). They are small
    SVG charts written directly, which takes well under a millisecond (a matplotlib
    redraw takes about 100 ms); use :func:`plot_history` for the full figure afterwards.

    Args:
        mode: ``"auto"``, ``"widget"`` or ``"text"``.
        min_interval_ms: least time between two screen updates, in milliseconds.
        batch_size: the batch size given to ``fit``; Keras does not tell callbacks, so
            pass it to see samples/s (otherwise batches/s are shown).
        show: display the widget when training starts (``False`` to embed
            :attr:`widget` in your own layout).
        stop_on_interrupt: while ``fit`` runs in the main thread, turn the first
            interrupt (Ctrl-C, or Jupyter's interrupt button) into :meth:`stop`.

    Attributes:
        history: per-epoch logs of the latest ``fit``, metric -> list of floats; equal to
            ``model.fit(...).history.history``.
        redraws: how many times the curves were drawn.
        stopped_at: ``(epoch, batches done in it)``, both counted from 1, when the latest
            ``fit`` was stopped early by :meth:`stop`; otherwise ``None``.
        chart: the latest drawing of the curves, HTML with one ``<svg>`` per metric
            (widget mode).
        widget: the ipywidgets box (widget mode).

    Example::

        live = LiveTraining()
        history = model.fit(x, y, epochs=10, batch_size=128, validation_split=0.1,
                            verbose=0, callbacks=[live])
        assert live.history == history.history
    """

    def __init__(
        self,
        mode: Mode = "auto",
        min_interval_ms: float = 500,
        batch_size: int | None = None,
        show: bool = True,
        stop_on_interrupt: bool = True,
    ) -> None:
        super().__init__()
        self.mode = _resolve_mode(mode)
        if min_interval_ms < 0:
            raise ValueError(f"min_interval_ms must be >= 0, not {min_interval_ms}")
        self.min_interval = min_interval_ms / 1000
        self.batch_size = batch_size
        self.show = show
        self.stop_on_interrupt = stop_on_interrupt
        self.history: HistoryDict = {}
        self.redraws = 0
        self.stopped_at: tuple[int, int] | None = None
        self.chart = ""
        self.widget: Any = None
        self._stop_requested = False
        self._training = False
        self._previous_sigint: Any = None
        self._epoch = 0  # 0-based index of the running epoch
        self._first_epoch = 0  # of this fit (fit(initial_epoch=...) may start later)
        self._batches_done = 0  # in the running epoch
        self._last_update = -math.inf
        self._last_redraw = -math.inf
        self._dirty = False
        self._train_start = self._epoch_start = time.perf_counter()
        if self.mode == "widget":
            self._build_widget()

    # -- the public control -------------------------------------------------------

    def stop(self) -> None:
        """End training after the current batch, keeping the weights and the history.

        The Stop button calls this. Keras finishes the running batch, runs validation on
        the partial epoch, records it and returns from ``fit`` normally. Outside training
        (for instance a click that arrives late) it does nothing.
        """
        if not self._training:
            return
        self._stop_requested = True
        if self.model is not None:
            self.model.stop_training = True
        if self.widget is not None:
            self._button.disabled = True
            self._button.description = "Stopping…"

    # -- Keras hooks ----------------------------------------------------------------

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._training = True
        self.history = {}
        self.stopped_at = None
        self._stop_requested = False
        self._train_start = time.perf_counter()
        self._last_update = self._last_redraw = -math.inf
        self._dirty = False
        self._first_epoch = -1
        self._install_interrupt_handler()
        if self.widget is not None:
            self._button.disabled = False
            self._button.description = "Stop"
            self._status.value = ""
            # A cell that runs fit() keeps the kernel busy, and Jupyter holds button clicks
            # until the cell ends: offer the kernel interrupt instead of a dead button.
            blocking = in_notebook() and threading.current_thread() is threading.main_thread()
            self._button.layout.display = "none" if blocking else None
            if blocking and self._previous_sigint is not None:
                self._status.value = (
                    "To stop early, interrupt the kernel (■): training ends cleanly after "
                    "the current batch."
                )
            if self.show:
                _show(self.widget)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._first_epoch < 0:
            self._first_epoch = epoch
        self._epoch = epoch
        self._batches_done = 0
        self._epoch_start = time.perf_counter()
        if self.widget is not None:
            self._bar.max = self._steps or 1
            self._bar.value = 0
            self._epoch_label.value = f"epoch {epoch + 1}/{self._epochs}"

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # Runs after every batch: keep it to an assignment and a clock check.
        self._batches_done = batch + 1
        if self.widget is None:
            return
        now = time.perf_counter()
        if now - self._last_update < self.min_interval:
            return
        self._last_update = now
        self._update_progress(now, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        for key, value in logs.items():  # as keras.callbacks.History records them
            self.history.setdefault(key, []).append(value)
        if self._stop_requested:
            self.stopped_at = (epoch + 1, self._batches_done)
        seconds = time.perf_counter() - self._epoch_start
        if self.widget is None:
            line = f"epoch {epoch + 1}/{self._epochs} - {seconds:.1f}s"
            if logs:
                line += " - " + _fmt_logs(logs)
            if self.stopped_at is not None:
                line += f" - stopped at batch {self._batches_done}/{self._steps or '?'}"
            print(line, flush=True)
            return
        now = time.perf_counter()
        self._update_progress(now, logs, epoch_done=True)
        self._dirty = True
        if now - self._last_redraw >= self.min_interval:
            self._redraw()

    def on_train_end(self, logs: dict | None = None) -> None:
        self._training = False
        self._restore_interrupt_handler()
        if self.widget is None:
            return
        if self._dirty:
            self._redraw()
        seconds = time.perf_counter() - self._train_start
        if self.stopped_at is not None:
            epoch, done = self.stopped_at
            self._status.value = (
                f"stopped in epoch {epoch} after batch {done}/{self._steps or '?'}"
                f" ({_fmt_duration(seconds)})"
            )
        else:
            self._status.value = f"done in {_fmt_duration(seconds)}"
        self._button.disabled = True
        self._button.description = "Stop"

    # -- helpers ------------------------------------------------------------------------

    @property
    def _epochs(self) -> int:
        return (self.params or {}).get("epochs") or 0

    @property
    def _steps(self) -> int | None:
        return (self.params or {}).get("steps")

    def _install_interrupt_handler(self) -> None:
        self._previous_sigint = None
        if not self.stop_on_interrupt or threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)

        def on_interrupt(signum: int, frame: Any) -> None:
            if self._stop_requested:  # second interrupt: give up politely, as usual
                self._restore_interrupt_handler()
                raise KeyboardInterrupt
            self.stop()

        signal.signal(signal.SIGINT, on_interrupt)
        self._previous_sigint = (previous, on_interrupt)

    def _restore_interrupt_handler(self) -> None:
        if self._previous_sigint is None:
            return
        previous, ours = self._previous_sigint
        self._previous_sigint = None
        if signal.getsignal(signal.SIGINT) is ours and previous is not None:
            signal.signal(signal.SIGINT, previous)

    def _build_widget(self) -> None:
        import ipywidgets as w

        self._epoch_label = w.Label("epoch -/-", layout=w.Layout(width="9em"))
        self._bar = w.IntProgress(min=0, max=1, value=0, layout=w.Layout(width="30%"))
        self._stats = w.Label("")
        self._button = w.Button(
            description="Stop",
            icon="stop",
            button_style="warning",
            tooltip="End training after the current batch (keeps weights and history)",
            layout=w.Layout(width="8em"),
        )
        self._button.on_click(lambda _button: self.stop())
        self._values = w.HTML("")
        self._status = w.Label("")
        self._plot = w.HTML("")
        row = w.HBox([self._epoch_label, self._bar, self._stats, self._button])
        self.widget = w.VBox([row, self._values, self._plot, self._status])

    def _update_progress(self, now: float, logs: dict | None, epoch_done: bool = False) -> None:
        steps = self._steps
        done = self._batches_done
        if epoch_done and steps:
            done = steps if self.stopped_at is None else done
        self._bar.value = min(done, self._bar.max)
        elapsed = now - self._epoch_start
        rate = done / elapsed if elapsed > 0 else 0.0
        pieces = [f"batch {done}/{steps or '?'}"]
        if self.batch_size:
            pieces.append(f"{rate * self.batch_size:,.0f} samples/s")
        else:
            pieces.append(f"{rate:,.1f} batches/s")
        total = self._epochs - self._first_epoch
        if steps and total > 0:
            fraction = (self._epoch - self._first_epoch + min(done, steps) / steps) / total
            spent = now - self._train_start
            if fraction > 0:
                pieces.append(f"ETA {_fmt_duration(spent / fraction * (1 - fraction))}")
        self._stats.value = " · ".join(pieces)
        if logs:
            self._values.value = f"<code>{_fmt_logs(logs, sep=' · ')}</code>"

    def _redraw(self) -> None:
        names = _panel_names({"": self.history}, None)
        panels = "".join(_svg_panel(name, self.history) for name in names)
        self.chart = f'<div style="display:flex;flex-wrap:wrap;gap:6px">{panels}</div>'
        self._plot.value = self.chart
        self.redraws += 1
        self._dirty = False
        self._last_redraw = time.perf_counter()


def _svg_panel(name: str, history: Mapping[str, Sequence[Any]]) -> str:
    """One metric as a small SVG chart: train solid, validation dashed, best epoch circled."""
    width, height, left, right, top, bottom = 300, 190, 50, 10, 34, 22
    inner_w, inner_h = width - left - right, height - top - bottom
    series = [
        (key, [float(v) for v in history[key]], colour, dash)
        for key, colour, dash in ((name, "#1f77b4", "none"), (f"val_{name}", "#ff7f0e", "5,3"))
        if key in history and all(isinstance(v, float | int) for v in history[key])
    ]
    finite = [v for _, values, _, _ in series for v in values if math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    margin = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    y_min, y_max = low - margin, high + margin
    epochs = max(len(values) for _, values, _, _ in series)

    def x(i: int) -> float:
        return left + (i / (epochs - 1) * inner_w if epochs > 1 else inner_w / 2)

    def y(v: float) -> float:
        return top + (y_max - v) / (y_max - y_min) * inner_h

    _, best_values, best_colour, _ = series[-1]  # the validation curve when there is one
    direction = _direction(name)
    best = _best_epoch(best_values, direction) if direction else None
    title = escape(name)
    if best is not None:
        title += f" · best {_fmt_value(best_values[best])} (epoch {best + 1})"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-metric="{escape(name)}" width="{width}"'
        f' height="{height}" font-family="sans-serif" font-size="10" fill="#333">',
        f'<text x="4" y="13" font-size="12" font-weight="bold">{title}</text>',
        f'<rect x="{left}" y="{top}" width="{inner_w}" height="{inner_h}" fill="none"'
        ' stroke="#ccc"/>',
    ]
    for v in sorted({low, (low + high) / 2, high}):  # y labels: lowest, middle, highest
        parts.append(
            f'<line x1="{left}" x2="{left + inner_w}" y1="{y(v):.1f}" y2="{y(v):.1f}"'
            f' stroke="#eee"/><text x="{left - 3}" y="{y(v) + 3:.1f}"'
            f' text-anchor="end">{v:.3g}</text>'
        )
    for i in sorted({0, (epochs - 1) // 2, epochs - 1}):  # x labels: first, middle, last
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{i + 1}</text>')
    parts.append(f'<text x="{left - 8}" y="{height - 8}" text-anchor="end">epoch</text>')
    for index, (key, values, colour, dash) in enumerate(series):
        points = " ".join(
            f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if math.isfinite(v)
        )
        if epochs <= 30:  # dots show single epochs (a one-point line is invisible)
            parts.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2" fill="{colour}"/>'
                for i, v in enumerate(values)
                if math.isfinite(v)
            )
        legend_x = left + 4 + 70 * index
        parts.append(
            f'<polyline data-key="{escape(key)}" data-values="{",".join(map(repr, values))}"'
            f' points="{points}" fill="none" stroke="{colour}" stroke-width="1.8"'
            f' stroke-dasharray="{dash}"/>'
            f'<line x1="{legend_x}" x2="{legend_x + 16}" y1="{top - 9}" y2="{top - 9}"'
            f' stroke="{colour}" stroke-width="1.8" stroke-dasharray="{dash}"/>'
            f'<text x="{legend_x + 20}" y="{top - 6}">{"train" if key == name else "validation"}'
            "</text>"
        )
    if best is not None:
        parts.append(
            f'<circle data-key="best" data-epoch="{best + 1}" cx="{x(best):.1f}"'
            f' cy="{y(best_values[best]):.1f}" r="4" fill="{best_colour}" stroke="#000"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


# -- plot_history -------------------------------------------------------------------------


def _is_history_like(obj: Any) -> bool:
    return isinstance(obj, Mapping) or isinstance(getattr(obj, "history", None), Mapping)


def _check_history(obj: Any, name: str) -> HistoryDict:
    """Turn a History, a LiveTraining or a metric -> list dict into a checked dict."""
    data = obj if isinstance(obj, Mapping) else getattr(obj, "history", None)
    if not isinstance(data, Mapping):
        raise ValueError(
            f"{name}: expected a keras History, its .history dict (metric -> list of "
            f"values) or a LiveTraining, got {type(obj).__name__}"
        )
    if not data:
        raise ValueError(f"{name}: the history is empty (was fit() run for at least 1 epoch?)")
    checked: HistoryDict = {}
    for key, values in data.items():
        if not isinstance(key, str):
            raise ValueError(f"{name}: metric names must be strings, got {key!r}")
        if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
            kind = type(values).__name__
            raise ValueError(f"{name}: {key!r} should be a list of per-epoch values, got {kind}")
        try:
            checked[key] = [float(v) for v in values]
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name}: {key!r} holds a value that is not a number") from error
    lengths = {key: len(values) for key, values in checked.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{name}: metrics have different numbers of epochs: {lengths}")
    if not next(iter(lengths.values())):
        raise ValueError(f"{name}: the history has no epochs")
    return checked


def _as_runs(history: Any) -> dict[str, HistoryDict]:
    """Normalise plot_history's input to {run label: metric -> values}."""
    if isinstance(history, Mapping) and history:
        values = list(history.values())
        if all(_is_history_like(v) for v in values):  # {"baseline": h1, "dropout": h2}
            return {str(label): _check_history(h, f"run {label!r}") for label, h in history.items()}
        if any(_is_history_like(v) for v in values):
            raise ValueError(
                "a dict must be either metric -> list of values, or run name -> history; "
                "this one mixes both"
            )
        return {"": _check_history(history, "history")}
    if isinstance(history, Sequence) and not isinstance(history, str | bytes):
        if not history:
            raise ValueError("no histories given (empty list)")
        return {f"run {i}": _check_history(h, f"run {i}") for i, h in enumerate(history, 1)}
    return {"": _check_history(history, "history")}


def _panel_names(runs: Mapping[str, HistoryDict], metrics: Sequence[str] | None) -> list[str]:
    names: list[str] = []
    for hist in runs.values():
        for key in hist:
            base = key.removeprefix("val_")
            if base not in names:
                names.append(base)
    if "loss" in names:  # Keras sorts the keys; the loss panel reads best first
        names.insert(0, names.pop(names.index("loss")))
    if metrics is None:
        return names
    if isinstance(metrics, str):
        metrics = [metrics]
    wanted = [m.removeprefix("val_") for m in metrics]
    unknown = [m for m in wanted if m not in names]
    if unknown or not wanted:
        raise ValueError(f"unknown metrics {unknown or metrics}; the history has {names}")
    return wanted


def _direction(metric: str) -> str | None:
    """'min', 'max' or None (unknown) for a metric name."""
    name = metric.lower()
    if any(token in name for token in _LOWER_IS_BETTER):
        return "min"
    if any(token in name for token in _HIGHER_IS_BETTER):
        return "max"
    return None


def _best_epoch(values: Sequence[float], direction: str) -> int | None:
    """0-based index of the best value (first one on ties), ignoring NaN."""
    finite = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
    if not finite:
        return None
    if direction == "min":
        return min(finite)[1]
    return min((-v, i) for v, i in finite)[1]


def _draw(
    fig: Figure,
    runs: Mapping[str, HistoryDict],
    metrics: Sequence[str] | None,
    title: str | None,
    which: str,
) -> None:
    """Draw one panel per metric into ``fig``; lines carry the history key as their gid."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    if which not in ("both", "train", "val"):
        raise ValueError(f"which must be 'both', 'train' or 'val', not {which!r}")
    names = _panel_names(runs, metrics)
    ncols = min(len(names), 3)
    nrows = math.ceil(len(names) / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    single = len(runs) == 1
    for ax, name in zip(axes, names, strict=False):
        for index, (label, hist) in enumerate(runs.items()):
            drawn = []
            for key, split in ((name, "train"), (f"val_{name}", "val")):
                if key not in hist or which not in ("both", split):
                    continue
                values = hist[key]
                if single:
                    colour = "C0" if split == "train" else "C1"
                    line_label = "train" if split == "train" else "validation"
                else:
                    colour = f"C{index % 10}"
                    line_label = label if which != "both" else f"{label} ({split})"
                ax.plot(
                    range(1, len(values) + 1),
                    values,
                    "-" if split == "train" else "--",
                    color=colour,
                    label=line_label,
                    gid=key,
                    marker="o" if len(values) <= 25 else None,
                    markersize=3,
                )
                drawn.append((key, values, colour))
            direction = _direction(name)
            if drawn and direction:
                key, values, colour = drawn[-1]  # validation when drawn, else train
                best = _best_epoch(values, direction)
                if best is not None:
                    text = f"best {_fmt_value(values[best]).rstrip('0').rstrip('.')}"
                    ax.plot(
                        [best + 1], [values[best]], linestyle="none", marker="*",
                        markersize=13, color=colour, markeredgecolor="black", gid="best",
                        label=f"{text} (epoch {best + 1})" if single else "_nolegend_",
                    )  # fmt: skip
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if single:
            ax.legend(fontsize="small")
        elif ax is axes[0]:  # one entry per run colour, then what solid and dashed mean
            handles = [Line2D([], [], color=f"C{i % 10}", label=run) for i, run in enumerate(runs)]
            if which == "both":
                handles.append(Line2D([], [], color="grey", label="train"))
                handles.append(Line2D([], [], color="grey", linestyle="--", label="validation"))
            ax.legend(handles=handles, fontsize="small")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)


def plot_history(
    history: Any,
    metrics: Sequence[str] | str | None = None,
    title: str | None = None,
    *,
    which: Which = "both",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Plot training curves: one panel per metric, train solid and validation dashed.

    The best epoch of each curve is marked with a star (lowest for losses and errors
    such as mse/mae, highest for accuracy, AUC, precision, recall); when a run has
    validation values the star sits on the validation curve. Epochs count from 1.

    Args:
        history: a ``keras.callbacks.History``, its ``.history`` dict, a
            :class:`LiveTraining`, or several of them to compare: a dict
            ``{"baseline": h1, "dropout": h2}`` or a list (one colour per run).
        metrics: metric names to draw (``"loss"``, ``"accuracy"``, …); default all.
        title: a title over the figure.
        which: ``"both"``, ``"train"`` or ``"val"`` (only validation curves).
        figsize: figure size in inches; default fits the number of panels.

    Returns:
        The matplotlib Figure (shown when it is the last expression of a cell).

    Raises:
        ValueError: for empty or malformed histories or unknown metric names.

    Example::

        history = model.fit(x, y, epochs=10, validation_split=0.2, verbose=0)
        plot_history(history)
        plot_history({"small": h_small, "big": h_big}, metrics=["loss"], which="val")
    """
    import matplotlib.pyplot as plt

    runs = _as_runs(history)
    panels = len(_panel_names(runs, metrics))
    ncols = min(panels, 3)
    nrows = math.ceil(panels / ncols)
    fig = plt.figure(figsize=figsize or (4.5 * ncols, 3.4 * nrows), layout="constrained")
    # Closed at once: pyplot is only used so that Jupyter knows how to show a Figure;
    # returning an open pyplot figure would show it twice in a notebook.
    plt.close(fig)
    _draw(fig, runs, metrics, title, which)
    return fig


# -- Playground -------------------------------------------------------------------------

BuildFn = Callable[..., "keras.Model"]
Data = tuple[tuple["np.ndarray", "np.ndarray"], tuple["np.ndarray", "np.ndarray"]]


@dataclass
class Run:
    """One Playground run: its label, settings, per-epoch history and trained model."""

    label: str
    params: dict[str, Any]
    history: HistoryDict
    model: keras.Model | None = field(default=None, repr=False)


def _default_builder(x_train: Any, y_train: Any, loss: Any) -> BuildFn:
    """An MLP for the data: Flatten (if needed), hidden Dense+Dropout blocks, an output layer."""
    import numpy as np

    y = np.asarray(y_train)
    if loss == "sparse_categorical_crossentropy":
        outputs, activation = int(y.max()) + 1, "softmax"
    elif loss == "categorical_crossentropy":
        outputs, activation = y.shape[-1], "softmax"
    elif loss == "binary_crossentropy":
        outputs, activation = (1 if y.ndim == 1 else y.shape[-1]), "sigmoid"
    elif isinstance(loss, str):
        outputs, activation = (1 if y.ndim == 1 else y.shape[-1]), None
    else:
        raise ValueError("with a loss that is not a name, pass your own build_fn")
    input_shape = tuple(np.shape(x_train)[1:])

    def build(units: int, layers: int, dropout: float) -> keras.Model:
        model = keras.Sequential([keras.Input(shape=input_shape)])
        if len(input_shape) > 1:
            model.add(keras.layers.Flatten())
        for _ in range(layers):
            model.add(keras.layers.Dense(units, activation="relu"))
            if dropout > 0:
                model.add(keras.layers.Dropout(dropout))
        model.add(keras.layers.Dense(outputs, activation=activation))
        return model

    return build


class Playground:
    """A form for "what happens if…": change the model, train, compare with earlier runs.

    Each run builds a model with ``build_fn(units=, layers=, dropout=)`` (an uncompiled
    Keras model; by default an MLP that fits the data and the loss), compiles it with the
    optimizer at the chosen learning rate, trains it with :class:`LiveTraining` and adds
    it to :attr:`runs`. The figure below the form overlays the validation curves of all
    runs. The Train button trains in a background thread, so the notebook stays usable
    and the Stop button works.

    Args:
        build_fn: ``build_fn(units=..., layers=..., dropout=...) -> keras.Model``, or
            ``None`` for the default MLP.
        data: ``((x_train, y_train), (x_val, y_val))``.
        loss, metrics: passed to ``compile``.
        optimizer: an optimizer name such as ``"rmsprop"`` or ``"adam"``.
        batch_size: passed to ``fit``.
        mode: the :class:`LiveTraining` mode for :meth:`run` outside the form.

    Example::

        pg = Playground(None, ((x_train, y_train), (x_val, y_val)))
        pg                      # shows the form in a notebook
        pg.run(units=16, layers=1, dropout=0.0, lr=1e-3, epochs=2)  # or train from code
        pg.plot()               # validation curves of every run
    """

    def __init__(
        self,
        build_fn: BuildFn | None,
        data: Data,
        *,
        loss: Any = "sparse_categorical_crossentropy",
        metrics: Sequence[Any] = ("accuracy",),
        optimizer: str = "rmsprop",
        batch_size: int = 128,
        mode: Mode = "auto",
    ) -> None:
        try:
            (self.x_train, self.y_train), (self.x_val, self.y_val) = data
        except (TypeError, ValueError) as error:
            raise ValueError("data must be ((x_train, y_train), (x_val, y_val))") from error
        self.build_fn = build_fn or _default_builder(self.x_train, self.y_train, loss)
        self.loss = loss
        self.metrics = list(metrics)
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.mode = mode
        self.runs: list[Run] = []
        self.error: Exception | None = None  # the latest failure of a Train-button run
        self._ui: dict[str, Any] | None = None
        self._thread: threading.Thread | None = None

    def run(
        self,
        units: int = 64,
        layers: int = 1,
        dropout: float = 0.0,
        lr: float = 1e-3,
        epochs: int = 5,
        label: str | None = None,
    ) -> keras.callbacks.History:
        """Build, compile and train one model; record it in :attr:`runs`.

        Returns:
            The ``History`` returned by ``fit``.
        """
        params = {"units": units, "layers": layers, "dropout": dropout, "lr": lr, "epochs": epochs}
        model = self.build_fn(units=units, layers=layers, dropout=dropout)
        optimizer = keras.optimizers.get(
            {"class_name": self.optimizer, "config": {"learning_rate": lr}}
        )
        model.compile(optimizer=optimizer, loss=self.loss, metrics=self.metrics)
        if self._ui is not None:
            live = LiveTraining(mode="widget", show=False, batch_size=self.batch_size)
            self._ui["live"].children = (live.widget,)
        else:
            live = LiveTraining(mode=self.mode, batch_size=self.batch_size)
        history = model.fit(
            self.x_train, self.y_train, validation_data=(self.x_val, self.y_val),
            epochs=epochs, batch_size=self.batch_size, verbose=0, callbacks=[live],
        )  # fmt: skip
        number = len(self.runs) + 1
        label = label or f"#{number} {units}x{layers} dropout={dropout:g} lr={lr:g}"
        self.runs.append(Run(label, params, dict(history.history), model))
        if self._ui is not None:
            self._refresh_overlay()
        return history

    def plot(self, metrics: Sequence[str] | str | None = None, which: Which = "val") -> Figure:
        """Overlay the runs so far (validation curves by default) with :func:`plot_history`."""
        if not self.runs:
            raise ValueError("no runs yet: call run() or press Train first")
        return plot_history({run.label: run.history for run in self.runs}, metrics, which=which)

    def clear(self) -> None:
        """Forget all runs."""
        self.runs.clear()
        if self._ui is not None:
            self._ui["overlay"].value = b""
            self._ui["overlay"].layout.display = "none"

    def wait(self, timeout: float | None = None) -> None:
        """Block until a training started by the Train button has finished."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def controls(self) -> dict[str, Any]:
        """The form's input widgets by name (units, layers, dropout, lr, epochs, train)."""
        return self._build_ui()["controls"]

    @property
    def widget(self) -> Any:
        """The form as an ipywidgets box."""
        return self._build_ui()["box"]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _build_ui(self) -> dict[str, Any]:
        if self._ui is not None:
            return self._ui
        import ipywidgets as w

        style = {"description_width": "6em"}
        controls = {
            "units": w.SelectionSlider(
                options=[4, 8, 16, 32, 64, 128, 256, 512], value=64, description="units",
                style=style,
            ),
            "layers": w.IntSlider(value=1, min=0, max=4, description="layers", style=style),
            "dropout": w.FloatSlider(
                value=0.0, min=0.0, max=0.7, step=0.05, description="dropout", style=style
            ),
            "lr": w.FloatLogSlider(
                value=1e-3, base=10, min=-5, max=-1, step=0.25, description="learning rate",
                readout_format=".0e", style=style,
            ),
            "epochs": w.IntSlider(value=5, min=1, max=50, description="epochs", style=style),
            "train": w.Button(description="Train", icon="play", button_style="success"),
        }  # fmt: skip
        controls["train"].on_click(self._on_train_clicked)
        clear = w.Button(description="Clear runs", icon="trash")
        clear.on_click(lambda _button: self.clear())
        status = w.HTML("")
        live = w.VBox([])
        overlay = w.Image(format="png", layout=w.Layout(display="none"))
        inputs = [controls[name] for name in ("units", "layers", "dropout", "lr", "epochs")]
        box = w.VBox(
            [w.HBox([w.VBox(inputs), w.VBox([controls["train"], clear, status])]), live, overlay]
        )
        self._ui = {"controls": controls, "status": status, "live": live, "overlay": overlay,
                    "box": box}  # fmt: skip
        if self.runs:
            self._refresh_overlay()
        return self._ui

    def _on_train_clicked(self, _button: Any = None) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        controls = self._build_ui()["controls"]
        params = {name: controls[name].value for name in ("units", "layers", "dropout", "lr")}
        params["epochs"] = controls["epochs"].value
        controls["train"].disabled = True
        self._ui["status"].value = "training…"
        self._thread = threading.Thread(target=self._train, kwargs=params, daemon=True)
        self._thread.start()

    def _train(self, **params: Any) -> None:
        ui = self._build_ui()
        self.error = None
        try:
            self.run(**params)
            ui["status"].value = ""
        except Exception as error:  # shown in the form: a thread has nowhere else to report
            message = escape(f"{type(error).__name__}: {error}")
            ui["status"].value = f"<span style='color:#b00'>{message}</span>"
            self.error = error
        finally:
            ui["controls"]["train"].disabled = False

    def _refresh_overlay(self) -> None:
        from matplotlib.figure import Figure

        runs = {run.label: run.history for run in self.runs}
        panels = len(_panel_names(runs, None))
        fig = Figure(figsize=(4.5 * min(panels, 3), 3.4 * math.ceil(panels / 3)),
                     layout="constrained")  # fmt: skip
        _draw(fig, runs, metrics=None, title="validation curves of all runs", which="val")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        overlay = self._ui["overlay"]
        overlay.value = buffer.getvalue()
        overlay.layout.display = None
