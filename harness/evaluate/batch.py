"""evaluate.py after parsing: one evaluation, or a batch of runs and checkpoints with a summary.

In a batch a damaged run never stops the others: whatever goes wrong with one run or checkpoint
becomes its row in summary.csv, with a status that names the problem, and the exit code is 1 if
any row is not "ok". Statuses: ok; damaged (the checkpoint asked for was damaged and the store
restored the next intact one: the metrics are that one's, the error column names the damage);
failed (nothing could be evaluated; the error column says why).

A batch draws its figures in worker processes (`figure_worker.py`) while it evaluates the next
run; each run's report.html and metrics.json are written, and its row shown, once its figures are.
A figure that fails fails its row, as anything else that goes wrong in an evaluation does.
"""

import dataclasses
import sys
from pathlib import Path

from harness.cli import split_pairs
from harness.errors import UsageError
from harness.evaluate.args import selected_runs
from harness.evaluate.cross_validation import (
    expand_parents,
    tag_cross_validation,
    write_cv_evaluations,
)
from harness.evaluate.data import EvalDataCache
from harness.evaluate.figure_worker import FigureWorkers, usable_workers
from harness.evaluate.single import (
    EvalRequest,
    describe,
    draw_curves_ahead,
    evaluate_checkpoint,
    finish_evaluation,
    start_evaluation,
)
from harness.runs import check_writable, read_run_json
from harness.runtime.interrupts import raise_if_interrupted

EXIT_FAILED_ROWS = 1
SUMMARY_NAME = "summary.csv"
# Several --run-dir runs share no folder of their own: their summary goes to the working folder,
# under a name that does not pass for a run's summary.json.
LOOSE_SUMMARY = Path("evaluation_summary.csv")
# A row's error is one line; long TensorFlow messages are cut to this many characters.
MAX_ERROR_CHARS = 300
_PRIMARY = {"accuracy": True, "mse": False}  # metric -> higher is better
# The training curves of the first runs are drawn while TensorFlow is imported: more would only
# wait in memory for their evaluation.
CURVES_AHEAD = 16


@dataclasses.dataclass(frozen=True)
class EvalPlan:
    """What evaluate.py will do, checked before TensorFlow is imported."""

    runs: list
    request: EvalRequest
    every_checkpoint: bool
    summary: Path | None  # where summary.csv goes; None for a single evaluation
    cv_parents: tuple = ()  # cross-validation parents named by --run-dir (cross_validation.py)
    # A batch's figure workers, started with the plan so that their imports overlap TensorFlow's.
    figures: FigureWorkers | None = None


def plan_evaluation(args, which: str) -> EvalPlan:
    """Turns evaluate.py's parsed arguments into a plan, finding every input error it can.

    One run at one checkpoint is a single evaluation: its run.json and checkpoint name are
    checked here. Anything else is a batch, whose damaged runs become summary rows instead.

    Raises:
        UsageError: contradicting flags, missing folders, an unknown checkpoint (single run).
    """
    if args.every_checkpoint and args.checkpoint:
        raise UsageError("--every-checkpoint and --checkpoint contradict each other; give one")
    runs, root = selected_runs(args)
    runs, parents = expand_parents(runs)
    if len(parents) == 1 and len(args.run_dir or ()) == 1:
        root = parents[0]  # its summary.csv goes into the parent
    request = EvalRequest(
        which=which,
        split=args.split or ("all" if args.dataset else "test"),
        dataset=args.dataset,
        data_options=split_pairs(args.data_opt, "--data-opt") or None,
        normalize=args.normalize,
        batch_size=args.batch_size,
        plots=args.plots,
    )
    if len(runs) == 1 and root is None and not args.every_checkpoint:
        check_checkpoint_known(runs[0], which)
        return EvalPlan(runs, dataclasses.replace(request, out=args.out), False, None)
    summary = summary_path(args.out, runs, root)
    figures = start_figure_workers(request.plots)
    for run_dir in [] if args.every_checkpoint else runs[:CURVES_AHEAD]:
        draw_curves_ahead(run_dir, request, figures.draw_ahead)
    return EvalPlan(runs, request, args.every_checkpoint, summary, tuple(parents), figures)


