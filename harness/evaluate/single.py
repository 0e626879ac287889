"""One evaluation: a run's checkpoint restored, its predictions on one split, the report files.

The model, data set, split and normalisation all come from the run folder (`restore_run_model`
and `harness.evaluate.data`), so the user never retypes a hyperparameter.

metrics.json, beside the report files: run, model, task, dataset, split, checkpoint (restored),
checkpoint_requested, epoch, step, params; metrics (the headline figures the report writer
returns); eval_samples_per_s (forward passes only) and batch_size; damage (checkpoints the store
skipped as damaged, else []); timing: load_data, restore, trace (compile and warm-up), predict
and report seconds, total_seconds and report_share (report seconds / total: this process's; in a
batch the figures are drawn in a worker process meanwhile, `harness.evaluate.figure_worker`);
normalize (classification). With plots, the report folder also holds training_curves.png: the
run's history.csv with the evaluated checkpoint's epoch marked; report.html, the page of it all.
"""

import dataclasses
import time
from pathlib import Path

from harness.data import CSV_PREFIX
from harness.errors import RunDamaged, UsageError
from harness.evaluate.data import EvalDataCache
from harness.runs import read_run_json


@dataclasses.dataclass(frozen=True)
class EvalRequest:
    """What to evaluate, the same for every run of a batch."""

    which: str = "result"  # result, best, latest, ckpt-N or a checkpoint prefix path
    split: str = "test"  # test, val, train or all
    dataset: str | None = None  # another data set of the same shape, or None for the run's own
    data_options: dict | None = None  # data set options as typed, e.g. {"noise": "0.1"}
    normalize: str = "true"  # how confusion_matrix_normalized.csv is normalised
    batch_size: int = 1024
    out: str | None = None  # the report folder; None for RUN/reports/<checkpoint>[-...]/
    plots: bool = True  # False: no figures (--no-plots), the CSVs and metrics.json alone


def evaluate_checkpoint(run_dir, request: EvalRequest, cache: EvalDataCache | None = None) -> dict:
    """Evaluates one checkpoint of one run and writes its report files and metrics.json.

    Args:
        run_dir: the run folder.
        request: what to evaluate and where to write.
        cache: keeps the last data set loaded, for batches.

    Returns:
        The content of metrics.json plus "report_dir".

    Raises:
        UsageError: the run, its checkpoint or the data cannot be used.
    """
    return finish_evaluation(start_evaluation(run_dir, request, cache))


def start_evaluation(run_dir, request: EvalRequest, cache=None, draw=None) -> dict:
    """`evaluate_checkpoint` up to its figures, each handed to `draw` (`style.draw_png`'s
    signature; default: drawn here), without report.html and metrics.json, which
    `finish_evaluation` writes once the figures exist. Returns what `evaluate_checkpoint` does."""
    from harness.checkpoints.restore import restore_run_model

    if draw is None:
        from harness.reports.style import draw_png as draw

    marks = {"start": time.perf_counter()}
    run_dir = Path(run_dir)
    run = read_run_json(run_dir)
    data, loaded = (cache or EvalDataCache()).get(
        run, split=request.split, dataset=request.dataset, options=request.data_options
    )
    marks["data"] = time.perf_counter()
    restored = restore_run_model(run_dir, request.which, warn=False)
    damage = restored.skipped
    marks["restored"] = time.perf_counter()
    timed = _predict(restored.model, data.x, request.batch_size)
    entry = restored.checkpoint
    out_dir = Path(request.out or default_report_dir(run_dir, entry["name"], request, data.dataset))
    marks["report"] = time.perf_counter()
    headline = _write_report(out_dir, data, timed.outputs, request, run, draw)
    if request.plots:
        _plot_training_curves(run_dir, run, entry, out_dir, draw)
    marks["end"] = time.perf_counter()
    metrics = {
        "run": str(run_dir),
        "model": run["model"]["name"],
        "task": data.task,
        "dataset": data.dataset,
        "split": data.split,
        "checkpoint": entry["name"],
        "checkpoint_requested": request.which,
        "epoch": entry.get("epoch"),
        "step": entry.get("step"),
        "params": int(restored.model.count_params()),
        "metrics": headline,
        "eval_samples_per_s": timed.samples_per_second,
        "batch_size": request.batch_size,
        "damage": damage,
        "timing": _timing(marks, timed, loaded),
    }
    if data.task == "classification":
        metrics["normalize"] = request.normalize
    return {**metrics, "report_dir": str(out_dir)}


