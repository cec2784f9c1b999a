"""Which device trains the models: report it, set it up, pick a distribution strategy.

The course runs on a laptop CPU, on Binder and on GPU machines alike; these
helpers keep the notebooks identical on all of them::

    from course import device
    device.setup()          # prints e.g. "GPU: NVIDIA H100 (79.1 GB) - memory growth on"
    strategy = device.strategy()
    with strategy.scope():
        model = build_model()
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

__all__ = ["DeviceInfo", "info", "describe", "setup", "strategy", "gpus"]


@dataclass(frozen=True)
class DeviceInfo:
    """What TensorFlow sees: its GPUs (name and memory) and the CPU."""

    gpus: tuple[tuple[str, float | None], ...]  # (name, memory in GB or None)
    cpu_count: int
    tensorflow: str

    @property
    def kind(self) -> str:
        return "GPU" if self.gpus else "CPU"


def _tf() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def gpus() -> list[Any]:
    """The physical GPUs TensorFlow can use (an empty list on a CPU machine)."""
    return list(_tf().config.list_physical_devices("GPU"))


def _gpu_memory_gb(index: int) -> float | None:
    # TensorFlow does not report total memory before a GPU is used; nvidia-smi's
    # NVML library does, when it is installed.
    try:
        import pynvml  # type: ignore[import-not-found]

        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        return pynvml.nvmlDeviceGetMemoryInfo(handle).total / 1e9
    except Exception:
        return None


def info() -> DeviceInfo:
    """Collect :class:`DeviceInfo` without changing any setting."""
    tf = _tf()
    found = []
    for i, gpu in enumerate(gpus()):
        details = tf.config.experimental.get_device_details(gpu)
        found.append((details.get("device_name", gpu.name), _gpu_memory_gb(i)))
    return DeviceInfo(tuple(found), os.cpu_count() or 1, tf.__version__)


def describe(device_info: DeviceInfo | None = None) -> str:
    """One line: the GPUs (name, memory) or the CPU that will train the models."""
    d = device_info or info()
    if not d.gpus:
        return f"CPU: {d.cpu_count} cores, no GPU found (TensorFlow {d.tensorflow})"
    parts = [name + (f" ({mem:.1f} GB)" if mem else "") for name, mem in d.gpus]
    return f"GPU: {', '.join(parts)} (TensorFlow {d.tensorflow})"


def setup(mixed_precision: bool = False, verbose: bool = True) -> DeviceInfo:
    """Prepare TensorFlow for this machine and say what it will use.

    On GPUs, memory growth is turned on so several notebooks can share a card.
    ``mixed_precision=True`` computes in float16 (keeping float32 weights),
    which is faster on recent GPUs; it is off by default and ignored on CPU.
    Call it before building models.
    """
    tf = _tf()
    found = gpus()
    for gpu in found:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: the setting cannot change any more
            pass
    policy = "mixed_float16" if (mixed_precision and found) else "float32"
    import keras

    keras.mixed_precision.set_global_policy(policy)
    d = info()
    if verbose:
        extra = []
        if found:
            extra.append("memory growth on")
        if mixed_precision:
            extra.append("mixed precision on" if found else "mixed precision needs a GPU: off")
        print(describe(d) + (" - " + ", ".join(extra) if extra else ""))
    return d


def strategy() -> Any:
    """A ``tf.distribute`` strategy for this machine.

    Several GPUs: ``MirroredStrategy`` (one model copy per GPU). One GPU:
    ``OneDeviceStrategy("/gpu:0")``. No GPU: ``OneDeviceStrategy("/cpu:0")``.
    """
    tf = _tf()
    found = gpus()
    if len(found) > 1:
        return tf.distribute.MirroredStrategy()
    if found:
        return tf.distribute.OneDeviceStrategy("/gpu:0")
    return tf.distribute.OneDeviceStrategy("/cpu:0")
