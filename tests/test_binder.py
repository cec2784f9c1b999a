"""binder/ follows repo2docker's conventions and its requirements resolve."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

import pytest

from .conftest import ROOT

BINDER = ROOT / "binder"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower()


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def test_python_version():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


def test_post_build_installs_the_course_and_fetches_data():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    subprocess.run(["bash", "-n", str(post)], check=True)  # valid shell syntax
    commands = [
        ln.strip() for ln in post.read_text().splitlines() if not ln.strip().startswith("#")
    ]
    assert any(c.startswith("pip install") and c.endswith("-e .") for c in commands)
    assert "course data fetch" in commands
    assert any("default_url" in c and "/lab/tree/notebooks" in c for c in commands)


def test_requirements_cover_the_package_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    have = {_name(r) for r in _requirements()}
    assert wanted <= have, f"binder/requirements.txt lacks {sorted(wanted - have)}"
    tf_wheels = have & {"tensorflow", "tensorflow-cpu", "tf-nightly", "tensorflow-intel"}
    assert tf_wheels == {"tensorflow-cpu"}


@pytest.mark.slow
def test_requirements_resolve_with_one_tensorflow(tmp_path):
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(report), "-r", str(BINDER / "requirements.txt")],
        check=True, timeout=600,
    )  # fmt: skip
    items = json.loads(report.read_text())["install"]
    installed = {re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower() for item in items}
    assert {"tensorflow-cpu", "keras", "nbgrader", "jupyterlab", "ipywidgets"} <= installed
    assert "tensorflow" not in installed, "two TensorFlow wheels would overwrite each other"
    assert not any(name.startswith("nvidia-") for name in installed), "CUDA libraries on Binder"
