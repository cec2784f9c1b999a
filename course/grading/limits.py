"""What one graded submission may use: :class:`Limits`, and sizes in words.

:class:`Limits` holds the numbers (time per cell and per notebook, memory,
processes, output, file size); its defaults are ``course grade``'s defaults (the
CLI takes them from here). How they are enforced on this machine is the
sandbox's business (:mod:`course.grading.sandbox`).

Nothing here imports nbgrader or Jupyter, so the CLI can read the limits without
paying for those imports.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

__all__ = ["Limits", "parse_size", "format_size"]

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str | int | None) -> int | None:
    """``"2G"`` -> 2147483648; ``"512M"``, ``"100k"``, plain bytes; ``None``/``"0"``/``"none"``
    -> no limit."""
    if text is None:
        return None
    if isinstance(text, int):
        return text or None
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kmgtKMGT]?)(i?[bB])?\s*", str(text))
    if not m:
        if str(text).strip().lower() in {"none", "off", "unlimited"}:
            return None
        raise ValueError(f"not a size: {text!r} (use e.g. 512M or 2G)")
    value = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    return value or None


def format_size(n: int | None) -> str:
    """``2147483648`` -> ``"2 GB"``; ``None`` -> ``"no limit"``."""
    if n is None:
        return "no limit"
    for unit in ("TB", "GB", "MB", "kB"):
        size = _UNITS[unit[0].upper()]
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


@dataclass(frozen=True)
class Limits:
    """What one submission may use. ``None`` means no limit."""

    cell_timeout: float | None = 300  # s per cell (then the cell is interrupted)
    notebook_timeout: float | None = 900  # s per notebook (then the rest is not run)
    memory: int | None = 4 << 30  # bytes: the kernel and its children
    processes: int | None = 256  # tasks (processes and threads) at once
    output: int | None = 1 << 20  # bytes of output kept per cell
    max_lines: int = 1000  # nbgrader LimitOutput
    max_traceback: int = 100  # nbgrader LimitOutput
    file_size: int | None = 512 << 20  # largest file the kernel may write
    tmp_size: int = 256 << 20  # the kernel's private /tmp (when namespaces work)
    network: bool = False  # allow network access
    threads_per_kernel: int | None = None  # OMP/TF thread pools (None: leave as is)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Limits:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def describe(self) -> str:
        def secs(v):
            return "no limit" if v is None else f"{v:g} s"

        return (
            f"cell {secs(self.cell_timeout)}, notebook {secs(self.notebook_timeout)}, "
            f"memory {format_size(self.memory)}, processes {self.processes or 'no limit'}, "
            f"output {format_size(self.output)}/cell, network {'on' if self.network else 'off'}"
        )
