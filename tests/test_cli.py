"""The `course` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from course.cli import app

from .conftest import ROOT

runner = CliRunner()


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("lab", "data", "device", "build", "check"):
        assert command in result.output


def test_console_script_is_installed():
    bindir = ROOT / ".venv" / "bin"
    exe = bindir / "course" if (bindir / "course").exists() else "course"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "build" in out.stdout


def test_data_list_shows_the_mirror(mirror):
    result = runner.invoke(app, ["data", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "mnist.npz" in result.output and "mirror" in result.output


def test_data_fetch_into_an_empty_cache(mirror, keras_home):
    result = runner.invoke(app, ["data", "fetch", "boston_housing", "reuters"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 datasets ready" in result.output
    assert (keras_home / "datasets" / "reuters.npz").is_file()


def test_data_fetch_failure_exits_non_zero(tmp_path, keras_home, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))  # an empty mirror, no network
    result = runner.invoke(app, ["data", "fetch", "weather"])
    assert result.exit_code == 1
    assert "0 of 1 datasets ready" in result.output


def test_device_prints_one_line():
    result = runner.invoke(app, ["device"])
    assert result.exit_code == 0
    assert result.output.startswith(("CPU:", "GPU:"))


def test_unknown_chapter_is_a_clean_error():
    result = runner.invoke(app, ["build", "99_nope"])
    assert result.exit_code == 2
    assert "Unknown chapter" in result.output and "Traceback" not in result.output


def test_lab_command_is_wired(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call",
                        lambda cmd, env, cwd: calls.append((cmd, env, cwd)) or 0)  # fmt: skip
    monkeypatch.delenv("COURSE_FAST", raising=False)
    result = runner.invoke(app, ["lab", "--no-browser", "--port", "8899"])
    assert result.exit_code == 0
    assert "full mode" in result.output
    result = runner.invoke(app, ["lab", "--no-browser", "--fast", "--ServerApp.port_retries=0"])
    assert result.exit_code == 0 and "fast mode" in result.output
    (cmd, env, cwd), (fast_cmd, fast_env, _) = calls
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in cmd
    assert "--port=8899" in cmd and "--no-browser" in cmd
    assert fast_cmd[-1] == "--ServerApp.port_retries=0"  # more arguments go to jupyter lab
    # JupyterLab runs in the project, where nbgrader finds nbgrader_config.py
    assert cwd == ROOT
    # kernels start through course.kernel: its python3 spec comes first on JUPYTER_PATH
    spec = Path(env["JUPYTER_PATH"].split(os.pathsep)[0]) / "kernels" / "python3" / "kernel.json"
    assert "course.kernel" in spec.read_text()
    assert "COURSE_FAST" not in env and fast_env["COURSE_FAST"] == "1"


def test_lab_config_keeps_a_students_start_quiet(tmp_path, monkeypatch):
    """`course lab` configures Jupyter as the server reads it: of nbgrader only Validate
    (the formgrader logs "not a subdirectory of the notebook server root" otherwise), no
    question about news; `--solutions` serves the project (the nbgrader course folder)
    with every nbgrader extension. tests/browser/ checks the running server."""
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyterlab_server.config import get_static_page_config
    from jupyterlab_server.settings_utils import _get_overrides

    from course.lab import STUDENT_OFF_LAB, STUDENT_OFF_SERVER, prepare

    (tmp_path / "notebooks").mkdir()
    for solutions in (False, True):
        launch = prepare(tmp_path, solutions=solutions, environ={"JUPYTER_CONFIG_PATH": "/x"})
        assert launch.cwd == tmp_path.resolve()
        config_path = launch.env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
        assert config_path[1:] == ["/x"]
        monkeypatch.setenv("JUPYTER_CONFIG_PATH", config_path[0])
        extensions = ExtensionConfigManager(read_config_path=jupyter_config_path())
        enabled = extensions.get_jpserver_extensions()
        assert enabled["nbgrader.server_extensions.validate_assignment"] is True
        for name in STUDENT_OFF_SERVER:
            assert enabled[name] is solutions, name
        disabled = get_static_page_config().get("disabledExtensions", {})
        assert all(bool(disabled.get(name)) is not solutions for name in STUDENT_OFF_LAB)
        overrides, _ = _get_overrides(str(tmp_path / "no-app-settings"))
        assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # instructors: the server's root is the nbgrader course folder, opened on solutions/
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in launch.cmd
    assert "--LabApp.default_url=/lab/tree/solutions" in launch.cmd


def test_lab_kernel_keeps_tensorflow_start_up_lines_out(tmp_path):
    """The kernel `course lab` starts (spec python3, via course.kernel) imports TensorFlow
    without the C++ log lines that would show as a red box in the first cell."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    from course.kernel import write_kernelspec

    spec_dir = write_kernelspec(tmp_path)
    manager = KernelSpecManager(kernel_dirs=[str(spec_dir.parent)])
    assert manager.get_kernel_spec("python3").argv[1:3] == ["-m", "course.kernel"]
    km = KernelManager(kernel_name="python3", kernel_spec_manager=manager)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    streams: list[tuple[str, str]] = []
    try:
        kc.execute_interactive(
            "import tensorflow as tf\nprint(tf.constant(2) * 21)", timeout=180,
            output_hook=lambda msg: streams.append(
                (msg["content"].get("name", ""), msg["content"].get("text", ""))
            ) if msg["msg_type"] == "stream" else None,
        )  # fmt: skip
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    stderr = "".join(text for name, text in streams if name == "stderr")
    assert "tf.Tensor(42" in "".join(text for name, text in streams if name == "stdout")
    assert "absl" not in stderr and "oneDNN" not in stderr, stderr


def test_data_fetch_makes_the_weather_stand_in_work_without_the_mirror(
    mirror, keras_home, monkeypatch
):
    """A mirror's weather stand-in, copied into the Keras cache by `course data fetch`,
    is what Chapter 6 loads once the mirror is gone: no attempt to download the real file."""
    from keras.src.utils import file_utils

    from course import datasets

    if not (mirror / datasets.WEATHER_STAND_IN).is_file():
        pytest.skip("this mirror holds no weather stand-in")
    result = runner.invoke(app, ["data", "fetch", "weather"])
    assert result.exit_code == 0, result.output
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setattr(file_utils, "urlretrieve", lambda *a, **k: pytest.fail("downloaded"))
    df = datasets.load_weather(limit=48, verbose=False)
    assert df.attrs["stand_in"] and len(df) == 48 and "T (degC)" in df.columns
    assert str(keras_home) in df.attrs["source"]


def test_data_fetch_makes_photos_and_weights_work_without_the_mirror(
    mirror, keras_home, monkeypatch
):
    """After `course data fetch` from a mirror, Chapters 4 and 5 need the mirror no more."""
    from keras.src.utils import file_utils

    from course import datasets, pretrained

    result = runner.invoke(app, ["data", "fetch", "cats_vs_dogs", "mobilenet_v2_weights"])
    assert result.exit_code == 0, result.output
    assert "2 of 2 datasets ready" in result.output
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setattr(file_utils, "urlretrieve", lambda *a, **k: pytest.fail("downloaded"))
    root = datasets.cats_vs_dogs_split(cache_dir=keras_home / "split", verbose=False)
    assert len(list((root / "test" / "dogs").glob("*.jpg"))) == 251
    path = pretrained.weights_file(datasets.mobilenet_v2_weights(0.35), download=False)
    assert path.parent == keras_home / "models"
