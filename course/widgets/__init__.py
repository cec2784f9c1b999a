"""Watch training happen: a live progress widget, history plots and a small playground.

Three tools, all usable in JupyterLab and all falling back to plain output elsewhere::

    from course.widgets import LiveTraining, plot_history, Playground

    history = model.fit(x, y, epochs=10, validation_split=0.1,
                        verbose=0, callbacks=[LiveTraining()])
    plot_history(history)                                  # one panel per metric
    plot_history({"baseline": h1, "dropout": h2})          # compare runs

* :class:`LiveTraining` is a Keras callback: a progress bar, the current metric values,
  live curves and a Stop button in a notebook; one text line per epoch anywhere else
  (terminals, CI, nbgrader autograding). Stop works while ``fit`` runs in the cell.
* :func:`plot_history` draws a ``History`` like R keras' ``plot(history)``.
* :class:`Playground` is a form (units, layers, dropout, learning rate, epochs) that
  trains a model per click and overlays the validation curves of every run.

The package, one concern per module (as Keras' ``callbacks/``; the callback collects and
a display layer draws, as ``tqdm.keras``):

* :mod:`~course.widgets.live`: the ``LiveTraining`` callback (collects progress);
* :mod:`~course.widgets.progress`: what it collects (snapshot, ETA, how a run stopped);
* :mod:`~course.widgets.views`: how it is drawn (notebook widget, text lines);
* :mod:`~course.widgets.svg`: the live curves as SVG;
* :mod:`~course.widgets.kernel_events`: widget messages between batches (the Stop
  button during ``fit``);
* :mod:`~course.widgets.history`: ``plot_history``;
* :mod:`~course.widgets.playground`: ``Playground``;
* :mod:`~course.widgets.directions`: metric panels, which way a metric improves (asked
  of Keras' metric objects), the best epoch;
* :mod:`~course.widgets.display`: notebook detection, display, number formats.

Keras is imported with this package (``LiveTraining`` is a Keras callback); ipywidgets
and matplotlib are imported only when a widget or a figure is made.
"""

from __future__ import annotations

from course.widgets.display import in_notebook
from course.widgets.history import plot_history
from course.widgets.live import LiveTraining
from course.widgets.playground import Playground, Run
from course.widgets.progress import Stopped

__all__ = ["LiveTraining", "plot_history", "Playground", "Run", "Stopped", "in_notebook"]
