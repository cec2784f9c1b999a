"""Pretrained convolutional bases (ImageNet weights) that load offline.

One call gives the convolutional base of Chapter 5::

    from course import pretrained
    base = pretrained.mobilenet_v2(alpha=0.35)   # keras.applications.MobileNetV2

It returns ``keras.applications.MobileNetV2(weights="imagenet", include_top=False,
alpha=alpha, input_shape=(None, None, 3))``. The weights file is found the way
:mod:`course.datasets` finds data files (it uses the same functions):

1. a local **mirror** (``data_home=`` or ``$COURSE_DATA_DIR``, file under
   ``weights/``), checked against the mirror's ``SHA256SUMS``;
2. the **Keras cache** (``$KERAS_HOME/models``, by default ``~/.keras/models``);
3. **keras' own download** address (needs the internet);
4. otherwise a :class:`~course.datasets.DatasetUnavailable` error saying what to do.

A mirror file is copied into the Keras cache under the name keras looks for, so
keras then loads it by itself (and keeps doing so without the mirror). Keras
publishes no hash for these files: the one-line provenance print says which
check was done instead (the sha256 the course recorded for keras' release files
of alpha 0.35 and 0.5, the mirror's ``SHA256SUMS``, or none). A corrupted or
unreadable file raises :class:`WeightsCorrupted`; the base is never returned
with random weights.

The base accepts any input size of 32 px or more: it is fully convolutional, so
the 224-px ImageNet weights (the file keras picks for an unspecified input
size) apply to 96- or 160-px photos as well; the output grid is the input size
divided by 32 (5 x 5 at 160 px).

:func:`vgg16` does the same for VGG16 (58.9 MB of weights, keras' md5 checked).
No course mirror holds it, so it needs the internet once.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from course import datasets
from course.datasets import DataFile, DatasetCorrupted, RemoteFile

__all__ = ["mobilenet_v2", "vgg16", "weights_file", "WeightsCorrupted", "MOBILENET_ALPHAS"]

MOBILENET_ALPHAS = datasets.MOBILENET_ALPHAS


class WeightsCorrupted(DatasetCorrupted):
    """A weights file is there but is damaged, so no pretrained network can be built."""


_mobilenet_name = datasets.mobilenet_v2_weights
_VGG16_NAME = datasets.VGG16_WEIGHTS


# --------------------------------------------------------------------------------------
# Finding the file
# --------------------------------------------------------------------------------------

_CHECKS = {
    "canonical hash": "checked against the hash of keras' release file",
    "mirror SHA256SUMS": "checked against the mirror's SHA256SUMS",
    "sha256 recorded from the mirror": "checked against the sha256 recorded from the mirror",
    "no published hash": "NOT checked: keras publishes no hash for it",
}


def _describe(found: DataFile, cached: Path | None) -> str:
    where = {"mirror": "mirror", "cache": "Keras cache", "download": "downloaded to"}[found.source]
    check = _CHECKS.get(found.verified_by, f"checked by {found.verified_by}")
    if found.verified_by == "canonical hash" and found.name.startswith("mobilenet_v2"):
        check = "checked against the sha256 the course recorded for keras' release file"
    kind = "keras' release file" if found.canonical else "NOT keras' own file"
    line = f"[course.pretrained] {found.name}: {where} {found.path.parent} ({kind}; {check})"
    if cached is not None and found.source == "mirror":
        line += f", copied to the Keras cache {cached.parent}"
    if found.note and not found.canonical:
        line += f" -- {found.note}"
    return line


def _cache_problem(spec: RemoteFile) -> str | None:
    """Why the Keras cache copy of ``spec`` is damaged, or None (absent or fine)."""
    path = datasets.keras_cache_dir() / spec.cache_subdir / spec.name
    if not path.is_file():
        return None
    sidecar = path.with_name(path.name + ".sha256")
    if sidecar.is_file():
        recorded = sidecar.read_text().strip()
        if datasets._hash_file(path, "sha256") != recorded:
            return f"its sha256 differs from the one recorded in {sidecar.name} ({recorded})"
        return None
    if spec.file_hash and not datasets._matches(path, spec.file_hash):
        return f"its hash differs from the one of keras' release file ({spec.file_hash})"
    return None


def weights_file(
    name: str,
    data_home: str | os.PathLike | None = None,
    *,
    download: bool = True,
    verbose: bool = True,
) -> Path:
    """Find a registered weights file (mirror, Keras cache, download), verify it and
    make sure a verified copy sits in the Keras cache, where keras looks for it.

    Returns the path of the cached copy (the mirror file itself if the cache cannot
    be written). Raises :class:`WeightsCorrupted` for a damaged file and
    :class:`~course.datasets.DatasetUnavailable` when the file cannot be had.
    """
    spec = datasets.FILES[name]
    mirror = datasets.mirror_dir(data_home)
    in_mirror = mirror is not None and any(
        (mirror / rel).is_file() for rel in (spec.name, *spec.mirror_names)
    )
    if not in_mirror:
        problem = _cache_problem(spec)
        if problem:
            path = datasets.keras_cache_dir() / spec.cache_subdir / spec.name
            raise WeightsCorrupted(
                f"{path} is in the Keras cache but {problem}: it is truncated or corrupted, "
                f"so it was not used. Delete it, then run again with the internet (keras "
                f"downloads a fresh copy) or with {datasets.ENV_MIRROR} pointing at a course "
                "data mirror that holds weights/."
            )
    try:
        found = datasets.locate(name, data_home, download=download)
    except DatasetCorrupted as exc:
        raise WeightsCorrupted(str(exc)) from None
    cached: Path | None = found.path
    if found.source == "mirror":
        target = datasets.keras_cache_dir() / spec.cache_subdir / spec.name
        try:
            if (
                not target.is_file()
                or _cache_problem(spec)
                or (
                    datasets._hash_file(target, "sha256")
                    != datasets._hash_file(found.path, "sha256")
                )
            ):
                datasets._copy_to_cache(spec, found)
        except OSError:
            cached = None  # a read-only home: keras is then given the mirror path
        else:
            cached = target
    if verbose:
        print(_describe(found, cached))
    return cached or found.path


# --------------------------------------------------------------------------------------
# Building the networks
# --------------------------------------------------------------------------------------


def _keras_models_dir() -> Path:
    """The folder ``keras.utils.get_file(..., cache_subdir="models")`` uses by default."""
    try:
        from keras.src.backend.config import keras_home

        home = Path(keras_home()).expanduser()
    except ImportError:  # another Keras layout: assume it follows KERAS_HOME
        home = datasets.keras_cache_dir()
    if not os.access(home, os.W_OK):  # get_file's own fallback
        home = Path("/tmp/.keras")
    return home / "models"


def _weights_argument(path: Path, name: str) -> str:
    """``"imagenet"`` when keras will find ``path`` by itself (no download), else the path."""
    keras_copy = _keras_models_dir() / name
    try:
        if keras_copy.is_file() and keras_copy.samefile(path):
            return "imagenet"
    except OSError:
        pass
    return str(path)  # KERAS_HOME changed after keras was imported, or an unwritable cache


def _build(factory: Any, path: Path, name: str, what: str, **kwargs: Any) -> Any:
    weights = _weights_argument(path, name)
    try:
        with warnings.catch_warnings():
            # "input_shape is undefined ... weights for (224, 224) will be loaded": intended.
            warnings.filterwarnings("ignore", message=".*input_shape.*undefined.*")
            return factory(weights=weights, include_top=False, **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        raise WeightsCorrupted(
            f"{path} could not be loaded as the {what} weights ({type(exc).__name__}: {exc}). "
            f"The file is damaged or not a {what} weights file. Delete it and run again with "
            f"the internet or with {datasets.ENV_MIRROR} pointing at a course data mirror."
        ) from None


def mobilenet_v2(
    alpha: float = 0.35,
    *,
    data_home: str | os.PathLike | None = None,
    download: bool = True,
    verbose: bool = True,
) -> Any:
    """The ImageNet-trained MobileNetV2 convolutional base (no classifier on top).

    Returns ``keras.applications.MobileNetV2(weights="imagenet", include_top=False,
    alpha=alpha, input_shape=(None, None, 3))``, with the weights file taken from the
    mirror, the Keras cache or keras' download (see the module docstring). The
    224-px weights are used: they work at any input size of 32 px or more.

    Inputs must be scaled to [-1, 1]
    (``keras.applications.mobilenet_v2.preprocess_input``). At 160 px the output
    is ``(batch, 5, 5, 1280)``.

    Args:
        alpha: the width multiplier (0.35: 0.41 M parameters, 1.0: 2.26 M).
        data_home: a mirror folder; defaults to ``$COURSE_DATA_DIR``.
        download: allow keras' download when neither mirror nor cache has the file.
        verbose: print where the weights came from and how they were checked.
    """
    alpha = float(alpha)
    if alpha not in MOBILENET_ALPHAS:
        raise ValueError(f"keras has ImageNet weights for alpha in {MOBILENET_ALPHAS}, not {alpha}")
    import keras

    name = _mobilenet_name(alpha)
    path = weights_file(name, data_home, download=download, verbose=verbose)
    return _build(keras.applications.MobileNetV2, path, name, f"MobileNetV2 (alpha {alpha})",
                  alpha=alpha, input_shape=(None, None, 3))  # fmt: skip


def vgg16(
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    *,
    data_home: str | os.PathLike | None = None,
    download: bool = True,
    verbose: bool = True,
) -> Any:
    """The ImageNet-trained VGG16 convolutional base, as the original course used it.

    ``keras.applications.VGG16(weights="imagenet", include_top=False)``: 14.7 M
    parameters, about 15 GFLOPs per 224-px photo (some 50 times MobileNetV2 at
    alpha 0.35), so extracting features from 2,000 photos takes many minutes on
    two CPU cores. Inputs: ``keras.applications.vgg16.preprocess_input``.
    The weights (58.9 MB) need the internet once (keras' md5 is checked).
    """
    import keras

    path = weights_file(_VGG16_NAME, data_home, download=download, verbose=verbose)
    return _build(keras.applications.VGG16, path, _VGG16_NAME, "VGG16", input_shape=input_shape)
