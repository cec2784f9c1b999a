"""Shapes through a model: ``show_model``, ``conv_output_size`` and ``conv_arithmetic``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["show_model", "conv_output_size", "conv_arithmetic", "explain_conv", "shape_text"]

# Box colours by layer type: the first key found in the lower-cased class name wins.
_COLORS = {
    "input": "#d9d9d9",
    "conv": "#6baed6",
    "pool": "#fdae6b",
    "dense": "#74c476",
    "flatten": "#bcbddc",
    "reshape": "#bcbddc",
    "dropout": "#eeeeee",
    "normalization": "#c6dbef",
}
_OTHER = "#dadaeb"
_INK = "#1f2d3d"


# --------------------------------------------------------------------------------------
# show_model
# --------------------------------------------------------------------------------------


@dataclass
class _Node:
    name: str
    kind: str
    shapes: list[tuple | None]  # output shape(s) without the batch axis; None if unknown
    params: int
    parents: list[str]
    depth: int = 0


def shape_text(shape: tuple | None) -> str:
    """``(None, 26, 26, 32)`` without its batch axis, i.e. ``(26, 26, 32)`` -> ``"26×26×32"``."""
    if shape is None:
        return "?"
    if len(shape) == 0:
        return "scalar"
    return "×".join("?" if d is None else str(d) for d in shape)


def _output_shapes(layer: Any) -> list[tuple | None]:
    try:
        out = layer.output
    except (AttributeError, ValueError):  # e.g. a layer shared by two branches
        return [None]
    outs = out if isinstance(out, list | tuple) else [out]
    return [tuple(o.shape)[1:] for o in outs]


def _tensor_sources(obj: Any) -> Iterator[str]:
    """Names of the layers that produced the tensors mentioned in a serialised call."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            yield obj["config"]["keras_history"][0]
        else:
            for value in obj.values():
                yield from _tensor_sources(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _tensor_sources(value)


def _not_built(model: Any) -> ValueError:
    return ValueError(
        f"model {model.name!r} is not built yet, so its layers have no output shapes. "
        "Start it with an Input, e.g. keras.Sequential([keras.Input(shape=(28, 28, 1)), ...]), "
        "or call model.build((None, 28, 28, 1)) first."
    )


def _node(layer: Any, parents: list[str]) -> _Node:
    return _Node(
        layer.name, type(layer).__name__, _output_shapes(layer), layer.count_params(), parents
    )


def _functional_parents(model: Any) -> dict[str, list[str]]:
    """Layer name -> names of the layers feeding it, read from the model's config."""
    try:
        layers = model.get_config().get("layers") or []
    except Exception:  # subclassed models may not implement get_config at all
        layers = []
    if not layers or "inbound_nodes" not in layers[0]:
        raise ValueError(
            f"show_model draws Sequential and functional models; {model.name!r} is a "
            "subclassed model, whose layers are only connected inside call()."
        )
    return {e["name"]: list(dict.fromkeys(_tensor_sources(e["inbound_nodes"]))) for e in layers}


def _graph(model: Any) -> list[_Node]:
    """One node per layer, with its parents and its depth (longest path from an input)."""
    import keras

    if not getattr(model, "built", False):
        raise _not_built(model)
    if isinstance(model, keras.Sequential):
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            raise _not_built(model) from None
        nodes = [_Node("input", "InputLayer", [tuple(inputs[0].shape)[1:]], 0, [])]
        for layer in model.layers:
            nodes.append(_node(layer, [nodes[-1].name]))
    else:
        parents = _functional_parents(model)
        nodes = [_node(layer, parents.get(layer.name, [])) for layer in model.layers]
    by_name = {node.name: node for node in nodes}
    done: set[str] = set()

    def settle(node: _Node) -> int:
        if node.name not in done:
            done.add(node.name)
            node.depth = max(
                (settle(by_name[p]) + 1 for p in node.parents if p in by_name), default=0
            )
        return node.depth

    for node in nodes:
        settle(node)
    return nodes


def _box_size(shape: tuple | None, max_c: float, max_s: float) -> tuple[float, float]:
    """Width grows with log(channels), height with log(spatial size)."""
    channels, spatial = _sizes(shape)
    width = 0.15 + 1.15 * math.log(channels) / math.log(max_c) if max_c > 1 else 0.3
    height = 0.08 + 0.5 * math.log(spatial) / math.log(max_s) if max_s > 1 else 0.08
    return width, height


def _sizes(shape: tuple | None) -> tuple[int, int]:
    dims = [d or 1 for d in (shape or ())]
    if not dims:
        return 1, 1
    return dims[-1], math.prod(dims[:-1])


def _draw_node(ax: Axes, node: _Node, x: float, y: float, w: float, h: float) -> tuple:
    """A box of size w x h centred on (x, y), and three lines of text to its right."""
    from matplotlib.patches import Rectangle

    color = next((c for key, c in _COLORS.items() if key in node.kind.lower()), _OTHER)
    box = Rectangle((x - w / 2, y - h / 2), w, h, facecolor=color, edgecolor=_INK, lw=0.8)
    ax.add_artist(box).set_zorder(3)  # add_artist: the limits are set by hand
    name = node.name if len(node.name) <= 24 else node.name[:23] + "…"
    shapes = ", ".join(shape_text(s) for s in node.shapes)
    params = f"{node.params:,} params" if node.params else "no params"
    ax.text(x + 0.72, y + 0.03, name, fontsize=8.5, weight="bold", va="bottom", color=_INK)
    ax.text(x + 0.72, y, f"{node.kind}: {shapes}\n{params}", fontsize=8.5, va="top", color=_INK)
    return x, y, w / 2, h / 2


def _draw_edge(ax: Axes, start: tuple, end: tuple, skip: bool) -> None:
    """An arrow from one box to the next; a skip connection bends around on the left."""
    from matplotlib.patches import FancyArrowPatch

    (px, py, pw, ph), (cx, cy, cw, ch) = start, end
    if skip:
        tail, head, bend = (px - pw, py), (cx - cw, cy), "arc3,rad=0.45"
    else:
        tail, head, bend = (px, py - ph), (cx, cy + ch), "arc3,rad=0"
    style = {"arrowstyle": "-|>", "mutation_scale": 9, "color": "#555555", "lw": 0.9}
    ax.add_artist(FancyArrowPatch(tail, head, connectionstyle=bend, zorder=2, **style))


def show_model(model: Any, title: str | None = None) -> Figure:
    """Draw how the shape of the data changes through a built Keras model.

    One box per layer, top to bottom. A box's width grows with the log of its output
    channels (or units) and its height with the log of the output's spatial size, so
    Conv2D/MaxPooling2D stacks visibly get narrower and deeper, and Flatten turns a tall
    box into a wide, flat one. Next to each box: name, type, output shape, parameters.
    Layers of a functional model that sit at the same depth (branches) share a row.

    Example::

        model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3), ...])
        show_model(model)
    """
    import matplotlib.pyplot as plt

    nodes = _graph(model)
    rows: dict[int, list[_Node]] = {}
    for node in nodes:
        rows.setdefault(node.depth, []).append(node)
    max_c = max(_sizes(n.shapes[0])[0] for n in nodes)
    max_s = max(_sizes(n.shapes[0])[1] for n in nodes)

    # Units are inches: every row is row_h tall, every box+text slot is slot_w wide.
    slot_w, row_h, head = 3.8, 0.85, 0.75
    n_cols = max(len(r) for r in rows.values())
    width, height = max(n_cols * slot_w, 5.0), len(rows) * row_h
    fig = plt.figure(figsize=(width, height + head))
    ax = fig.add_axes((0, 0, 1, height / (height + head)))
    ax.set_xlim(-width / 2, width / 2)
    ax.set_ylim(-height, 0)
    ax.axis("off")

    where: dict[str, tuple[float, float, float, float]] = {}  # name -> x, y, half w, half h
    for depth, row in sorted(rows.items()):
        for i, node in enumerate(row):
            x, y = (i - (len(row) - 1) / 2) * slot_w - 1.0, -(depth + 0.5) * row_h
            where[node.name] = _draw_node(ax, node, x, y, *_box_size(node.shapes[0], max_c, max_s))
    depth_of = {node.name: node.depth for node in nodes}
    for node in nodes:
        for parent in node.parents:
            if parent in where:
                skip = node.depth - depth_of[parent] > 1
                _draw_edge(ax, where[parent], where[node.name], skip)

    total = model.count_params()
    heading = title or f"{model.name}: {total:,} parameters"
    fig.suptitle(heading, y=1 - 0.15 / (height + head), va="top", fontsize=11)
    key = "box width ~ log(channels or units), box height ~ log(spatial size)"
    fig.text(0.5, 1 - 0.45 / (height + head), key, ha="center", va="top", fontsize=8, color="grey")
    return fig


# --------------------------------------------------------------------------------------
# Convolution arithmetic
# --------------------------------------------------------------------------------------


def _ints(value: Any, name: str, n: int | None = None) -> tuple[int, ...]:
    """An int or a tuple of ints, as a tuple of n positive ints; ValueError otherwise."""
    items = tuple(value) if isinstance(value, Sequence) else (value,) * (n or 1)
    ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items)
    if not items or not ok or min(items) < 1:
        raise ValueError(f"{name} must be a positive integer or a tuple of them, got {value!r}.")
    if n is not None and len(items) != n:
        raise ValueError(f"{name} has {len(items)} values but input_size has {n} ({value!r}).")
    if len(items) > 2:
        raise ValueError(f"{name}: only 1-D and 2-D inputs are supported, got {value!r}.")
    return tuple(int(v) for v in items)


