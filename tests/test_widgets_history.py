"""course.widgets.plot_history: panels, best epochs, comparing runs (legend, duplicates), stopped
runs."""

from __future__ import annotations

import pytest

from course.widgets import LiveTraining, Stopped, plot_history

from .widgets_support import (
    Agreement,
    StopAt,
    best_markers,
    curve_lines,
    fit,
    make_data,
    make_model,
    panel,
)

HIST = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "mae": [0.9, 0.5, 0.6, 0.2],
    "val_loss": [1.1, 0.7, 0.5, 0.8],  # best (lowest) at epoch 3
    "val_accuracy": [0.4, 0.9, 0.7, 0.8],  # best (highest) at epoch 2
    "val_mae": [1.0, 0.4, 0.6, 0.5],  # best (lowest) at epoch 2
}


@pytest.fixture(scope="module")
def data():
    return make_data()


def test_plot_history_panels_lines_and_best_epochs():
    fig = plot_history(HIST, title="demo")
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["loss", "accuracy", "mae"]
    assert fig.get_suptitle() == "demo"
    for name, best_epoch in (("loss", 3), ("accuracy", 2), ("mae", 2)):
        ax = panel(fig, name)
        lines = {line.get_gid(): line for line in curve_lines(ax)}
        assert set(lines) == {name, f"val_{name}"}
        assert list(lines[name].get_xdata()) == [1, 2, 3, 4]
        assert list(lines[name].get_ydata()) == HIST[name]
        assert lines[name].get_linestyle() == "-"
        assert lines[f"val_{name}"].get_linestyle() == "--"
        (marker,) = best_markers(ax)
        assert list(marker.get_xdata()) == [best_epoch]
        assert list(marker.get_ydata()) == [HIST[f"val_{name}"][best_epoch - 1]]


def test_best_epoch_on_train_curve_without_validation_and_none_for_unknown_metrics():
    fig = plot_history({"loss": [3.0, 1.0, 2.0], "learning_rate": [0.1, 0.1, 0.01]})
    (marker,) = best_markers(panel(fig, "loss"))
    assert list(marker.get_xdata()) == [2]
    assert best_markers(panel(fig, "learning_rate")) == []


def test_plot_history_metrics_and_which():
    fig = plot_history(HIST, metrics=["val_accuracy"], which="val")
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    assert ax.get_title() == "accuracy"
    assert [line.get_gid() for line in curve_lines(ax)] == ["val_accuracy"]
    with pytest.raises(ValueError, match="unknown metrics"):
        plot_history(HIST, metrics=["auc"])
    with pytest.raises(ValueError, match="which"):
        plot_history(HIST, which="test")


def test_plot_history_accepts_history_and_live_training(data):
    model = make_model()
    live = LiveTraining(mode="text")
    history = fit(model, data, live, epochs=2)
    for source in (history, history.history, live):
        fig = plot_history(source)
        lines = {line.get_gid(): list(line.get_ydata()) for line in curve_lines(panel(fig, "loss"))}
        assert lines == {"loss": history.history["loss"], "val_loss": history.history["val_loss"]}


def test_best_epoch_follows_the_models_metric_objects(data):
    # Agreement is to be maximised (its object says "up"), though named "loss_agreement":
    # the history's model is asked; a plain dict falls back to the name.
    history = fit(make_model(metrics=[Agreement()]), data, LiveTraining(mode="text"), epochs=3)
    values = history.history["val_loss_agreement"]
    assert values.index(max(values)) != values.index(min(values))
    (marker,) = best_markers(panel(plot_history(history), "loss_agreement"))
    assert list(marker.get_xdata()) == [values.index(max(values)) + 1]
    (marker,) = best_markers(panel(plot_history(history.history), "loss_agreement"))
    assert list(marker.get_xdata()) == [values.index(min(values)) + 1]


@pytest.mark.parametrize("as_list", [False, True])
def test_plot_history_compares_runs(as_list):
    other = {key: [v * 0.9 for v in values] for key, values in HIST.items()}
    short = {key: values[:2] for key, values in HIST.items()}
    runs = [HIST, other, short] if as_list else {"base": HIST, "other": other, "short": short}
    fig = plot_history(runs)
    ax = panel(fig, "loss")
    lines = curve_lines(ax)
    assert len(lines) == 6  # train + validation for each of 3 runs
    assert sorted(line.get_linestyle() for line in lines) == ["-"] * 3 + ["--"] * 3
    colours = {line.get_label().rsplit(" (", 1)[0]: line.get_color() for line in lines}
    names = ["run 1", "run 2", "run 3"] if as_list else ["base", "other", "short"]
    assert sorted(colours) == sorted(names)
    assert len(set(colours.values())) == 3  # one colour per run
    assert len(best_markers(ax)) == 3
    assert [len(line.get_xdata()) for line in lines] == [4, 4, 4, 4, 2, 2]


