"""The sandbox launcher: start a Jupyter kernel inside the limits of one submission.

The grader runs this file *by path* (it needs only the standard library, so it
starts in milliseconds) in front of the kernel command::

    python launcher.py SPEC.json -- python -m ipykernel_launcher -f kernel.json

``SPEC.json`` (written by :mod:`course.grading.sandbox.settings`) says what to enforce.
Each step is taken only when the spec asks for it; the grader asks only for
what :func:`probe` found to work on this machine, and a step that was asked
for and fails stops the launch (exit code 70) rather than run a student's code
with less protection than reported.

1. **namespaces** (``unshare``): a new network namespace (no network at all:
   the kernel talks to the grader over Unix sockets), a mount namespace, a PID
   namespace, and, when not root, a user namespace to be allowed to do so;
2. **cgroups**: the kernel joins the memory and pids cgroups the grader made;
3. **rlimits**: no core files, a largest file size, and, where no cgroup can
   do it, ``RLIMIT_DATA`` for memory and ``RLIMIT_NPROC`` for processes;
4. **mounts**: instructor paths (``solutions/``, the gradebook, other
   students' folders, ``.git``) are covered by empty tmpfs, every other mount is made
   read-only, ``/tmp`` and ``/dev/shm`` are fresh and private (what the spec's
   ``keep`` lists under them comes back read-only), ``/dev`` holds
   only null/zero/random/tty, ``/proc`` shows only the kernel's own processes
   (host-facing entries masked or read-only, as container runtimes do), and
   only the submission folder (the kernel's working directory) and the
   kernel's socket folder stay writable;
5. **capabilities**: as root, the kernel keeps uid 0 (the interpreter may live
   in root's home) but loses every capability (empty bounding set, locked
   ``SECBIT_NOROOT``, ``no_new_privs``), so it cannot undo the mounts, leave
   its cgroups or touch the host; in a user namespace it is not root at all;
6. **environment**: secrets and paths that point back at the course are removed.

With a PID namespace the launcher forks: the kernel is process 1 of its
namespace (when it ends, every process it started ends with it) and dies with
the launcher (``PR_SET_PDEATHSIG``), which waits for it and exits the same
way, so the grader sees the kernel's own exit status or signal.

``python launcher.py --probe`` prints, as JSON, which namespace features work here.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME = 32, 1024, 2048
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MS_RELATIME, MS_STRICTATIME = 1 << 21, 1 << 24

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
# SECBIT_NOROOT, NO_SETUID_FIXUP and NO_CAP_AMBIENT_RAISE, each with its lock (not KEEP_CAPS)
SECURE_ALL_LOCKED = 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80

EXIT_SANDBOX_FAILED = 70

# Environment variables never handed to a student's kernel.
_SECRET = re.compile(
    r"(TOKEN|SECRET|PASSW|CREDENTIAL|API_KEY|PRIVATE|_KEY$|^AWS_|^GITHUB_|^GH_|^JUPYTERHUB_|"
    r"^JPY_(?!PARENT_PID)|^COURSE_ROOT$|^COURSE_GRADE_|^PWD$|^OLDPWD$|^SSH_|^GPG_)"
)

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(RuntimeError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(f"{what}: {os.strerror(err)} (errno {err})")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare({flags:#x})")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {source or ''} on {target} ({fstype or 'bind/remount'})",
    )


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl({option})")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _map_user(uid: int, gid: int, inner_uid: int, inner_gid: int) -> None:
    """Map the caller's ids into a fresh user namespace (no setgroups)."""
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{inner_uid} {uid} 1\n")
    _write("/proc/self/gid_map", f"{inner_gid} {gid} 1\n")


# --------------------------------------------------------------------------------------
# Mounts
# --------------------------------------------------------------------------------------

_FLAG_OPTS = {
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
    "strictatime": MS_STRICTATIME,
}


