"""course.device on this (CPU-only) machine; the GPU branch is exercised on a GPU host."""

import tensorflow as tf

from course import device


def test_describe_cpu():
    info = device.info()
    line = device.describe(info)
    if info.gpus:  # on a GPU machine the line names the GPU
        assert line.startswith("GPU: ")
    else:
        assert line.startswith("CPU: ") and "no GPU" in line
    assert tf.__version__ in line and "\n" not in line


def test_describe_formats_gpus():
    fake = device.DeviceInfo((("NVIDIA H100", 79.1), ("NVIDIA H100", None)), 16, "2.21.0")
    assert device.describe(fake) == "GPU: NVIDIA H100 (79.1 GB), NVIDIA H100 (TensorFlow 2.21.0)"
    assert fake.kind == "GPU"


def test_setup_and_strategy(capsys):
    import keras

    info = device.setup(mixed_precision=True)
    out = capsys.readouterr().out
    if not info.gpus:
        assert "mixed precision needs a GPU: off" in out
        assert keras.mixed_precision.global_policy().name == "float32"
    strategy = device.strategy()
    expected = 1 if len(info.gpus) <= 1 else len(info.gpus)
    assert strategy.num_replicas_in_sync == expected
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert model(tf.ones((1, 3))).shape == (1, 2)
    device.setup(verbose=False)
    assert keras.mixed_precision.global_policy().name == "float32"
