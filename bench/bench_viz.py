"""Render times of the course visualisers (draw + save to PNG), median of several repeats.

    python bench/bench_viz.py              # 7 repeats
    python bench/bench_viz.py --repeats 15

Goal: each case under 0.5 s. The first call of each case is a warm-up and is not timed.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

GOAL_S = 0.5


def twenty_layer_model():
    """A 20-layer convnet (Input not counted): 5 blocks of Conv-BN-Conv-Pool."""
    import keras
    from keras import layers

    stack = [keras.Input((64, 64, 3))]
    for filters in (16, 32, 64, 96):
        stack += [
            layers.Conv2D(filters, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(filters, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
        ]
    stack += [layers.Flatten(), layers.Dropout(0.5), layers.Dense(64, "relu"), layers.Dense(10)]
    model = keras.Sequential(stack, name="twenty_layers")
    assert len(model.layers) == 20
    return model


def time_render(draw: Callable, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds for draw() plus savefig to an in-memory PNG.

    CPU time is printed too because wall time is noisy on a busy machine.
    """
    import matplotlib.pyplot as plt

    wall, cpu = [], []
    for i in range(repeats + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        fig = draw()
        fig.savefig(io.BytesIO(), format="png")
        if i:  # the first round warms up caches (fonts, Keras)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        plt.close(fig)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    import numpy as np

    from course.viz import show_model, show_tensor

    model = twenty_layer_model()
    tensor = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), dtype="uint8")
    cases = {
        "show_model (20-layer convnet)": lambda: show_model(model),
        "show_tensor (2, 8, 8, 3)": lambda: show_tensor(tensor),
    }
    print(f"median of {args.repeats} renders incl. savefig PNG; goal < {GOAL_S} s each")
    for name, draw in cases.items():
        wall, cpu = time_render(draw, args.repeats)
        verdict = "ok" if wall < GOAL_S else "SLOW"
        print(f"  {name:32s} wall {wall:6.3f} s   cpu {cpu:6.3f} s   {verdict}")


if __name__ == "__main__":
    main()