def _mounts() -> list[tuple[str, int, str]]:
    """(mount point, per-mount flags to keep, fs type) for every mount, outermost first."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = left.split()
            point = fields[4].encode().decode("unicode_escape")
            flags = 0
            for opt in fields[5].split(","):
                flags |= _FLAG_OPTS.get(opt, 0)
            out.append((point, flags, right.split()[0]))
    return sorted(out, key=lambda m: m[0].count("/") if m[0] != "/" else 0)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


_PROC_HIDE_FILES = ["kcore", "keys", "timer_list", "sched_debug", "latency_stats", "kallsyms"]
_PROC_HIDE_DIRS = ["acpi", "scsi", "asound"]
_PROC_READONLY = ["bus", "fs", "irq", "sys", "sysrq-trigger"]
_DEV_NODES = ["null", "zero", "full", "random", "urandom", "tty"]


def _keep_flags(path: str) -> int:
    """The per-mount flags of the mount holding ``path`` (a remount must keep them)."""
    best, flags = "", 0
    for point, keep, _ in _mounts():
        if _under(path, point) and len(point) >= len(best):
            best, flags = point, keep
    return flags


def _bind_readonly(path: str) -> None:
    mount(path, path, None, MS_BIND | MS_REC)
    mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _keep_flags(path))


def _setup_mounts(spec: dict, pid_ns: bool, strict: bool) -> list[str]:
    """Hide, freeze and re-open the file system; returns notes on what was skipped (only
    when not ``strict``: as root, a step that fails stops the launch)."""
    notes: list[str] = []

    def best_effort(what, fn, *args):
        try:
            fn(*args)
        except (SandboxError, OSError) as exc:
            if strict:
                raise
            notes.append(f"{what}: {exc}")

    mount(None, "/", None, MS_REC | MS_PRIVATE)
    # Handles on what comes back later, taken before anything is covered.
    writable = [os.path.realpath(p) for p in spec.get("writable", [])]
    fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in writable}
    dev_fds = {
        n: os.open(f"/dev/{n}", os.O_PATH) for n in _DEV_NODES if os.path.exists(f"/dev/{n}")
    }
    hidden = _hide(spec.get("hide", []))
    if pid_ns:
        _mount_proc(best_effort)
    if spec.get("readonly", True):
        _freeze(hidden, pid_ns, spec.get("protect", []), notes)
    if spec.get("fresh_dev", True):
        _fresh_dev(dev_fds)
    _private_tmp(int(spec.get("tmp_bytes", 256 << 20)), spec.get("keep", []))
    _reopen_writable(fds)
    # files inside the writable folders that the kernel must not read (the notebook being
    # graded, which holds the hidden tests)
    for path in spec.get("mask_files", []):
        if os.path.isfile(path):
            mount("/dev/null", path, None, MS_BIND)
    return notes


def _hide(paths: list[str]) -> list[str]:
    """1. Instructor paths: covered by an empty tmpfs (folders) or /dev/null (files)."""
    hidden = []
    for path in paths:
        path = os.path.realpath(path)
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
            hidden.append(path)
        elif os.path.exists(path):
            mount("/dev/null", path, None, MS_BIND)
            hidden.append(path)
    return hidden


def _mount_proc(best_effort) -> None:
    """2. /proc for the new PID namespace, with the host-facing parts masked."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for name in _PROC_HIDE_FILES:
        if os.path.exists(f"/proc/{name}"):
            best_effort(f"mask /proc/{name}", mount, "/dev/null", f"/proc/{name}", None, MS_BIND)
    for name in _PROC_HIDE_DIRS:
        if os.path.isdir(f"/proc/{name}"):
            best_effort(f"mask /proc/{name}", mount, "tmpfs", f"/proc/{name}", "tmpfs",
                        MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k")  # fmt: skip
    for name in _PROC_READONLY:
        if os.path.exists(f"/proc/{name}"):
            best_effort(f"read-only /proc/{name}", _bind_readonly, f"/proc/{name}")


def _freeze(hidden: list[str], pid_ns: bool, protect: list[str], notes: list[str]) -> None:
    """3. Every other mount read-only (one that holds a ``protect`` path must be)."""
    for point, keep, fstype in _mounts():
        if any(_under(point, p) for p in hidden) or _under(point, "/dev"):
            continue
        if _under(point, "/proc") and pid_ns:
            continue
        try:
            mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)
        except SandboxError as exc:
            if any(_under(p, point) for p in protect):
                raise
            notes.append(f"left writable: {point} ({fstype}): {exc}")


def _fresh_dev(dev_fds: dict[str, int]) -> None:
    """4. A minimal /dev: no disks, no host devices."""
    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755")
    for name, fd in dev_fds.items():
        open(f"/dev/{name}", "w").close()
        mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, MS_BIND)
        os.close(fd)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"/dev/{name}")
    os.mkdir("/dev/shm")


