"""Running a restored model over many examples fast, and the predict.py command.

Predictions go through one `tf.function` traced once for a batch axis of any length, then run
in large batches: no tf.data pipeline, no callbacks, no retracing for the last partial batch.
Tracing and the first call (graph optimisation) are timed apart from the forward passes, so
samples per second measure prediction only.
"""

import dataclasses
import logging
import time

import numpy as np
import pandas as pd

from harness.errors import UsageError


@dataclasses.dataclass
class TimedPrediction:
    """A model's outputs for every example, and how long producing them took."""

    outputs: np.ndarray
    trace_seconds: float  # tracing the compiled function and a warm-up call, once per model
    predict_seconds: float  # the forward passes, including copying the outputs back

    @property
    def samples_per_second(self) -> float:
        """Examples predicted per second of forward passes."""
        return len(self.outputs) / max(self.predict_seconds, 1e-9)


class _ExpectedRetracing(logging.Filter):
    """Drops TensorFlow's "N out of the last M calls ... triggered tf.function retracing".

    Every restored run is a new model, and a traced function captures its model's variables, so
    a batch evaluation traces once per model by design: TensorFlow counts those traces of the same
    code and warns, in several lines, about a loop that is not a mistake here.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


def _quiet_expected_retracing(tf) -> None:
    logger = tf.get_logger()
    if not any(isinstance(existing, _ExpectedRetracing) for existing in logger.filters):
        logger.addFilter(_ExpectedRetracing())


def predict_timed(model, x: np.ndarray, batch_size: int) -> TimedPrediction:
    """Runs `model` over `x` in batches of `batch_size` with one compiled forward function.

    Args:
        model: a Keras model with one input.
        x: float32 inputs, (n, *input shape).
        batch_size: examples per forward pass.

    Returns:
        float32 outputs (n, outputs) and the timings.
    """
    import tensorflow as tf

    _quiet_expected_retracing(tf)
    started = time.perf_counter()
    signature = tf.TensorSpec([None, *x.shape[1:]], tf.float32)
    forward = tf.function(lambda batch: model(batch, training=False), input_signature=[signature])
    # The first call at a batch shape also optimises the graph and sets up kernels for that shape,
    # many times a later call's cost; a warm-up call on the first batch pays for it here.
    forward(tf.constant(x[:batch_size], tf.float32))
    traced = time.perf_counter()
    outputs = [
        forward(tf.constant(x[start : start + batch_size], tf.float32)).numpy()
        for start in range(0, len(x), batch_size)
    ]
    finished = time.perf_counter()
    return TimedPrediction(np.concatenate(outputs), traced - started, finished - traced)


@dataclasses.dataclass
class PredictPlan:
    """predict.py's inputs, read and checked before TensorFlow is imported."""

    run_dir: str
    which: str
    run: dict  # run.json
    names: list  # one per example
    x: np.ndarray  # model inputs
    out: str | None
    batch_size: int
    top_k: int = 1
    notes: list = dataclasses.field(default_factory=list)  # what was done to the inputs
    forecast: object = None  # a forecast run's predict_forecast.ForecastInputs


def _default_out(run_dir, inputs, folder: str) -> str | None:
    """RUN/<folder>/<first input>.csv; None, with a line saying so, where the run folder cannot
    be written (a read-only run still predicts: the table is printed)."""
    from pathlib import Path

    from harness.errors import FileSystemError
    from harness.evaluate.predict_forecast import default_out
    from harness.runs import check_writable

    out = default_out(run_dir, inputs, folder=folder)
    try:
        check_writable(Path(out).parent)
    except FileSystemError:
        print(f"note: {run_dir} cannot be written, so no CSV is kept; --out FILE writes one")
        return None
    return out


def plan_prediction(args, which: str) -> PredictPlan:
    """Reads run.json and every input file, so that bad input fails before the slow part.

    Raises:
        UsageError: a bad run folder, input file or --out path.
    """
    from harness.evaluate.predict_inputs import read_inputs
    from harness.runs import read_run_json

    run = read_run_json(args.run_dir)
    if args.out:
        _check_out_file(args.out)
    if args.top_k < 1:
        raise UsageError(f"--top-k must be 1 or more, got {args.top_k}")
    if run["data"]["normalization"].get("method") == "forecast":
        from harness.evaluate.predict_forecast import read_forecast_inputs

        names, x, forecast = read_forecast_inputs(args.inputs, run)
        out = args.out or _default_out(args.run_dir, args.inputs, "forecasts")
        return PredictPlan(
            args.run_dir, which, run, names, x, out, args.batch_size, forecast=forecast
        )
    names, x, notes = read_inputs(args.inputs, run, invert=args.invert)
    out = args.out or _default_out(args.run_dir, args.inputs, "predictions")
    return PredictPlan(args.run_dir, which, run, names, x, out, args.batch_size, args.top_k, notes)


