"""What the live display shows, as plain data: a progress snapshot, the ETA, a stop.

:class:`~course.widgets.live.LiveTraining` collects these while Keras trains and hands
them to a view (:mod:`course.widgets.views`) that draws them; nothing here imports Keras
or ipywidgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from course.widgets.display import fmt_duration

__all__ = ["Stopped", "Snapshot", "Eta"]


@dataclass(frozen=True)
class Stopped:
    """How a run ended early.

    Attributes:
        epoch: the epoch (from 1) in which training stopped; it is the last one recorded.
        epochs: the epochs that ``fit`` was asked for.
        batch: batches done in that epoch when stopped from outside (Stop, interrupt);
            ``None`` when a callback such as ``EarlyStopping`` stopped after the epoch.
        steps: batches per epoch, when known.
        by: ``"you"`` (Stop button, :meth:`LiveTraining.stop`, interrupt) or
            ``"callback"`` (``EarlyStopping`` and the like).
    """

    epoch: int
    epochs: int
    batch: int | None = None
    steps: int | None = None
    by: Literal["you", "callback"] = "you"

    @property
    def label(self) -> str:
        """Short, for legends: ``stopped in epoch 3/12`` or ``stopped after epoch 5/12``."""
        where = "in" if self.by == "you" else "after"
        return f"stopped {where} epoch {self.epoch}/{self.epochs}"

    def __str__(self) -> str:
        if self.by == "callback":
            return f"stopped early by a callback after epoch {self.epoch} of {self.epochs}"
        text = f"stopped in epoch {self.epoch} of {self.epochs}"
        if self.batch is not None:
            text += f" after batch {self.batch}/{self.steps or '?'}"
        return text


@dataclass(frozen=True)
class Snapshot:
    """One consistent picture of training progress.

    ``epoch`` counts from 1. ``finished`` is True at an epoch's end: the bar is full and
    the curves include that epoch; during the next epoch's batches it is False.
    """

    epoch: int
    epochs: int
    batch: int
    steps: int | None
    finished: bool = False
    eta: float | None = None  # seconds; None while estimating or unknown
    estimating: bool = False
    rate: float = 0.0  # batches per second in this epoch
    batch_size: int | None = None
    logs: dict[str, Any] = field(default_factory=dict)

    @property
    def stats(self) -> str:
        """``batch 12/24 · 3,000 samples/s · ETA 0:42``."""
        pieces = [f"batch {self.batch}/{self.steps or '?'}"]
        if self.batch_size:
            pieces.append(f"{self.rate * self.batch_size:,.0f} samples/s")
        else:
            pieces.append(f"{self.rate:,.1f} batches/s")
        if self.eta is not None:
            pieces.append(f"ETA {fmt_duration(self.eta)}")
        elif self.estimating:
            pieces.append("ETA estimating…")
        return " · ".join(pieces)


class Eta:
    """Remaining time of a ``fit``, from the batch rate after a warm-up.

    The first batches of a fit are slow (TensorFlow traces and compiles the training
    step; a 45 s fit can spend 10 s in its first batch), so the clock starts only when
    ``warmup`` batches are done, and an estimate is given once ``min_batches`` more have
    run. Time spent in validation is part of the measured rate from the second epoch on.

    Example::

        eta = Eta(total=10 * 24)      # 10 epochs of 24 batches
        eta.update(now, done=1)       # None: still estimating
    """

    def __init__(self, total: int | None, warmup: int = 2, min_batches: int = 3) -> None:
        self.total = total
        self.warmup = warmup
        self.min_batches = min_batches
        self._start: tuple[float, int] | None = None

    def update(self, now: float, done: int) -> float | None:
        """Seconds left after ``done`` batches of the fit, or None while estimating."""
        if not self.total:
            return None
        if self._start is None:
            if done >= self.warmup:
                self._start = (now, done)
            return None
        start_time, start_done = self._start
        if done - start_done < self.min_batches or now <= start_time:
            return None
        rate = (done - start_done) / (now - start_time)
        return max(self.total - done, 0) / rate
