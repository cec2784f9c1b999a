"""course.checks: silent on right answers, plain-language messages on wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course.checks import (
    CheckFailed,
    check,
    check_array,
    check_close,
    check_dtype,
    check_equal,
    check_model,
    check_shape,
    check_type,
    describe_layer,
)


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as err:
        fn(*args, **kwargs)
    assert isinstance(err.value, AssertionError)  # nbgrader counts it as a failed test
    return str(err.value)


def test_right_answers_pass_silently(capsys):
    import tensorflow as tf

    check_array(tf.constant([[1.0, 2.0]]), [[1.0, 2.0 + 1e-9]], name="x")
    check_array([1, 2, 3], np.array([1, 2, 3]))
    check_shape(np.zeros((5, 3)), (None, 3))
    check_dtype(np.zeros(2, "float32"), "float")
    check_dtype(np.zeros(2, "float32"), "float32")
    check_close(0.1 + 0.2, 0.3)
    check_equal([1, 2], (1, 2))
    check_type(3, int)
    check(True, "never shown")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("got_shape", "want_shape", "hint"),
    [
        ((10, 8), (8, 10), "axes look swapped"),
        ((28, 28), (1, 28, 28), "batch axis is missing"),
        ((1, 5), (5,), "extra leading axis"),
        ((5, 1), (5,), "extra trailing axis"),
        ((28, 28), (28, 28, 1), "trailing axis of size 1 is missing"),
        ((4, 6), (24,), "only the shape differs"),
        ((2, 3, 4), (4, 2, 3), "another order"),
    ],
)
def test_shape_messages_show_expected_got_and_hint(got_shape, want_shape, hint):
    text = message(check_shape, np.zeros(got_shape), want_shape, name="images")
    assert "`images` has the wrong shape." in text
    assert f"expected: {want_shape}" in text and f"got:      {got_shape}" in text
    assert hint in text


def test_value_message_locates_the_first_difference():
    got = np.array([[1.0, 2.0], [3.0, 9.0]])
    text = message(check_array, got, [[1.0, 2.0], [3.0, 4.0]], name="out")
    assert "1 of 4 values differ" in text
    assert "index (1, 1): expected 4.0, got 9.0" in text
    assert "largest difference: 5" in text


@pytest.mark.parametrize(
    ("got", "hint"),
    [
        (np.array([[1.0, 3.0], [2.0, 4.0]]), "transposed"),
        (-np.array([[1.0, 2.0], [3.0, 4.0]]), "wrong sign"),
        (np.array([[1.5, 2.5], [3.5, 4.5]]), "off by the same amount (0.5)"),
        (np.array([[255.0, 510.0], [765.0, 1020.0]]), "255 times"),
        (np.array([[1.0, np.nan], [3.0, 4.0]]), "NaN"),
    ],
)
def test_value_hints(got, hint):
    assert hint in message(check_array, got, [[1.0, 2.0], [3.0, 4.0]], name="y")


def test_relu_hints():
    z = np.array([-1.0, 2.0, -3.0])
    assert "relu missing" in message(check_array, z, np.maximum(z, 0))
    assert "relu extra" in message(check_array, np.maximum(z, 0), z)


def test_placeholders_and_none_are_named():
    assert "forget to `return`" in message(check_array, None, [1, 2])
    assert "placeholder `...`" in message(check_array, ..., [1, 2])
    assert "placeholder `...`" in message(check_equal, ..., 3)


def test_ragged_lists_are_explained():
    text = message(check_array, [[1, 2], [3]], [[1, 2], [3, 4]], name="seqs")
    assert "same length" in text


def test_dtype_and_type_messages():
    text = message(check_dtype, np.zeros(3), "float32", name="x")
    assert "dtype float64" in text and "float32" in text
    assert "integer dtype" in message(check_dtype, np.zeros(3), "integer")
    assert "should be a int, but it is a str" in message(check_type, "3", int)
    assert "is 0.5, but it should be 0.25" in message(check_close, 0.5, 0.25)
    assert "(3, 2), but it should be (2, 3)" in message(check_equal, (3, 2), (2, 3))
    assert "Hint: look here" in message(check, False, "nope", "look here")


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mlp():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(784,)),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model


SPEC = [("Dense", 512, "relu"), ("Dense", 10, "softmax")]


def test_model_right(mlp):
    check_model(mlp, SPEC, params=407_050, input_shape=(None, 784), output_shape=(None, 10),
                compiled=True, loss="sparse_categorical_crossentropy")  # fmt: skip
    check_model(mlp, ["Dense", {"type": "Dense", "units": 10}])
    assert describe_layer(mlp.layers[0]) == "Dense(512, activation='relu')"


def test_model_wrong_layer_lists_both(mlp):
    text = message(check_model, mlp, [("Dense", 512, "relu"), ("Dense", 10, "sigmoid")])
    assert "layer 2 of `model` should be Dense(10, activation='sigmoid')" in text
    assert "but it is Dense(10, activation='softmax')" in text
    assert "your layers:" in text and "1. Dense(512, activation='relu')" in text


def test_model_wrong_count_params_loss(mlp):
    assert "has 2 layers, but it should have 3" in message(check_model, mlp, SPEC + ["Dropout"])
    text = message(check_model, mlp, params=100)
    assert "407,050 parameters, but it should have 100" in text
    assert "should be 'categorical_crossentropy'" in message(
        check_model, mlp, loss="categorical_crossentropy"
    )
    assert "should be (None, 5)" in message(check_model, mlp, output_shape=(None, 5))


def test_model_not_a_model_or_not_built():
    import keras

    assert "should be a Keras model, but it is a list" in message(check_model, [1])
    unbuilt = keras.Sequential([keras.layers.Dense(3)])
    assert "not built yet" in message(check_model, unbuilt, params=10)
    assert "is not compiled" in message(check_model, unbuilt, compiled=True)
    assert "is Ellipsis" in message(check_model, ...)
