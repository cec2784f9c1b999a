"""The protocol (course/grading/protocol.py): jobs, results and events survive the trip as
JSON lines, and nothing else on a worker's stdout is taken for a message."""

from __future__ import annotations

import json

from course.grading.limits import Limits
from course.grading.protocol import (
    AssignmentSpec,
    CellGrade,
    Event,
    EventFiles,
    EventKind,
    ExecutionStats,
    Job,
    NotebookGrades,
    Ready,
    Result,
    RunSettings,
    decode,
    encode,
)


def _job() -> Job:
    spec = AssignmentSpec("ch", "/t.db", ("a", "b"), "/src", "solutions", ("numpy",))
    run = RunSettings("/c/nbgrader_config.py", Limits(memory=1 << 30), False, "/w",
                      ("/hide",), ("/protect",), {"KERAS_HOME": "/k"})  # fmt: skip
    return Job(3, "ann", "key", "/sub", "/w/j3", spec, run)


def test_a_job_survives_a_json_line():
    job = _job()
    again = Job.from_json(json.loads(json.dumps(job.to_json())))
    assert again == job and again.chapter == "ch"
    assert isinstance(again.run.limits, Limits) and again.assignment.preload == ("numpy",)


def test_a_result_survives_encode_and_decode():
    result = Result(3, "ch", "ann", messages=["m"], flags=["f"], missing=["b"],
                    events=[Event(EventKind.MEMORY, "too much", "cell 2", "a")])  # fmt: skip
    result.notebooks["a"] = NotebookGrades({"x": CellGrade(1.0, False, 2.0)}, {"c": None}, 0.5)
    line = encode(result)
    assert line.endswith("\n") and "\n" not in line[:-1]
    again = decode(line)
    assert again == result and again.kinds == {EventKind.MEMORY}
    assert decode(encode(Ready(42))) == Ready(42)
    assert decode("print from a notebook\n") is None
    assert decode('{"id": 1}\n') is None  # a line without the prefix is not a message


def test_a_failed_job_is_an_error_and_a_timeout_an_event():
    failed = Result.failed(_job(), "stuck", timeout=True)
    assert (failed.status, failed.internal, failed.messages) == ("error", False, ["stuck"])
    assert failed.kinds == {EventKind.TIMEOUT}
    crashed = Result.failed(_job(), "crashed", internal=True)
    assert crashed.internal and crashed.events == []


def test_event_files_keep_events_and_stats_per_notebook(tmp_path):
    files = EventFiles(tmp_path)
    assert files.read("a") == [] and files.read_stats("a") is None
    files.append("a", Event(EventKind.TIMEOUT, "slow", "cell 1"))
    files.append("a", Event(EventKind.OUTPUT, "loud"))
    files.write_stats("a", ExecutionStats(1.5, 1 << 20))
    assert [e.kind for e in files.read("a")] == [EventKind.TIMEOUT, EventKind.OUTPUT]
    assert files.read("b") == [] and files.read_stats("a") == ExecutionStats(1.5, 1 << 20)
