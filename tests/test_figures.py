"""course.figures: a notebook's headline figures, printed and (for the bench) recorded."""

from __future__ import annotations

import pytest

from course import figures


def test_record_prints_the_figure_beside_its_target(capsys, monkeypatch):
    monkeypatch.delenv(figures.ENV, raising=False)
    monkeypatch.setenv("COURSE_FAST", "0")
    fig = figures.record("test accuracy", 0.9312, target=0.9)
    assert capsys.readouterr().out.strip() == "test accuracy: 0.9312 (target ≥ 0.9: met)"
    assert fig.met is True and fig.mode == "full"
    low = figures.record("MAE", 3.1, target=2.9, better="lower", unit="°C")
    assert low.met is False
    assert "MAE: 3.1 °C (target ≤ 2.9 °C: not met)" in capsys.readouterr().out
    assert figures.record("epochs", 12, quiet=True).met is None
    assert capsys.readouterr().out == ""


def test_recorded_figures_are_read_back_in_order(tmp_path, monkeypatch):
    path = tmp_path / "figures.jsonl"
    monkeypatch.setenv(figures.ENV, str(path))
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setenv(figures.SEED_ENV, "3")
    assert figures.seed(default=42) == 3
    figures.record("a", 1, target=2, quiet=True)
    figures.record("b", 0.5, quiet=True)
    got = figures.read(path)
    assert [(f.name, f.value, f.target, f.mode, f.seed) for f in got] == [
        ("a", 1.0, 2.0, "fast", 3),
        ("b", 0.5, None, "fast", 3),
    ]
    assert got[0].met is False
    assert figures.read(tmp_path / "none.jsonl") == []


def test_seed_makes_runs_repeatable(monkeypatch):
    import numpy as np

    monkeypatch.delenv(figures.SEED_ENV, raising=False)
    assert figures.seed(default=7) == 7
    first = np.random.rand(3)
    figures.seed(default=7)
    assert np.array_equal(first, np.random.rand(3))


def test_bad_input_gets_a_clear_error(monkeypatch):
    with pytest.raises(TypeError, match="must be a number"):
        figures.record("x", "high")
    with pytest.raises(ValueError, match="higher"):
        figures.record("x", 1.0, better="up")
    monkeypatch.setenv(figures.SEED_ENV, "three")
    with pytest.raises(ValueError, match="whole number"):
        figures.seed()
