"""The Stop button in a real kernel (the one `course lab` starts): a click, sent the way
JupyterLab sends it while `fit` keeps the cell busy, ends training within 2 s; requests that
arrive meanwhile (Run All's next cells) run afterwards, in order; an error in `fit` keeps Run
All's semantics (the queued cells are aborted) and the kernel alive. The widget carries the
CSS classes the browser tests look for, and its curves grow epoch by epoch."""

from __future__ import annotations

import queue
import re
import time
from collections import defaultdict

import pytest

pytest.importorskip("ipykernel")

from jupyter_client.manager import KernelManager  # noqa: E402

from course.kernel import write_kernelspec  # noqa: E402

SETUP = """
import time
import keras
import numpy as np
from course.widgets import LiveTraining

x = np.random.default_rng(0).normal(size=(640, 8)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"),
                          keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

class Pace(keras.callbacks.Callback):
    '''About 20 batches a second (16 an epoch); says TRAINING during the third epoch.'''
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.05)
        if (self.epoch, batch) == (2, 3):
            print("TRAINING", flush=True)
"""

FIT = """
live = LiveTraining(batch_size=32, min_interval_ms=100)
history = model.fit(x, y, epochs=100, batch_size=32, validation_split=0.2, verbose=0,
                    callbacks=[Pace(), live])
print("RESULT", len(history.history["loss"]), live.stopped.by, live.stopped.epoch, flush=True)
"""

NEXT = 'print("NEXT", len(history.history["loss"]))'

FAILING_FIT = """
class Boom(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.05)
        if batch == 8:
            raise RuntimeError("boom")

model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[Boom(), LiveTraining()])
"""


class Session:
    """A kernel client that keeps every IOPub message, grouped by the request it answers."""

    def __init__(self, client):
        self.client = client
        self.outputs: dict[str, list[str]] = defaultdict(list)
        self.comms: dict[str, dict] = {}  # comm id -> its latest state
        self.updates: list[tuple[float, str, dict]] = []  # (time, comm id, state)
        self.idle: set[str] = set()

    def drain(self, timeout: float = 0.1) -> None:
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                return
            timeout = 0.01
            parent = msg["parent_header"].get("msg_id", "")
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                self.outputs[parent].append(content["text"])
            elif kind == "error":
                self.outputs[parent].append(f"{content['ename']}: {content['evalue']}")
            elif kind == "comm_open":
                self.comms[content["comm_id"]] = content["data"].get("state", {})
            elif kind == "comm_msg" and content["data"].get("method") == "update":
                comm_id, state = content["comm_id"], content["data"]["state"]
                self.comms.setdefault(comm_id, {}).update(state)  # e.g. add_class
                self.updates.append((time.monotonic(), comm_id, state))
            elif kind == "status" and content["execution_state"] == "idle":
                self.idle.add(parent)

    def text(self, msg_id: str) -> str:
        return "".join(self.outputs[msg_id])

    def wait(self, condition, timeout: float, what: str) -> float:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            self.drain()
        return time.monotonic()

    def run(self, code: str, timeout: float = 180) -> str:
        msg_id = self.client.execute(code)
        self.wait(lambda: msg_id in self.idle, timeout, f"the cell {code[:40]!r}")
        return msg_id

    def reply(self, msg_id: str, timeout: float = 60) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                msg = self.client.get_shell_msg(timeout=1)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]
        pytest.fail(f"no reply to {msg_id}")

    def click(self, comm_id: str) -> None:
        """What JupyterLab's Button view sends on a click."""
        content = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
        self.client.shell_channel.send(self.client.session.msg("comm_msg", content))


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jupyter")
    write_kernelspec(folder)  # the kernel `course lab` starts
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder))
        patch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
        patch.delenv("NBGRADER_EXECUTION", raising=False)
        manager = KernelManager(kernel_name="python3")
        manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        talk = Session(client)
        talk.run(SETUP, timeout=300)
        yield talk
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def classes(state: dict) -> list[str]:
    return state.get("_dom_classes", [])


def test_stop_during_fit_in_the_cell(session):
    fit_id = session.client.execute(FIT)
    next_id = session.client.execute(NEXT)  # queued behind the fit, as Run All does
    session.wait(lambda: "TRAINING" in session.text(fit_id), 180, "training to start")
    (stop_id,) = [cid for cid, s in session.comms.items() if "course-stop" in classes(s)]
    assert session.comms[stop_id]["description"] == "Stop"
    assert session.comms[stop_id]["_model_name"] == "ButtonModel"
    clicked = time.monotonic()
    session.click(stop_id)
    done = session.wait(lambda: "RESULT" in session.text(fit_id), 60, "fit to end")
    latency = done - clicked
    print(f"Stop latency in a real kernel: {latency:.2f} s")
    assert latency < 2.0, f"Stop took {latency:.1f} s to end the fit"

    epochs, by, epoch = session.text(fit_id).split("RESULT")[1].split()
    assert by == "you" and int(epochs) == int(epoch) and 3 <= int(epochs) < 100
    # the request queued during the fit ran after it, with its results
    session.wait(lambda: next_id in session.idle, 60, "the next cell")
    assert session.text(next_id).split() == ["NEXT", epochs]
    assert session.reply(fit_id)["status"] == "ok"
    assert session.reply(next_id)["status"] == "ok"

    # the browser contract: classes, a status that says "stopped", curves that grow
    (live_id,) = [cid for cid, s in session.comms.items() if "course-live" in classes(s)]
    (plot_id,) = [cid for cid, s in session.comms.items() if "course-live-plot" in classes(s)]
    assert session.comms[live_id]["_model_name"] == "VBoxModel"
    texts = [state["value"] for _, _, state in session.updates if "value" in state]
    assert any("stopped in epoch" in str(text) for text in texts), "no status said 'stopped'"
    counts = [
        len(re.search(r'data-key="loss"[^>]*points="([^"]*)"', s["value"]).group(1).split())
        for _, cid, s in session.updates
        if cid == plot_id and "value" in s
    ]
    assert counts[:3] == [1, 2, 3] and counts[-1] == int(epochs), counts


def test_an_error_in_fit_keeps_run_all_semantics_and_the_kernel_alive(session):
    failing = session.client.execute(FAILING_FIT)
    skipped = session.client.execute('print("SKIPPED")')  # Run All's next cell
    assert session.reply(failing, timeout=120)["status"] == "error"
    assert session.reply(skipped)["status"] == "aborted"
    alive = session.run('print("ALIVE")', timeout=60)
    assert session.text(alive) == "ALIVE\n"
    assert "RuntimeError: boom" in session.text(failing)
