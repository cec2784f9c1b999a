"""course.widgets.Playground: runs from code and from the form, its labels, its overlay image."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from course.widgets import Playground
from course.widgets.playground import OVERLAY_PPI, OVERLAY_SCALE

from .widgets_support import curve_lines, panel


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(192, 4, 4)).astype("float32")  # 2-D samples: the MLP flattens them
    y = (x[:, 0, 0] > 0).astype("int32")
    return (x[:128], y[:128]), (x[128:], y[128:])


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return struct.unpack(">II", data[16:24])


def test_playground_run_appends_runs_and_overlays_validation_curves(images):
    pg = Playground(None, images, batch_size=32, mode="text")
    first = pg.run(units=8, layers=1, dropout=0.0, lr=1e-3, epochs=2)
    second = pg.run(units=16, layers=2, dropout=0.2, lr=1e-2, epochs=3)
    assert len(pg.runs) == 2
    assert pg.runs[0].history == first.history and pg.runs[1].history == second.history
    assert pg.runs[1].params == {"units": 16, "layers": 2, "dropout": 0.2, "lr": 1e-2, "epochs": 3}
    assert len(pg.runs[1].model.layers) == 1 + 2 * 2 + 1  # flatten, 2 x (dense, dropout), out
    assert pg.runs[1].stopped is None
    fig = pg.plot()
    for name in ("loss", "accuracy"):
        lines = curve_lines(panel(fig, name))
        assert [line.get_gid() for line in lines] == [f"val_{name}"] * 2
        assert [len(line.get_xdata()) for line in lines] == [2, 3]
        assert [line.get_label() for line in lines] == [run.label for run in pg.runs]


def test_playground_train_button_uses_the_form_values(images):
    pg = Playground(None, images, batch_size=32)
    controls = pg.controls
    controls["units"].value = 16
    controls["layers"].value = 2
    controls["dropout"].value = 0.1
    controls["epochs"].value = 2
    controls["train"].click()
    pg.wait(timeout=120)
    assert pg.error is None
    assert len(pg.runs) == 1
    params = pg.runs[0].params
    assert (params["units"], params["layers"], params["dropout"], params["epochs"]) == (
        16, 2, 0.1, 2,
    )  # fmt: skip
    assert params["lr"] == pytest.approx(controls["lr"].value)
    assert len(pg.runs[0].history["val_loss"]) == 2
    assert bytes(pg._ui["overlay"].value).startswith(b"\x89PNG")
    assert not controls["train"].disabled
    (live_widget,) = pg._ui["live"].children  # the run's LiveTraining, inside the form
    assert pg._ui["live"] in pg.widget.children
    assert "course-live" in live_widget._dom_classes


def test_the_form_labels_are_not_cut():
    # "learning rate" was shown as "learning r…" in a 6em label.
    pg = Playground(None, ((np.zeros((4, 2)), np.zeros(4)), (np.zeros((2, 2)), np.zeros(2))))
    font = FontProperties(family="DejaVu Sans")  # wider than the usual UI fonts
    for name in ("units", "layers", "dropout", "lr", "epochs"):
        control = pg.controls[name]
        width_em = float(control.style.description_width.removesuffix("em"))
        text_px = TextPath((0, 0), control.description, size=13, prop=font).get_extents().width
        assert width_em * 13 >= text_px + 12, (control.description, width_em)
    assert pg.controls["lr"].description == "learning rate"


def test_the_overlay_is_rendered_at_twice_its_size_on_screen(images):
    pg = Playground(None, images, batch_size=32, mode="text")
    pg.run(units=8, epochs=1)
    pg.run(units=4, epochs=2)
    assert pg.widget is not None  # builds the form
    overlay = pg._ui["overlay"]
    pg._refresh_overlay()
    width_css = int(overlay.layout.width.removesuffix("px"))
    width_px, height_px = png_size(bytes(overlay.value))
    assert OVERLAY_SCALE >= 2
    assert abs(width_px - OVERLAY_SCALE * width_css) <= OVERLAY_SCALE  # sharp at 2x density
    assert width_css >= 8 * OVERLAY_PPI  # two panels and the legend at a readable size
    assert overlay.layout.max_width == "100%" and overlay.layout.height == "auto"
    assert overlay.layout.display is None


def test_playground_rejects_bad_data_and_empty_plot(images):
    with pytest.raises(ValueError, match="data"):
        Playground(None, images[0])
    with pytest.raises(ValueError, match="no runs"):
        Playground(None, images).plot()
