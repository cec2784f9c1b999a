"""Limits (course/grading/limits.py): sizes in words, and the CLI's defaults are Limits'."""

from __future__ import annotations

import dataclasses

import pytest

from course.grading.limits import Limits, format_size, parse_size


def test_sizes_parse_and_print():
    assert parse_size("2G") == 2 << 30 and parse_size("512M") == 512 << 20
    assert parse_size("100k") == 102400 and parse_size(4096) == 4096
    assert parse_size("none") is None and parse_size("0") is None
    assert format_size(1 << 30) == "1 GB" and format_size(1536 << 20) == "1.5 GB"
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_limits_are_frozen_and_travel_as_json():
    limits = Limits(cell_timeout=10, memory=1 << 30, network=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.memory = 1  # type: ignore[misc]
    assert Limits.from_json(limits.to_json()) == limits
    assert Limits.from_json({**limits.to_json(), "unknown": 1}) == limits  # newer senders


def test_cli_defaults_are_the_limits_defaults():
    import typer.main

    from course.cli import app

    command = typer.main.get_command(app).commands["grade"]
    defaults = {p.name: p.default for p in command.params}
    limits = Limits()
    assert defaults["cell_timeout"] == limits.cell_timeout
    assert defaults["notebook_timeout"] == limits.notebook_timeout
    assert defaults["processes"] == limits.processes
    assert parse_size(defaults["memory"]) == limits.memory
    assert parse_size(defaults["output"]) == limits.output
