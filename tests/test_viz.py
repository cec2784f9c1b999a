"""course.viz: every visualiser returns a Figure, and the figure shows what it claims to."""

from __future__ import annotations

import io
import subprocess
import sys

import keras
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from keras import layers
from matplotlib.figure import Figure
from matplotlib.text import Text

from course.viz import (
    conv_arithmetic,
    conv_output_size,
    explain_conv,
    show_activations,
    show_batch,
    show_filters,
    show_images,
    show_model,
    show_tensor,
)
from course.viz.images import WRONG, to_display


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig: Figure) -> list[str]:
    """Every string drawn in the figure (titles, labels, annotations), tick labels left out."""
    axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
    ticks = [tick for axis in axes for tick in axis.get_major_ticks() + axis.get_minor_ticks()]
    ticks = {id(label) for tick in ticks for label in (tick.label1, tick.label2)}
    return [t.get_text() for t in fig.findobj(Text) if t.get_text() and id(t) not in ticks]


def joined(fig: Figure) -> str:
    return "\n".join(texts(fig))


@pytest.fixture(scope="module")
def mnist_convnet():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def tiny_cnn():
    return keras.Sequential(
        [
            keras.Input(shape=(12, 12, 1)),
            layers.Conv2D(3, 3, activation="relu", name="conv_a"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(5, 3, activation="relu", name="conv_b"),
            layers.Flatten(),
            layers.Dense(2, activation="softmax", name="out"),
        ]
    )


# --------------------------------------------------------------------------------------
# show_tensor
# --------------------------------------------------------------------------------------

RANK_SHAPES = {0: (), 1: (5,), 2: (3, 4), 3: (3, 4, 2), 4: (2, 3, 4, 2), 5: (2, 3, 2, 2, 2)}


@pytest.mark.parametrize("rank", sorted(RANK_SHAPES))
def test_show_tensor_draws_every_rank_with_labelled_axes(rank):
    shape = RANK_SHAPES[rank]
    fig = show_tensor(np.arange(int(np.prod(shape))).reshape(shape))
    assert isinstance(fig, Figure)
    drawn = joined(fig)
    assert f"shape {shape}" in drawn and f"rank {rank}" in drawn
    expected = {
        1: ["5 elements"],
        2: ["3 rows", "4 columns"],
        3: ["3 height", "4 width", "2 channels"],
        4: ["2 samples", "3 height", "4 width", "2 channels"],
        5: ["2 samples", "3 frames", "2 height", "2 width", "2 channels"],
    }.get(rank, [])
    for label in expected:
        assert label in drawn


def test_show_tensor_accepts_lists_numpy_and_tf_tensors():
    import tensorflow as tf

    data = [[1, 2, 3], [4, 5, 6]]
    drawn = [
        texts(show_tensor(x)) for x in (data, np.array(data), tf.constant(data, dtype=tf.int64))
    ]
    assert drawn[0] == drawn[1] == drawn[2]
    assert {"1", "6", "2 rows", "3 columns"} <= set(drawn[0])


def test_show_tensor_custom_names_and_title():
    fig = show_tensor(np.zeros((2, 3, 4)), axis_names=("samples", "height", "width"), title="hi")
    drawn = joined(fig)
    assert "hi" in drawn
    # Without a channels axis, the first axis is the stack: 2 grids of 3 x 4.
    assert "2 samples" in drawn and "3 height" in drawn and "4 width" in drawn


def test_show_tensor_cuts_long_axes_with_an_ellipsis():
    fig = show_tensor(np.arange(100), max_values=8)
    drawn = texts(fig)
    assert "100 elements" in drawn
    assert "⋯" in drawn and "99" in drawn and "50" not in drawn
    batch = texts(show_tensor(np.zeros((32, 4, 4, 1))))
    assert "⋯" in batch and "[31]" in batch and "[5]" not in batch


def test_show_tensor_large_slices_become_heat_maps():
    fig = show_tensor(np.random.default_rng(0).random((28, 28)))
    (image,) = fig.axes[0].get_images()
    assert image.get_array().shape == (28, 28)
    assert not any(t.replace(".", "").isdigit() for t in texts(fig) if len(t) <= 4)


def test_show_tensor_explains_bad_input():
    with pytest.raises(ValueError, match=r"ragged.*x\[1\]"):
        show_tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match="rank 0 to 5.*rank 6"):
        show_tensor(np.zeros((1,) * 6))
    with pytest.raises(ValueError, match="one name per axis"):
        show_tensor(np.zeros((2, 2)), axis_names=("rows",))
    with pytest.raises(ValueError, match="dtype"):
        show_tensor(np.array(["a", "b"]))