def _norm_args(input_size, kernel_size, stride, padding, dilation):
    n = _ints(input_size, "input_size")
    k = _ints(kernel_size, "kernel_size", len(n))
    s = _ints(stride, "stride", len(n))
    d = _ints(dilation, "dilation", len(n))
    pad = padding.lower() if isinstance(padding, str) else padding
    if pad not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
    return n, k, s, pad, d


def conv_output_size(
    input_size: int | tuple[int, ...],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: str = "valid",
    dilation: int | tuple[int, ...] = 1,
) -> int | tuple[int, ...]:
    """Output length of a convolution or pooling window along each spatial axis.

    With ``k' = dilation * (kernel_size - 1) + 1`` (the span the kernel covers):

    * ``padding="valid"``: ``floor((n - k') / stride) + 1`` (the window stays inside);
    * ``padding="same"``: ``ceil(n / stride)`` (zeros are added around the edges).

    Same rules as ``keras.layers.Conv2D`` and ``keras.layers.MaxPooling2D``. Returns an int
    for an int ``input_size`` and a tuple for a tuple::

        >>> conv_output_size(28, 3)
        26
        >>> conv_output_size((28, 28), 2, stride=2)
        (14, 14)
    """
    n, k, s, pad, d = _norm_args(input_size, kernel_size, stride, padding, dilation)
    out = []
    for size, kern, step, dil in zip(n, k, s, d, strict=True):
        span = dil * (kern - 1) + 1
        if pad == "same":
            out.append(-(-size // step))
        elif span > size:
            what = f"kernel {kern}" + (f" (dilated to span {span})" if dil > 1 else "")
            raise ValueError(
                f"the {what} is larger than the input ({size}): with padding='valid' it does "
                "not fit anywhere. Use a smaller kernel, a larger input or padding='same'."
            )
        else:
            out.append((size - span) // step + 1)
    return out[0] if isinstance(input_size, numbers.Integral) else tuple(out)


def _same_padding(size: int, span: int, step: int) -> tuple[int, int]:
    """Zeros added before and after an axis with padding='same' (the extra one goes after)."""
    total = max((-(-size // step) - 1) * step + span - size, 0)
    return total // 2, total - total // 2


def explain_conv(
    input_size: int | tuple[int, ...],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: str = "valid",
    dilation: int | tuple[int, ...] = 1,
) -> str:
    """The output-size formula, worked out for these numbers (the text conv_arithmetic prints)."""
    n, k, s, pad, d = _norm_args(input_size, kernel_size, stride, padding, dilation)
    out = conv_output_size(n, k, s, pad, d)
    axes = ("length",) if len(n) == 1 else ("height", "width")
    if pad == "valid":
        lines = [
            "padding='valid': the window stays inside the input.",
            "  output = floor((n - k) / s) + 1   (n input, k kernel, s stride)",
        ]
    else:
        lines = [
            "padding='same': zeros are added around the input so that every position",
            "  gets a window; only the stride shrinks it.  output = ceil(n / s)",
        ]
    if any(dil > 1 for dil in d):
        lines.append("  dilation spreads the kernel taps out: k = dilation * (kernel - 1) + 1")
    for name, size, kern, step, dil, o in zip(axes, n, k, s, d, out, strict=True):
        span = dil * (kern - 1) + 1
        if pad == "valid":
            lines.append(f"  {name}: floor(({size} - {span}) / {step}) + 1 = {o}")
        else:
            before, after = _same_padding(size, span, step)
            lines.append(
                f"  {name}: ceil({size} / {step}) = {o}   (padding {before} before, {after} after)"
            )
    return "\n".join(lines)


def _grid(ax: Axes, rows: int, cols: int, x0: float, y0: float, color: str = "#999999") -> None:
    """Grid lines of rows x cols unit cells, top-left corner at (x0, y0), rows going down."""
    from matplotlib.collections import LineCollection

    lines = [[(x0 + j, y0), (x0 + j, y0 - rows)] for j in range(cols + 1)]
    lines += [[(x0, y0 - i), (x0 + cols, y0 - i)] for i in range(rows + 1)]
    ax.add_collection(LineCollection(lines, colors=color, linewidths=0.6, zorder=2))


def _cells(ax: Axes, cells: list[tuple[int, int]], x0: float, y0: float, **style: Any) -> None:
    """Fill (or outline) the given (row, column) cells of a grid drawn by _grid."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    boxes = [Rectangle((x0 + c, y0 - r - 1), 1, 1) for r, c in cells]
    ax.add_collection(PatchCollection(boxes, **{"zorder": 3, **style}))


def _conv_title(k: tuple, s: tuple, pad: str, d: tuple) -> str:
    def text(values: tuple) -> str:
        return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))

    dilation = f", dilation {text(d)}" if max(d) > 1 else ""
    return f"kernel {'×'.join(map(str, k))}, stride {text(s)}, padding='{pad}'{dilation}"


def conv_arithmetic(
    input_size: int | tuple[int, ...],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: str = "valid",
    dilation: int | tuple[int, ...] = 1,
) -> Figure:
    """Draw a kernel window sliding over an input, with the output grid beside it.

    Prints the output-size formula worked out for these numbers (see ``explain_conv``).
    1-D: one row per output position, showing which input cells it reads.
    2-D: the first window (filled) and the next one (dashed) on the input, and the output
    cells they produce. Grey cells are the zero padding of ``padding="same"``.

    Example::

        conv_arithmetic((7, 7), 3, stride=2, padding="same")
    """
    import matplotlib.pyplot as plt

    n, k, s, pad, d = _norm_args(input_size, kernel_size, stride, padding, dilation)
    out = conv_output_size(n, k, s, pad, d)
    out = out if isinstance(out, tuple) else (out,)
    print(explain_conv(n, k, s, pad, d))
    n_orig, k_orig, s_orig, d_orig = n, k, s, d
    if len(n) == 1:  # draw a 1-D input as a 2-D one with a single row
        n, k, s, d, out = (1, *n), (1, *k), (1, *s), (1, *d), (1, *out)
    spans = [dil * (kern - 1) + 1 for kern, dil in zip(k, d, strict=True)]
    pads = [_same_padding(*a) if pad == "same" else (0, 0) for a in zip(n, spans, s, strict=True)]
    rows, cols = n[0] + sum(pads[0]), n[1] + sum(pads[1])

    def taps(i: int, j: int) -> list[tuple[int, int]]:  # input cells read by output (i, j)
        return [
            (i * s[0] + a * d[0], j * s[1] + b * d[1]) for a in range(k[0]) for b in range(k[1])
        ]

    if n[0] == 1:  # 1-D: a staircase, one row per output position
        shown = list(range(out[1])) if out[1] <= 6 else [0, 1, 2, 3, None, out[1] - 1]
        panels = [(0, j, -2.0 * r) for r, j in enumerate(shown)]
        bottom = -2.0 * len(shown) + 0.2
    else:  # 2-D: the first window (filled) and its neighbour (dashed) on one input grid
        second = (0, 1) if out[1] > 1 else (1, 0)
        panels = [(0, 0, 0.0)] + ([(*second, 0.0)] if max(out) > 1 else [])
        bottom = -rows - 1.6
    inside = {(r + pads[0][0], c + pads[1][0]) for r in range(n[0]) for c in range(n[1])}
    padding_cells = [(r, c) for r in range(rows) for c in range(cols) if (r, c) not in inside]
    ox = cols + 3  # the output grid starts here
    width, height = ox + out[1] + 1, 1.5 - bottom
    scale = min(0.45, 12 / width, 9 / height)
    fig, ax = plt.subplots(figsize=(width * scale, height * scale + 0.4))
    filled = {"facecolor": "#3182bd", "alpha": 0.55}
    dashed = {"facecolor": "none", "edgecolor": "#e6550d", "linewidth": 2, "linestyle": "--"}
    for number, (i, j, y0) in enumerate(panels):
        if j is None:
            ax.text(cols / 2, y0 - 0.5, "⋮", ha="center", va="center", fontsize=16)
            continue
        first = number == 0 or n[0] == 1
        if first:  # the input with its padding, and the output grid
            _cells(ax, padding_cells, 0, y0, zorder=1, facecolor="#e0e0e0", edgecolor="none")
            _grid(ax, rows, cols, 0, y0)
            _grid(ax, out[0], out[1], ox, y0)
        style = filled if first else dashed
        _cells(ax, taps(i, j), 0, y0, **style)
        _cells(ax, [(i, j)], ox, y0, **style)
        centre = (j * s[1] + spans[1] / 2, y0 - i * s[0] - spans[0] / 2)
        arrow = {"arrowstyle": "->", "lw": 1.2, "connectionstyle": "arc3,rad=-0.2"}
        color = style.get("edgecolor", style["facecolor"])
        ax.annotate("", (ox + j + 0.5, y0 - i - 0.5), centre, arrowprops={**arrow, "color": color})
    n_text, out_text = "×".join(map(str, n_orig)), "×".join(map(str, out[-len(n_orig) :]))
    n_text += " + padding" if padding_cells else ""
    ax.text(cols / 2, bottom + 0.6, f"input {n_text}", ha="center", va="top", fontsize=10)
    ax.text(ox + out[1] / 2, bottom + 0.6, f"output {out_text}", ha="center", va="top")
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(bottom, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(_conv_title(k_orig, s_orig, pad, d_orig), fontsize=10)
    fig.tight_layout()
    return fig
