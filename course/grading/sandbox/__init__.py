"""The grading sandbox: every kernel of ``course grade`` starts inside it.

* :mod:`~course.grading.sandbox.launcher`: the program (standard library only, run by
  path) that applies one kernel's spec (namespaces, cgroups, rlimits, mounts,
  capabilities, environment) and becomes the kernel; also the zygote that forks
  kernels with the chapter's modules already imported, and the ``--probe``.
* :mod:`~course.grading.sandbox.settings`: :class:`KernelSandbox`, the spec and
  command line for one kernel, and why it died.
* :mod:`~course.grading.sandbox.cgroups`: :class:`Cgroup`, memory and process caps.
* :mod:`~course.grading.sandbox.machine`: :func:`capabilities` (what works on this
  machine) and :func:`enforcement` (the limits table in words).
* :mod:`~course.grading.sandbox.kernel_manager`: ``SandboxKernelManager``, the
  jupyter_client kernel manager that starts kernels through the launcher (it imports
  Jupyter, so it is not imported here).
"""

from course.grading.sandbox.cgroups import Cgroup
from course.grading.sandbox.machine import LAUNCHER, capabilities, enforcement, launcher_command
from course.grading.sandbox.settings import KernelSandbox

__all__ = [
    "Cgroup",
    "KernelSandbox",
    "LAUNCHER",
    "capabilities",
    "enforcement",
    "launcher_command",
]
