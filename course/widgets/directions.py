"""Metric names: one panel per metric, which way each improves, the best epoch.

Keras 3 metric objects say whether they should go up or down (``Metric._direction``,
``"up"`` or ``"down"``; ``EarlyStopping(mode="auto")`` reads the same attribute), and the
losses are the model's loss trackers. :func:`model_directions` collects them from a
compiled model under the names they have in the training logs. A plain history dict
carries no model; only then is the direction guessed from the metric's name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "Direction",
    "model_directions",
    "directions_of",
    "direction",
    "best_epoch",
    "panel_names",
]

Direction = Literal["min", "max"]

# Fallback for histories without a model: substrings that say which way a metric improves
# (checked in this order).
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
                    "divergence", "logcosh", "poisson")  # fmt: skip
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2", "score")


def model_directions(model: Any) -> dict[str, Direction]:
    """Metric name (as in the logs, without ``val_``) -> ``"min"`` or ``"max"``.

    Read from a compiled Keras model: ``"loss"`` and the per-output losses are lowered;
    each compiled metric goes the way its ``_direction`` says. Metrics of multi-output
    models appear under ``<output>_<metric>`` as in the logs. Metrics whose objects say
    nothing are left out. Anything that is not a compiled Keras model gives ``{}``.
    """
    try:
        metrics = list(model.metrics)
    except Exception:  # not built, not compiled, not a model
        return {}
    directions: dict[str, Direction] = {"loss": "min"}
    compile_loss = getattr(model, "_compile_loss", None)
    for tracker in getattr(compile_loss, "metrics", None) or []:  # e.g. "priority_loss"
        directions[tracker.name] = "min"
    outputs = [name for name in (getattr(model, "output_names", None) or []) if name]
    for top in metrics:
        nested = getattr(top, "metrics", None)
        # CompileMetrics / MetricsList hold the compiled metrics; others are metrics.
        members = nested if isinstance(nested, list) and nested else [top]
        for metric in members:
            way = {"up": "max", "down": "min"}.get(getattr(metric, "_direction", None))
            if way is None:
                continue
            directions.setdefault(metric.name, way)
            for output in outputs:
                directions.setdefault(f"{output}_{metric.name}", way)
    return directions


def directions_of(source: Any) -> dict[str, Direction]:
    """The metric directions of whatever carries a model: a ``History``, a callback, a model."""
    model = source if hasattr(source, "metrics") and hasattr(source, "compile") else None
    if model is None:
        model = getattr(source, "model", None)
    return model_directions(model) if model is not None else {}


def direction(metric: str, known: Mapping[str, str] | None = None) -> Direction | None:
    """``"min"``, ``"max"`` or ``None`` (unknown) for a metric name.

    Args:
        metric: the name in the logs; a ``val_`` prefix is ignored.
        known: directions from the model (:func:`model_directions`); asked first. Only
            names it does not know are guessed from words such as "loss" or "acc".
    """
    name = metric.removeprefix("val_")
    if known and name in known:
        return known[name]  # type: ignore[return-value]
    lower = name.lower()
    if any(token in lower for token in _LOWER_IS_BETTER):
        return "min"
    if any(token in lower for token in _HIGHER_IS_BETTER):
        return "max"
    return None


def best_epoch(values: Sequence[float], way: str) -> int | None:
    """0-based index of the best value (the first one on ties), ignoring NaN."""
    finite = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
    if not finite:
        return None
    if way == "min":
        return min(finite)[1]
    return min((-v, i) for v, i in finite)[1]


def panel_names(
    histories: Sequence[Mapping[str, Any]], metrics: Sequence[str] | str | None = None
) -> list[str]:
    """The metrics to draw, one panel each: ``loss`` first, then in the histories' order.

    ``val_x`` shares the panel of ``x``. ``metrics`` picks panels by name (with or
    without ``val_``).

    Raises:
        ValueError: when ``metrics`` names a metric no history has.
    """
    names: list[str] = []
    for hist in histories:
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
