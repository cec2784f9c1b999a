"""Shared fixtures: the course data (as the course finds it), the data mirror, a throwaway
Keras cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

NO_DATA = (
    "No course data could be found: the tests read it the way the course does, from the "
    "data mirror named by COURSE_DATA_DIR, else the Keras cache, else a download. Run "
    "`.venv/bin/course data fetch` once (it downloads into the Keras cache, or copies "
    "from a mirror when COURSE_DATA_DIR is set), or set COURSE_DATA_DIR to a course data "
    "mirror (e.g. ../shared/data). ({why})"
)


@pytest.fixture(scope="session")
def data() -> Path | None:
    """The course data, found as the course finds it (mirror, Keras cache, download).

    Returns the mirror in use, or None when the data comes from the Keras cache. Missing
    data is a failure that says what to run, not a skip.
    """
    from course.datasets import DatasetError, locate, mirror_dir

    try:
        mirror = mirror_dir()
        for name in ("mnist.npz", "imdb.npz"):  # what most chapters load first
            locate(name)
    except DatasetError as exc:
        pytest.fail(NO_DATA.format(why=str(exc).splitlines()[0]))
    return mirror


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The data mirror named by COURSE_DATA_DIR, for the tests of the mirror itself (its
    checksums, copying it into the cache). Without a mirror they are skipped; the rest of
    the suite reads the Keras cache (``data``)."""
    value = os.environ.get("COURSE_DATA_DIR")
    if not value:
        pytest.skip("tests of the data mirror itself: set COURSE_DATA_DIR to a course mirror")
    if not Path(value).is_dir():
        pytest.fail(f"COURSE_DATA_DIR={value!r} is not a folder; fix it or unset it.")
    return Path(value)


@pytest.fixture
def keras_home(tmp_path, monkeypatch) -> Path:
    """An empty Keras cache for one test."""
    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home
