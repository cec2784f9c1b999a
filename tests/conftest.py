"""Shared fixtures: the data mirror and a throwaway Keras cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The data mirror named by COURSE_DATA_DIR. Missing data is a failure, not a skip."""
    value = os.environ.get("COURSE_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.fail(
            "COURSE_DATA_DIR must name the data mirror (e.g. ../shared/data); "
            f"it is {value!r}. .ci/run sets it."
        )
    return Path(value)


@pytest.fixture
def keras_home(tmp_path, monkeypatch) -> Path:
    """An empty Keras cache for one test."""
    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home
