"""course.widgets, headless: LiveTraining, plot_history and Playground on tiny random data."""

from __future__ import annotations

import signal
import threading
from xml.etree import ElementTree

import keras
import numpy as np
import pytest

from course import widgets
from course.widgets import LiveTraining, Playground, plot_history

BATCH = 32
N = 256  # 8 batches per epoch


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 8)).astype("float32")
    y = ((x[:, 0] > 0).astype("int32") + (x[:, 1] > 0.5)).astype("int32")  # 3 classes
    return x, y


def make_model(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
        run_eagerly=True,  # no tracing: faster for a few tiny batches
    )  # fmt: skip
    return model


def fit(model, data, live, epochs, extra=(), **kwargs):
    x, y = data
    return model.fit(
        x, y, epochs=epochs, batch_size=BATCH, validation_split=0.25, verbose=0,
        callbacks=[live, *extra], **kwargs,
    )  # fmt: skip


def curve_lines(ax):
    return [line for line in ax.lines if line.get_gid() not in (None, "best")]


def best_markers(ax):
    return [line for line in ax.lines if line.get_gid() == "best"]


def panel(fig, name):
    matches = [ax for ax in fig.axes if ax.get_visible() and ax.get_title() == name]
    assert len(matches) == 1, [ax.get_title() for ax in fig.axes]
    return matches[0]


SVG = "{http://www.w3.org/2000/svg}"


def chart_panels(chart: str) -> dict:
    """LiveTraining's chart (HTML holding one SVG per metric) parsed: metric -> <svg>."""
    root = ElementTree.fromstring(chart)
    return {svg.get("data-metric"): svg for svg in root.iter(f"{SVG}svg")}


class StopAt(keras.callbacks.Callback):
    """Stops training during batch `batch` (0-based) of epoch `epoch` (0-based)."""

    def __init__(self, action, epoch, batch):
        super().__init__()
        self.action, self.at = action, (epoch, batch)
        self.seen: list[tuple[int, int]] = []
        self.weights_at_stop = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append((self.epoch, batch))
        if (self.epoch, batch) == self.at:
            self.weights_at_stop = [w.copy() for w in self.model.get_weights()]
            self.action()