# --------------------------------------------------------------------------------------
# show_model
# --------------------------------------------------------------------------------------


def test_show_model_mnist_convnet_shapes_and_parameters(mnist_convnet):
    fig = show_model(mnist_convnet)
    drawn = joined(fig)
    for shape in ["28×28×1", "26×26×32", "13×13×32", "11×11×64", "5×5×64", "3×3×64", "576"]:
        assert shape in drawn
    assert ": 64\n" in drawn and ": 10\n" in drawn  # the two Dense layers
    assert "93,322" in fig._suptitle.get_text()
    assert "36,928 params" in drawn


def test_show_model_functional_branches_share_a_row():
    inputs = keras.Input((16, 16, 3))
    a = layers.Conv2D(4, 3, padding="same", name="branch_a")(inputs)
    b = layers.Conv2D(4, 1, name="branch_b")(inputs)
    x = layers.Add(name="merge")([a, b])
    x = layers.Conv2D(4, 3, padding="same", name="deeper")(x)
    x = layers.Add(name="skip")([x, a])
    outputs = layers.Dense(2, name="head")(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    fig = show_model(model)
    y = {t.get_text(): t.get_position()[1] for t in fig.findobj(Text)}
    assert y["branch_a"] == y["branch_b"]
    assert y["branch_a"] > y["merge"] > y["deeper"] > y["skip"] > y["head"]
    assert f"{model.count_params():,}" in fig._suptitle.get_text()


def test_show_model_needs_a_built_model():
    with pytest.raises(ValueError, match="not built"):
        show_model(keras.Sequential([layers.Dense(3)]))

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    sub = Sub()
    sub(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match="subclassed"):
        show_model(sub)


# --------------------------------------------------------------------------------------
# Convolution arithmetic
# --------------------------------------------------------------------------------------


def test_conv_output_size_examples():
    assert conv_output_size(28, 3) == 26
    assert conv_output_size((28, 28), 3) == (26, 26)
    assert conv_output_size((28, 28), 2, stride=2) == (14, 14)
    assert conv_output_size(7, 3, stride=2, padding="same") == 4
    assert conv_output_size(10, 3, dilation=2) == 6
    assert conv_output_size((10, 7), (3, 5), stride=(2, 1)) == (4, 3)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((3, 5), {}, "larger than the input"),
        ((5, 3), {"dilation": 3}, "dilated"),
        ((0, 3), {}, "positive"),
        ((5, -1), {}, "positive"),
        ((5, 3), {"padding": "full"}, "'valid' or 'same'"),
        (((5, 5), (3, 3, 3)), {}, "has 3 values"),
        ((5, 3.0), {}, "positive integer"),
    ],
)
def test_conv_output_size_rejects_impossible_inputs(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args, **kwargs)


sizes = st.integers(1, 40)
kernels = st.integers(1, 7)
steps = st.integers(1, 4)
paddings = st.sampled_from(["valid", "same"])


