"""Chapter 2's models on the full canonical data: accuracy / MAE against the course targets,
wall time and peak memory per model.

    python bench/accuracy.py                      # all four: mnist imdb reuters boston
    python bench/accuracy.py imdb reuters         # some of them
    python bench/accuracy.py --fast               # fast-mode sizes (a quick smoke test)
    python bench/accuracy.py --seed 7 boston      # another random start

Each model follows the recipe of ``solutions/02_mlp/02_mlp.ipynb`` (same layers,
optimizer, batch sizes, epochs, validation split and retraining), with
``COURSE_FAST=0`` unless ``--fast`` is given. Each runs in its own Python process,
so the peak RSS printed is that model's own (TensorFlow included). CPU-only runs
take a few minutes per model; run it in the background (``nohup ... &``) if needed.

Targets (full data): MNIST test accuracy >= 0.978, IMDB >= 0.87, Reuters >= 0.77,
Boston housing 4-fold validation MAE <= 2.6 (thousands of dollars). With ``--fast``
the thresholds are the fast-mode ones that the notebook uses.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("mnist", "imdb", "reuters", "boston")

# (metric, full-data target, fast-mode threshold, higher is better)
TARGETS = {
    "mnist": ("test accuracy", 0.978, 0.85, True),
    "imdb": ("test accuracy", 0.87, 0.80, True),
    "reuters": ("test accuracy", 0.77, 0.70, True),
    "boston": ("4-fold val MAE", 2.6, 3.2, False),
}


# --------------------------------------------------------------------------------------
# The recipes (the notebook's, section by section)
# --------------------------------------------------------------------------------------


def _multi_hot(sequences, dimension=10_000):
    import numpy as np

    out = np.zeros((len(sequences), dimension), dtype="uint8")
    for i, seq in enumerate(sequences):
        out[i, list(seq)] = 1
    return out


def _best_epoch(history) -> int:
    import numpy as np

    return int(np.argmin(history.history["val_loss"])) + 1


def _make_dataset(x, y, batch_size, shuffle=False):
    """The notebook's input pipeline: uint8 batches from one TensorFlow copy of the data."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x))
    return ds.batch(batch_size).with_options(options)


def _dense_stack(input_dim, hidden, outputs, activation, loss, metrics):
    import keras

    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    for units in hidden:
        model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(outputs, activation=activation))
    model.compile(optimizer="rmsprop", loss=loss, metrics=metrics)
    return model


