"""A jupyter_client kernel manager that starts every kernel through the sandbox launcher.

nbgrader's ``Execute`` (and so :class:`~course.grading.preprocessors.SandboxedExecute`)
starts kernels with the kernel manager class it is given; :class:`SandboxKernelManager`
wraps the kernel command in :class:`~course.grading.sandbox.settings.KernelSandbox`'s
launcher command, talks to the kernel over Unix sockets (it has no network), and can
kill the kernel and say why it died.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict

from course.grading.limits import Limits
from course.grading.sandbox.settings import KernelSandbox

__all__ = ["SandboxKernelManager"]

_CONTEXT: zmq.asyncio.Context | None = None


def _shared_context() -> zmq.asyncio.Context:
    """One ZeroMQ context for every kernel of this process: a context per kernel costs about
    half a second of waiting each time it is destroyed (jupyter_client's default)."""
    global _CONTEXT
    if _CONTEXT is None or _CONTEXT.closed:
        _CONTEXT = zmq.asyncio.Context()
    return _CONTEXT


class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel through the launcher with the limits in ``sandbox_spec``, talking
    over Unix sockets in the spec's ``workdir`` (the kernel has no network)."""

    sandbox_spec = Dict(
        help="The kernel's sandbox: limits (Limits.to_json()), workdir (its socket folder), "
        "hide, protect, writable (lists of paths), env (added to its environment) and "
        "zygote (a zygote's socket, or None). Empty: start the kernel as usual."
    ).tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("context", _shared_context())
        super().__init__(**kwargs)
        self.sandbox: KernelSandbox | None = None
        self.peak_memory: int | None = None
        if self.sandbox_spec:
            workdir = Path(self.sandbox_spec["workdir"])
            workdir.mkdir(parents=True, exist_ok=True)
            self.transport = "ipc"
            self.connection_file = str(workdir / "kernel.json")
            self.ip = str(workdir / "k")

    def client(self, **kwargs):
        kwargs.setdefault("context", self.context)
        return super().client(**kwargs)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        spec = self.sandbox_spec
        if not spec:
            return cmd
        if self.sandbox:
            self.sandbox.cleanup()
        cwd = self._launch_args.get("cwd")
        self.sandbox = KernelSandbox(
            limits=Limits.from_json(spec["limits"]),
            workdir=Path(spec["workdir"]),
            hide=list(spec.get("hide", [])),
            protect=list(spec.get("protect", [])),
            writable=list(spec.get("writable", [])),
            env=dict(spec.get("env", {})),
            mask_files=[str(p) for p in Path(cwd).glob("*.ipynb")] if cwd else [],
            zygote=spec.get("zygote"),
        )
        return self.sandbox.command(cmd, cwd)

    @property
    def returncode(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    def kill_now(self) -> None:
        """SIGKILL the kernel's process group (the launcher; the PID namespace goes with it)."""
        pgid = getattr(self.provisioner, "pgid", None)
        try:
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif getattr(self.provisioner, "process", None):
                self.provisioner.process.kill()
        except OSError:
            pass

    def sandbox_cleanup(self) -> None:
        """Note the kernel's peak memory and remove its cgroups (also when it never started)."""
        if self.sandbox:
            self.peak_memory = self.sandbox.peak_memory() or self.peak_memory
            self.sandbox.cleanup()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.sandbox_cleanup()
        await super()._async_cleanup_resources(restart=restart)

    cleanup_resources = _async_cleanup_resources
