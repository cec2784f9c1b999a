"""The ``course`` command: start the course, fetch data, build and check the chapters.

course lab                 JupyterLab on the student notebooks
course data fetch          download (or copy from a mirror) every dataset into the cache
course data list           what each dataset resolves to, without loading it
course device              which CPU/GPU TensorFlow will use
course build [CHAPTER]     regenerate notebooks/ from solutions/ with nbgrader
course check [CHAPTER]     the grading round trip: solution = full marks, blank = zero,
                           every wrong answer in wrong_answers.py loses points
course grade [CHAPTER]     autograde a class: parallel, limits per submission, feedback, CSV
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from course.grading.limits import Limits, format_size

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.split("\n\n")[0])
data_app = typer.Typer(no_args_is_help=True, help="Datasets: fetch them, see where they are.")
app.add_typer(data_app, name="data")
console = Console()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can fix into a one-line message and exit code 2."""
    from course.datasets import DatasetError
    from course.grading import NbgraderError

    try:
        yield
    except (ValueError, FileNotFoundError, DatasetError, NbgraderError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


Chapters = Annotated[list[str] | None, typer.Argument(help="Chapter folders (default: all).")]


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def lab(
    ctx: typer.Context,
    port: Annotated[int | None, typer.Option(help="Port for JupyterLab.")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="No browser.")] = False,
    solutions: Annotated[bool, typer.Option(help="Open the instructor notebooks.")] = False,
    fast: Annotated[
        bool, typer.Option(help="Fast mode: small data, few epochs (a minute per chapter).")
    ] = False,
) -> None:
    """Start JupyterLab on the chapters (more arguments go to `jupyter lab`)."""
    from course.grading import project_root
    from course.lab import prepare

    with user_errors():
        root = project_root()
    # Kernels start through course.kernel (TensorFlow's start-up log lines stay out of the
    # notebooks; its spec is named python3, so the notebooks need no change); JupyterLab
    # starts quietly (course.lab: no news question, only the nbgrader tools students use).
    launch = prepare(root, solutions=solutions, fast=fast, port=port, no_browser=no_browser,
                     extra=ctx.args)  # fmt: skip
    if launch.fast:
        mode = "fast mode (small data, few epochs)"
    else:
        mode = "full mode (all data; `course lab --fast` for a quick run)"
    console.print(f"Starting JupyterLab on {launch.folder} in {mode} (Ctrl+C to stop)")
    raise typer.Exit(subprocess.call(launch.cmd, env=launch.env, cwd=launch.cwd))


@data_app.command("fetch")
def data_fetch(
    names: Annotated[list[str] | None, typer.Argument(help="Datasets (default: all).")] = None,
) -> None:
    """Download every dataset into the Keras cache, or copy it there from $COURSE_DATA_DIR."""
    from course import datasets

    with user_errors():
        results = datasets.fetch_all(names)
    failed = {k: v for k, v in results.items() if v != "ok"}
    for name, message in failed.items():
        console.print(f"[red]{name}[/red]: {message}")
    console.print(f"{len(results) - len(failed)} of {len(results)} datasets ready.")
    raise typer.Exit(1 if failed else 0)


@data_app.command("list")
def data_list() -> None:
    """Where each data file would be loaded from (mirror, cache or download)."""
    from course import datasets

    table = Table("file", "found", "checked by", "note")
    for name in datasets.FILES:
        try:
            f = datasets.locate(name, download=False)
            table.add_row(name, f"{f.source}: {f.path}", f.verified_by, f.note)
        except datasets.DatasetError as exc:
            table.add_row(name, "[yellow]not here[/yellow]", "", str(exc).split("\n")[0][:80])
    console.print(table)


@app.command()
def device() -> None:
    """Say which device TensorFlow will train on."""
    from course.device import describe

    console.print(describe())


@app.command()
def build(chapters: Chapters = None) -> None:
    """Regenerate the student notebooks (notebooks/) from the instructor ones (solutions/)."""
    from course.grading import build as build_notebooks
    from course.grading import project_root

    with user_errors():
        root = project_root()
        for folder in build_notebooks(root, chapters):
            console.print(f"built {folder.relative_to(root)}")