# -- LiveTraining -------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "how"), [("text", "stop()"), ("widget", "button")])
def test_stop_ends_training_after_the_current_batch(data, capsys, mode, how):
    model = make_model()
    initial = [w.copy() for w in model.get_weights()]
    live = LiveTraining(mode=mode, min_interval_ms=0)
    action = live.stop if how == "stop()" else live._button.click
    stopper = StopAt(action, epoch=1, batch=2)  # during batch 3 of epoch 2
    history = fit(model, data, live, epochs=5, extra=[stopper])

    assert stopper.seen[-1] == (1, 2), "no batch may run after the stop"
    assert len(stopper.seen) == 6 + 3  # 6 batches of epoch 1 (192 samples), 3 of epoch 2
    assert len(history.history["loss"]) == 2  # epoch 1 and the partial epoch 2
    assert live.history == history.history
    assert set(live.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert live.stopped_at == (2, 3)
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(after, stopper.weights_at_stop, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(after, initial, strict=True))
    if mode == "text":
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 2
        assert lines[1].endswith("stopped at batch 3/6")
    else:
        assert live._button.disabled


def test_blocking_fit_in_a_notebook_offers_the_interrupt_not_a_dead_button(data, monkeypatch):
    monkeypatch.setattr(widgets, "in_notebook", lambda: True)
    live = LiveTraining(mode="widget")
    seen = {}

    class Peek(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen["button"] = live._button.layout.display
            seen["status"] = live._status.value

    fit(make_model(), data, live, epochs=1, extra=[Peek()])  # main thread: clicks can't arrive
    assert seen["button"] == "none"
    assert "interrupt the kernel" in seen["status"]
    worker = threading.Thread(target=fit, args=(make_model(), data, live, 1, [Peek()]))
    worker.start()
    worker.join()
    assert seen["button"] is None  # a fit in a thread leaves the kernel free for clicks
    assert seen["status"] == ""


def test_a_late_click_after_training_changes_nothing(data):
    model = make_model()
    live = LiveTraining(mode="widget")
    fit(model, data, live, epochs=1)
    live._button.click()
    assert live._button.description == "Stop"
    assert not model.stop_training


def test_a_stopped_callback_can_train_again(data):
    model = make_model()
    live = LiveTraining(mode="widget", min_interval_ms=0)
    fit(model, data, live, epochs=3, extra=[StopAt(live.stop, epoch=0, batch=1)])
    assert len(live.history["loss"]) == 1
    history = fit(model, data, live, epochs=2)
    assert live.stopped_at is None
    assert live.history == history.history
    assert len(live.history["loss"]) == 2


def test_first_interrupt_stops_cleanly_and_the_handler_is_restored(data):
    before = signal.getsignal(signal.SIGINT)
    model = make_model()
    live = LiveTraining(mode="text")
    interrupt = StopAt(lambda: signal.raise_signal(signal.SIGINT), epoch=0, batch=4)
    try:
        history = fit(model, data, live, epochs=3, extra=[interrupt])
    except KeyboardInterrupt:
        pytest.fail("the first interrupt should stop training, not raise")
    assert len(history.history["loss"]) == 1
    assert live.stopped_at == (1, 5)
    assert signal.getsignal(signal.SIGINT) is before


def test_second_interrupt_raises_keyboard_interrupt(data):
    before = signal.getsignal(signal.SIGINT)
    model = make_model()
    live = LiveTraining(mode="text")

    def press_twice():
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        fit(model, data, live, epochs=3, extra=[StopAt(press_twice, epoch=0, batch=1)])
    assert signal.getsignal(signal.SIGINT) is before


def test_curves_show_exactly_the_history(data, capsys):
    model = make_model()
    live = LiveTraining(mode="widget", min_interval_ms=0)
    history = fit(model, data, live, epochs=3)
    assert capsys.readouterr().out == ""  # widget mode never prints
    assert live.history == history.history
    assert live._plot.value == live.chart
    charts = chart_panels(live.chart)
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
    assert not widgets.in_notebook()
    assert LiveTraining().mode == "text"
    monkeypatch.setattr(widgets, "in_notebook", lambda: True)
    assert LiveTraining().mode == "widget"
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert LiveTraining().mode == "text"
    with pytest.raises(ValueError, match="mode"):
        LiveTraining(mode="fancy")


@pytest.mark.parametrize(("interval_ms", "redraws", "batch_updates"), [(0, 5, 5 * 6), (1e9, 2, 1)])
def test_throttle(data, interval_ms, redraws, batch_updates):
    model = make_model()
    live = LiveTraining(mode="widget", min_interval_ms=interval_ms)
    calls = []
    original = live._update_progress
    live._update_progress = lambda now, logs, epoch_done=False: (
        calls.append(epoch_done),
        original(now, logs, epoch_done),
    )
    fit(model, data, live, epochs=5)
    # With a huge interval: the first epoch is drawn, then only the final state.
    assert live.redraws == redraws
    assert calls.count(False) == batch_updates  # from batch ends
    assert calls.count(True) == 5  # every epoch end updates the numbers
    loss = chart_panels(live.chart)["loss"].find(f"{SVG}polyline")
    assert len(loss.get("points").split()) == 5  # the final redraw shows every epoch


# -- plot_history -------------------------------------------------------------------------

HIST = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "mae": [0.9, 0.5, 0.6, 0.2],
    "val_loss": [1.1, 0.7, 0.5, 0.8],  # best (lowest) at epoch 3
    "val_accuracy": [0.4, 0.9, 0.7, 0.8],  # best (highest) at epoch 2
    "val_mae": [1.0, 0.4, 0.6, 0.5],  # best (lowest) at epoch 2
}


def test_plot_history_panels_lines_and_best_epochs():
    fig = plot_history(HIST, title="demo")
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["loss", "accuracy", "mae"]
    assert fig.get_suptitle() == "demo"
    for name, best_epoch in (("loss", 3), ("accuracy", 2), ("mae", 2)):
        ax = panel(fig, name)
        lines = {line.get_gid(): line for line in curve_lines(ax)}
        assert set(lines) == {name, f"val_{name}"}
        assert list(lines[name].get_xdata()) == [1, 2, 3, 4]
        assert list(lines[name].get_ydata()) == HIST[name]
        assert lines[name].get_linestyle() == "-"
        assert lines[f"val_{name}"].get_linestyle() == "--"
        (marker,) = best_markers(ax)
        assert list(marker.get_xdata()) == [best_epoch]
        assert list(marker.get_ydata()) == [HIST[f"val_{name}"][best_epoch - 1]]


def test_best_epoch_on_train_curve_without_validation_and_none_for_unknown_metrics():
    fig = plot_history({"loss": [3.0, 1.0, 2.0], "learning_rate": [0.1, 0.1, 0.01]})
    (marker,) = best_markers(panel(fig, "loss"))
    assert list(marker.get_xdata()) == [2]
    assert best_markers(panel(fig, "learning_rate")) == []


def test_plot_history_metrics_and_which():
    fig = plot_history(HIST, metrics=["val_accuracy"], which="val")
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    assert ax.get_title() == "accuracy"
    assert [line.get_gid() for line in curve_lines(ax)] == ["val_accuracy"]
    with pytest.raises(ValueError, match="unknown metrics"):
        plot_history(HIST, metrics=["auc"])
    with pytest.raises(ValueError, match="which"):
        plot_history(HIST, which="test")


def test_plot_history_accepts_history_and_live_training(data):
    model = make_model()
    live = LiveTraining(mode="text")
    history = fit(model, data, live, epochs=2)
    for source in (history, history.history, live):
        fig = plot_history(source)
        lines = {line.get_gid(): list(line.get_ydata()) for line in curve_lines(panel(fig, "loss"))}
        assert lines == {"loss": history.history["loss"], "val_loss": history.history["val_loss"]}


@pytest.mark.parametrize("as_list", [False, True])
def test_plot_history_compares_runs(as_list):
    other = {key: [v * 0.9 for v in values] for key, values in HIST.items()}
    short = {key: values[:2] for key, values in HIST.items()}
    runs = [HIST, other, short] if as_list else {"base": HIST, "other": other, "short": short}
    fig = plot_history(runs)
    ax = panel(fig, "loss")
    lines = curve_lines(ax)
    assert len(lines) == 6  # train + validation for each of 3 runs
    assert sorted(line.get_linestyle() for line in lines) == ["-"] * 3 + ["--"] * 3
    colours = {line.get_label().rsplit(" (", 1)[0]: line.get_color() for line in lines}
    names = ["run 1", "run 2", "run 3"] if as_list else ["base", "other", "short"]
    assert sorted(colours) == sorted(names)
    assert len(set(colours.values())) == 3  # one colour per run
    assert len(best_markers(ax)) == 3
    assert [len(line.get_xdata()) for line in lines] == [4, 4, 4, 4, 2, 2]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        [],
        None,
        42,
        {"loss": 0.5},
        {"loss": "0.5"},
        {"loss": [1.0, "x"]},
        {"loss": [1.0, 0.5], "val_loss": [1.0]},
        {"loss": []},
        {"base": HIST, "loss": [1.0]},
        [HIST, {}],
    ],
)
def test_plot_history_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        plot_history(bad)


