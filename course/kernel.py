"""The Python kernel ``course lab`` starts: ipykernel, with :mod:`course.quiet` installed.

``course lab`` points Jupyter at a kernel spec named ``python3`` (so notebooks need no
change) whose command is ``python -m course.kernel -f {connection_file}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def write_kernelspec(folder: Path) -> Path:
    """Write ``kernels/python3/kernel.json`` under ``folder`` (a ``JUPYTER_PATH`` entry)."""
    spec_dir = folder / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "course.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def main() -> None:
    from course.quiet import install

    install()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
