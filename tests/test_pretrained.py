"""course.pretrained: ImageNet bases from the mirror or the Keras cache, never silently random."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from course import datasets, pretrained
from course.pretrained import WeightsCorrupted

NAME_035 = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5"
NAME_100 = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"


@pytest.fixture
def no_download(monkeypatch):
    """Any download attempt fails the test."""
    import keras.src.utils.file_utils as file_utils

    def refuse(*args, **kwargs):
        raise AssertionError(f"a download was attempted: {args[:1]}")

    monkeypatch.setattr(file_utils, "urlretrieve", refuse)


@pytest.fixture
def keras_sees(keras_home, monkeypatch):
    """Make keras itself (imported before KERAS_HOME changed) use the test's cache."""
    from keras.src.backend import config

    monkeypatch.setattr(config, "_KERAS_DIR", str(keras_home))
    return keras_home


def _mirror_copy(tmp_path, mirror, names, corrupt=None):
    """A small mirror with the weights files named (and its SHA256SUMS), one maybe damaged."""
    folder = tmp_path / "mirror"
    (folder / "weights").mkdir(parents=True)
    sums = []
    for name in names:
        shutil.copyfile(mirror / "weights" / name, folder / "weights" / name)
        sums.append(f"{datasets.mirror_sums(mirror)['weights/' + name]}  weights/{name}")
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    if corrupt:
        path = folder / "weights" / corrupt
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated download
    return folder


def test_mirror_weights_go_to_the_keras_cache_and_keras_loads_them(
    mirror, keras_sees, no_download, capsys
):
    import keras

    base = pretrained.mobilenet_v2(0.35, data_home=mirror)
    line = capsys.readouterr().out
    assert f"mirror {mirror.resolve() / 'weights'}" in line
    assert "checked against the sha256 the course recorded for keras' release file" in line
    cached = keras_sees / "models" / NAME_035
    assert cached.is_file() and f"Keras cache {cached.parent}" in line
    assert pretrained._weights_argument(cached, NAME_035) == "imagenet"  # keras finds it itself
    assert base.count_params() == 410_208
    assert tuple(base.output.shape) == (None, None, None, 1280)
    reference = keras.applications.MobileNetV2(
        weights=str(mirror / "weights" / NAME_035), include_top=False, alpha=0.35,
        input_shape=(None, None, 3),
    )  # fmt: skip
    for got, want in zip(base.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_without_mirror_the_keras_cache_is_used(mirror, keras_sees, no_download, monkeypatch,
                                                 capsys):  # fmt: skip
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    models = keras_sees / "models"
    models.mkdir()
    shutil.copyfile(mirror / "weights" / NAME_035, models / NAME_035)
    base = pretrained.mobilenet_v2(0.35)
    line = capsys.readouterr().out
    assert f"Keras cache {models}" in line and "keras' release file" in line
    assert base.count_params() == 410_208


def test_a_stand_in_copied_from_the_mirror_is_rechecked_in_the_cache(
    mirror, keras_home, no_download, monkeypatch, capsys
):
    path = pretrained.weights_file(NAME_100, mirror)
    assert path == keras_home / "models" / NAME_100
    assert (keras_home / "models" / (NAME_100 + ".sha256")).is_file()
    assert "NOT keras' own file" in capsys.readouterr().out
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    pretrained.weights_file(NAME_100)
    line = capsys.readouterr().out
    assert "Keras cache" in line and "sha256 recorded from the mirror" in line
    with open(path, "r+b") as fh:  # one flipped byte in the cached copy
        fh.seek(5000)
        byte = fh.read(1)
        fh.seek(5000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(WeightsCorrupted, match="Delete it"):
        pretrained.weights_file(NAME_100)


def test_a_corrupted_mirror_file_is_refused(mirror, tmp_path, keras_home, no_download):
    damaged = _mirror_copy(tmp_path, mirror, [NAME_035], corrupt=NAME_035)
    with pytest.raises(WeightsCorrupted, match="checksum is wrong") as info:
        pretrained.mobilenet_v2(0.35, data_home=damaged)
    assert "Replace it with a good copy" in str(info.value)
    assert not (keras_home / "models" / NAME_035).exists()  # nothing damaged reached the cache


def test_a_corrupted_cached_release_file_is_refused(keras_home, no_download, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    (keras_home / "models").mkdir()
    (keras_home / "models" / NAME_035).write_bytes(b"\x89HDF\r\n" + b"\0" * 1000)
    with pytest.raises(WeightsCorrupted, match="truncated or corrupted"):
        pretrained.mobilenet_v2(0.35)


def test_an_unreadable_unchecked_file_is_an_error_not_a_random_network(
    keras_sees, no_download, monkeypatch
):
    # keras' own alpha-1.0 download has no published hash, so the cache copy is not checked;
    # a damaged one must still fail loudly when keras reads it.
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    (keras_sees / "models").mkdir()
    (keras_sees / "models" / NAME_100).write_bytes(b"not an HDF5 file" * 100)
    with pytest.raises(WeightsCorrupted, match="could not be loaded"):
        pretrained.mobilenet_v2(1.0)


def test_missing_weights_say_what_to_do(keras_home, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    with pytest.raises(datasets.DatasetUnavailable, match="COURSE_DATA_DIR"):
        pretrained.mobilenet_v2(0.5, download=False)


def test_unknown_alpha_is_refused():
    with pytest.raises(ValueError, match="alpha"):
        pretrained.mobilenet_v2(0.6, download=False)