def legend_entries(fig):
    (legend,) = fig.legends
    pairs = zip(legend.texts, legend.legend_handles, strict=True)
    return {text.get_text(): handle for text, handle in pairs}


@pytest.mark.parametrize("which", ["val", "train", "both"])
def test_the_legend_of_several_runs_is_beside_the_panels_and_drawn_as_the_curves(which):
    other = {key: [v * 0.9 for v in values] for key, values in HIST.items()}
    title = "a title as long as the one over Chapter 2's comparison of every run"
    fig = plot_history({"base": HIST, "other": other}, ["loss"], title, which=which)
    fig.draw_without_rendering()  # runs the constrained layout
    (legend,) = fig.legends
    box = legend.get_window_extent()
    assert not box.overlaps(fig._suptitle.get_window_extent()), "the legend hides the title"
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent()), "the legend hides data"
    entries = legend_entries(fig)
    for ax in (panel(fig, "loss"),):
        assert ax.get_legend() is None  # no legend inside a panel
        for line in curve_lines(ax):
            run = line.get_label().rsplit(" (", 1)[0]
            handle = entries[run]
            assert handle.get_color() == line.get_color()
            if which == "both":  # colour swatches; what solid and dashed mean comes after
                assert handle.get_linestyle() == "None"
                assert entries["train"].get_linestyle() == "-"
                assert entries["validation"].get_linestyle() == "--"
            else:
                assert handle.get_linestyle() == line.get_linestyle()


def test_the_same_run_under_two_names_is_drawn_once():
    # Chapter 2's first comparison plot had {**capacity, **regularisation}, both holding the
    # baseline History: "baseline (16 units)" and "baseline" were the same curve.
    other = {key: [v * 0.9 for v in values] for key, values in HIST.items()}
    for same in (HIST, dict(HIST)):  # the same object, or equal values
        runs = {"baseline (16 units)": HIST, "small": other, "baseline": same}
        fig = plot_history(runs, metrics="loss", which="val")
        lines = curve_lines(panel(fig, "loss"))
        assert [line.get_label() for line in lines] == ["baseline (16 units) / baseline", "small"]
        assert list(legend_entries(fig)) == ["baseline (16 units) / baseline", "small"]


def test_a_stopped_run_says_so(data):
    live = LiveTraining(mode="text")
    model = make_model()
    stopped = fit(model, data, live, epochs=5, extra=[StopAt(live.stop, epoch=1, batch=2)])
    assert stopped.stopped == Stopped(epoch=2, epochs=5, batch=3, steps=6)
    fig = plot_history(stopped, title="MNIST")  # one run: in the title and each panel
    assert fig.get_suptitle() == "MNIST (stopped in epoch 2 of 5 after batch 3/6)"
    ax = panel(fig, "loss")
    texts = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "stopped in epoch 2/5" in texts
    (mark,) = [line for line in ax.lines if line.get_gid() == "stopped"]
    assert list(mark.get_xdata()) == [2, 2]
    assert plot_history(stopped).get_suptitle().startswith("Stopped in epoch 2 of 5")
    full = fit(make_model(1), data, LiveTraining(mode="text"), epochs=2)
    fig = plot_history({"stopped one": stopped, "full one": full}, which="val")
    assert list(legend_entries(fig))[:2] == ["stopped one (stopped in epoch 2/5)", "full one"]
    assert "where a run stopped" in legend_entries(fig)


@pytest.mark.parametrize(
    "bad",
    [
        {},
        [],
        None,
        42,
        {"loss": 0.5},
        {"loss": "0.5"},
        {"loss": [1.0, "x"]},
        {"loss": [1.0, 0.5], "val_loss": [1.0]},
        {"loss": []},
        {"base": HIST, "loss": [1.0]},
        [HIST, {}],
    ],
)
def test_plot_history_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        plot_history(bad)
