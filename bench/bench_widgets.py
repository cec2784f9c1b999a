"""Overhead of LiveTraining over a silent fit, on the MNIST MLP.

    python bench/bench_widgets.py              # 5 rounds: about 4-5 minutes on 2 CPU cores
    python bench/bench_widgets.py --runs 3 --limit 10000

Trains Dense(512, relu) -> Dense(10, softmax) with rmsprop, batch 128, for 2 epochs on the
60,000 training images with the test set as validation, four ways per round:

* ``baseline``: ``verbose=0`` and no callback;
* ``null``: a callback whose ``on_train_batch_end`` does nothing (what any batch-level
  callback costs: Keras then converts the batch logs to floats in the training thread);
* ``widget``: ``LiveTraining(mode="widget")``;
* ``text``: ``LiveTraining(mode="text")``.

The order rotates from round to round, a fresh model is built for every fit and only
``fit`` is timed (wall clock and process CPU time). For the LiveTraining modes the time
spent inside the callback's own hooks is measured too: that share of the fit is the
widget's direct cost, and it does not depend on what else the machine is running, unlike
the wall-clock ratios. The widgets are built headless (no browser), so no messages go to
a frontend; everything else (throttled updates, redraws to PNG) runs as in a notebook.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

MODES = ("baseline", "null", "widget", "text")
HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_end", "on_epoch_end", "on_train_end")


def instrument(callback, spent: list[float]) -> None:
    """Add the time spent in the callback's hooks to spent[0]."""
    for name in HOOKS:
        method = getattr(callback, name)

        def timed(*args, _method=method, **kwargs):
            start = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        setattr(callback, name, timed)


def load(limit: int | None):
    from course import datasets

    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(limit=limit)
    x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 255
    return (x_train, y_train), (x_test, y_test)


def build():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def timed_fit(mode: str, data, epochs: int) -> dict[str, float]:
    import keras

    from course.widgets import LiveTraining

    class Null(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    (x_train, y_train), validation = data
    model = build()
    spent = [0.0]
    callbacks = []
    if mode == "null":
        callbacks = [Null()]
    elif mode in ("widget", "text"):
        callbacks = [LiveTraining(mode=mode, batch_size=128)]
        instrument(callbacks[0], spent)
    sink = io.StringIO()  # the text lines are produced (and timed) but not shown
    with contextlib.redirect_stdout(sink):
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=0,
                  validation_data=validation, callbacks=callbacks)  # fmt: skip
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if mode == "widget":
        assert callbacks[0].redraws >= 1
    return {"wall": wall, "cpu": cpu, "hooks": spent[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds (one fit per mode each)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="training images (default all)")
    args = parser.parse_args()

    data = load(args.limit)
    print(f"{len(data[0][0])} training images, {args.epochs} epochs, batch 128", flush=True)
    timed_fit("widget", data, 1)  # warm-up: TensorFlow start-up, matplotlib, ipywidgets
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    for round_ in range(args.runs):
        shift = round_ % len(MODES)
        for mode in MODES[shift:] + MODES[:shift]:
            runs[mode].append(timed_fit(mode, data, args.epochs))
        row = "  ".join(f"{mode} {runs[mode][-1]['wall']:6.2f}s" for mode in MODES)
        print(f"round {round_ + 1}/{args.runs}: {row}", flush=True)

    def median(mode: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[mode])

    def median_ratio(mode: str, key: str) -> float:
        pairs = zip(runs[mode], runs["baseline"], strict=True)
        return statistics.median(run[key] / base[key] for run, base in pairs)

    print("\nmode      wall median (min)   wall ratio  cpu ratio  time in hooks / fit wall")
    for mode in MODES:
        walls = [run["wall"] for run in runs[mode]]
        share = statistics.median(run["hooks"] / run["wall"] for run in runs[mode])
        print(
            f"{mode:8s}  {median(mode, 'wall'):6.2f}s ({min(walls):6.2f}s)"
            f"  {median_ratio(mode, 'wall'):10.3f}  {median_ratio(mode, 'cpu'):9.3f}"
            f"  {share * 100:6.2f} % ({median(mode, 'hooks') * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