@settings(max_examples=80, deadline=None)
@given(
    h=sizes,
    w=sizes,
    kh=kernels,
    kw=kernels,
    sh=steps,
    sw=steps,
    d=st.integers(1, 3),
    padding=paddings,
)
def test_conv_output_size_matches_keras_conv2d(h, w, kh, kw, sh, sw, d, padding):
    assume(d == 1 or (sh, sw) == (1, 1))  # Keras refuses strides > 1 with dilation > 1
    layer = layers.Conv2D(1, (kh, kw), strides=(sh, sw), padding=padding, dilation_rate=d)
    try:
        expected = tuple(layer.compute_output_shape((1, h, w, 1))[1:3])
    except ValueError:
        with pytest.raises(ValueError):
            conv_output_size((h, w), (kh, kw), (sh, sw), padding, d)
        return
    assert conv_output_size((h, w), (kh, kw), (sh, sw), padding, d) == expected


@settings(max_examples=60, deadline=None)
@given(h=sizes, w=sizes, k=st.integers(1, 5), s=st.none() | steps, padding=paddings)
def test_conv_output_size_matches_keras_max_pooling(h, w, k, s, padding):
    layer = layers.MaxPooling2D(k, strides=s, padding=padding)
    try:
        expected = tuple(layer.compute_output_shape((1, h, w, 3))[1:3])
    except ValueError:
        with pytest.raises(ValueError):
            conv_output_size((h, w), k, s or k, padding)
        return
    assert conv_output_size((h, w), k, s or k, padding) == expected


def test_conv_arithmetic_prints_the_formula_and_draws_both_grids(capsys):
    fig = conv_arithmetic((7, 7), 3, stride=2, padding="same")
    printed = capsys.readouterr().out
    assert "ceil(7 / 2) = 4" in printed and printed.strip() == explain_conv((7, 7), 3, 2, "same")
    drawn = joined(fig)
    assert "input 7×7 + padding" in drawn and "output 4×4" in drawn
    fig = conv_arithmetic(10, 3, dilation=2)
    assert "floor((10 - 5) / 1) + 1 = 6" in capsys.readouterr().out
    assert "output 6" in joined(fig)
    with pytest.raises(ValueError, match="larger than the input"):
        conv_arithmetic(2, 3)


# --------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------


def test_to_display_recognises_pixel_ranges():
    ramp = np.linspace(0, 1, 16).reshape(4, 4)
    for pixels in ((ramp * 255).astype("uint8"), ramp * 255.0, ramp, ramp * 2 - 1):
        shown = to_display(pixels)
        assert shown.min() == pytest.approx(0, abs=1e-6)
        assert shown.max() == pytest.approx(1, abs=1e-6)
    assert to_display(np.zeros((4, 4, 1))).shape == (4, 4)


def test_show_images_grid_titles_and_wrong_predictions():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 8, 8), dtype="uint8")
    labels = np.arange(10) % 3
    predictions = labels.copy()
    predictions[[1, 4, 7]] = (predictions[[1, 4, 7]] + 1) % 3
    probabilities = np.eye(3)[predictions]  # as model.predict would return them
    fig = show_images(images, labels, probabilities, class_names=["cat", "dog", "fox"], ncols=4)
    assert len(fig.axes) == 10
    assert all(len(ax.get_images()) == 1 for ax in fig.axes)
    red = [ax for ax in fig.axes if ax.title.get_color() == WRONG]
    assert len(red) == 3
    assert red[0].get_title() == "true: dog\npred: fox"
    assert "3 of 10 wrong" in fig._suptitle.get_text()


def test_show_images_shapes_and_limits():
    rgb = np.random.default_rng(1).random((5, 6, 6, 3)).astype("float32")
    assert len(show_images(rgb, max_images=3).axes) == 3
    assert len(show_images(rgb[0]).axes) == 1  # one image
    assert len(show_images(np.zeros((4, 6, 6, 1))).axes) == 4
    with pytest.raises(ValueError, match="expected images"):
        show_images(np.zeros((2, 6, 6, 5)))


