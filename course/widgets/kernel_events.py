"""Let a busy cell hear widget clicks: deliver comm messages between training batches.

Jupyter runs one request at a time on the kernel's main thread. While a cell runs
``model.fit``, a click on a widget button waits in the kernel's message queue until the
cell ends, so a Stop button would be heard only after training. :class:`CommPoller`
looks at that queue from inside the running cell (``LiveTraining`` calls
:meth:`CommPoller.poll` between batches, at most every 0.2 s): widget messages
(``comm_msg``) are handled at once, in the running cell; every other request (the next
cell of *Run All*, a completion, …) is held back and handed to the kernel, in the order
it came, when training ends. Widget messages may overtake held requests, as ipykernel
itself lets them overtake a running async cell.

This is what `jupyter-ui-poll <https://github.com/Kirill888/jupyter-ui-poll>`_ does for
ipykernel 6. Its 1.1.0 release relies on ``Kernel.do_one_iteration``, which ipykernel
7.4 (the version this course installs) no longer has: a click sent to a busy cell under
jupyter-ui-poll 1.1.0 and ipykernel 7.4 reaches the widget only after the cell ends. So
the course does the same thing against ipykernel 7's message path (the shell stream of
the main thread, ``ipykernel.eventloops.get_shell_stream``). Where that path is missing
(an older or newer ipykernel that changed it, another kernel), :meth:`CommPoller.attach`
returns ``None`` and ``LiveTraining`` falls back to the kernel interrupt.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

__all__ = ["CommPoller"]

# Requests handled inside the running cell; everything else waits for it to end.
_HANDLED_NOW = frozenset({"comm_msg"})


class CommPoller:
    """Reads the kernel's main shell queue from inside a running cell.

    Use :meth:`attach` (``None`` outside a kernel or off the main thread), call
    :meth:`poll` every so often while the cell is busy, and :meth:`close` when done
    (also done automatically when the cell ends, even if it raised).

    Attributes:
        handled: how many widget messages were handled inside the cell so far.
        held: how many other requests were held back (and handed on at :meth:`close`).
    """

    def __init__(self, kernel: Any, stream: Any, shell: Any) -> None:
        self._kernel = kernel
        self._stream = stream
        self._shell = shell
        self._held: list[Any] = []
        self._closed = False
        self.handled = 0
        self.held = 0
        shell.events.register("post_run_cell", self._on_post_run_cell)

    @classmethod
    def attach(cls) -> CommPoller | None:
        """A poller for the running kernel, or None where polling is not possible.

        Possible only in an IPython kernel (ipykernel 7's message path), on the main
        thread, while a cell runs there.
        """
        if "IPython" not in sys.modules or "ipykernel" not in sys.modules:
            return None
        if threading.current_thread() is not threading.main_thread():
            return None
        from IPython import get_ipython

        shell = get_ipython()
        kernel = getattr(shell, "kernel", None)
        if kernel is None or getattr(kernel, "session", None) is None:
            return None
        try:
            from ipykernel.eventloops import get_shell_stream

            stream = get_shell_stream(kernel)
        except (ImportError, AttributeError):  # not ipykernel 7
            return None
        needed = (
            getattr(stream, "socket", None) is not None
            and callable(getattr(stream, "_recv_callback", None))
            and callable(kernel.shell_handlers.get("comm_msg"))
        )
        return cls(kernel, stream, shell) if needed else None

    def poll(self) -> int:
        """Handle the widget messages waiting now; hold the other requests.

        Returns:
            The number of widget messages handled by this call.
        """
        if self._closed:
            return 0
        import zmq

        socket = self._stream.socket
        session = self._kernel.session
        handled = 0
        while socket.getsockopt(zmq.EVENTS) & zmq.POLLIN:
            try:
                frames = socket.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                break
            try:  # peek at the header only (unpacking the content records the signature)
                idents, rest = session.feed_identities(frames, copy=False)
                header = session.deserialize(rest, content=False, copy=False)["header"]
            except Exception:  # not ours to judge: let the kernel deal with it later
                self._hold(frames)
                continue
            if header["msg_type"] not in _HANDLED_NOW:
                self._hold(frames)
                continue
            try:
                message = session.deserialize(rest, content=True, copy=False)
            except Exception:
                self._kernel.log.error("Invalid widget message", exc_info=True)
                continue
            handler = self._kernel.shell_handlers[message["header"]["msg_type"]]
            try:  # in the running cell: a print in a click handler shows in its output
                handler(self._stream, idents, message)
            except Exception:
                self._kernel.log.error("Exception in a widget message handler", exc_info=True)
            handled += 1
        self.handled += handled
        return handled

    def close(self) -> None:
        """Stop polling; hand the held requests back to the kernel, in order.

        They run after the current cell, before any request that arrives later.
        """
        if self._closed:
            return
        self.poll()  # anything that came since the last poll keeps its place in line
        self._closed = True
        try:
            self._shell.events.unregister("post_run_cell", self._on_post_run_cell)
        except ValueError:
            pass
        callback = self._stream._recv_callback
        # Each request becomes a task now, so they queue for the kernel's shell lock in
        # arrival order, ahead of anything the stream reads later.
        for frames in self._held:
            result = callback(frames)
            if asyncio.iscoroutine(result):
                asyncio.ensure_future(result)
        self._held.clear()
        # Reading the socket directly may have consumed the wake-up of a message still
        # queued; let the stream pick such messages up.
        self._stream.flush(_zmq_pollin())

    def _hold(self, frames: Any) -> None:
        self._held.append(frames)
        self.held += 1

    def _on_post_run_cell(self, *args: Any) -> None:
        self.close()


def _zmq_pollin() -> int:
    import zmq

    return zmq.POLLIN
