"""course.datasets: resolution order, checksums, stand-ins, and equality with keras.datasets."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from course import datasets
from course.datasets import DatasetCorrupted, DatasetUnavailable, RemoteFile


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tiny_mirror(tmp_path, mirror) -> Path:
    """A mirror holding a canonical Boston file, a mirror-only MNIST copy and the weather
    stand-in, with its own SHA256SUMS (like the real one)."""
    m = tmp_path / "mirror"
    m.mkdir()
    for name in ("boston_housing.npz", "mnist.npz", "weather_standin.csv"):
        shutil.copy(mirror / name, m / name)
    sums = "".join(f"{sha256(m / n)}  {n}\n" for n in sorted(p.name for p in m.iterdir()))
    (m / "SHA256SUMS").write_text(sums)
    return m


# --------------------------------------------------------------------------------------
# Resolution and verification
# --------------------------------------------------------------------------------------


def test_canonical_file_in_mirror_is_reported_canonical(tiny_mirror, keras_home, capsys):
    (x_train, y_train), (x_test, y_test) = datasets.load_boston_housing(data_home=tiny_mirror)
    line = capsys.readouterr().out.strip()
    assert line.startswith("[course.datasets] boston_housing.npz: mirror")
    assert "canonical file; checked by canonical hash" in line
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert x_train.dtype == np.float64 and y_train.shape == (404,)


def test_mirror_only_checksum_is_accepted_and_flagged(tiny_mirror, keras_home, capsys):
    found = datasets.locate("mnist.npz", tiny_mirror)
    assert found.source == "mirror" and not found.canonical
    assert found.verified_by == "mirror SHA256SUMS"
    datasets.load_mnist(data_home=tiny_mirror, limit=10)
    line = capsys.readouterr().out
    assert "(not the canonical file; checked by mirror SHA256SUMS)" in line
    assert "the same arrays as keras' download" in line and "NOT" not in line


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_mirror_file_is_rejected_not_loaded(tiny_mirror, keras_home, damage):
    path = tiny_mirror / "boston_housing.npz"
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    with pytest.raises(DatasetCorrupted) as err:
        datasets.load_boston_housing(data_home=tiny_mirror)
    message = str(err.value)
    assert "boston_housing.npz" in message and "checksum is wrong" in message
    assert "was not loaded" in message


def test_unlisted_foreign_file_is_rejected(tiny_mirror, keras_home):
    (tiny_mirror / "imdb.npz").write_bytes(b"not a dataset")
    with pytest.raises(DatasetCorrupted, match="imdb.npz"):
        datasets.load_imdb(data_home=tiny_mirror)


def test_missing_everywhere_raises_unavailable_with_advice(tiny_mirror, keras_home, monkeypatch):
    spec = datasets.FILES["reuters.npz"]
    dead = RemoteFile(spec.name, (tiny_mirror / "nowhere.npz").as_uri(), spec.file_hash)
    monkeypatch.setitem(datasets.FILES, "reuters.npz", dead)
    with pytest.raises(DatasetUnavailable) as err:
        datasets.load_reuters(data_home=tiny_mirror)
    assert "course data fetch" in str(err.value) and "COURSE_DATA_DIR" in str(err.value)


def test_download_then_cache(tmp_path, mirror, keras_home, monkeypatch, capsys):
    """With no mirror, the file is fetched from its origin by keras.utils.get_file,
    checked against the canonical hash, and read from the cache the next time."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    spec = datasets.FILES["boston_housing.npz"]
    origin = (mirror / "boston_housing.npz").as_uri()  # a file:// origin stands in for the web
    monkeypatch.setitem(datasets.FILES, spec.name, RemoteFile(spec.name, origin, spec.file_hash))
    first = datasets.locate(spec.name)
    assert first.source == "download" and first.canonical
    assert first.path == keras_home / "datasets" / "boston_housing.npz"
    second = datasets.locate(spec.name)
    assert second.source == "cache" and second.verified_by == "canonical hash"