# -- Playground ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(192, 4, 4)).astype("float32")  # 2-D samples: the MLP flattens them
    y = (x[:, 0, 0] > 0).astype("int32")
    return (x[:128], y[:128]), (x[128:], y[128:])


def test_playground_run_appends_runs_and_overlays_validation_curves(images):
    pg = Playground(None, images, batch_size=32, mode="text")
    first = pg.run(units=8, layers=1, dropout=0.0, lr=1e-3, epochs=2)
    second = pg.run(units=16, layers=2, dropout=0.2, lr=1e-2, epochs=3)
    assert len(pg.runs) == 2
    assert pg.runs[0].history == first.history and pg.runs[1].history == second.history
    assert pg.runs[1].params == {"units": 16, "layers": 2, "dropout": 0.2, "lr": 1e-2, "epochs": 3}
    assert len(pg.runs[1].model.layers) == 1 + 2 * 2 + 1  # flatten, 2 x (dense, dropout), out
    fig = pg.plot()
    for name in ("loss", "accuracy"):
        lines = curve_lines(panel(fig, name))
        assert [line.get_gid() for line in lines] == [f"val_{name}"] * 2
        assert [len(line.get_xdata()) for line in lines] == [2, 3]
        assert [line.get_label() for line in lines] == [run.label for run in pg.runs]


def test_playground_train_button_uses_the_form_values(images):
    pg = Playground(None, images, batch_size=32)
    controls = pg.controls
    controls["units"].value = 16
    controls["layers"].value = 2
    controls["dropout"].value = 0.1
    controls["epochs"].value = 2
    controls["train"].click()
    pg.wait(timeout=120)
    assert pg.error is None
    assert len(pg.runs) == 1
    params = pg.runs[0].params
    assert (params["units"], params["layers"], params["dropout"], params["epochs"]) == (
        16, 2, 0.1, 2,
    )  # fmt: skip
    assert params["lr"] == pytest.approx(controls["lr"].value)
    assert len(pg.runs[0].history["val_loss"]) == 2
    assert bytes(pg._ui["overlay"].value).startswith(b"\x89PNG")
    assert not controls["train"].disabled
    (live_widget,) = pg._ui["live"].children  # the run's LiveTraining, inside the form
    assert pg._ui["live"] in pg.widget.children
    assert live_widget.children[0].children[-1].description == "Stop"


def test_playground_rejects_bad_data_and_empty_plot(images):
    with pytest.raises(ValueError, match="data"):
        Playground(None, images[0])
    with pytest.raises(ValueError, match="no runs"):
        Playground(None, images).plot()