def finish_evaluation(evaluation: dict) -> dict:
    """Writes the report.html and metrics.json of a `start_evaluation` whose figures are written;
    returns `evaluation`."""
    from harness.reports import write_metrics_json
    from harness.reports.html import write_report_html

    metrics = {key: value for key, value in evaluation.items() if key != "report_dir"}
    write_report_html(evaluation["report_dir"], metrics)
    write_metrics_json(evaluation["report_dir"], metrics)
    return evaluation


def draw_curves_ahead(run_dir, request: EvalRequest, draw) -> None:
    """Hands the run's training_curves.png to `draw` as `start_evaluation` will, for the checkpoint
    the manifest names, so that a batch can draw it while TensorFlow is imported. A run this cannot
    read is left to its evaluation, as is another data set's report folder (its name needs the
    data loaded)."""
    from harness.checkpoints.manifest import resolve_one

    if request.dataset or request.out or not request.plots:
        return
    try:
        run, (_, entry) = read_run_json(run_dir), resolve_one(run_dir, request.which)
    except (UsageError, RunDamaged):
        return
    out_dir = default_report_dir(Path(run_dir), entry["name"], request, "")
    _plot_training_curves(Path(run_dir), run, entry, out_dir, draw)


def default_report_dir(run_dir: Path, checkpoint: str, request: EvalRequest, dataset: str) -> Path:
    """RUN/reports/<checkpoint>/ for the run's own test split; other data and splits add
    "-<data set>" and "-<split>" so that no evaluation overwrites another."""
    name = checkpoint
    if request.dataset:
        spec = dataset[len(CSV_PREFIX) :] if dataset.startswith(CSV_PREFIX) else dataset
        name += f"-{Path(spec).stem}"
    if request.dataset or request.split != "test":
        name += f"-{request.split}"
    return run_dir / "reports" / name


def _predict(model, x, batch_size):
    from harness.evaluate.predict import predict_timed

    return predict_timed(model, x, batch_size)


def _write_report(out_dir: Path, data, outputs, request: EvalRequest, run: dict, draw) -> dict:
    from harness.reports import write_classification_report, write_regression_report

    layout, normalization = run["model"]["layout"], run["data"]["normalization"]
    if normalization.get("method") == "forecast":
        from harness.evaluate.forecast_report import write_forecast_evaluation

        return write_forecast_evaluation(
            out_dir, data, outputs, normalization, plots=request.plots, draw=draw
        )
    if data.task == "classification":
        return write_classification_report(
            out_dir,
            y_true=data.y,
            probabilities=outputs,
            class_names=data.class_names,
            normalize=request.normalize,
            index=data.index,
            inputs=data.x,
            layout=layout,
            plots=request.plots,
            draw=draw,
        )
    return write_regression_report(
        out_dir, y_true=data.y, y_pred=outputs, index=data.index, plots=request.plots, draw=draw
    )


def _plot_training_curves(run_dir: Path, run: dict, entry: dict, out_dir: Path, draw) -> None:
    # The run's history with the evaluated checkpoint marked; a run killed before its first
    # epoch has no history rows, and then no curves.
    from harness.reports.curves import plot_training_curves

    history = run_dir / "history.csv"
    if not history.is_file() or history.stat().st_size == 0:
        return
    selected = (entry["epoch"], f"{entry['name']} (evaluated)") if entry.get("epoch") else None
    try:
        plot_training_curves(
            history,
            out_dir / "training_curves.png",
            monitor=run.get("config", {}).get("monitor"),
            selected=selected,
            draw=draw,
        )
    except UsageError:
        return


def _timing(marks: dict, timed, loaded: bool) -> dict:
    total = marks["end"] - marks["start"]
    report = marks["end"] - marks["report"]
    return {
        "load_data_seconds": marks["data"] - marks["start"],
        "data_from_cache": not loaded,
        "restore_seconds": marks["restored"] - marks["data"],
        "trace_seconds": timed.trace_seconds,
        "predict_seconds": timed.predict_seconds,
        "report_seconds": report,
        "total_seconds": total,
        "report_share": report / total if total > 0 else 0.0,
    }


def describe(metrics: dict) -> str:
    """Two lines for the terminal: what was evaluated with its headline figures, and where."""
    headline = metrics["metrics"]
    names = (
        ("accuracy", "macro_f1", "log_loss")
        if metrics["task"] == "classification"
        else ("mse", "rmse", "mae", "r2", "naive_mae", "skill", "seasonal_skill")
    )
    figures = ", ".join(f"{name} {headline[name]:.4g}" for name in names if name in headline)
    return (
        f"{metrics['model']} {metrics['checkpoint']} (epoch {metrics['epoch']}) on "
        f"{metrics['dataset']} {metrics['split']} ({headline['n']} examples): {figures}; "
        f"{metrics['eval_samples_per_s']:,.0f} samples/s\nreports: {metrics['report_dir']}"
    )