def test_download_with_wrong_hash_is_refused(tmp_path, mirror, keras_home, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    origin = (mirror / "boston_housing.npz").as_uri()
    bad = RemoteFile("boston_housing.npz", origin, "0" * 64)
    monkeypatch.setitem(datasets.FILES, "boston_housing.npz", bad)
    with pytest.raises(DatasetUnavailable):
        datasets.locate("boston_housing.npz")


def test_corrupted_cache_file_is_downloaded_again(mirror, keras_home, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    spec = datasets.FILES["boston_housing.npz"]
    origin = (mirror / "boston_housing.npz").as_uri()
    monkeypatch.setitem(datasets.FILES, spec.name, RemoteFile(spec.name, origin, spec.file_hash))
    cached = keras_home / "datasets" / spec.name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"truncated")
    found = datasets.locate(spec.name)
    assert found.source == "download" and sha256(found.path) == spec.file_hash


def test_mirror_path_that_is_not_a_folder(tmp_path):
    with pytest.raises(DatasetUnavailable, match="not a folder"):
        datasets.locate("mnist.npz", tmp_path / "missing")


def test_limit(tiny_mirror, keras_home):
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(data_home=tiny_mirror, limit=7)
    assert x_train.shape == (7, 28, 28) and y_test.shape == (7,)
    with pytest.raises(ValueError, match="positive"):
        datasets.load_mnist(data_home=tiny_mirror, limit=0)


def test_fetch_all_copies_mirror_into_cache(tiny_mirror, keras_home, monkeypatch):
    results = datasets.fetch_all(["mnist", "boston_housing"], data_home=tiny_mirror)
    assert results == {"mnist": "ok", "boston_housing": "ok"}
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    # Without the mirror the cached copies are found and still verified.
    mnist = datasets.locate("mnist.npz", download=False)
    assert mnist.source == "cache" and not mnist.canonical
    assert datasets.locate("boston_housing.npz", download=False).canonical
    # A cached non-canonical copy that changes afterwards is not trusted.
    mnist.path.write_bytes(mnist.path.read_bytes()[:1000])
    with pytest.raises(DatasetUnavailable):
        datasets.locate("mnist.npz", download=False)


def test_fetch_all_reports_failures(tmp_path, keras_home):
    empty = tmp_path / "empty"
    empty.mkdir()
    results = datasets.fetch_all(["weather"], data_home=empty, to_cache=False)
    # The weather stand-in exists only in mirrors; the Jena archive cannot be downloaded here.
    assert results["weather"] != "ok"
    with pytest.raises(ValueError, match="Unknown dataset"):
        datasets.fetch_all(["nope"], data_home=empty)


# --------------------------------------------------------------------------------------
# The real mirror: same arrays as keras.datasets
# --------------------------------------------------------------------------------------


@pytest.fixture
def keras_cache_of_mirror(mirror, tmp_path, monkeypatch):
    """Point keras.datasets at a cache holding the mirror's canonical files.

    Keras reads KERAS_HOME once, at import, so its loaders' get_file is given the
    cache folder explicitly instead.
    """
    import functools

    from keras.src.datasets import boston_housing, imdb, reuters
    from keras.src.utils.file_utils import get_file

    home = tmp_path / "keras_ref"
    (home / "datasets").mkdir(parents=True)
    for name in ("imdb.npz", "reuters.npz", "boston_housing.npz"):
        (home / "datasets" / name).symlink_to(mirror / name)
    for module in (imdb, reuters, boston_housing):
        monkeypatch.setattr(module, "get_file", functools.partial(get_file, cache_dir=str(home)))
    return home


@pytest.mark.parametrize(
    "options",
    [{}, {"num_words": 10000}, {"num_words": 500, "skip_top": 10, "maxlen": 100},
     {"num_words": 1000, "oov_char": None, "start_char": None, "index_from": 0}],
)  # fmt: skip
@pytest.mark.parametrize("name", ["imdb", "reuters"])
def test_sequences_equal_keras(name, options, keras_cache_of_mirror):
    import keras

    ours = getattr(datasets, f"load_{name}")(verbose=False, **options)
    ref = getattr(keras.datasets, name).load_data(**options)
    for (ox, oy), (rx, ry) in zip(ours, ref, strict=True):
        assert ox.dtype == rx.dtype == object and ox.shape == rx.shape
        assert all(list(a) == list(b) for a, b in zip(ox, rx, strict=True))
        np.testing.assert_array_equal(oy, ry)


def test_boston_equals_keras(keras_cache_of_mirror):
    import keras

    ours = datasets.load_boston_housing(verbose=False, test_split=0.3, seed=5)
    ref = keras.datasets.boston_housing.load_data(test_split=0.3, seed=5)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_mnist_and_fashion_layout(mirror):
    for loader in (datasets.load_mnist, datasets.load_fashion_mnist):
        (x_train, y_train), (x_test, y_test) = loader(verbose=False)
        assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
        assert x_train.dtype == y_train.dtype == np.uint8
        assert set(np.unique(y_train)) == set(range(10))
    # MNIST's published class counts (test set)
    _, (_, y_test) = datasets.load_mnist(verbose=False)
    counts = np.bincount(y_test)
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_word_indices_decode_a_review(mirror):
    index = datasets.get_imdb_word_index(verbose=False)
    assert len(index) == 88584 and index["the"] == 1
    (x_train, _), _ = datasets.load_imdb(num_words=10000, verbose=False, limit=1)
    words = {rank + 3: word for word, rank in index.items()}
    decoded = " ".join(words.get(i, "?") for i in x_train[0][1:])
    assert len(decoded.split()) == len(x_train[0]) - 1
    assert len(datasets.get_reuters_word_index(verbose=False)) == 30979


def test_weather_stand_in_has_the_jena_layout(mirror, capsys):
    import pandas as pd

    df = datasets.load_weather()
    out = capsys.readouterr().out
    assert "STAND-IN" in out
    assert df.index.name == "Date Time" and isinstance(df.index, pd.DatetimeIndex)
    assert list(df.columns[:3]) == ["p (mbar)", "T (degC)", "Tdew (degC)"]
    assert (df.dtypes == "float64").all()
    assert df.attrs["stand_in"] is True and df.attrs["step"] == pd.Timedelta(hours=1)
    assert len(datasets.load_weather(limit=48, verbose=False)) == 48


def test_cats_vs_dogs_split_is_deterministic_and_disjoint(mirror, keras_home):
    splits = datasets.load_cats_vs_dogs(verbose=False)
    assert splits.classes == ["cats", "dogs"]
    names = {}
    for split in ("train", "validation", "test"):
        folder = getattr(splits, split)
        names[split] = {p.name for p in folder.rglob("*.jpg")}
        assert sum(splits.counts[split].values()) == len(names[split])
    assert not (names["train"] & names["validation"]) and not (names["train"] & names["test"])
    assert sum(len(v) for v in names.values()) == 2002
    assert splits.counts["train"] == {"cats": 500, "dogs": 500}
    again = datasets.load_cats_vs_dogs(verbose=False)
    assert {p.name for p in again.train.rglob("*.jpg")} == names["train"]
    small = datasets.load_cats_vs_dogs(limit=20, verbose=False)
    assert small.counts == {"train": {"cats": 10, "dogs": 10},
                            "validation": {"cats": 5, "dogs": 5},
                            "test": {"cats": 5, "dogs": 5}}  # fmt: skip
    train, val, test = small.datasets(image_size=(32, 32), batch_size=8)
    images, labels = next(iter(train))
    assert tuple(images.shape) == (8, 32, 32, 3) and set(labels.numpy()) <= {0, 1}


def test_cats_vs_dogs_corrupted_photo_is_rejected(mirror, tmp_path, keras_home):
    copy = tmp_path / "m" / "cats_vs_dogs_subset"
    shutil.copytree(mirror / "cats_vs_dogs_subset", copy)
    victim = next((copy / "train" / "cats").glob("*.jpg"))
    victim.write_bytes(victim.read_bytes()[:50])
    with pytest.raises(DatasetCorrupted, match=victim.name):
        datasets.load_cats_vs_dogs(data_home=copy.parent, verbose=False)


# --------------------------------------------------------------------------------------
# Chapter 4's split by file number, decoded arrays and tf.data pipeline
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cvd_cache(mirror, tmp_path_factory) -> Path:
    """One split of the mirror's cats vs dogs photos, shared by the tests below."""
    cache = tmp_path_factory.mktemp("cvd")
    datasets.cats_vs_dogs_split(cache_dir=cache, verbose=False)
    return cache


def _split_names(root: Path) -> dict[str, dict[str, set[str]]]:
    return {
        split: {cls: {p.name for p in (root / split / cls).iterdir()} for cls in ("cats", "dogs")}
        for split in ("train", "validation", "test")
    }


def test_split_by_file_number_is_disjoint_and_balanced(cvd_cache):
    root = datasets.cats_vs_dogs_split(cache_dir=cvd_cache, verbose=False)
    names = _split_names(root)
    assert names["train"]["cats"] == {f"cat.{i}.jpg" for i in range(500)}
    assert names["validation"]["dogs"] == {f"dog.{i}.jpg" for i in range(500, 750)}
    assert names["test"]["cats"] == {f"cat.{i}.jpg" for i in range(750, 1001)}
    sizes = {s: sum(map(len, c.values())) for s, c in names.items()}
    assert sizes == {"train": 1000, "validation": 500, "test": 502}
    every = [n for c in names.values() for files in c.values() for n in files]
    assert len(every) == len(set(every)) == 2002
    source = Path(datasets.mirror_dir()) / "cats_vs_dogs_subset" / "train" / "cats" / "cat.3.jpg"
    assert (root / "train" / "cats" / "cat.3.jpg").read_bytes() == source.read_bytes()


def test_split_second_run_copies_nothing_and_remakes_a_broken_split(cvd_cache):
    root = datasets.cats_vs_dogs_split(cache_dir=cvd_cache, verbose=False)
    probe = root / "train" / "dogs" / "dog.7.jpg"
    stamp = probe.stat().st_mtime_ns
    assert datasets.cats_vs_dogs_split(cache_dir=cvd_cache, verbose=False) == root
    assert probe.stat().st_mtime_ns == stamp  # not copied again
    # half-made: a photo missing; stale: a stranger in a folder; a truncated copy
    (root / "validation" / "cats" / "cat.600.jpg").unlink()
    (root / "test" / "dogs" / "dog.99999.jpg").write_bytes(b"not a photo")
    probe.write_bytes(probe.read_bytes()[:100])
    datasets.cats_vs_dogs_split(cache_dir=cvd_cache, verbose=False)
    assert (root / "validation" / "cats" / "cat.600.jpg").is_file()
    assert not (root / "test" / "dogs" / "dog.99999.jpg").exists()
    assert probe.stat().st_size > 100
    assert not list(cvd_cache.glob("*.tmp-*"))


def test_split_without_a_manifest_is_remade(mirror, tmp_path):
    root = tmp_path / "cats_vs_dogs_small"
    (root / "train" / "cats").mkdir(parents=True)
    (root / "train" / "cats" / "cat.0.jpg").write_bytes(b"old")
    assert datasets.cats_vs_dogs_split(cache_dir=tmp_path, verbose=False) == root
    assert (root / "train" / "cats" / "cat.0.jpg").stat().st_size > 3
    assert (root / "SPLIT.json").is_file()


def test_split_goes_to_the_keras_cache_by_default(mirror, keras_home, capsys):
    root = datasets.cats_vs_dogs_split()
    assert root == keras_home / "datasets" / "cats_vs_dogs_small"
    assert "train 1000, validation 500, test 502" in capsys.readouterr().out


def test_split_refuses_a_corrupted_photo(mirror, tmp_path):
    copy = tmp_path / "m" / "cats_vs_dogs_subset"
    shutil.copytree(mirror / "cats_vs_dogs_subset", copy)
    victim = copy / "train" / "dogs" / "dog.5.jpg"
    victim.write_bytes(victim.read_bytes()[:50])
    with pytest.raises(DatasetCorrupted, match="dog.5.jpg"):
        datasets.cats_vs_dogs_split(copy.parent, cache_dir=tmp_path / "c", verbose=False)


def test_images_decoded_once_uint8_with_labels_from_folders(cvd_cache):
    x, y = datasets.load_cats_vs_dogs_images("validation", 32, cache_dir=cvd_cache, verbose=False)
    assert x.shape == (500, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (500,) and y.dtype == np.float32
    assert list(y[:6]) == [0, 1, 0, 1, 0, 1] and y.mean() == 0.5
    assert x.max() > 200 and x.min() < 30  # real photos, 0-255
    cache = cvd_cache / "cats_vs_dogs_small" / "arrays" / "validation_32.npz"
    assert cache.is_file()
    again, y2 = datasets.load_cats_vs_dogs_images(
        "validation", 32, cache_dir=cvd_cache, verbose=False
    )
    np.testing.assert_array_equal(again, x)
    np.testing.assert_array_equal(y2, y)
    from PIL import Image

    first_dog = cvd_cache / "cats_vs_dogs_small" / "validation" / "dogs" / "dog.500.jpg"
    with Image.open(first_dog) as img:
        ref = np.asarray(img.convert("RGB").resize((32, 32)), dtype=np.float32)
    assert np.abs(x[1].astype(np.float32) - ref).mean() < 20  # x[1] is dog.500


def test_images_limit_is_per_class_and_a_prefix(cvd_cache):
    x, y = datasets.load_cats_vs_dogs_images(
        "test", 24, limit=5, cache_dir=cvd_cache, verbose=False
    )
    full, _ = datasets.load_cats_vs_dogs_images("test", 24, cache_dir=cvd_cache, verbose=False)
    assert x.shape == (10, 24, 24, 3) and list(y) == [0, 1] * 5
    np.testing.assert_array_equal(x, full[:10])
    assert len(full) == 502


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("training", 32), "Unknown split"),
        (("train", 8), "image_size"),
        (("train", 32.5), "image_size"),
        (("train", 32, None, 0), "limit"),
    ],
)
def test_images_bad_arguments(args, message, cvd_cache):
    with pytest.raises(ValueError, match=message):
        datasets.load_cats_vs_dogs_images(*args, cache_dir=cvd_cache, verbose=False)