def run_prediction(plan: PredictPlan) -> int:
    """Restores the run's checkpoint, predicts, prints one line per input and writes --out.

    Raises:
        UsageError: the checkpoint cannot be restored.
        RunDamaged: nothing intact to restore (exit 1).
        FileSystemError: --out cannot be written (checked before the restore).
    """
    from pathlib import Path

    from harness.checkpoints.restore import restore_run_model
    from harness.reports.csv_cells import write_csv_atomic
    from harness.runs import check_writable

    if plan.out:
        check_writable(Path(plan.out).parent)
    restored = restore_run_model(plan.run_dir, plan.which)
    timed = predict_timed(restored.model, plan.x, plan.batch_size)
    if plan.forecast is not None:
        from harness.evaluate.predict_forecast import forecast_table

        table = forecast_table(plan.forecast, timed.outputs, plan.run["data"]["normalization"])
    else:
        table = prediction_table(plan.names, timed.outputs, plan.run, top_k=plan.top_k)
    entry = restored.checkpoint
    for note in plan.notes:
        print(note)
    print(
        f"{plan.run['model']['name']} {entry['name']} (epoch {entry['epoch']}) from {plan.run_dir}:"
    )
    if plan.forecast is not None:
        from harness.evaluate.predict_forecast import print_forecast

        print_forecast(table)
    else:
        print(_format_lines(table, plan.run["model"]["task"]))
    if plan.out:
        write_csv_atomic(plan.out, table, index=False)
        print(f"predictions: {plan.out}")
    return 0


def prediction_table(names: list, outputs: np.ndarray, run: dict, *, top_k=1) -> pd.DataFrame:
    """One row per input: input, predicted, probability, then with `top_k` above 1 the next
    classes and their probabilities (top2, top2_p, ...), and p_<class> per class
    (classification); or predicted_<i> per output (regression with several outputs)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if run["model"]["task"] == "regression":
        if outputs.shape[1] == 1:
            return pd.DataFrame({"input": names, "predicted": outputs[:, 0]})
        return pd.DataFrame(
            {"input": names, **{f"predicted_{i}": outputs[:, i] for i in range(outputs.shape[1])}}
        )
    class_names = [str(name) for name in run["data"]["class_names"]]
    chosen = outputs.argmax(axis=1)
    columns = {
        "input": names,
        "predicted": np.asarray(class_names, dtype=object)[chosen],
        "probability": outputs[np.arange(len(chosen)), chosen],
    }
    ranked = np.argsort(-outputs, axis=1, kind="stable")
    for rank in range(1, min(top_k, len(class_names))):
        columns[f"top{rank + 1}"] = np.asarray(class_names, dtype=object)[ranked[:, rank]]
        columns[f"top{rank + 1}_p"] = outputs[np.arange(len(chosen)), ranked[:, rank]]
    columns.update({f"p_{name}": outputs[:, i] for i, name in enumerate(class_names)})
    return pd.DataFrame(columns)


def _format_lines(table: pd.DataFrame, task: str) -> str:
    width = max(len(name) for name in table["input"])
    class_width = max(len(str(name)) for name in table["predicted"])
    lines = []
    for _, row in table.iterrows():
        if task == "classification":
            result = f"{row['predicted']:<{class_width}}  p={row['probability']:.3f}"
            rank = 2
            while f"top{rank}" in row:
                result += f"  |  {row[f'top{rank}']} {row[f'top{rank}_p']:.3f}"
                rank += 1
        else:
            values = row.drop("input")
            result = ", ".join(f"{value:.6g}" for value in values)
        lines.append(f"  {row['input']:<{width}}  {result}")
    return "\n".join(lines)


def _check_out_file(out: str) -> None:
    from pathlib import Path

    path = Path(out)
    if path.is_dir():
        raise UsageError(f"--out {out} is a folder; give a CSV file path")
    if not path.parent.is_dir():
        raise UsageError(f"--out {out}: folder {path.parent} does not exist")