def _private_tmp(size: int, keep_paths: list[str]) -> None:
    """5. A private, writable /tmp and /dev/shm. What the kernel needs from under them (a
    Python, a virtualenv, a checkout or data kept in /tmp) is bound back read-only, with
    the instructor paths hidden inside it still hidden."""
    keep = {os.path.realpath(p) for p in keep_paths if p}
    for point in ("/tmp", "/dev/shm"):
        if not os.path.isdir(point):
            continue
        inside = sorted(p for p in keep if p != point and _under(p, point) and os.path.exists(p))
        kept = {p: os.open(p, os.O_PATH) for p in inside}
        mount("tmpfs", point, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
        for path, fd in kept.items():
            if any(_under(path, other) for other in kept if other != path):
                os.close(fd)  # inside a kept folder: comes back with it
                continue
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "a").close()
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _keep_flags(path))
            os.close(fd)


def _reopen_writable(fds: dict[str, int]) -> None:
    """6. The submission folder and the socket folder, writable again."""
    for path, fd in fds.items():
        os.makedirs(path, exist_ok=True)
        mount(f"/proc/self/fd/{fd}", path, None, MS_BIND)
        mount(None, path, None, MS_REMOUNT | MS_BIND | (_keep_flags(path) & ~MS_RDONLY))
        os.close(fd)


def drop_capabilities() -> None:
    """Root without capabilities: empty bounding set, no ambient caps, no root fix-ups on exec,
    so the kernel cannot undo the mounts, leave its cgroups or load anything into the host."""
    try:
        last = int(open("/proc/sys/kernel/cap_last_cap").read())
    except OSError:
        last = 40
    for cap in range(last + 1):
        _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0)
    _libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    prctl(PR_SET_SECUREBITS, SECURE_ALL_LOCKED)


# --------------------------------------------------------------------------------------
# The launch
# --------------------------------------------------------------------------------------


def _clean_env(spec: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not _SECRET.search(k)}
    for key in spec.get("unset_env", []):
        env.pop(key, None)
    env.update(spec.get("env", {}))
    if spec.get("cwd"):
        env["PWD"] = spec["cwd"]
    return env


def _setup_child(spec: dict, pid_ns: bool, status: dict) -> dict:
    """Everything after the namespaces are made, in the process that becomes the kernel."""
    import resource

    if pid_ns:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for path in spec.get("cgroups", []):
        _write(os.path.join(path, "cgroup.procs"), "0")
    if spec.get("oom_score_adj") is not None:
        try:
            _write("/proc/self/oom_score_adj", str(spec["oom_score_adj"]))
        except OSError:
            pass
    for name, value in spec.get("rlimits", {}).items():
        limit = getattr(resource, f"RLIMIT_{name}")
        resource.setrlimit(limit, (value, value))
    strict = os.geteuid() == 0
    status["mount_notes"] = _setup_mounts(spec, pid_ns, strict) if spec.get("mounts") else []
    if spec.get("drop_caps") and os.geteuid() == 0:
        drop_capabilities()
        status["caps_dropped"] = True
    if spec.get("no_new_privs", True):
        prctl(PR_SET_NO_NEW_PRIVS, 1)
    if spec.get("cwd"):
        os.chdir(spec["cwd"])
    return _clean_env(spec)


