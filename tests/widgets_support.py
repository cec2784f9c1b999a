"""Shared helpers of the course.widgets tests (tests/test_widgets_*.py): tiny data and models,
a callback that acts at a given batch, and readers for figures and SVG charts."""

from __future__ import annotations

from xml.etree import ElementTree

import keras
import numpy as np

BATCH = 32
N = 256  # with validation_split=0.25: 6 training batches per epoch
SVG = "{http://www.w3.org/2000/svg}"


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 8)).astype("float32")
    y = ((x[:, 0] > 0).astype("int32") + (x[:, 1] > 0.5)).astype("int32")  # 3 classes
    return x, y


def make_model(seed: int = 0, metrics=("accuracy",)) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=list(metrics),
        run_eagerly=True,  # no tracing: faster for a few tiny batches
    )  # fmt: skip
    return model


def fit(model, data, live, epochs, extra=(), **kwargs):
    x, y = data
    return model.fit(
        x, y, epochs=epochs, batch_size=BATCH, validation_split=0.25, verbose=0,
        callbacks=[live, *extra], **kwargs,
    )  # fmt: skip


class StopAt(keras.callbacks.Callback):
    """Calls `action` during batch `batch` (0-based) of epoch `epoch` (0-based)."""

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


class Agreement(keras.metrics.Mean):
    """A metric to maximise whose name a word list would read as a loss."""

    def __init__(self, name="loss_agreement", **kwargs):
        super().__init__(name=name, **kwargs)
        self._direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None):
        hit = keras.ops.cast(
            keras.ops.equal(keras.ops.cast(y_true, "int64"), keras.ops.argmax(y_pred, -1)),
            "float32",
        )
        return super().update_state(hit, sample_weight)


def curve_lines(ax):
    return [line for line in ax.lines if line.get_gid() not in (None, "best", "stopped")]


def best_markers(ax):
    return [line for line in ax.lines if line.get_gid() == "best"]


def panel(fig, name):
    matches = [ax for ax in fig.axes if ax.get_visible() and ax.get_title() == name]
    assert len(matches) == 1, [ax.get_title() for ax in fig.axes]
    return matches[0]


def chart_panels(chart: str) -> dict:
    """LiveTraining's chart (HTML holding one SVG per metric) parsed: metric -> <svg>."""
    root = ElementTree.fromstring(chart)
    return {svg.get("data-metric"): svg for svg in root.iter(f"{SVG}svg")}


def chart_points(chart: str, metric: str = "loss") -> int:
    """How many epochs the train curve of `metric` shows in a chart ('' shows none)."""
    if not chart:
        return 0
    line = chart_panels(chart)[metric].find(f"{SVG}polyline")
    return len(line.get("points").split())
