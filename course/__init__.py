"""Helper package for the deep-learning course.

Importing ``course`` is cheap: TensorFlow is imported only by the modules that
need it (``course.device``, ``course.checks`` model checks, the visualisers),
so ``from course import pick`` costs milliseconds.

Most-used helpers::

    from course import pick, is_fast        # fast mode for CI and autograding
    from course import datasets, checks     # data loaders, student-facing checks
"""

from __future__ import annotations

import importlib
from typing import Any

from course.fast import is_fast, mode_line, pick

__version__ = "0.1.0"
__all__ = [
    "is_fast",
    "mode_line",
    "pick",
    "datasets",
    "checks",
    "device",
    "figures",
    "viz",
    "widgets",
    "__version__",
]

_LAZY = {"datasets", "checks", "device", "figures", "viz", "widgets", "grading"}


def __getattr__(name: str) -> Any:
    # Submodules load on first use, so ``import course`` stays fast.
    if name in _LAZY:
        return importlib.import_module(f"course.{name}")
    raise AttributeError(f"module 'course' has no attribute {name!r}")