def _wait_and_mirror(child: int, forward_sigint: bool = False) -> None:
    """Wait for the kernel and leave the way it left (its exit code or its signal)."""
    if forward_sigint:  # started by the zygote: the interrupt reaches this process only
        signal.signal(signal.SIGINT, lambda s, f: os.kill(child, signal.SIGINT))
    else:  # the kernel is in this process group and gets the interrupt itself
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: os.kill(child, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(EXIT_SANDBOX_FAILED)
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL, SIGSTOP: cannot be caught anyway
            pass
        os.kill(os.getpid(), sig)
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(os.waitstatus_to_exitcode(status))


def launch(spec: dict, cmd: list[str], run=None) -> None:
    """Apply ``spec`` and become the kernel: exec ``cmd``, or call ``run()`` (zygote)."""
    status: dict = {"pid_ns": False, "net_ns": False, "mount_ns": False, "user_ns": False}
    flags = 0
    if spec.get("net_ns"):
        flags |= CLONE_NEWNET
    if spec.get("mounts"):
        flags |= CLONE_NEWNS
    pid_ns = bool(spec.get("pid_ns"))
    if pid_ns:
        flags |= CLONE_NEWPID
    uid, gid = os.getuid(), os.getgid()
    if flags and spec.get("user_ns"):
        flags |= CLONE_NEWUSER
    if flags:
        unshare(flags)
        if flags & CLONE_NEWUSER:
            # Same ids inside: not root there, so exec drops every capability.
            _map_user(uid, gid, uid if uid else 1000, gid if gid else 1000)
        status.update(
            net_ns=bool(flags & CLONE_NEWNET),
            mount_ns=bool(flags & CLONE_NEWNS),
            pid_ns=pid_ns,
            user_ns=bool(flags & CLONE_NEWUSER),
        )
    if pid_ns:
        child = os.fork()
        if child:
            _wait_and_mirror(child, bool(spec.get("forward_sigint")))
    env = _setup_child(spec, pid_ns, status)
    signal.signal(signal.SIGINT, signal.SIG_DFL if run is None else signal.default_int_handler)
    if spec.get("status_file"):
        try:
            _write(spec["status_file"], json.dumps(status))
        except OSError:
            pass
    if run is not None:
        os.environ.clear()
        os.environ.update(env)
        run()
        os._exit(0)
    os.execvpe(cmd[0], cmd, env)


# --------------------------------------------------------------------------------------
# Zygote: kernels forked from a process that has already imported the heavy modules
# --------------------------------------------------------------------------------------
#
# Starting a kernel costs a Python start-up, ipykernel and, for this course, TensorFlow:
# several seconds of CPU per submission, the larger part of grading a chapter. A zygote
# (``launcher.py --zygote SOCKET numpy,tensorflow,...``, one per grading worker) imports
# them once; for each kernel the launcher (``launcher.py --via SOCKET SPEC -- CMD``, the
# process jupyter_client starts and watches) asks it for a fork, which applies SPEC
# exactly as above and runs ipykernel in-process. The launcher forwards interrupts,
# mirrors the kernel's exit status or signal, and its death ends the kernel. The zygote
# is used only where namespaces hide its socket from the kernels (it would start
# unsandboxed processes on request); otherwise the launcher falls back to exec.


def _run_ipykernel(cmd: list[str]) -> None:
    """Run ``python -m ipykernel_launcher ARGS`` in this (forked) process."""
    args = cmd[cmd.index("ipykernel_launcher") + 1 :]
    sys.argv = ["ipykernel_launcher", *args]
    sys.path.insert(0, "")  # as for `python -m`: the kernel's folder first
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # a fresh process would have drawn its own seed
        numpy.random.seed()
    code = 0
    try:
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(code)


def _forget_parent_state() -> None:
    """Undo what the zygote's imports cached from its own environment, so that a forked
    kernel behaves like a fresh process (its temp dir, above all, comes from its own
    environment and sandbox, not from the zygote's)."""
    import tempfile

    tempfile.tempdir = None


def _zygote_child(request: dict) -> None:
    try:
        os.setsid()
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _forget_parent_state()
        with open(request["spec"]) as f:
            spec = json.load(f)
        spec["forward_sigint"] = True
        cmd = request["cmd"]
        if "ipykernel_launcher" in cmd:
            launch(spec, cmd, run=lambda: _run_ipykernel(cmd))
        else:
            launch(spec, cmd)
    except BaseException as exc:  # noqa: BLE001 - never return into the zygote's loop
        try:
            print(f"course sandbox: could not start the kernel: {exc}", file=sys.stderr)
            with open(request["spec"]) as f:
                status_file = json.load(f).get("status_file")
            if status_file:
                _write(status_file, json.dumps({"error": str(exc)}))
        finally:
            os._exit(EXIT_SANDBOX_FAILED)
    os._exit(EXIT_SANDBOX_FAILED)


def serve_zygote(socket_path: str, modules: list[str]) -> None:
    import importlib
    import selectors
    import socket
    import threading

    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # ends with the grading worker
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    for name in ["IPython", "ipykernel.kernelapp", *modules]:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a module the kernel will fail on itself
            print(f"zygote: cannot preload {name}: {exc}", file=sys.stderr)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    os.chmod(socket_path, 0o600)
    server.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    buffers: dict = {}
    children: dict = {}  # connection -> pid
    reaped: set = set()
    print("ready", flush=True)
    os.dup2(2, 1)  # nobody reads stdout after this line: kernels must not fill the pipe

    def reap(conn, pid: int) -> None:
        _, status = os.waitpid(pid, 0)
        reaped.add(pid)
        try:
            conn.sendall((json.dumps({"exit": status}) + "\n").encode())
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is server:
                conn, _ = server.accept()
                buffers[conn] = b""
                sel.register(conn, selectors.EVENT_READ)
                continue
            try:
                data = sock.recv(1 << 20)
            except OSError:
                data = b""
            if not data:  # the launcher is gone: so is its kernel
                pid = children.pop(sock, None)
                if pid and pid not in reaped:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                sel.unregister(sock)
                sock.close()
                buffers.pop(sock, None)
                continue
            if sock in children:
                continue
            buffers[sock] += data
            if b"\n" not in buffers[sock]:
                continue
            request = json.loads(buffers.pop(sock).split(b"\n", 1)[0])
            pid = os.fork()
            if pid == 0:
                server.close()
                for other in list(children) + list(buffers) + [sock]:
                    try:
                        other.close()
                    except OSError:
                        pass
                _zygote_child(request)
            children[sock] = pid
            sock.sendall((json.dumps({"pid": pid}) + "\n").encode())
            threading.Thread(target=reap, args=(sock, pid), daemon=True).start()


def via_zygote(socket_path: str, argv: list[str]) -> None:
    """The launcher side: ask the zygote for a kernel, then stand in for it."""
    import socket

    spec_path, cmd = argv[0], argv[2:]
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(socket_path)
        request = {"spec": os.path.abspath(spec_path), "cmd": cmd, "cwd": os.getcwd(),
                   "env": dict(os.environ)}  # fmt: skip
        conn.sendall((json.dumps(request) + "\n").encode())
        reader = conn.makefile("rb")
        pid = json.loads(reader.readline())["pid"]
    except (OSError, ValueError, KeyError):
        return main(argv)  # no zygote: start the kernel the usual way
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, lambda s, f: os.kill(pid, s))
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: os.kill(pid, signal.SIGKILL))
    try:
        line = reader.readline()
        status = json.loads(line)["exit"]
    except (OSError, ValueError, KeyError):  # the zygote died
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        os._exit(EXIT_SANDBOX_FAILED)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), sig)
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(os.waitstatus_to_exitcode(status))


