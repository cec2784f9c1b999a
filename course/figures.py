"""A chapter's headline figures: what it measured, beside the target it aims for.

A notebook records each figure it is judged on::

    from course.figures import record
    record("test accuracy", test_acc, target=course.pick(full=0.90, fast=0.5))
    record("weather GRU test MAE", mae, target=naive_mae, better="lower", unit="°C")

The student sees one plain line (``test accuracy: 0.9312 (target ≥ 0.90: met)``).
When the environment variable ``COURSE_FIGURES`` names a file, the figure is also
appended to it as one JSON line: ``bench/bench_notebooks.py`` sets it, runs the
solution notebook and prints every figure beside its target, so the numbers in a
closing note come from the notebook itself, not from a copy of its recipe.

Recording never asserts: whether a random run met its target is reported, not tested.

A run's seed is a setting too: :func:`seed` reads ``COURSE_SEED`` (default: the
notebook's own) and seeds Python, NumPy and the backend with it, so
``COURSE_SEED=3`` gives another repeatable run of the same notebook.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from course.fast import is_fast

__all__ = ["Figure", "record", "read", "seed", "ENV", "SEED_ENV"]

ENV = "COURSE_FIGURES"
SEED_ENV = "COURSE_SEED"

_seed_in_use: int | None = None  # set by seed(), recorded with each figure


@dataclass(frozen=True)
class Figure:
    """One measured figure: ``value`` against ``target`` (None: no target, shown only)."""

    name: str
    value: float
    target: float | None = None
    better: Literal["higher", "lower"] = "higher"
    unit: str = ""
    mode: str = "full"
    seed: int | None = None

    @property
    def met(self) -> bool | None:
        """Whether the value reaches the target (None without a target)."""
        if self.target is None:
            return None
        if self.better == "higher":
            return self.value >= self.target
        return self.value <= self.target

    def describe(self) -> str:
        """One line for people: ``name: value unit (target ≥ t: met)``."""
        unit = f" {self.unit}" if self.unit else ""
        text = f"{self.name}: {_fmt(self.value)}{unit}"
        if self.target is not None:
            sign = "≥" if self.better == "higher" else "≤"
            verdict = "met" if self.met else "not met"
            text += f" (target {sign} {_fmt(self.target)}{unit}: {verdict})"
        return text


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def record(
    name: str,
    value: float,
    target: float | None = None,
    *,
    better: Literal["higher", "lower"] = "higher",
    unit: str = "",
    quiet: bool = False,
) -> Figure:
    """Record a headline figure: print it beside its target and, when ``COURSE_FIGURES``
    names a file, append it there as a JSON line. Returns the :class:`Figure`."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better={better!r}: say 'higher' or 'lower' (which way is better).")
    try:
        number = float(value)
    except (TypeError, ValueError):
        message = f"record({name!r}, ...): the value must be a number, not {value!r}."
        raise TypeError(message) from None
    figure = Figure(
        name=name,
        value=number,
        target=None if target is None else float(target),
        better=better,
        unit=unit,
        mode="fast" if is_fast() else "full",
        seed=_seed_in_use,
    )
    if not quiet:
        print(figure.describe())
    path = os.environ.get(ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(figure)) + "\n")
    return figure


def read(path: str | Path) -> list[Figure]:
    """The figures recorded in a ``COURSE_FIGURES`` file, in order."""
    path = Path(path)
    if not path.is_file():
        return []
    return [Figure(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def seed(default: int = 42) -> int:
    """Seed Python, NumPy and the Keras backend from ``COURSE_SEED`` (else ``default``) and
    return the seed, so a notebook's run is repeatable and another seed is one setting away."""
    text = os.environ.get(SEED_ENV, "").strip()
    try:
        value = int(text) if text else default
    except ValueError:
        message = f"{SEED_ENV}={text!r} is not a whole number; set e.g. {SEED_ENV}=3."
        raise ValueError(message) from None
    import keras

    global _seed_in_use
    keras.utils.set_random_seed(value)
    _seed_in_use = value
    return value
