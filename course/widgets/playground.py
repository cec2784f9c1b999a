"""Playground: a form that trains a model per click and overlays the runs' curves."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

import keras

from course.widgets.directions import panel_names
from course.widgets.display import Mode
from course.widgets.history import Curves, Which, as_runs, draw_runs, figure_size, plot_history
from course.widgets.live import HistoryDict, LiveTraining
from course.widgets.progress import Stopped

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

__all__ = ["Playground", "Run", "BuildFn", "Data", "OVERLAY_PPI", "OVERLAY_SCALE", "label_width"]

OVERLAY_PPI = 80  # CSS pixels per inch of the overlay figure as shown
OVERLAY_SCALE = 2  # rendered at this many image pixels per CSS pixel

BuildFn = Callable[..., "keras.Model"]
Data = tuple[tuple["np.ndarray", "np.ndarray"], tuple["np.ndarray", "np.ndarray"]]


@dataclass
class Run:
    """One Playground run: its label, settings, per-epoch history, trained model and, when
    it was stopped early, how (:class:`Stopped`)."""

    label: str
    params: dict[str, Any]
    history: HistoryDict
    model: keras.Model | None = field(default=None, repr=False)
    stopped: Stopped | None = None


def _default_builder(x_train: Any, y_train: Any, loss: Any) -> BuildFn:
    """An MLP for the data: Flatten (if needed), hidden Dense+Dropout blocks, an output layer."""
    import numpy as np

    y = np.asarray(y_train)
    if loss == "sparse_categorical_crossentropy":
        outputs, activation = int(y.max()) + 1, "softmax"
    elif loss == "categorical_crossentropy":
        outputs, activation = y.shape[-1], "softmax"
    elif loss == "binary_crossentropy":
        outputs, activation = (1 if y.ndim == 1 else y.shape[-1]), "sigmoid"
    elif isinstance(loss, str):
        outputs, activation = (1 if y.ndim == 1 else y.shape[-1]), None
    else:
        raise ValueError("with a loss that is not a name, pass your own build_fn")
    input_shape = tuple(np.shape(x_train)[1:])

    def build(units: int, layers: int, dropout: float) -> keras.Model:
        model = keras.Sequential([keras.Input(shape=input_shape)])
        if len(input_shape) > 1:
            model.add(keras.layers.Flatten())
        for _ in range(layers):
            model.add(keras.layers.Dense(units, activation="relu"))
            if dropout > 0:
                model.add(keras.layers.Dropout(dropout))
        model.add(keras.layers.Dense(outputs, activation=activation))
        return model

    return build


class Playground:
    """A form for "what happens if…": change the model, train, compare with earlier runs.

    Each run builds a model with ``build_fn(units=, layers=, dropout=)`` (an uncompiled
    Keras model; by default an MLP that fits the data and the loss), compiles it with the
    optimizer at the chosen learning rate, trains it with :class:`LiveTraining` and adds
    it to :attr:`runs`. The figure below the form overlays the validation curves of all
    runs. The Train button trains in a background thread, so the notebook stays usable
    and the Stop button works.

    Args:
        build_fn: ``build_fn(units=..., layers=..., dropout=...) -> keras.Model``, or
            ``None`` for the default MLP.
        data: ``((x_train, y_train), (x_val, y_val))``.
        loss, metrics: passed to ``compile``.
        optimizer: an optimizer name such as ``"rmsprop"`` or ``"adam"``.
        batch_size: passed to ``fit``.
        mode: the :class:`LiveTraining` mode for :meth:`run` outside the form.

    Example::

        pg = Playground(None, ((x_train, y_train), (x_val, y_val)))
        pg                      # shows the form in a notebook
        pg.run(units=16, layers=1, dropout=0.0, lr=1e-3, epochs=2)  # or train from code
        pg.plot()               # validation curves of every run
    """

    def __init__(
        self,
        build_fn: BuildFn | None,
        data: Data,
        *,
        loss: Any = "sparse_categorical_crossentropy",
        metrics: Sequence[Any] = ("accuracy",),
        optimizer: str = "rmsprop",
        batch_size: int = 128,
        mode: Mode = "auto",
    ) -> None:
        try:
            (self.x_train, self.y_train), (self.x_val, self.y_val) = data
        except (TypeError, ValueError) as error:
            raise ValueError("data must be ((x_train, y_train), (x_val, y_val))") from error
        self.build_fn = build_fn or _default_builder(self.x_train, self.y_train, loss)
        self.loss = loss
        self.metrics = list(metrics)
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.mode = mode
        self.runs: list[Run] = []
        self.error: Exception | None = None  # the latest failure of a Train-button run
        self._ui: dict[str, Any] | None = None
        self._thread: threading.Thread | None = None

    def run(
        self,
        units: int = 64,
        layers: int = 1,
        dropout: float = 0.0,
        lr: float = 1e-3,
        epochs: int = 5,
        label: str | None = None,
    ) -> keras.callbacks.History:
        """Build, compile and train one model; record it in :attr:`runs`.

        Returns:
            The ``History`` returned by ``fit``.
        """
        params = {"units": units, "layers": layers, "dropout": dropout, "lr": lr, "epochs": epochs}
        model = self.build_fn(units=units, layers=layers, dropout=dropout)
        optimizer = keras.optimizers.get(
            {"class_name": self.optimizer, "config": {"learning_rate": lr}}
        )
        model.compile(optimizer=optimizer, loss=self.loss, metrics=self.metrics)
        if self._ui is not None:
            live = LiveTraining(mode="widget", show=False, batch_size=self.batch_size)
            self._ui["live"].children = (live.widget,)
        else:
            live = LiveTraining(mode=self.mode, batch_size=self.batch_size)
        history = model.fit(
            self.x_train, self.y_train, validation_data=(self.x_val, self.y_val),
            epochs=epochs, batch_size=self.batch_size, verbose=0, callbacks=[live],
        )  # fmt: skip
        number = len(self.runs) + 1
        label = label or f"#{number} {units}x{layers} dropout={dropout:g} lr={lr:g}"
        self.runs.append(Run(label, params, dict(history.history), model, live.stopped))
        if self._ui is not None:
            self._refresh_overlay()
        return history

    def plot(self, metrics: Sequence[str] | str | None = None, which: Which = "val") -> Figure:
        """Overlay the runs so far (validation curves by default) with :func:`plot_history`."""
        if not self.runs:
            raise ValueError("no runs yet: call run() or press Train first")
        return plot_history({run.label: run for run in self.runs}, metrics, which=which)

    def clear(self) -> None:
        """Forget all runs."""
        self.runs.clear()
        if self._ui is not None:
            self._ui["overlay"].value = b""
            self._ui["overlay"].layout.display = "none"

    def wait(self, timeout: float | None = None) -> None:
        """Block until a training started by the Train button has finished."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def controls(self) -> dict[str, Any]:
        """The form's input widgets by name (units, layers, dropout, lr, epochs, train)."""
        return self._build_ui()["controls"]

    @property
    def widget(self) -> Any:
        """The form as an ipywidgets box."""
        return self._build_ui()["box"]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _build_ui(self) -> dict[str, Any]:
        if self._ui is not None:
            return self._ui
        import ipywidgets as w

        descriptions = ("units", "layers", "dropout", "learning rate", "epochs")
        style = {"description_width": label_width(descriptions)}
        controls = {
            "units": w.SelectionSlider(
                options=[4, 8, 16, 32, 64, 128, 256, 512], value=64, description="units",
                style=style,
            ),
            "layers": w.IntSlider(value=1, min=0, max=4, description="layers", style=style),
            "dropout": w.FloatSlider(
                value=0.0, min=0.0, max=0.7, step=0.05, description="dropout", style=style
            ),
            "lr": w.FloatLogSlider(
                value=1e-3, base=10, min=-5, max=-1, step=0.25, description="learning rate",
                readout_format=".0e", style=style,
            ),
            "epochs": w.IntSlider(value=5, min=1, max=50, description="epochs", style=style),
            "train": w.Button(description="Train", icon="play", button_style="success"),
        }  # fmt: skip
        controls["train"].on_click(self._on_train_clicked)
        clear = w.Button(description="Clear runs", icon="trash")
        clear.on_click(lambda _button: self.clear())
        status = w.HTML("")
        live = w.VBox([])
        overlay = w.Image(format="png", layout=w.Layout(display="none"))
        inputs = [controls[name] for name in ("units", "layers", "dropout", "lr", "epochs")]
        box = w.VBox(
            [w.HBox([w.VBox(inputs), w.VBox([controls["train"], clear, status])]), live, overlay]
        )
        self._ui = {"controls": controls, "status": status, "live": live, "overlay": overlay,
                    "box": box}  # fmt: skip
        if self.runs:
            self._refresh_overlay()
        return self._ui

    def _on_train_clicked(self, _button: Any = None) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        controls = self._build_ui()["controls"]
        params = {name: controls[name].value for name in ("units", "layers", "dropout", "lr")}
        params["epochs"] = controls["epochs"].value
        controls["train"].disabled = True
        self._ui["status"].value = "training…"
        self._thread = threading.Thread(target=self._train, kwargs=params, daemon=True)
        self._thread.start()

    def _train(self, **params: Any) -> None:
        ui = self._build_ui()
        self.error = None
        try:
            self.run(**params)
            ui["status"].value = ""
        except Exception as error:  # shown in the form: a thread has nowhere else to report
            message = escape(f"{type(error).__name__}: {error}")
            ui["status"].value = f"<span style='color:#b00'>{message}</span>"
            self.error = error
        finally:
            ui["controls"]["train"].disabled = False

    def _refresh_overlay(self) -> None:
        from matplotlib.figure import Figure

        runs = self._curves()
        width, height = figure_size(len(_panels(runs)), runs)
        fig = Figure(figsize=(width, height), layout="constrained")
        draw_runs(fig, runs, metrics=None, title="validation curves of all runs", which="val")
        buffer = io.BytesIO()
        # Rendered at twice the pixels it is shown at: sharp on high-density screens.
        fig.savefig(buffer, format="png", dpi=OVERLAY_PPI * OVERLAY_SCALE)
        overlay = self._ui["overlay"]
        overlay.value = buffer.getvalue()
        overlay.layout.width = f"{round(width * OVERLAY_PPI)}px"
        overlay.layout.max_width = "100%"
        overlay.layout.height = "auto"
        overlay.layout.display = None

    def _curves(self) -> list[Curves]:
        # A Run has .history, .stopped and .model, as plot_history reads them.
        return as_runs({run.label: run for run in self.runs})


def _panels(runs: Sequence[Curves]) -> list[str]:
    return panel_names([run.history for run in runs])


def label_width(descriptions: Sequence[str], font_px: float = 13) -> str:
    """A ``description_width`` (in em) wide enough for every description, unclipped.

    Widths are measured in DejaVu Sans (matplotlib's font; wider than most UI fonts) at
    the JupyterLab widget font size, plus room for the label's padding.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    font = FontProperties(family="DejaVu Sans")
    widest = max(TextPath((0, 0), text, size=font_px, prop=font).get_extents().width
                 for text in descriptions)  # fmt: skip
    return f"{math.ceil((widest + 16) / font_px * 2) / 2:g}em"