# --------------------------------------------------------------------------------------
# Probe: what works here
# --------------------------------------------------------------------------------------


def _try_in_child(fn) -> tuple[bool, str]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            fn()
            os.write(w, b"ok")
        except BaseException as exc:  # noqa: BLE001
            os.write(w, str(exc).encode()[:500])
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        msg = f.read().decode()
    os.waitpid(pid, 0)
    return msg == "ok", msg


def probe() -> dict:
    """Which isolation features this process may use (tried in throwaway children)."""
    root = os.geteuid() == 0
    result: dict = {"root": root}

    def namespaces(user_ns: bool) -> None:
        uid, gid = os.getuid(), os.getgid()
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | (CLONE_NEWUSER if user_ns else 0))
        if user_ns:
            _map_user(uid, gid, uid if uid else 1000, gid if gid else 1000)
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")
        mount(None, "/tmp", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        if os.fork() == 0:  # the PID namespace takes effect for children
            os._exit(0 if os.getpid() == 1 else 1)
        _, st = os.wait()
        if os.waitstatus_to_exitcode(st) != 0:
            raise SandboxError("no PID namespace")

    ok, msg = _try_in_child(lambda: namespaces(user_ns=False))
    if not ok and not root:
        ok, msg = _try_in_child(lambda: namespaces(user_ns=True))
        result["user_ns"] = ok
    else:
        result["user_ns"] = False
    result["namespaces"] = ok
    result["namespaces_error"] = "" if ok else msg
    return result


def main(argv: list[str]) -> None:
    if argv[:1] == ["--probe"]:
        print(json.dumps(probe()))
        return
    if argv[:1] == ["--zygote"]:
        serve_zygote(argv[1], [m for m in argv[2].split(",") if m] if len(argv) > 2 else [])
        return
    if argv[:1] == ["--via"]:
        via_zygote(argv[1], argv[2:])
        return
    if len(argv) < 3 or argv[1] != "--":
        print("usage: launcher.py SPEC.json -- KERNEL-COMMAND...", file=sys.stderr)
        sys.exit(2)
    with open(argv[0]) as f:
        spec = json.load(f)
    try:
        launch(spec, argv[2:])
    except (SandboxError, OSError) as exc:
        print(f"course sandbox: could not start the kernel: {exc}", file=sys.stderr)
        if spec.get("status_file"):
            try:
                _write(spec["status_file"], json.dumps({"error": str(exc)}))
            except OSError:
                pass
        os._exit(EXIT_SANDBOX_FAILED)


if __name__ == "__main__":
    main(sys.argv[1:])
