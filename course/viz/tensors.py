"""``show_tensor``: draw a tensor of rank 0 to 5 as nested blocks of cells.

How each rank is drawn:

* rank 0: one box;
* rank 1: a strip of cells;
* rank 2: a grid (rows x columns);
* rank 3: a cube, i.e. a stack of grids drawn as offset layers;
* rank 4: a row of cubes (a batch);
* rank 5: rows of batches (for example a batch of videos: samples x frames x cube).

Which axis of a cube is the stack? If the last axis is called ``channels`` (the default
name for rank 3, 4 and 5), each layer is one channel (an ``height x width`` slice), the
way image tensors are usually pictured. Otherwise the first axis is the stack, the way
NumPy prints a 3-D array: ``(samples, height, width)`` is drawn as one grid per sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["show_tensor", "as_array", "DEFAULT_AXIS_NAMES"]

DEFAULT_AXIS_NAMES: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("elements",),
    2: ("rows", "columns"),
    3: ("height", "width", "channels"),
    4: ("samples", "height", "width", "channels"),
    5: ("samples", "frames", "height", "width", "channels"),
}
_CHANNEL_NAMES = {"channels", "channel", "colors", "colours", "filters"}
_MAX_BLOCKS = 4  # cubes per row (and rows) before the batch axes are cut with an ellipsis
_CMAP = "Blues"
_INK = "#1f2d3d"
_ARROW = {"arrowstyle": "<->", "color": _INK, "lw": 0.8, "shrinkA": 0, "shrinkB": 0}


def _nested_shape(x: Any, where: str = "x") -> tuple[int, ...]:
    """Shape of a nested list, or a ValueError naming the first place where it is ragged."""
    if isinstance(x, np.ndarray):
        return x.shape
    if not isinstance(x, list | tuple):
        return ()
    shapes = [_nested_shape(item, f"{where}[{i}]") for i, item in enumerate(x)]
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            raise ValueError(
                f"ragged list: {where}[0] has shape {shapes[0]} but {where}[{i}] has shape "
                f"{shape}. A tensor is rectangular: all entries along an axis must have the "
                "same length. Pad the short entries (e.g. with zeros) first."
            )
    return (len(x), *(shapes[0] if shapes else ()))


def as_array(x: Any) -> np.ndarray:
    """Turn a NumPy array, a TensorFlow tensor or a nested list into a numeric NumPy array.

    Raises a ``ValueError`` that says what is wrong for ragged lists and non-numbers::

        >>> as_array([[1, 2], [3, 4]]).shape
        (2, 2)
    """
    if hasattr(x, "numpy"):
        x = x.numpy()
    elif isinstance(x, list | tuple):
        _nested_shape(x)
    arr = np.asarray(x)
    if arr.dtype == bool:
        arr = arr.astype(np.int8)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(
            f"expected numbers, got an array of dtype {arr.dtype!s} (shape {arr.shape}); "
            "is it ragged, or does it hold strings?"
        )
    return arr


def _pick(n: int, limit: int) -> list[int | None]:
    """Indices to draw along an axis of length n; None marks the ellipsis."""
    if n <= limit:
        return list(range(n))
    return [*range(max(limit - 2, 1)), None, n - 1]


def _count(n: int, name: str) -> str:
    """'3 channels', but '1 channel'."""
    return f"{n} {name[:-1] if n == 1 and name.endswith('s') else name}"


def _fmt(value: float, integer: bool) -> str:
    if not np.isfinite(value):
        return str(value)
    if integer:
        return str(int(value))
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.3g}"


def _to_blocks(arr: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, list[str | None]]:
    """View any rank as 5 axes (sequence, batch, layer, row, column); missing axes get None."""
    rank = arr.ndim
    outer = max(rank - 3, 0)
    cube_names: list[str | None] = list(names[outer:])
    if rank >= 3 and str(cube_names[-1]).lower() in _CHANNEL_NAMES:
        arr = np.moveaxis(arr, -1, outer)  # channels become the stack of layers
        cube_names = [cube_names[-1], *cube_names[:-1]]
    cube_names = [None] * (3 - len(cube_names)) + cube_names
    outer_names: list[str | None] = [None] * (2 - outer) + list(names[:outer])
    return arr.reshape((1,) * (5 - rank) + arr.shape), outer_names + cube_names


class _Cube:
    """Geometry of one drawn cube (every cube of a tensor has the same one)."""

    def __init__(self, shape: tuple[int, int, int], max_values: int):
        layers, rows, cols = shape
        self.heat = rows > max_values and cols > max_values
        if self.heat:  # a heat map keeps every pixel, scaled to max_values cells
            scale = max_values / max(rows, cols)
            self.rows: list[int | None] = list(range(rows))
            self.cols: list[int | None] = list(range(cols))
            self.w, self.h = cols * scale, rows * scale
        else:
            self.rows, self.cols = _pick(rows, max_values), _pick(cols, max_values)
            self.w, self.h = len(self.cols), len(self.rows)
        self.layers = _pick(layers, max_values)
        n = len(self.layers)
        self.depth = 0.0 if n == 1 else min(0.45 * (n - 1), 0.5 * max(self.w, self.h))
        self.step = self.depth / max(n - 1, 1)

    def face(self, grid: np.ndarray) -> np.ndarray:
        """The drawn part of one layer, with NaN rows/columns where the ellipses go."""
        if self.heat:
            return grid.astype(float)
        r = [i if i is not None else 0 for i in self.rows]
        c = [j if j is not None else 0 for j in self.cols]
        out = grid[np.ix_(r, c)].astype(float)
        out[[i is None for i in self.rows], :] = np.nan
        out[:, [j is None for j in self.cols]] = np.nan
        return out


def _draw_cube(ax: Axes, cube: np.ndarray, geo: _Cube, x0: float, y0: float, style: dict) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    n = len(geo.layers)
    for k in reversed(range(n)):  # back layers first, so the front one covers them
        ox, oy, z = x0 + k * geo.step, y0 + k * geo.step, 2 + 3 * (n - k)
        index = geo.layers[k]
        edge = {"edgecolor": _INK, "linewidth": 0.8, "zorder": z + 1}
        if index is None:
            ax.add_artist(Rectangle((ox, oy), geo.w, geo.h, facecolor="white", ls=":", **edge))
            continue
        face = geo.face(cube[index])
        extent = (ox, ox + geo.w, oy, oy + geo.h)
        ax.imshow(
            face,
            cmap=style["cmap"],
            norm=style["norm"],
            extent=extent,
            zorder=z,
            interpolation="nearest",
        )
        ax.add_artist(Rectangle((ox, oy), geo.w, geo.h, fill=False, **edge))
        if not geo.heat:
            lines = [[(ox + j, oy), (ox + j, oy + geo.h)] for j in range(1, int(geo.w))]
            lines += [[(ox, oy + i), (ox + geo.w, oy + i)] for i in range(1, int(geo.h))]
            ax.add_collection(LineCollection(lines, colors="#8899aa", linewidths=0.4, zorder=z))
        if k == 0 and not geo.heat and style["fontsize"] >= 4:
            _write_values(ax, face, geo, ox, oy, style)


def _write_values(ax: Axes, face: np.ndarray, geo: _Cube, x0: float, y0: float, style: dict):
    """Print each value in its cell, and ellipsis marks in the cut rows and columns."""
    colors = style["cmap"](style["norm"](face))
    for i, row in enumerate(geo.rows):
        for j, col in enumerate(geo.cols):
            color = _INK
            if row is None:
                text = "⋱" if col is None else "⋮"
            elif col is None:
                text = "⋯"
            else:
                r, g, b, _ = colors[i, j]
                text = _fmt(face[i, j], style["integer"])
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5 and np.isfinite(face[i, j])
                color = "white" if dark else "black"
            x, y = x0 + j + 0.5, y0 + len(geo.rows) - i - 0.5
            ax.text(
                x,
                y,
                text,
                ha="center",
                va="center",
                color=color,
                zorder=100,
                fontsize=style["fontsize"],
            )


def _dimension(ax: Axes, start: tuple, end: tuple, label: str, side: str = "below") -> None:
    """A double-headed arrow from start to end, labelled on one side (below, above, left)."""
    ax.annotate("", xy=end, xytext=start, arrowprops=_ARROW)
    mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    if side == "left":
        ax.text(mx - 0.25, my, label, rotation=90, ha="right", va="center", fontsize=10)
    elif side == "above":
        ax.text(mx, my + 0.2, label, ha="center", va="bottom", fontsize=10)
    else:
        ax.text(mx, my - 0.25, label, ha="center", va="top", fontsize=10)


def _label_cube(ax: Axes, geo: _Cube, lengths: tuple, names: list, x0: float, y0: float) -> None:
    layer_name, row_name, col_name = names
    n_layers, n_rows, n_cols = lengths
    if row_name is not None:
        _dimension(ax, (x0 - 0.4, y0), (x0 - 0.4, y0 + geo.h), _count(n_rows, row_name), "left")
    if col_name is not None:
        _dimension(ax, (x0, y0 - 0.4), (x0 + geo.w, y0 - 0.4), _count(n_cols, col_name))
    if layer_name is not None:  # along the lower-right edge of the stack, label below it
        x, y = x0 + geo.w + 0.25, y0 - 0.25
        ax.annotate("", xy=(x + geo.depth, y + geo.depth), xytext=(x, y), arrowprops=_ARROW)
        ax.text(x + 0.1, y - 0.2, _count(n_layers, layer_name), ha="left", va="top", fontsize=10)


def show_tensor(
    x: Any,
    axis_names: Sequence[str] | None = None,
    title: str | None = None,
    max_values: int = 10,
) -> Figure:
    """Draw a tensor of rank 0 to 5 as nested blocks and label every axis with its length.

    Args:
        x: a NumPy array, a TensorFlow tensor (anything with ``.numpy()``) or a nested list.
        axis_names: one name per axis. By default the names in ``DEFAULT_AXIS_NAMES``, for
            example ``("samples", "height", "width", "channels")`` for rank 4.
        title: shown above the drawing (the shape and dtype are always added).
        max_values: axes longer than this are cut with an ellipsis (``⋯``); a 2-D slice
            with both sides longer than this is drawn as a heat map instead of cells.
            The batch axes of rank 4 and 5 show at most 4 cubes (``[0] [1] ⋯ [31]``).

    Returns:
        The matplotlib ``Figure``.

    Example::

        show_tensor(np.arange(24).reshape(2, 3, 4), axis_names=("samples", "rows", "cols"))
        show_tensor(images[:2])  # (2, 28, 28) uint8: two heat maps side by side
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    arr = as_array(x)
    if arr.ndim > 5:
        raise ValueError(
            f"show_tensor draws tensors of rank 0 to 5; this one has rank {arr.ndim} "
            f"(shape {arr.shape}). Draw a slice of it, e.g. x[0]."
        )
    if arr.size == 0:
        raise ValueError(f"the tensor is empty (shape {arr.shape}); there is nothing to draw.")
    names = tuple(axis_names) if axis_names is not None else DEFAULT_AXIS_NAMES[arr.ndim]
    if len(names) != arr.ndim:
        raise ValueError(
            f"axis_names has {len(names)} names but the tensor has {arr.ndim} axes "
            f"(shape {arr.shape}); give exactly one name per axis."
        )
    blocks, role = _to_blocks(arr, names)
    n_seq, n_batch = blocks.shape[:2]
    geo = _Cube(blocks.shape[2:], max_values)
    seq, batch = _pick(n_seq, _MAX_BLOCKS), _pick(n_batch, _MAX_BLOCKS)

    # Layout in "cell" units: one cube per slot, labels in the margins.
    slot_w, slot_h = geo.w + geo.depth + 1.6, geo.h + geo.depth + 2.2
    left = -3.4 if role[0] else (-1.6 if role[3] else -0.6)
    right = len(batch) * slot_w - 1.6 + (max(0.6, 3.0 - geo.depth) if role[2] else 0.6)
    top = geo.h + geo.depth + (1.8 if role[1] else 0.6)
    bottom = -(len(seq) - 1) * slot_h - (1.6 if role[4] else 0.6)
    width, height = right - left, top - bottom
    scale = min(0.42, 11 / width, 8 / height)  # inches per cell
    # Place the axes by hand (tight_layout would measure every value label: slow).
    body, head = max(height * scale, 1.0), 0.75 if title else 0.45
    fig = plt.figure(figsize=(max(width * scale, 3.0), body + head))
    ax = fig.add_axes((0.01, 0.01, 0.98, body / (body + head) - 0.01))
    finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    cmap = plt.get_cmap(_CMAP).with_extremes(bad="white")
    style = {
        "cmap": cmap,
        "norm": Normalize(lo, hi if hi > lo else lo + 1),
        "integer": arr.dtype.kind in "iu",
        "fontsize": min(9.0, 0.9 * 72 * scale / (0.62 * 4)),
    }
    for si, s in enumerate(seq):
        y0 = -si * slot_h
        if s is None:
            ax.text(geo.w / 2, y0 + geo.h / 2, "⋮", fontsize=20, ha="center", va="center")
            continue
        if role[0]:
            ax.text(-1.9, y0 + geo.h / 2, f"[{s}]", ha="right", va="center", fontsize=9)
        for bi, b in enumerate(batch):
            x0 = bi * slot_w
            if b is None:
                ax.text(x0 + geo.w / 2, y0 + geo.h / 2, "⋯", fontsize=20, ha="center")
                continue
            _draw_cube(ax, blocks[s, b], geo, x0, y0, style)
            if role[1]:
                top_y = y0 + geo.h + geo.depth + 0.2
                ax.text(x0 + geo.w / 2, top_y, f"[{b}]", ha="center", va="bottom", fontsize=9)
            if si == 0 and bi == 0:
                _label_cube(ax, geo, blocks.shape[2:], role[2:], x0, y0)
    if role[1]:
        y, x1 = geo.h + geo.depth + 1.2, len(batch) * slot_w - 1.6
        _dimension(ax, (0, y), (x1, y), _count(n_batch, role[1]), "above")
    if role[0]:
        _dimension(ax, (-2.8, bottom + 1.0), (-2.8, geo.h), _count(n_seq, role[0]), "left")
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.axis("off")
    caption = f"shape {arr.shape}, rank {arr.ndim}, dtype {arr.dtype}"
    heading = f"{title}\n{caption}" if title else caption
    fig.suptitle(heading, y=1 - 0.1 / (body + head), va="top", fontsize=11)
    return fig