def run_mnist() -> dict:
    from course import datasets, pick

    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(limit=pick(full=None, fast=10_000))
    x_train = x_train.reshape(len(x_train), 28 * 28).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 28 * 28).astype("float32") / 255
    model = _dense_stack(784, [512], 10, "softmax", "sparse_categorical_crossentropy",
                         ["accuracy"])  # fmt: skip
    model.fit(x_train, y_train, epochs=pick(full=10, fast=3), batch_size=128, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return {"value": accuracy, "detail": f"{len(x_train)} train images"}


def _text_classifier(load, hidden, outputs, activation, loss, val_fraction, epochs, one_hot=False):
    """Train with a validation split, pick the best epoch, retrain on all, evaluate."""
    import keras
    import numpy as np

    from course import pick

    (train_data, y_train), (test_data, y_test) = load()
    x_train, x_test = _multi_hot(train_data), _multi_hot(test_data)
    del train_data, test_data
    if one_hot:
        y_train, y_test = (keras.utils.to_categorical(y, outputs) for y in (y_train, y_test))
    else:
        y_train, y_test = (np.asarray(y, "float32") for y in (y_train, y_test))
    n_val = int(len(x_train) * val_fraction)
    batch_size = pick(full=512, fast=128)
    train = _make_dataset(x_train[n_val:], y_train[n_val:], batch_size, shuffle=True)
    val = _make_dataset(x_train[:n_val], y_train[:n_val], batch_size)
    model = _dense_stack(10_000, hidden, outputs, activation, loss, ["accuracy"])
    history = model.fit(train, validation_data=val, epochs=epochs, verbose=0)
    epochs = _best_epoch(history)
    model = _dense_stack(10_000, hidden, outputs, activation, loss, ["accuracy"])
    model.fit(_make_dataset(x_train, y_train, batch_size, shuffle=True), epochs=epochs, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    return {"value": accuracy, "detail": f"best epoch {epochs}, retrained on {len(x_train)}"}


def run_imdb() -> dict:
    from course import datasets, pick

    def load():
        return datasets.load_imdb(num_words=10_000, limit=pick(full=None, fast=5_000))

    return _text_classifier(
        load, [16, 16], 1, "sigmoid", "binary_crossentropy", 0.4, epochs=pick(full=20, fast=12)
    )


def run_reuters() -> dict:
    from course import datasets, pick

    def load():
        return datasets.load_reuters(num_words=10_000, limit=pick(full=None, fast=3_000))

    return _text_classifier(
        load,
        [64, 64],
        46,
        "softmax",
        "categorical_crossentropy",
        1 / 9,
        epochs=pick(full=20, fast=10),
        one_hot=True,
    )


def run_boston() -> dict:
    import numpy as np

    from course import datasets, pick

    (x_train, y_train), (x_test, y_test) = datasets.load_boston_housing()
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    k, epochs = 4, pick(full=150, fast=15)
    folds = np.array_split(np.arange(len(x_train)), k)
    curves, scores = [], []
    for i, val in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        model = _dense_stack(13, [64, 64], 1, None, "mse", ["mae"])
        history = model.fit(
            x_train[train], y_train[train], validation_data=(x_train[val], y_train[val]),
            epochs=epochs, batch_size=16, verbose=0,
        )  # fmt: skip
        curves.append(history.history["val_mae"])
        scores.append(history.history["val_mae"][-1])
    mean_curve = np.mean(curves, axis=0)
    best = int(np.argmin(mean_curve)) + 1
    model = _dense_stack(13, [64, 64], 1, None, "mse", ["mae"])
    model.fit(x_train, y_train, epochs=best, batch_size=16, verbose=0)
    _, test_mae = model.evaluate(x_test, y_test, verbose=0)
    folds_text = ", ".join(f"{s:.2f}" for s in scores)
    return {
        "value": float(np.mean(scores)),
        "detail": f"folds [{folds_text}]; best epoch {best}; test MAE {test_mae:.2f}",
    }


RUNS = {"mnist": run_mnist, "imdb": run_imdb, "reuters": run_reuters, "boston": run_boston}


# --------------------------------------------------------------------------------------
# Driver: one child process per model
# --------------------------------------------------------------------------------------


def _child(name: str, seed: int) -> None:
    import warnings

    import keras

    warnings.filterwarnings("ignore", message="`shuffle=True` was passed")

    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    result = RUNS[name]()
    result["wall_s"] = time.perf_counter() - start
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result), flush=True)


def _run_child(name: str, fast: bool, seed: int) -> dict:
    env = {**os.environ, "COURSE_FAST": "1" if fast else "0"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--seed", str(seed)],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{name} failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"some of {', '.join(MODELS)} (default: all)")  # fmt: skip
    parser.add_argument("--fast", action="store_true", help="fast-mode data and epochs")
    parser.add_argument("--seed", type=int, default=42, help="keras.utils.set_random_seed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.seed)
        return
    names = args.models or list(MODELS)
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    mode = "fast" if args.fast else "full"
    print(f"chapter 2 models, {mode} data, seed {args.seed}", flush=True)
    header = f"{'model':8s} {'metric':15s} {'value':>7s} {'target':>8s} {'ok':3s} "
    print(header + f"{'wall s':>7s} {'peak RSS MB':>11s}  detail", flush=True)
    failed = []
    for name in names:
        metric, full_target, fast_target, higher = TARGETS[name]
        target = fast_target if args.fast else full_target
        result = _run_child(name, args.fast, args.seed)
        ok = result["value"] >= target if higher else result["value"] <= target
        if not ok:
            failed.append(name)
        sign = ">=" if higher else "<="
        print(
            f"{name:8s} {metric:15s} {result['value']:7.4f} {sign}{target:<6g} "
            f"{'yes' if ok else 'NO':3s} {result['wall_s']:7.1f} {result['peak_rss_mb']:11.0f}"
            f"  {result['detail']}",
            flush=True,
        )
    if failed:
        raise SystemExit(f"below target: {', '.join(failed)}")


if __name__ == "__main__":
    main()