def start_figure_workers(plots: bool) -> FigureWorkers:
    """The workers a batch draws its figures in: one per usable core beside this process's."""
    return FigureWorkers(usable_workers() if plots else 0)


def check_checkpoint_known(run_dir: Path, which: str) -> None:
    """Raises a UsageError unless the run has run.json and a checkpoint `which` names."""
    from harness.checkpoints.manifest import resolve_one

    read_run_json(run_dir)
    resolve_one(run_dir, which)


def summary_path(out, runs: list, root) -> Path:
    """Where summary.csv goes: --out, else the --all root, else the one run's reports folder,
    else ./evaluation_summary.csv."""
    if out:
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} is a file; give a folder for summary.csv")
        return out / SUMMARY_NAME
    if root is not None:
        return Path(root) / SUMMARY_NAME
    if len(runs) == 1:
        return Path(runs[0]) / "reports" / SUMMARY_NAME
    return LOOSE_SUMMARY


def run_evaluation(plan: EvalPlan) -> int:
    """Carries out a checked plan; returns the exit code (0 ok, 1 a row failed or was damaged).

    Raises:
        UsageError: anything wrong with the run of a single evaluation (a batch records it).
    """
    if plan.summary is None:
        return _evaluate_one(plan.runs[0], plan.request)
    with plan.figures or start_figure_workers(plan.request.plots) as figures:
        check_writable(plan.summary.parent)  # before the batch, not after all of it
        rows = evaluate_batch(
            plan.runs, plan.request, every_checkpoint=plan.every_checkpoint, figures=figures
        )
    frame = write_summary(plan.summary, tag_cross_validation(rows))
    _print_summary(frame, plan.summary)
    write_cv_evaluations(plan.cv_parents, rows)
    return 0 if (frame["status"] == "ok").all() else EXIT_FAILED_ROWS


def _evaluate_one(run_dir: Path, request: EvalRequest) -> int:
    # A read-only or full disk is found before the data is loaded. A damaged checkpoint raises
    # RunDamaged (exit 1); one passed over for an intact one is a warning line and exit 1.
    check_writable(Path(request.out) if request.out else run_dir / "reports")
    metrics = evaluate_checkpoint(run_dir, request)
    print(describe(metrics))
    for line in metrics["damage"]:
        print(f"warning: {line}", file=sys.stderr)
    return EXIT_FAILED_ROWS if metrics["damage"] else 0


def evaluate_batch(runs: list, request: EvalRequest, *, every_checkpoint: bool, figures=None):
    """Evaluates each run (each retained checkpoint with `every_checkpoint`) with a progress bar,
    drawing the figures in `figures`, a `FigureWorkers` the caller shuts down (default: workers
    started and shut down here).

    Returns:
        One summary row per run and checkpoint, in the order evaluated.
    """
    if figures is None:
        with start_figure_workers(request.plots) as figures:
            return evaluate_batch(runs, request, every_checkpoint=every_checkpoint, figures=figures)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    cache, rows = EvalDataCache(), []
    console = Console(file=sys.stdout, highlight=False)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )

    def show(finished):
        for row in finished:
            rows.append(row)
            console.print(row_line(row), markup=False, soft_wrap=True)

    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("runs", total=len(runs))
        for run_dir in runs:
            progress.update(bar, description=f"{run_dir}")
            for finish in _evaluations_of_run(run_dir, request, cache, every_checkpoint, figures):
                raise_if_interrupted()  # one a library's bare except swallowed
                figures.then(finish)
                show(figures.finished())
            progress.advance(bar)
        progress.update(bar, description="figures")
        show(figures.finished(wait=True))
        progress.update(bar, description="runs")
    return rows


