"""The README's two commands are the whole set-up, and CI runs exactly them."""

import re

from .conftest import ROOT


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [b.strip() for b in blocks[:2]]


def test_ci_runs_the_readme_commands():
    setup, test = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    install, start = setup.rsplit(" && ", 1)
    assert start == ".venv/bin/course lab"
    assert install in ci, "CI must install exactly what the README installs"
    assert test in ci.splitlines(), "CI must run the README's test command"
    assert "COURSE_DATA_DIR" in ci and "shared/data" in ci


def test_layout():
    for path in ("pyproject.toml", "course", "notebooks", "solutions", "tests", "binder",
                 "README.md", ".ci/run", "nbgrader_config.py"):  # fmt: skip
        assert (ROOT / path).exists(), path