def test_directory_pipeline_batches_and_labels(cvd_cache):
    ds = datasets.cats_vs_dogs_dataset(
        "test", 32, batch_size=16, cache_dir=cvd_cache, verbose=False
    )
    images, labels = next(iter(ds))
    assert tuple(images.shape) == (16, 32, 32, 3) and images.dtype.name == "float32"
    assert tuple(labels.shape) == (16,) and set(labels.numpy()) <= {0.0, 1.0}
    assert float(images.numpy().max()) > 1.0  # 0-255, not yet rescaled
    labels_all = np.concatenate([lab.numpy() for _, lab in ds])
    assert len(labels_all) == 502 and labels_all[:251].sum() == 0 and labels_all[251:].all()
    with pytest.raises(ValueError, match="Unknown split"):
        datasets.cats_vs_dogs_dataset("val", cache_dir=cvd_cache)


def test_array_batches_shuffle_each_epoch_and_keep_pairs():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10, dtype=np.float32)
    plain = [b[1].numpy().tolist() for b in datasets.array_batches(x, y, 4)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    ds = datasets.array_batches(x, y, 4, shuffle=True, seed=1)
    first, second = (np.concatenate([b[1].numpy() for b in ds]) for _ in range(2))
    assert sorted(first) == list(range(10)) and list(first) != list(second)
    for xb, yb in ds:
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())
    with pytest.raises(ValueError, match="samples"):
        datasets.array_batches(x, y[:3])


