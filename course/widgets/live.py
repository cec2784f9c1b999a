"""LiveTraining: a Keras callback that collects training progress for a view to draw."""

from __future__ import annotations

import math
import signal
import threading
import time
from typing import Any

import keras

from course.widgets import display
from course.widgets.directions import model_directions
from course.widgets.display import Mode
from course.widgets.kernel_events import CommPoller
from course.widgets.progress import Eta, Snapshot, Stopped
from course.widgets.svg import svg_chart
from course.widgets.views import INTERRUPT_HINT, STOP_HINT, TextView, WidgetView

__all__ = ["LiveTraining", "HistoryDict", "POLL_INTERVAL"]

HistoryDict = dict[str, list[float]]

POLL_INTERVAL = 0.2  # seconds between two looks at the kernel's queue for a Stop click


class LiveTraining(keras.callbacks.Callback):
    """A Keras callback that shows training progress, live curves and a Stop button.

    In a notebook (``mode="widget"``): a progress bar with epoch i/N, batch j/M, ETA and
    throughput, the latest metric values, one live plot per metric (train solid,
    validation dashed) and a Stop button. Anywhere else (``mode="text"``): exactly one
    line per epoch, e.g. ``epoch 3/10 - 4.2s - loss: 0.1234 - val_loss: 0.1456``.
    ``mode="auto"`` picks the widget in a Jupyter kernel and text otherwise (also text
    while nbgrader executes the notebook).

    Stopping early keeps the weights and the history so far: press Stop, call
    :meth:`stop`, or interrupt the kernel once (a second interrupt raises
    ``KeyboardInterrupt`` as usual). Keras finishes the running batch, validates the
    partial epoch, records it and returns from ``fit`` normally. The Stop button works
    while ``fit`` keeps the cell busy: between batches, at most every 0.2 s, the callback
    lets the kernel handle widget messages (:mod:`course.widgets.kernel_events`). Where
    the kernel does not allow that, the button is hidden and the status line suggests
    the interrupt instead.

    The callback only collects; a view draws (:mod:`course.widgets.views`). Batch ends
    store the batch number and compare the clock; the screen changes at most every
    ``min_interval_ms``, and every change shows one consistent moment: the epoch, its bar
    and its numbers, with the curves of every finished epoch. The ETA is given once the
    first batches (where TensorFlow compiles) are behind; until then it says
    "estimating…".

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
        stopped: how the latest ``fit`` ended early (:class:`Stopped`: by you or by a
            callback such as ``EarlyStopping``), or ``None``. ``fit``'s ``History`` gets
            the same value as its ``stopped`` attribute, for :func:`plot_history`.
        stopped_at: ``(epoch, batches done in it)``, both counted from 1, when the latest
            ``fit`` was stopped by :meth:`stop` (or Stop, or an interrupt); else ``None``.
        directions: which way each metric improves, read from the model's metric objects
            (``{"loss": "min", "accuracy": "max", ...}``).
        redraws: how many times the curves were drawn.
        chart: the latest drawing of the curves, HTML with one ``<svg>`` per metric
            (widget mode).
        view: the :class:`WidgetView` or :class:`TextView` that draws.
        widget: the ipywidgets box (widget mode), else ``None``.

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
        self.mode = display.resolve_mode(mode)
        if min_interval_ms < 0:
            raise ValueError(f"min_interval_ms must be >= 0, not {min_interval_ms}")
        self.min_interval = min_interval_ms / 1000
        self.batch_size = batch_size
        self.show = show
        self.stop_on_interrupt = stop_on_interrupt
        self.history: HistoryDict = {}
        self.stopped: Stopped | None = None
        self.stopped_at: tuple[int, int] | None = None
        self.directions: dict[str, str] = {}
        self.redraws = 0
        self.chart = ""
        self.view: WidgetView | TextView
        if self.mode == "widget":
            self.view = WidgetView(on_stop=self.stop)
            self.widget: Any = self.view.box
        else:
            self.view = TextView()
            self.widget = None
        self._stop_requested = False
        self._training = False
        self._previous_sigint: Any = None
        self._poller: CommPoller | None = None
        self._epoch = 0  # 0-based index of the running epoch
        self._first_epoch = -1  # of this fit (fit(initial_epoch=...) may start later)
        self._batches_done = 0  # in the running epoch
        self._batches_before = 0  # in the earlier epochs of this fit
        self._seen_steps: int | None = None  # batches of the first epoch, if Keras can't say
        self._eta = Eta(None)
        self._last_render = self._last_poll = -math.inf
        self._dirty = False  # finished epochs not drawn yet
        self._last_snapshot: Snapshot | None = None  # at the latest epoch end
        self._train_start = self._epoch_start = time.perf_counter()

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
        self.view.stopping()

    # -- Keras hooks ----------------------------------------------------------------

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._training = True
        self.history = {}
        self.stopped = None
        self.stopped_at = None
        self._stop_requested = False
        self._train_start = time.perf_counter()
        self._last_render = self._last_poll = -math.inf
        self._dirty = False
        self._first_epoch = -1
        self._batches_before = 0
        self._seen_steps = None
        self._last_snapshot = None
        self.directions = model_directions(self.model)
        self._install_interrupt_handler()
        blocking = (
            self.widget is not None
            and display.in_notebook()
            and threading.current_thread() is threading.main_thread()
        )
        # A cell that runs fit() keeps the kernel busy: clicks reach the Stop button only
        # if the callback lets the kernel look at its queue between batches.
        self._poller = CommPoller.attach() if blocking else None
        if blocking and self._poller is not None:
            hint = STOP_HINT
        elif blocking and self._previous_sigint is not None:
            hint = INTERRUPT_HINT
        else:
            hint = ""
        self.view.begin(stop_button=not blocking or self._poller is not None, hint=hint)
        if self.widget is not None and self.show:
            display.show(self.widget)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._first_epoch < 0:
            self._first_epoch = epoch
            self._eta = Eta(self._total_batches())
        self._epoch = epoch
        self._batches_done = 0
        self._epoch_start = time.perf_counter()
        # Nothing is drawn here: the finished epoch stays on screen until this one's
        # first update, so the label, the bar and the curves never disagree.

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # Runs after every batch: an assignment and a clock check, unless it is time.
        self._batches_done = batch + 1
        if self.widget is None:
            return
        now = time.perf_counter()
        if self._poller is not None and now - self._last_poll >= POLL_INTERVAL:
            self._last_poll = now
            self._poller.poll()
        if now - self._last_render >= self.min_interval:
            self._render(now, logs, finished=False)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        # Validation can be long too: keep listening for Stop (it ends after validation).
        if self._poller is not None:
            now = time.perf_counter()
            if now - self._last_poll >= POLL_INTERVAL:
                self._last_poll = now
                self._poller.poll()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        for key, value in logs.items():  # as keras.callbacks.History records them
            self.history.setdefault(key, []).append(value)
        if epoch == self._first_epoch:  # Keras builds the compiled metrics in the first batch
            self.directions = model_directions(self.model)
        if self._seen_steps is None and not self._steps:
            self._seen_steps = self._batches_done
            self._eta = Eta(self._total_batches())
        if self._stop_requested:
            self.stopped_at = (epoch + 1, self._batches_done)
            self.stopped = Stopped(epoch + 1, self._epochs, self._batches_done, self._steps)
        now = time.perf_counter()
        seconds = now - self._epoch_start
        self._dirty = True
        snapshot = self._snapshot(now, logs, finished=True)
        self._last_snapshot = snapshot
        self._batches_before += self._batches_done
        if self.widget is None:
            self.view.epoch_end(snapshot, seconds, self.stopped)
            return
        if now - self._last_render >= self.min_interval:
            self._render(now, logs, finished=True, snapshot=snapshot)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._training = False
        if self._poller is not None:
            self._poller.close()
            self._poller = None
        self._restore_interrupt_handler()
        if self.stopped is None and getattr(self.model, "stop_training", False) and self.history:
            # Another callback (EarlyStopping, TerminateOnNaN, ...) ended the fit early.
            planned = self._epochs - max(self._first_epoch, 0)
            if len(next(iter(self.history.values()))) < planned:
                self.stopped = Stopped(self._epoch + 1, self._epochs, steps=self._steps,
                                       by="callback")  # fmt: skip
        history = getattr(self.model, "history", None)
        if isinstance(history, keras.callbacks.History):
            history.stopped = self.stopped  # read by plot_history
        chart = None
        if self.widget is not None:
            if self._dirty or self.stopped is not None:
                chart = self._draw_chart()
            if self._last_snapshot is not None:  # the final state, whatever the throttle did
                self.view.render(self._last_snapshot, chart)
        self.view.end(time.perf_counter() - self._train_start, self.stopped, chart)

    # -- helpers ------------------------------------------------------------------------

    @property
    def _epochs(self) -> int:
        return (self.params or {}).get("epochs") or 0

    @property
    def _steps(self) -> int | None:
        return (self.params or {}).get("steps") or self._seen_steps

    def _total_batches(self) -> int | None:
        steps = self._steps
        return steps * (self._epochs - max(self._first_epoch, 0)) if steps else None

    def _snapshot(self, now: float, logs: dict | None, finished: bool) -> Snapshot:
        steps = self._steps
        done = self._batches_done
        if finished and steps and self.stopped is None:
            done = steps
        elapsed = now - self._epoch_start
        eta = self._eta.update(now, self._batches_before + done)
        return Snapshot(
            epoch=self._epoch + 1,
            epochs=self._epochs,
            batch=done,
            steps=steps,
            finished=finished,
            eta=0.0 if finished and self._epoch + 1 >= self._epochs else eta,
            estimating=eta is None and self._eta.total is not None,
            rate=self._batches_done / elapsed if elapsed > 0 else 0.0,
            batch_size=self.batch_size,
            logs=dict(logs or {}),
        )

    def _render(
        self, now: float, logs: dict | None, finished: bool, snapshot: Snapshot | None = None
    ) -> None:
        self._last_render = now
        snapshot = snapshot or self._snapshot(now, logs, finished)
        chart = self._draw_chart() if self._dirty else None
        self.view.render(snapshot, chart)

    def _draw_chart(self) -> str:
        self.chart = svg_chart(self.history, self.directions, self.stopped)
        self.redraws += 1
        self._dirty = False
        return self.chart

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