def _evaluations_of_run(run_dir: Path, request: EvalRequest, cache, every_checkpoint, figures):
    # Yields, for each evaluation started, the function that turns it into its row once its
    # figures are drawn (`FigureWorkers.then`).
    try:
        names = _checkpoint_names(run_dir) if every_checkpoint else [request.which]
    except UsageError as error:
        yield _done(failed_row(run_dir, request.which, error))
        return
    for name in names:
        yield _start_row(run_dir, dataclasses.replace(request, which=name), cache, figures)


def _checkpoint_names(run_dir: Path) -> list[str]:
    from harness.checkpoints.manifest import Manifest

    read_run_json(run_dir)  # one row for a run without run.json, not one per checkpoint
    names = Manifest.load(run_dir).names()
    if not names:
        raise UsageError(f"run {run_dir} has no checkpoint yet")
    return names


def _start_row(run_dir: Path, request: EvalRequest, cache: EvalDataCache, figures):
    try:
        evaluation = start_evaluation(run_dir, request, cache, draw=figures.draw)
    except Exception as error:
        return _done(_failed(run_dir, request.which, error))

    def finish(figure_error):
        from harness.reports.summary import summary_row

        try:
            if figure_error is not None:
                raise figure_error
            return summary_row(finish_evaluation(evaluation))
        except Exception as error:
            return _failed(run_dir, request.which, error)

    return finish


def _done(row: dict):
    # The finish of an evaluation that failed: its row, whatever its figures did.
    return lambda figure_error: row


def _failed(run_dir: Path, which: str, error: Exception) -> dict:
    # Bad input names itself; anything else also names its type.
    return failed_row(
        run_dir,
        which,
        error if isinstance(error, UsageError) else f"{type(error).__name__}: {error}",
    )


def failed_row(run_dir: Path, which: str, error) -> dict:
    """A summary row for a run or checkpoint that could not be evaluated."""
    message = " ".join(str(error).split())
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 1] + "…"
    return {
        "run": str(run_dir),
        **_identity(run_dir),
        "checkpoint": which,
        "status": "failed",
        "error": message,
    }


def _identity(run_dir: Path) -> dict:
    # What run.json says about a run that failed, if it can still be read.
    try:
        run = read_run_json(run_dir)
        return {"model": run["model"]["name"], "dataset": run["data"]["spec"]}
    except (UsageError, KeyError, TypeError):
        return {}


def write_summary(path: Path, rows: list[dict]):
    """Writes summary.csv ranked by accuracy (if any classification row is ok) or mse, and
    summary.html beside it: the same table, sortable, each row linked to its report.html."""
    from harness.reports import write_batch_summary
    from harness.reports.html import write_summary_html

    ok_rows = [row for row in rows if row.get("status") == "ok"]
    metric = "accuracy" if any("accuracy" in row for row in ok_rows) else "mse"
    frame = write_batch_summary(
        path, rows, primary_metric=metric, higher_is_better=_PRIMARY[metric]
    )
    write_summary_html(path.with_suffix(".html"), frame, primary_metric=metric)
    return frame


def row_line(row: dict) -> str:
    """One line per finished row, printed above the progress bar."""
    figure = next((f"{name} {row[name]:.4g}" for name in _PRIMARY if name in row), "")
    speed = f"{row['eval_samples_per_s']:,.0f} samples/s" if "eval_samples_per_s" in row else ""
    parts = [
        f"{row['status']:<8}",
        row["run"],
        row["checkpoint"],
        figure,
        speed,
        row.get("error", ""),
    ]
    return "  ".join(part for part in parts if part)


def _print_summary(frame, path: Path) -> None:
    counts = frame["status"].value_counts().to_dict()
    print(
        f"summary: {path} ({len(frame)} rows: "
        + ", ".join(f"{count} {status}" for status, count in counts.items())
        + ")"
    )