def test_show_batch_takes_one_batch_from_a_dataset():
    import tensorflow as tf

    images = np.random.default_rng(2).random((12, 8, 8, 1)).astype("float32")
    labels = np.arange(12) % 2
    batched = tf.data.Dataset.from_tensor_slices((images, labels)).batch(5)
    fig = show_batch(batched, class_names=["even", "odd"], n=16)
    assert len(fig.axes) == 5 and fig.axes[1].get_title() == "true: odd"
    unbatched = tf.data.Dataset.from_tensor_slices((images, labels))
    assert len(show_batch(unbatched, n=7).axes) == 7


# --------------------------------------------------------------------------------------
# Activations and filters
# --------------------------------------------------------------------------------------


def test_show_activations_one_panel_per_layer(tiny_cnn):
    image = np.random.default_rng(3).random((12, 12)).astype("float32")
    fig = show_activations(tiny_cnn, image)
    assert len(fig.subfigs) == 3
    assert [len(panel.axes) for panel in fig.subfigs] == [3, 3, 5]
    assert "conv_a: 10×10×3" in joined(fig)
    fig = show_activations(tiny_cnn, image[..., None], layers=["conv_b"], max_channels=2)
    assert [len(panel.axes) for panel in fig.subfigs] == [2]
    assert "2 of 5 channels" in joined(fig)
    with pytest.raises(ValueError, match="not \\(batch, height, width"):
        show_activations(tiny_cnn, image, layers=["out"])


def test_show_filters_draws_one_image_per_kernel(tiny_cnn):
    fig = show_filters(tiny_cnn)
    assert len(fig.axes) == 3 and all(len(ax.get_images()) == 1 for ax in fig.axes)
    assert len(show_filters(tiny_cnn, "conv_b", max_filters=4).axes) == 4


# --------------------------------------------------------------------------------------
# Rendering and imports
# --------------------------------------------------------------------------------------


def test_every_visualiser_renders_a_non_blank_png(mnist_convnet, tiny_cnn):
    import tensorflow as tf

    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (6, 12, 12), dtype="uint8")
    dataset = tf.data.Dataset.from_tensor_slices((images, np.arange(6))).batch(3)
    figures = {
        "tensor": show_tensor(rng.integers(0, 256, (2, 8, 8, 3), dtype="uint8")),
        "tensor heat map": show_tensor(rng.random((2, 20, 20))),
        "model": show_model(mnist_convnet),
        "conv 2-D": conv_arithmetic((6, 6), 3, stride=2, padding="same"),
        "conv 1-D": conv_arithmetic(9, 3),
        "images": show_images(images, labels=[0, 1, 2, 0, 1, 2], predictions=[0, 1, 1, 0, 1, 2]),
        "batch": show_batch(dataset),
        "activations": show_activations(tiny_cnn, images[0] / 255.0),
        "filters": show_filters(tiny_cnn),
    }
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=50)
        buf.seek(0)
        pixels = matplotlib.image.imread(buf, format="png")
        assert pixels.std() > 0.02, f"{name} rendered (almost) blank"
        plt.close(fig)


def test_importing_course_viz_does_not_import_tensorflow():
    code = "import sys, course.viz; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"], result.stderr


# --------------------------------------------------------------------------------------
# Confusion matrix (Chapter 3)
# --------------------------------------------------------------------------------------


def test_show_confusion_matrix_draws_counts_and_row_shares():
    from course.viz import show_confusion_matrix

    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 4]])
    fig = show_confusion_matrix(cm, class_names=["a", "b", "c"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["5", "1", "0", "2", "7", "1", "0", "0", "4"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b", "c"]
    plt.close(fig)
    fig = show_confusion_matrix(cm, normalize=True)
    assert fig.axes[0].texts[3].get_text() == "0.20"  # 2 of the 10 samples of class 1
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    buf.seek(0)
    assert matplotlib.image.imread(buf, format="png").std() > 0.02
    plt.close(fig)
    with pytest.raises(ValueError, match="square"):
        show_confusion_matrix(np.zeros((2, 3)))
