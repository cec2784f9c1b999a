"""Display helpers shared by the widgets: where we run, how to show a widget, number formats."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["Mode", "in_notebook", "resolve_mode", "show", "fmt_value", "fmt_duration", "fmt_logs"]

Mode = Literal["auto", "widget", "text"]


def in_notebook() -> bool:
    """Return True when running inside a Jupyter (IPython) kernel.

    >>> in_notebook()  # in a terminal or under pytest
    False
    """
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def resolve_mode(mode: str) -> str:
    """``"widget"`` or ``"text"`` for a :data:`Mode`; ``"auto"`` picks by where we run.

    Raises:
        ValueError: for anything but ``"auto"``, ``"widget"`` or ``"text"``.
    """
    if mode not in ("auto", "widget", "text"):
        raise ValueError(f"mode must be 'auto', 'widget' or 'text', not {mode!r}")
    if mode != "auto":
        return mode
    # nbgrader runs notebooks in a real kernel, but nobody watches: keep the log readable.
    if os.environ.get("NBGRADER_EXECUTION") or not in_notebook():
        return "text"
    return "widget"


def show(widget: Any) -> None:
    """Display a widget in the notebook; do nothing outside IPython (no repr spam)."""
    if "IPython" in sys.modules:
        from IPython import get_ipython

        if get_ipython() is not None:
            from IPython.display import display

            display(widget)


def fmt_value(value: float) -> str:
    """A metric value with 4 decimals, or in scientific notation when very small or large."""
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.3e}"


def fmt_duration(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fmt_logs(logs: Mapping[str, Any], sep: str = " - ") -> str:
    """Keras logs as ``loss: 0.1234 - accuracy: 0.9700``."""
    return sep.join(
        f"{key}: {fmt_value(value) if isinstance(value, float | int) else value}"
        for key, value in logs.items()
    )
