"""Image grids: ``show_images``, ``show_batch``, ``show_activations`` and ``show_filters``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from course.viz.models import shape_text
from course.viz.tensors import as_array

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "show_images",
    "show_batch",
    "show_activations",
    "show_filters",
    "show_confusion_matrix",
    "to_display",
]

WRONG = "#d62728"  # title and frame colour of a wrong prediction
RIGHT = "#2ca02c"


def to_display(images: Any) -> np.ndarray:
    """Scale an image, or a batch of them, to floats in [0, 1] for ``imshow``.

    uint8 and floats above 1 are taken as 0-255; floats within [0, 1] are kept; anything
    else (e.g. standardised pixels with negative values) is min-max scaled. The range is
    judged on the whole batch. A trailing channel axis of size 1 is dropped.
    """
    img = np.asarray(images, dtype=np.float32)
    if img.ndim >= 3 and img.shape[-1] == 1:
        img = img[..., 0]
    lo, hi = (float(img.min()), float(img.max())) if img.size else (0.0, 1.0)
    if np.asarray(images).dtype == np.uint8 or (lo >= 0 and hi > 1):
        img = img / 255.0
    elif lo < 0:
        img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
    return np.clip(img, 0.0, 1.0)


def _as_batch(x: Any) -> np.ndarray:
    """(N, H, W), (N, H, W, 1|3|4), or one image (H, W) / (H, W, 1|3|4) as a batch of one."""
    arr = as_array(x)
    single = arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] in (1, 3, 4))
    arr = arr[None] if single else arr
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] not in (1, 3, 4)):
        raise ValueError(
            f"expected images shaped (N, H, W) or (N, H, W, C) with C = 1, 3 or 4, "
            f"got shape {arr.shape}."
        )
    return arr


def _as_classes(y: Any, n: int, what: str) -> np.ndarray | None:
    """Class indices from integer labels or from one-hot / probability rows (argmax)."""
    if y is None:
        return None
    arr = as_array(y)
    arr = arr.argmax(axis=-1) if arr.ndim == 2 else arr.reshape(-1)
    if len(arr) < n:
        raise ValueError(f"{what} has {len(arr)} entries but there are {n} images.")
    return arr[:n]


def _grid(n: int, ncols: int, cell: float = 1.6, lines: int = 1) -> tuple[Figure, list[Axes]]:
    """A figure with exactly n axes, ncols to a row, room for `lines` lines of title each."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * cell, nrows * (cell + 0.15 * lines) + 0.5),
        squeeze=False,
        layout="constrained",
    )
    flat = list(axes.ravel())
    for ax in flat[n:]:
        fig.delaxes(ax)
    for ax in flat[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, flat[:n]


def _frame(ax: Axes, color: str, width: float) -> None:
    for spine in ax.spines.values():
        spine.set_edgecolor(color)
        spine.set_linewidth(width)


def _name(index: int, class_names: Sequence[str] | None) -> str:
    if class_names is not None and 0 <= index < len(class_names):
        return str(class_names[index])
    return str(index)


def show_images(
    x: Any,
    labels: Any = None,
    predictions: Any = None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    max_images: int = 32,
    title: str | None = None,
) -> Figure:
    """Show images in a grid, titled with their labels and (optionally) predictions.

    Args:
        x: images shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3), or one image. uint8
            (0-255), floats in [0, 1] and floats in [0, 255] are all recognised.
        labels: true classes, as integers or one-hot rows.
        predictions: predicted classes, as integers or as probability rows (the
            output of ``model.predict``); wrong ones get a red title and frame.
        class_names: names for the class indices.
        ncols: images per row.
        max_images: only the first ``max_images`` are drawn.

    Example::

        show_images(x_test[:16], labels=y_test[:16], predictions=model.predict(x_test[:16]),
                    class_names=["zero", "one", ...])
    """
    images = _as_batch(x)
    total = len(images)
    images = images[:max_images]
    n = len(images)
    true = _as_classes(labels, n, "labels")
    pred = _as_classes(predictions, n, "predictions")
    fig, axes = _grid(n, ncols, lines=(true is not None) + (pred is not None))
    wrong = 0
    pixels = to_display(images)
    for i, ax in enumerate(axes):
        ax.imshow(pixels[i], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        parts, color = [], "black"
        if true is not None:
            parts.append(f"true: {_name(int(true[i]), class_names)}")
        if pred is not None:
            parts.append(f"pred: {_name(int(pred[i]), class_names)}")
            if true is not None:
                ok = int(true[i]) == int(pred[i])
                color = RIGHT if ok else WRONG
                wrong += not ok
                _frame(ax, color, 1.0 if ok else 3.0)
        if parts:
            ax.set_title("\n".join(parts), fontsize=8, color=color)
    heading = title or ""
    if total > n:
        heading += f"{' · ' if heading else ''}showing {n} of {total} images"
    if pred is not None and true is not None:
        heading += f"{' · ' if heading else ''}{wrong} of {n} wrong"
    if heading:
        fig.suptitle(heading, fontsize=10)
    return fig


def show_batch(
    dataset: Any, class_names: Sequence[str] | None = None, n: int = 16, **kwargs: Any
) -> Figure:
    """Show the first ``n`` images of a ``tf.data.Dataset`` of ``(images, labels)``.

    Works with batched and unbatched datasets; ``class_names`` defaults to the dataset's
    own ``class_names`` (set by ``keras.utils.image_dataset_from_directory``). Other
    keyword arguments go to ``show_images``.

    Example::

        train_ds = keras.utils.image_dataset_from_directory("cats_vs_dogs/train")
        show_batch(train_ds)
    """
    if class_names is None:
        class_names = getattr(dataset, "class_names", None)
    images, labels = _first_element(dataset)
    if len(images.shape) == 2 or (len(images.shape) == 3 and images.shape[-1] in (1, 3, 4)):
        images, labels = _first_element(dataset.batch(n))  # the dataset was not batched
    labels = labels[:n] if labels is not None else None
    return show_images(images[:n], labels, class_names=class_names, max_images=n, **kwargs)


def _first_element(dataset: Any) -> tuple[Any, Any]:
    """(images, labels) of the dataset's first element; labels is None if it has none."""
    element = next(iter(dataset.take(1)), None)
    if element is None:
        raise ValueError("the dataset is empty.")
    if isinstance(element, tuple | list):
        return element[0], (element[1] if len(element) > 1 else None)
    return element, None


def _pick_layers(model: Any, layers: Sequence[Any] | None) -> list[Any]:
    import keras

    if layers is None:
        kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
        chosen = [layer for layer in model.layers if isinstance(layer, kinds)]
        if not chosen:
            raise ValueError(f"model {model.name!r} has no Conv2D or pooling layers to show.")
        return chosen
    return [model.get_layer(item) if isinstance(item, str) else item for item in layers]


def show_activations(
    model: Any,
    image: Any,
    layers: Sequence[Any] | None = None,
    max_channels: int = 16,
    ncols: int = 8,
) -> Figure:
    """Show what each chosen layer outputs (its feature maps) for one input image.

    A second model, ``keras.Model(model.inputs, [layer.output for layer in chosen])``,
    returns every chosen layer's output at once. Each channel is drawn as a small image,
    scaled to its own min-max so that weak channels are visible too (a channel that is
    constant, e.g. all zeros after ReLU, stays black). One panel (subfigure) per layer.

    Args:
        model: a built Sequential (started with ``keras.Input``) or functional model.
        image: one image, shaped like one sample of the model's input (H, W, C) or (H, W);
            preprocess it the way the training data was.
        layers: layer names or layer objects; default: every Conv2D and pooling layer.
        max_channels: at most this many channels per layer.

    Example::

        show_activations(model, x_test[0], max_channels=8)
    """
    import keras
    import matplotlib.pyplot as plt

    chosen = _pick_layers(model, layers)
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ValueError(
            f"model {model.name!r} has no defined inputs; build it with keras.Input(...) first."
        )
    for layer in chosen:
        shape = tuple(layer.output.shape)
        if len(shape) != 4:
            raise ValueError(
                f"layer {layer.name!r} outputs shape {shape}, not (batch, height, width, "
                "channels); pick convolution or pooling layers."
            )
    batch = np.asarray(as_array(image), dtype="float32")
    expected = tuple(inputs[0].shape)[1:]
    if batch.ndim == len(expected) - 1 and expected[-1] == 1:
        batch = batch[..., None]  # (H, W) for a model that wants (H, W, 1)
    if batch.ndim == len(expected):
        batch = batch[None]
    probe = keras.Model(
        inputs=inputs[0] if len(inputs) == 1 else inputs, outputs=[layer.output for layer in chosen]
    )
    outputs = probe(batch, training=False)
    outputs = outputs if isinstance(outputs, list | tuple) else [outputs]

    counts = [min(int(out.shape[-1]), max_channels) for out in outputs]
    cols = min(ncols, max(counts))
    heights = [math.ceil(c / cols) + 0.45 for c in counts]
    fig = plt.figure(figsize=(cols * 1.1, sum(heights) * 1.1), layout="constrained")
    panels = fig.subfigures(len(chosen), 1, height_ratios=heights, squeeze=False)[:, 0]
    for panel, layer, out, count in zip(panels, chosen, outputs, counts, strict=True):
        maps = np.asarray(out)[0]
        total = maps.shape[-1]
        shown = f"{count} of {total} channels" if count < total else f"{total} channels"
        panel.suptitle(f"{layer.name}: {shape_text(maps.shape)} ({shown})", fontsize=9)
        axes = panel.subplots(math.ceil(count / cols), cols, squeeze=False).ravel()
        for c, ax in enumerate(axes):
            ax.set_axis_off()
            if c < count:
                channel = maps[..., c]
                lo, hi = float(channel.min()), float(channel.max())
                scaled = (channel - lo) / (hi - lo) if hi > lo else np.zeros_like(channel)
                ax.imshow(scaled, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
                ax.set_title(str(c), fontsize=7, pad=2)
            else:
                panel.delaxes(ax)
    return fig


def show_filters(
    model: Any, layer_name: str | None = None, max_filters: int = 32, ncols: int = 8
) -> Figure:
    """Draw the kernels of a Conv2D layer (default: the first one) as small images.

    A kernel with 3 input channels (an RGB first layer) is drawn in colour; otherwise
    each filter shows its first input channel in grey. Each filter is min-max scaled.

    Example::

        show_filters(model)  # the first Conv2D layer's filters
    """
    import keras

    if layer_name is None:
        convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        if not convs:
            raise ValueError(f"model {model.name!r} has no Conv2D layer.")
        layer = convs[0]
    else:
        layer = model.get_layer(layer_name)
    weights = layer.get_weights()
    if not weights or np.ndim(weights[0]) != 4:
        raise ValueError(f"layer {layer.name!r} has no 4-D (height, width, in, out) kernel.")
    kernel = weights[0]
    n = min(kernel.shape[-1], max_filters)
    fig, axes = _grid(n, ncols, cell=1.0)
    for i, ax in enumerate(axes):
        k = kernel[..., i] if kernel.shape[2] == 3 else kernel[..., 0, i]
        lo, hi = float(k.min()), float(k.max())
        ax.imshow(
            (k - lo) / (hi - lo) if hi > lo else np.zeros_like(k),
            cmap="gray",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        ax.set_title(str(i), fontsize=7, pad=2)
    count = f"{n} of {kernel.shape[-1]}" if n < kernel.shape[-1] else str(n)
    fig.suptitle(f"{layer.name}: {count} filters, kernel {shape_text(kernel.shape)}", fontsize=9)
    return fig


def show_confusion_matrix(
    matrix: Any,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw a confusion matrix: rows are true classes, columns predicted classes.

    Each cell shows its count (or, with ``normalize=True``, the share of its row, i.e.
    of that true class). The diagonal holds the right answers; the colour scale leaves
    it out, so that the mistakes stand out.

    Args:
        matrix: a square array of counts, ``matrix[true, predicted]``.
        class_names: names for the class indices (default: the indices).
        normalize: divide each row by its sum.
        title: the figure's title.

    Example::

        cm = np.asarray(tf.math.confusion_matrix(y_test, predictions))
        show_confusion_matrix(cm, class_names=FASHION_MNIST_CLASSES)
    """
    import matplotlib.pyplot as plt

    counts = np.asarray(as_array(matrix), dtype="float64")
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"a confusion matrix is square, got shape {counts.shape}.")
    n = counts.shape[0]
    if class_names is not None and len(class_names) != n:
        raise ValueError(f"{len(class_names)} class names for a {n}x{n} matrix.")
    values = counts
    if normalize:
        rows = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    mistakes = values * (1 - np.eye(n))
    top = float(mistakes.max()) or 1.0
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    size = max(3.5, 0.5 * n + 1.5)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    image = ax.imshow(mistakes, cmap="Reds", vmin=0, vmax=top)
    for i in range(n):
        for j in range(n):
            v = values[i, j]
            text = f"{v:.2f}" if normalize else f"{int(round(v))}"
            color = "white" if i != j and v > 0.6 * top else ("#2ca02c" if i == j else "black")
            weight = "bold" if i == j else "normal"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color,
                    fontweight=weight)  # fmt: skip
    named = class_names is not None
    ax.set_xticks(range(n), names, rotation=45 if named else 0,
                  ha="right" if named else "center", fontsize=8)  # fmt: skip
    ax.set_yticks(range(n), names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(image, ax=ax, shrink=0.8, label="share of the row" if normalize else "mistakes")
    ax.set_title(title or ("confusion matrix (row shares)" if normalize else "confusion matrix"),
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    return fig
