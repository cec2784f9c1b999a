"""course.widgets.LiveTraining, headless: stopping, the display's consistency, the ETA, the
poll path of the Stop button, metric directions. (A real kernel: test_widgets_kernel.py.)"""

from __future__ import annotations

import signal
import threading
import time

import keras
import numpy as np
import pytest

from course.widgets import LiveTraining, Stopped, display, live
from course.widgets.directions import direction, model_directions
from course.widgets.progress import Eta
from course.widgets.views import INTERRUPT_HINT, LIVE_CLASS, PLOT_CLASS, STOP_CLASS, STOP_HINT

from .widgets_support import (
    SVG,
    Agreement,
    StopAt,
    chart_panels,
    chart_points,
    fit,
    make_data,
    make_model,
)


@pytest.fixture(scope="module")
def data():
    return make_data()


# -- stopping -------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "how"), [("text", "stop()"), ("widget", "button")])
def test_stop_ends_training_after_the_current_batch(data, capsys, mode, how):
    model = make_model()
    initial = [w.copy() for w in model.get_weights()]
    live_cb = LiveTraining(mode=mode, min_interval_ms=0)
    action = live_cb.stop if how == "stop()" else live_cb.view.button.click
    stopper = StopAt(action, epoch=1, batch=2)  # during batch 3 of epoch 2
    history = fit(model, data, live_cb, epochs=5, extra=[stopper])

    assert stopper.seen[-1] == (1, 2), "no batch may run after the stop"
    assert len(stopper.seen) == 6 + 3  # 6 batches of epoch 1 (192 samples), 3 of epoch 2
    assert len(history.history["loss"]) == 2  # epoch 1 and the partial epoch 2
    assert live_cb.history == history.history
    assert set(live_cb.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert live_cb.stopped_at == (2, 3)
    assert live_cb.stopped == Stopped(epoch=2, epochs=5, batch=3, steps=6, by="you")
    assert history.stopped == live_cb.stopped  # for plot_history
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(after, stopper.weights_at_stop, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(after, initial, strict=True))
    if mode == "text":
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 2
        assert lines[1].endswith("stopped at batch 3/6")
    else:
        assert live_cb.view.button.disabled
        status = live_cb.view.status.value
        assert "stopped" in status and "epoch 2 of 5" in status and "batch 3/6" in status
        # the chart says it too, and marks the epoch
        svg = chart_panels(live_cb.chart)["loss"]
        assert "stopped in epoch 2 of 5" in svg.get("data-stopped")
        assert any(line.get("data-key") == "stopped" for line in svg.iter(f"{SVG}line"))


def test_early_stopping_by_a_callback_is_reported(data, capsys):
    class StopAfterEpoch2(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    for mode in ("widget", "text"):
        live_cb = LiveTraining(mode=mode, min_interval_ms=0)
        history = fit(make_model(), data, live_cb, epochs=6, extra=[StopAfterEpoch2()])
        assert live_cb.stopped == Stopped(epoch=2, epochs=6, batch=None, steps=6, by="callback")
        assert live_cb.stopped_at is None  # not stopped by you
        assert history.stopped == live_cb.stopped
        if mode == "widget":
            assert "stopped early" in live_cb.view.status.value
            assert "after epoch 2 of 6" in live_cb.view.status.value
        else:
            lines = capsys.readouterr().out.splitlines()
            assert len(lines) == 3 and lines[-1].startswith("stopped early by a callback after")
    # a run that goes to its end is not "stopped", even with EarlyStopping watching
    patient = keras.callbacks.EarlyStopping(monitor="val_loss", patience=100)
    live_cb = LiveTraining(mode="widget")
    history = fit(make_model(), data, live_cb, epochs=2, extra=[patient])
    assert live_cb.stopped is None and history.stopped is None
    assert live_cb.view.status.value.startswith("done in")


def test_a_late_click_after_training_changes_nothing(data):
    model = make_model()
    live_cb = LiveTraining(mode="widget")
    fit(model, data, live_cb, epochs=1)
    live_cb.view.button.click()
    assert live_cb.view.button.description == "Stop"
    assert not model.stop_training


def test_a_stopped_callback_can_train_again(data):
    model = make_model()
    live_cb = LiveTraining(mode="widget", min_interval_ms=0)
    fit(model, data, live_cb, epochs=3, extra=[StopAt(live_cb.stop, epoch=0, batch=1)])
    assert len(live_cb.history["loss"]) == 1
    history = fit(model, data, live_cb, epochs=2)
    assert live_cb.stopped_at is None and live_cb.stopped is None
    assert live_cb.history == history.history
    assert len(live_cb.history["loss"]) == 2


def test_first_interrupt_stops_cleanly_and_the_handler_is_restored(data):
    before = signal.getsignal(signal.SIGINT)
    model = make_model()
    live_cb = LiveTraining(mode="text")
    interrupt = StopAt(lambda: signal.raise_signal(signal.SIGINT), epoch=0, batch=4)
    try:
        history = fit(model, data, live_cb, epochs=3, extra=[interrupt])
    except KeyboardInterrupt:
        pytest.fail("the first interrupt should stop training, not raise")
    assert len(history.history["loss"]) == 1
    assert live_cb.stopped_at == (1, 5)
    assert signal.getsignal(signal.SIGINT) is before


def test_second_interrupt_raises_keyboard_interrupt(data):
    before = signal.getsignal(signal.SIGINT)
    model = make_model()
    live_cb = LiveTraining(mode="text")

    def press_twice():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        fit(model, data, live_cb, epochs=3, extra=[StopAt(press_twice, epoch=0, batch=1)])
    assert signal.getsignal(signal.SIGINT) is before


# -- the Stop button while fit keeps the cell busy -------------------------------------------


class FakePoller:
    """Stands in for the kernel's queue: `poll` delivers a click once `click_after` polls."""

    def __init__(self, live_cb: LiveTraining, click_after: int | None):
        self.live, self.click_after = live_cb, click_after
        self.polls: list[tuple[float, int]] = []  # (time, batches done in the epoch)
        self.closed = False

    def poll(self):
        self.polls.append((time.perf_counter(), self.live._batches_done))
        if self.click_after is not None and len(self.polls) == self.click_after:
            self.live.view.button.click()  # what the kernel does with the front end's message
        return 0

    def close(self):
        self.closed = True


class SlowBatches(keras.callbacks.Callback):
    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.seconds)


def test_a_click_delivered_by_the_poll_while_fit_runs_stops_training(data, monkeypatch):
    monkeypatch.setattr(display, "in_notebook", lambda: True)
    live_cb = LiveTraining(mode="widget", show=False)
    poller = FakePoller(live_cb, click_after=3)
    monkeypatch.setattr(live.CommPoller, "attach", classmethod(lambda cls: poller))
    seen = {}

    class Peek(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.setdefault("button", live_cb.view.button.layout.display)
            seen.setdefault("status", live_cb.view.status.value)

    history = fit(make_model(), data, live_cb, epochs=50, extra=[Peek(), SlowBatches(0.05)])
    assert seen == {"button": None, "status": STOP_HINT}  # the button is there, and armed
    assert poller.closed
    assert live_cb.stopped is not None and live_cb.stopped.by == "you"
    # polled at most every 0.2 s (not every batch), stopped within a batch of the click
    times = [t for t, _ in poller.polls]
    assert all(b - a >= live.POLL_INTERVAL for a, b in zip(times, times[1:], strict=False))
    clicked_in_batch = poller.polls[2][1]  # the third poll delivered the click
    assert live_cb.stopped == Stopped(epoch=1, epochs=50, batch=clicked_in_batch, steps=6)
    assert len(history.history["loss"]) == 1
    assert "stopped" in live_cb.view.status.value


def test_without_a_poll_path_a_blocking_fit_offers_the_interrupt_not_a_dead_button(
    data, monkeypatch
):
    monkeypatch.setattr(display, "in_notebook", lambda: True)
    monkeypatch.setattr(live.CommPoller, "attach", classmethod(lambda cls: None))
    live_cb = LiveTraining(mode="widget", show=False)
    seen = {}

    class Peek(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen["button"] = live_cb.view.button.layout.display
            seen["status"] = live_cb.view.status.value

    fit(make_model(), data, live_cb, epochs=1, extra=[Peek()])  # main thread: no clicks
    assert seen == {"button": "none", "status": INTERRUPT_HINT}
    worker = threading.Thread(target=fit, args=(make_model(), data, live_cb, 1, [Peek()]))
    worker.start()
    worker.join()
    assert seen["button"] is None  # a fit in a thread leaves the kernel free for clicks
    assert seen["status"] == ""


def test_the_widget_carries_the_css_classes_of_the_browser_contract():
    live_cb = LiveTraining(mode="widget")
    assert LIVE_CLASS in live_cb.widget._dom_classes
    assert STOP_CLASS in live_cb.view.button._dom_classes
    assert live_cb.view.button.description == "Stop"
    assert PLOT_CLASS in live_cb.view.plot._dom_classes
    assert (LIVE_CLASS, STOP_CLASS, PLOT_CLASS) == (
        "course-live",
        "course-stop",
        "course-live-plot",
    )


# -- what is on screen ------------------------------------------------------------------------


def record_screen(live_cb):
    """Wrap the view's render: the screen's state after each update."""
    view, screens = live_cb.view, []
    original = view.render

    def render(snapshot, chart):
        original(snapshot, chart)
        screens.append(
            {
                "label": view.epoch_label.value,
                "bar": (view.bar.value, view.bar.max),
                "stats": view.stats.value,
                "finished": snapshot.finished,
                "points": chart_points(view.plot.value),
                "chart": chart is not None,
            }
        )

    view.render = render
    return screens


def test_every_update_shows_one_consistent_moment(data):
    live_cb = LiveTraining(mode="widget", min_interval_ms=0)
    screens = record_screen(live_cb)
    fit(make_model(), data, live_cb, epochs=3)
    assert len(screens) == 3 * 6 + 3 + 1  # every batch, every epoch end, the final state
    for screen in screens:
        epoch = int(screen["label"].split()[1].split("/")[0])
        batch = int(screen["stats"].split()[1].split("/")[0])
        assert screen["bar"] == (batch, 6), screen
        if screen["finished"]:  # an epoch's end: full bar, its curves drawn
            assert batch == 6 and screen["points"] == epoch, screen
        else:  # during an epoch: the curves of the epochs before it
            assert screen["points"] == epoch - 1, screen
    finals = [s for s in screens if s["finished"]]
    assert [s["label"] for s in finals] == ["epoch 1/3", "epoch 2/3", "epoch 3/3", "epoch 3/3"]
    assert "ETA 0:00" in finals[-1]["stats"]


def test_no_eta_from_the_first_batches(data):
    live_cb = LiveTraining(mode="widget", min_interval_ms=0)
    screens = record_screen(live_cb)
    fit(make_model(), data, live_cb, epochs=3)
    stats = [s["stats"] for s in screens]
    assert all("ETA estimating…" in text for text in stats[:4]), stats[:5]
    assert "ETA 0:" in stats[4]  # from batch 5 on (2 warm-up batches, then 3 measured)


def test_eta_starts_the_clock_after_the_warm_up():
    eta = Eta(total=100, warmup=2, min_batches=3)
    assert eta.update(now=30.0, done=1) is None  # the first batch compiled for 30 s
    assert eta.update(now=30.1, done=2) is None  # the clock starts here
    assert eta.update(now=30.2, done=4) is None  # 2 batches: not enough yet
    assert eta.update(now=30.4, done=5) == pytest.approx(95 * 0.1)  # 10 batches/s
    assert Eta(total=None).update(now=1.0, done=10) is None


def test_curves_show_exactly_the_history(data, capsys):
    model = make_model()
    live_cb = LiveTraining(mode="widget", min_interval_ms=0)
    history = fit(model, data, live_cb, epochs=3)
    assert capsys.readouterr().out == ""  # widget mode never prints
    assert live_cb.history == history.history
    assert live_cb.view.plot.value == live_cb.chart
    charts = chart_panels(live_cb.chart)
    assert list(charts) == ["loss", "accuracy"]  # one chart per metric, loss first
    drawn = {}
    for metric, svg in charts.items():
        lines = svg.findall(f"{SVG}polyline")
        assert [line.get("data-key") for line in lines] == [metric, f"val_{metric}"]
        assert [line.get("stroke-dasharray") for line in lines] == ["none", "5,3"]
        for line in lines:
            assert len(line.get("points").split()) == 3
            drawn[line.get("data-key")] = [float(v) for v in line.get("data-values").split(",")]
        (best,) = [dot for dot in svg.iter(f"{SVG}circle") if dot.get("data-key") == "best"]
        values = history.history[f"val_{metric}"]
        pick = min if metric == "loss" else max
        assert int(best.get("data-epoch")) == values.index(pick(values)) + 1
        assert svg.get("data-stopped") is None
    assert drawn == history.history


def test_text_mode_prints_one_line_per_epoch(data, capsys):
    model = make_model()
    fit(model, data, LiveTraining(mode="text"), epochs=3)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for number, line in enumerate(lines, 1):
        assert line.startswith(f"epoch {number}/3 - ")
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert f" - {key}: " in line


def test_auto_mode_picks_text_without_a_kernel_and_under_nbgrader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not display.in_notebook()
    assert LiveTraining().mode == "text"
    monkeypatch.setattr(display, "in_notebook", lambda: True)
    assert LiveTraining().mode == "widget"
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert LiveTraining().mode == "text"
    with pytest.raises(ValueError, match="mode"):
        LiveTraining(mode="fancy")


@pytest.mark.parametrize(("interval_ms", "redraws", "batch_updates"), [(0, 5, 5 * 6), (1e9, 1, 1)])
def test_throttle(data, interval_ms, redraws, batch_updates):
    live_cb = LiveTraining(mode="widget", min_interval_ms=interval_ms)
    screens = record_screen(live_cb)
    fit(make_model(), data, live_cb, epochs=5)
    # With a huge interval: the first batch is shown, then only the final state.
    assert live_cb.redraws == redraws
    assert sum(not s["finished"] for s in screens) == batch_updates
    assert chart_points(live_cb.chart) == 5  # the final state shows every epoch
    assert screens[-1]["label"] == "epoch 5/5" and screens[-1]["points"] == 5


# -- which way is better: asked of the model ------------------------------------------------


def test_directions_come_from_the_metric_objects(data):
    xent = keras.metrics.SparseCategoricalCrossentropy(name="xent")  # no word says its way
    model = make_model(metrics=["accuracy", Agreement(), xent])
    live_cb = LiveTraining(mode="widget", min_interval_ms=0)
    history = fit(model, data, live_cb, epochs=3)
    known = model_directions(model)
    assert known["loss"] == "min" and known["accuracy"] == "max" and known["xent"] == "min"
    assert direction("xent") is None  # no word in the fallback list knows it
    assert known["loss_agreement"] == "max"  # its object says "up"; its name says "loss"
    assert live_cb.directions == known
    assert direction("val_loss_agreement", known) == "max"
    assert direction("val_loss_agreement") == "min"  # the fallback for plain dicts
    svg = chart_panels(live_cb.chart)["loss_agreement"]
    (best,) = [dot for dot in svg.iter(f"{SVG}circle") if dot.get("data-key") == "best"]
    values = history.history["val_loss_agreement"]
    assert int(best.get("data-epoch")) == values.index(max(values)) + 1


def test_directions_of_a_multi_output_model():
    inputs = keras.Input(shape=(4,))
    model = keras.Model(
        inputs,
        {
            "priority": keras.layers.Dense(1, activation="sigmoid", name="priority")(inputs),
            "department": keras.layers.Dense(3, activation="softmax", name="department")(inputs),
        },
    )
    model.compile(
        "adam",
        loss={"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
        metrics={"priority": ["auc"], "department": ["accuracy"]},
    )
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = {"priority": (x[:, 0] > 0).astype("float32"), "department": (x[:, 1] > 0).astype("int32")}
    history = model.fit(x, y, epochs=1, verbose=0)
    known = model_directions(model)
    for key in history.history:
        way = "min" if key.endswith("loss") else "max"
        assert known.get(key) == way, (key, known)
    assert model_directions(object()) == {}