@app.command()
def check(
    chapters: Chapters = None,
    keep: Annotated[
        str | None, typer.Option(help="Keep the nbgrader course folder here for inspection.")
    ] = None,
    wrong_answers: Annotated[
        bool, typer.Option(help="Try each chapter's wrong answers (solutions/CH/wrong_answers.py).")
    ] = True,
    require_wrong_answers: Annotated[
        bool | None,
        typer.Option(help="Fail for a chapter without wrong_answers.py (default: warn)."),
    ] = None,
) -> None:
    """Grade every chapter's solution (must be full marks) and blank notebook (must be zero),
    and prove that every wrong answer in the chapter's wrong_answers.py loses points."""
    from pathlib import Path

    from rich.markup import escape

    from course.grading import drift, project_root, round_trip
    from course.grading.wrong_answers import REQUIRE_SUITE

    require = REQUIRE_SUITE if require_wrong_answers is None else require_wrong_answers
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with user_errors():
        root = project_root()
        stale = drift(root, chapters)
        for line in stale:
            console.print(f"[red]drift[/red]: {line} (run `course build`)")
        results = round_trip(root, chapters, Path(keep) if keep else None,
                             progress=lambda m: console.print(f"[dim]{m}[/dim]"),
                             wrong_answers=wrong_answers)  # fmt: skip
    failed = bool(stale)
    for r in results:
        suite = r.suite
        if suite is None or suite.missing:
            continue
        title = f"{r.chapter}: wrong answers ({suite.seconds:g} s)"
        table = Table("exercise", "solution", "blank stub", "wrong answers", "caught by visible",
                      "by hidden", "not caught", "result", title=title)  # fmt: skip
        for row in suite.rows():
            score, top = suite.solution.get(row["exercise"], (0, 0))
            stub = suite.blank.get(row["exercise"])
            stub_cell = "-" if stub is None else f"{stub[0]:g} / {stub[1]:g}"
            if stub and stub[0]:
                stub_cell = f"[red]{stub_cell}[/red]"
            table.add_row(row["exercise"], f"{score:g} / {top:g}", stub_cell,
                          str(row["wrong answers"]),
                          str(row["visible"]), str(row["hidden"]),
                          f"[red]{row['not caught']}[/red]" if row["not caught"] else "0",
                          "[green]ok[/green]" if row["ok"] else "[red]FAIL[/red]")  # fmt: skip
        console.print(table)
        console.print(f"[bold]{r.chapter}: each wrong answer[/bold] (✓ = what the exercise is "
                      "about; then the first line the student reads)")  # fmt: skip
        for t in suite.trials:
            text = (t.visible_text or t.hidden_text or t.error).strip().splitlines() or [""]
            colour = {"visible": "green", "hidden": "cyan"}.get(t.caught_by, "red")
            console.print(f"  {t.exercise} / {escape(t.name)}{' ✓' if t.about else ''}: "
                          f"[{colour}]{t.caught_by}[/{colour}] [dim]{escape(text[0][:160])}[/dim]",
                          highlight=False, soft_wrap=True)  # fmt: skip
    table = Table("chapter", "solution", "blank", "wrong answers", "result",
                  title="Grading round trip")  # fmt: skip
    for r in results:
        if r.suite is None:
            suite_cell = "not checked"
        elif r.suite.missing:
            suite_cell = "[red]none[/red]" if require else "[yellow]none[/yellow]"
        else:
            caught = sum(t.caught_by in ("visible", "hidden") for t in r.suite.trials)
            suite_cell = f"{caught} / {len(r.suite.trials)} caught"
        bad = not r.ok or (require and r.suite is not None and r.suite.missing)
        failed = failed or bad
        table.add_row(
            r.chapter,
            f"{r.solved.score:g} / {r.solved.max_score:g}",
            f"{r.blank.score:g} / {r.blank.max_score:g}" if r.blank else "not graded",
            suite_cell,
            "[red]FAIL[/red]" if bad else "[green]ok[/green]",
        )
    console.print(table)
    for r in results:
        if r.solved.failed_cells:
            console.print(f"{r.chapter}: the solution fails {', '.join(r.solved.failed_cells)}")
        if r.blank and r.blank.score:
            console.print(f"{r.chapter}: the blank notebook scores points")
        for error in r.lesson_errors:
            console.print(f"{r.chapter}: the blank notebook breaks outside the exercises: {error}")
        for error in r.solution_errors:
            console.print(f"{r.chapter}: the solved notebook fails: {error}")
        if r.suite is not None and r.suite.missing:
            level = "[red]error[/red]" if require else "[yellow]warning[/yellow]"
            console.print(f"{level}: {r.chapter} has no solutions/{r.chapter}/wrong_answers.py, "
                          "so nothing proves its tests catch the classic mistakes")  # fmt: skip
        for problem in r.suite.problems if r.suite is not None else []:
            console.print(f"[red]{r.chapter}[/red]: {escape(problem)}", highlight=False)
    raise typer.Exit(1 if failed else 0)


