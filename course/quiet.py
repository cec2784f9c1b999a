"""Keep TensorFlow's start-up log lines out of notebooks.

Importing TensorFlow writes C++ log lines (absl: "All log messages before
absl::InitializeLog() ...", oneDNN and CPU-feature notes) straight to the process'
standard error, which Jupyter shows as a red box under the first cell: it looks like an
error to a student, and ``TF_CPP_MIN_LOG_LEVEL`` no longer silences it. :func:`install`
wraps the import of ``tensorflow`` so that, while it runs, file descriptor 2 points to
``/dev/null``; Python's own warnings and errors after the import are untouched.
``course lab`` installs it in every kernel it starts (:mod:`course.kernel`).
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["install", "stderr_silenced", "QUIET_MODULES"]

#: Top-level modules whose import is silenced.
QUIET_MODULES = ("tensorflow",)


@contextlib.contextmanager
def stderr_silenced() -> Iterator[None]:
    """Send what is written to file descriptor 2 to ``/dev/null`` for a while."""
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    """Runs another loader's ``exec_module`` with standard error silenced."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def create_module(self, spec):  # noqa: D102 - the loader protocol
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:  # noqa: D102
        with stderr_silenced():
            self.inner.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # resource readers and the like
        return getattr(self.inner, name)


class _QuietFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # noqa: D102 - the finder protocol
        if name not in QUIET_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install() -> None:
    """Silence standard error while TensorFlow is imported (once; no-op if imported)."""
    if not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
