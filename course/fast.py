"""Fast mode: one switch that shrinks epochs and data for CI and autograding.

Fast mode is on when

* the environment variable ``COURSE_FAST`` is ``1``/``true``/``yes``/``on``, or
* nbgrader is executing the notebook (it sets ``NBGRADER_EXECUTION`` while it
  autogrades or validates), unless ``COURSE_FAST`` is explicitly ``0``.

Notebooks never test the switch themselves; they ask for a value::

    epochs = pick(full=20, fast=2)
    (x_train, y_train), _ = datasets.load_mnist(limit=pick(full=None, fast=2_000))
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def is_fast() -> bool:
    """Return True when the course runs in fast mode (see module docstring)."""
    flag = os.environ.get("COURSE_FAST", "").strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False
    if flag:
        raise ValueError(
            f"COURSE_FAST={flag!r} is not understood; use 1 (fast) or 0 (full), or unset it."
        )
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def pick(full: T, fast: T) -> T:
    """Return ``fast`` in fast mode and ``full`` otherwise.

    >>> pick(full=20, fast=2)  # doctest: +SKIP
    20
    """
    return fast if is_fast() else full


def mode_line(full: str, fast: str) -> str:
    """One line for a chapter's first code cell: which mode is on, how long the chapter
    takes in it (``full``/``fast``, e.g. ``"about 8 min on 2 CPU cores"``), how to switch."""
    if is_fast():
        return (
            f"Fast mode: small subsets and few epochs, {fast}. For the whole chapter on all "
            f"the data ({full}), start with `course lab` (no --fast), or set COURSE_FAST=0."
        )
    return (
        f"Full mode: all the data, {full}. For a quick pass ({fast}), start with "
        "`course lab --fast`, or set COURSE_FAST=1 before starting Jupyter."
    )
