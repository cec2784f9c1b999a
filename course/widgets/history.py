"""plot_history: training curves after the fact, like R keras' ``plot(history)``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from course.widgets.directions import best_epoch, direction, directions_of, panel_names
from course.widgets.display import fmt_value
from course.widgets.progress import Stopped

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_history", "Which", "Curves", "as_runs", "draw_runs", "figure_size"]

Which = Literal["both", "train", "val"]
HistoryDict = dict[str, list[float]]

STOP_COLOUR = "#b00"


@dataclass
class Curves:
    """One run to draw: its label, per-epoch values, how it stopped, metric directions."""

    label: str
    history: HistoryDict
    stopped: Stopped | None = None
    directions: dict[str, str] = field(default_factory=dict)
    source: Any = field(default=None, repr=False)

    @property
    def legend_label(self) -> str:
        """The label, and how the run stopped when it did."""
        if self.stopped is None:
            return self.label
        return f"{self.label} ({self.stopped.label})" if self.label else self.stopped.label


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


def _curves(label: str, obj: Any, name: str) -> Curves:
    stopped = getattr(obj, "stopped", None)
    return Curves(
        label=label,
        history=_check_history(obj, name),
        stopped=stopped if isinstance(stopped, Stopped) else None,
        directions=directions_of(obj),
        source=obj,
    )


def as_runs(history: Any) -> list[Curves]:
    """Normalise plot_history's input to a list of runs (one, unlabelled, for a single one).

    The same run given twice (the same object, or equal values) is drawn once, under
    both labels: ``"baseline (16 units) / baseline"``.
    """
    if isinstance(history, Mapping) and history:
        values = list(history.values())
        if all(_is_history_like(v) for v in values):  # {"baseline": h1, "dropout": h2}
            runs = [_curves(str(label), h, f"run {label!r}") for label, h in history.items()]
            return _merge_duplicates(runs)
        if any(_is_history_like(v) for v in values):
            raise ValueError(
                "a dict must be either metric -> list of values, or run name -> history; "
                "this one mixes both"
            )
        return [_curves("", history, "history")]
    if isinstance(history, Sequence) and not isinstance(history, str | bytes):
        if not history:
            raise ValueError("no histories given (empty list)")
        return _merge_duplicates(
            [_curves(f"run {i}", h, f"run {i}") for i, h in enumerate(history, 1)]
        )
    return [_curves("", history, "history")]


def _merge_duplicates(runs: list[Curves]) -> list[Curves]:
    kept: list[Curves] = []
    for run in runs:
        twin = next((k for k in kept if k.source is run.source or k.history == run.history), None)
        if twin is None:
            kept.append(run)
        else:
            twin.label = f"{twin.label} / {run.label}"
    return kept


def figure_size(panels: int, runs: Sequence[Curves] = ()) -> tuple[float, float]:
    """Width and height in inches for ``panels`` panels, 3 per row, and for several runs
    the legend beside them (as wide as its longest label, within reason)."""
    ncols = min(panels, 3)
    width, height = 4.5 * ncols, 3.4 * math.ceil(panels / ncols)
    if len(runs) > 1:
        longest = max(len(run.legend_label) for run in runs)
        width += min(max(2.2, 0.07 * longest + 0.7), 5.0)
    return width, height


def draw_runs(
    fig: Figure,
    runs: Sequence[Curves],
    metrics: Sequence[str] | str | None,
    title: str | None,
    which: str,
) -> None:
    """Draw one panel per metric into ``fig``; lines carry the history key as their gid.

    One run: train (C0, solid) and validation (C1, dashed), a legend in each panel where
    it hides the least data. Several runs: one colour per run, solid for train and
    dashed for validation, and one legend for the figure, outside the panels, whose
    samples are drawn as the curves are. A stopped run is marked by a dotted red line at
    its last epoch and says so in the legend (and, for a single run, in the title).
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    if which not in ("both", "train", "val"):
        raise ValueError(f"which must be 'both', 'train' or 'val', not {which!r}")
    names = panel_names([run.history for run in runs], metrics)
    ncols = min(len(names), 3)
    nrows = math.ceil(len(names) / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    single = len(runs) == 1
    for ax, name in zip(axes, names, strict=False):
        for index, run in enumerate(runs):
            hist = run.history
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
                    line_label = run.label if which != "both" else f"{run.label} ({split})"
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
            way = direction(name, run.directions)
            if drawn and way:
                key, values, colour = drawn[-1]  # validation when drawn, else train
                best = best_epoch(values, way)
                if best is not None:
                    text = f"best {fmt_value(values[best]).rstrip('0').rstrip('.')}"
                    ax.plot(
                        [best + 1], [values[best]], linestyle="none", marker="*",
                        markersize=13, color=colour, markeredgecolor="black", gid="best",
                        label=f"{text} (epoch {best + 1})" if single else "_nolegend_",
                    )  # fmt: skip
            if drawn and run.stopped is not None:
                ax.axvline(
                    len(drawn[-1][1]), color=STOP_COLOUR, linestyle=":", linewidth=1.2,
                    gid="stopped", label=run.stopped.label if single else "_nolegend_",
                )  # fmt: skip
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if single:
            ax.legend(fontsize="small", loc="best")
    if not single:  # one legend for all panels, beside them: it hides no data
        style = {"both": "", "train": "-", "val": "--"}[which]
        handles = [
            Line2D(
                [],
                [],
                color=f"C{i % 10}",
                label=run.legend_label,
                linestyle=style or "none",
                marker=None if style else "s",
                markersize=8,
            )  # fmt: skip
            for i, run in enumerate(runs)
        ]
        if which == "both":
            handles.append(Line2D([], [], color="grey", linestyle="-", label="train"))
            handles.append(Line2D([], [], color="grey", linestyle="--", label="validation"))
        if any(run.stopped is not None for run in runs):
            handles.append(
                Line2D([], [], color=STOP_COLOUR, linestyle=":", label="where a run stopped")
            )
        fig.legend(handles=handles, loc="outside right center", fontsize="small")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    if single and runs[0].stopped is not None:
        title = f"{title} ({runs[0].stopped})" if title else str(runs[0].stopped).capitalize()
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

    The best epoch of each curve is marked with a star: lowest or highest as the
    model's metric objects say (a ``History`` knows its model); for a plain dict, lowest
    for losses and errors such as mse/mae, highest for accuracy, AUC, precision, recall.
    When a run has validation values the star sits on the validation curve. Epochs count
    from 1. A run stopped early (Stop, or a callback such as ``EarlyStopping``, seen by
    :class:`LiveTraining`) says so in the title or its legend entry.

    Args:
        history: a ``keras.callbacks.History``, its ``.history`` dict, a
            :class:`LiveTraining`, or several of them to compare: a dict
            ``{"baseline": h1, "dropout": h2}`` or a list (one colour per run). Give
            each run once: the same run under two names is drawn once, labelled
            ``"name 1 / name 2"``.
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

    runs = as_runs(history)
    panels = len(panel_names([run.history for run in runs], metrics))
    width, height = figsize or figure_size(panels, runs)
    fig = plt.figure(figsize=(width, height), layout="constrained")
    # Closed at once: pyplot is only used so that Jupyter knows how to show a Figure;
    # returning an open pyplot figure would show it twice in a notebook.
    plt.close(fig)
    draw_runs(fig, runs, metrics, title, which)
    return fig