@pytest.mark.parametrize("options", [{}, {"num_words": 1000, "maxlen": 120}])
def test_imdb_limit_is_the_head_of_the_full_load(mirror, options):
    """`limit` builds only the reviews asked for; they are the first ones of a full load."""
    (x_full, y_full), (t_full, u_full) = datasets.load_imdb(verbose=False, **options)
    (x, y), (t, u) = datasets.load_imdb(verbose=False, limit=40, **options)
    assert x.shape == t.shape == (40,)
    assert all(list(a) == list(b) for a, b in zip(x, x_full[:40], strict=True))
    assert all(list(a) == list(b) for a, b in zip(t, t_full[:40], strict=True))
    np.testing.assert_array_equal(y, y_full[:40])
    np.testing.assert_array_equal(u, u_full[:40])


def test_cats_vs_dogs_with_a_read_only_keras_cache(mirror, keras_home, tmp_path, monkeypatch):
    """Where the Keras cache cannot be written (the grading sandbox mounts it read-only),
    the split goes to the temp folder and decoded arrays are simply not kept."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    cache = keras_home / "datasets"
    monkeypatch.setattr(datasets, "_writable", lambda folder: Path(folder) != cache)
    root = datasets.cats_vs_dogs_split(verbose=False)
    assert root == tmp_path / "tmp" / "course-data" / "cats_vs_dogs_small"
    x, y = datasets.load_cats_vs_dogs_images("test", image_size=32, limit=3, verbose=False)
    assert x.shape == (6, 32, 32, 3) and list(y) == [0, 1, 0, 1, 0, 1]
    assert not (cache / "cats_vs_dogs_small").exists()
