"""The live curves as small SVG charts, written directly (well under a millisecond).

A matplotlib redraw takes about 100 ms, too slow to repeat every epoch of a fast fit;
:func:`~course.widgets.plot_history` draws the full figure afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from course.widgets.directions import best_epoch, direction, panel_names
from course.widgets.display import fmt_value
from course.widgets.progress import Stopped

__all__ = ["svg_chart", "svg_panel"]

TRAIN_COLOUR, VAL_COLOUR, STOP_COLOUR = "#1f77b4", "#ff7f0e", "#b00"


def svg_chart(
    history: Mapping[str, Sequence[Any]],
    directions: Mapping[str, str] | None = None,
    stopped: Stopped | None = None,
) -> str:
    """HTML holding one SVG chart per metric (``loss`` first), side by side."""
    names = panel_names([history])
    panels = "".join(svg_panel(name, history, directions, stopped) for name in names)
    return f'<div style="display:flex;flex-wrap:wrap;gap:6px">{panels}</div>'


def svg_panel(
    name: str,
    history: Mapping[str, Sequence[Any]],
    directions: Mapping[str, str] | None = None,
    stopped: Stopped | None = None,
) -> str:
    """One metric as a small SVG chart: train solid, validation dashed, best epoch circled.

    Each curve is a ``<polyline>`` with ``data-key`` (the history key) and
    ``data-values``; the best epoch is a circle with ``data-key="best"`` and
    ``data-epoch``. A stopped run says so under the title (``data-stopped``).
    """
    width, height, left, right, top, bottom = 300, 190, 50, 10, 34, 22
    if stopped is not None:
        top += 12
        height += 12
    inner_w, inner_h = width - left - right, height - top - bottom
    series = [
        (key, [float(v) for v in history[key]], colour, dash)
        for key, colour, dash in ((name, TRAIN_COLOUR, "none"), (f"val_{name}", VAL_COLOUR, "5,3"))
        if key in history and all(isinstance(v, float | int) for v in history[key])
    ]
    finite = [v for _, values, _, _ in series for v in values if math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    margin = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    y_min, y_max = low - margin, high + margin
    epochs = max(len(values) for _, values, _, _ in series)

    def x(i: int) -> float:
        return left + (i / (epochs - 1) * inner_w if epochs > 1 else inner_w / 2)

    def y(v: float) -> float:
        return top + (y_max - v) / (y_max - y_min) * inner_h

    _, best_values, best_colour, _ = series[-1]  # the validation curve when there is one
    way = direction(name, directions)
    best = best_epoch(best_values, way) if way else None
    title = escape(name)
    if best is not None:
        title += f" · best {fmt_value(best_values[best])} (epoch {best + 1})"
    stopped_attr = f' data-stopped="{escape(str(stopped))}"' if stopped is not None else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-metric="{escape(name)}" width="{width}"'
        f' height="{height}" font-family="sans-serif" font-size="10" fill="#333"{stopped_attr}>',
        f'<text x="4" y="13" font-size="12" font-weight="bold">{title}</text>',
    ]
    if stopped is not None:
        parts.append(f'<text x="4" y="26" fill="{STOP_COLOUR}">■ {escape(str(stopped))}</text>')
    parts.append(
        f'<rect x="{left}" y="{top}" width="{inner_w}" height="{inner_h}" fill="none"'
        ' stroke="#ccc"/>'
    )
    for v in sorted({low, (low + high) / 2, high}):  # y labels: lowest, middle, highest
        parts.append(
            f'<line x1="{left}" x2="{left + inner_w}" y1="{y(v):.1f}" y2="{y(v):.1f}"'
            f' stroke="#eee"/><text x="{left - 3}" y="{y(v) + 3:.1f}"'
            f' text-anchor="end">{v:.3g}</text>'
        )
    for i in sorted({0, (epochs - 1) // 2, epochs - 1}):  # x labels: first, middle, last
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{i + 1}</text>')
    parts.append(f'<text x="{left - 8}" y="{height - 8}" text-anchor="end">epoch</text>')
    for index, (key, values, colour, dash) in enumerate(series):
        points = " ".join(
            f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if math.isfinite(v)
        )
        if epochs <= 30:  # dots show single epochs (a one-point line is invisible)
            parts.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2" fill="{colour}"/>'
                for i, v in enumerate(values)
                if math.isfinite(v)
            )
        legend_x = left + 4 + 70 * index
        parts.append(
            f'<polyline data-key="{escape(key)}" data-values="{",".join(map(repr, values))}"'
            f' points="{points}" fill="none" stroke="{colour}" stroke-width="1.8"'
            f' stroke-dasharray="{dash}"/>'
            f'<line x1="{legend_x}" x2="{legend_x + 16}" y1="{top - 9}" y2="{top - 9}"'
            f' stroke="{colour}" stroke-width="1.8" stroke-dasharray="{dash}"/>'
            f'<text x="{legend_x + 20}" y="{top - 6}">{"train" if key == name else "validation"}'
            "</text>"
        )
    if best is not None:
        parts.append(
            f'<circle data-key="best" data-epoch="{best + 1}" cx="{x(best):.1f}"'
            f' cy="{y(best_values[best]):.1f}" r="4" fill="{best_colour}" stroke="#000"/>'
        )
    if stopped is not None and epochs:  # a red mark on the last (stopped) epoch
        parts.append(
            f'<line data-key="stopped" x1="{x(epochs - 1):.1f}" x2="{x(epochs - 1):.1f}"'
            f' y1="{top}" y2="{top + inner_h}" stroke="{STOP_COLOUR}" stroke-dasharray="2,2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