# course grade's defaults are Limits' own
_LIMITS = Limits()
_MEMORY = format_size(_LIMITS.memory) if _LIMITS.memory else "none"
_OUTPUT = format_size(_LIMITS.output) if _LIMITS.output else "none"


@app.command()
def grade(
    chapters: Chapters = None,
    course_dir: Annotated[
        str, typer.Option("--course-dir", "-C", help="The nbgrader course folder (has submitted/).")
    ] = ".",
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", help="Grading processes (default: cores).")
    ] = None,
    export: Annotated[str | None, typer.Option(help="Write every grade to this CSV file.")] = None,
    force: Annotated[bool, typer.Option(help="Regrade unchanged submissions too.")] = False,
    feedback: Annotated[bool, typer.Option(help="Generate feedback HTML per student.")] = True,
    cell_timeout: Annotated[
        float, typer.Option(help="Seconds per cell (0: none).")
    ] = _LIMITS.cell_timeout,
    notebook_timeout: Annotated[
        float, typer.Option(help="Seconds per notebook (0: none).")
    ] = _LIMITS.notebook_timeout,
    memory: Annotated[
        str, typer.Option(help="Memory per kernel, e.g. 2G (none: no cap).")
    ] = _MEMORY,
    processes: Annotated[
        int, typer.Option(help="Processes/threads per kernel (0: no cap).")
    ] = _LIMITS.processes,
    output: Annotated[str, typer.Option(help="Output kept per cell, e.g. 1M.")] = _OUTPUT,
    network: Annotated[bool, typer.Option(help="Let submissions use the network.")] = False,
    preload: Annotated[
        bool, typer.Option(help="Fork kernels from a process that imported the chapter's modules.")
    ] = True,
    project: Annotated[
        str | None, typer.Option(help="The course project with solutions/ (default: found).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Autograde every new or changed submission in a course folder, in parallel, within limits."""
    from course.grading.autograder import GradeOptions, run
    from course.grading.limits import parse_size

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with user_errors():
        limits = Limits(
            cell_timeout=cell_timeout or None, notebook_timeout=notebook_timeout or None,
            memory=parse_size(memory), processes=processes or None, output=parse_size(output),
            network=network,
        )  # fmt: skip
        options = GradeOptions.create(
            course_dir, chapters, workers=workers, limits=limits, export=export, force=force,
            feedback=feedback, project=project, progress=not quiet, preload=preload,
        )  # fmt: skip
        report = run(options, console=console, log=lambda m: console.print(f"[dim]{m}[/dim]"))
    if not report.outcomes:
        console.print(f"No submissions found under {report.course}/submitted/<student>/<chapter>.")
    columns = ["chapter", "submissions", "graded", "skipped", "full marks", "zero", "errors",
               "not graded", "timeouts", "flagged", "mean"]  # fmt: skip
    table = Table(*columns, title=f"Grades ({report.seconds:g} s)")
    for row in report.summary():
        table.add_row(*[f"{row[c]:g}" if isinstance(row[c], float) else str(row[c])
                        for c in columns[:-1]], f"{row['mean']:g} / {row['max']:g}")  # fmt: skip
    console.print(table)
    for o in report.graded:
        if o.messages:
            console.print(f"[bold]{o.chapter}/{o.student}[/bold] ({o.score:g}/{o.max_score:g}): "
                          + "; ".join(o.messages), highlight=False)  # fmt: skip
    for chapter in report.unknown_chapters:
        console.print(f"[yellow]skipped[/yellow] submitted/*/{chapter}: not a project chapter")
    if report.graded and not quiet:
        limits_table = Table("limit", "enforced here", title="Limits per submission")
        for name, how in report.enforcement:
            limits_table.add_row(name, how)
        console.print(limits_table)
    for line in report.internal_errors:
        console.print(f"[red]grader error[/red]: {line}")
    if export:
        console.print(f"grades written to {export}")
    raise typer.Exit(1 if report.internal_errors else 0)


if __name__ == "__main__":
    app()
