"""Files that summarise evaluations: metrics.json of one run, and the table of a batch of runs."""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from harness.atomic import write_json_atomic
from harness.errors import UsageError
from harness.reports.csv_cells import write_csv_atomic

LEADING_COLUMNS = ["run", "model", "dataset", "checkpoint", "epoch", "params"]
TRAILING_COLUMNS = ["eval_samples_per_s", "status", "error"]


def write_metrics_json(out_dir, metrics: dict) -> Path:
    """Writes `metrics` to `out_dir`/metrics.json atomically.

    NaN and infinite values become null, because strict JSON readers (browsers, jq) reject the
    bare `NaN` that Python's json module would write. NumPy scalars become plain numbers.

    Args:
        out_dir: folder to write into (created if missing).
        metrics: JSON-able mapping, possibly nested.

    Returns:
        The path of the written file.
    """
    path = Path(out_dir) / "metrics.json"
    write_json_atomic(path, _strict_json(metrics))
    return path


def _strict_json(value):
    if isinstance(value, dict):
        return {str(key): _strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


INTEGER_COLUMNS = ("epoch", "step", "params", "n")


def summary_row(evaluation: dict) -> dict:
    """One summary.csv row from one evaluation (what its metrics.json holds, and report_dir).

    A new column is a new key of the evaluation (`harness.evaluate.single.evaluate_checkpoint`)
    named here; where it stands is set by LEADING_COLUMNS and TRAILING_COLUMNS, else after the
    headline metrics in the order of this row.
    """
    damage = evaluation["damage"]
    return {
        **{column: evaluation[column] for column in LEADING_COLUMNS},
        "split": evaluation["split"],
        **evaluation["metrics"],
        "eval_samples_per_s": evaluation["eval_samples_per_s"],
        "report_dir": evaluation["report_dir"],
        "status": "damaged" if damage else "ok",
        "error": "; ".join(damage),
    }


def write_batch_summary(
    path, rows: list[dict], *, primary_metric: str, higher_is_better: bool
) -> pd.DataFrame:
    """Writes one CSV row per evaluated run and checkpoint, best first, atomically.

    Columns: run, model, dataset, checkpoint, epoch, params, then every other key found in the
    rows (the headline metrics, in the order first seen), then eval_samples_per_s, status,
    error. A key missing from a row is an empty cell. A row without "status" counts as "ok"
    unless it has a non-empty "error", then as "failed".

    Order: first the "ok" rows that have the primary metric, best first; then the "ok" rows
    without it (in a batch that mixes tasks, the rows of the other task, e.g. regression rows
    when ranking by accuracy), in the order given; then every row whose status is not "ok", in
    the order given. Ties keep the order given.

    Args:
        path: the CSV file to write.
        rows: one flat dict per run and checkpoint.
        primary_metric: the metric column to rank by, e.g. "accuracy" or "rmse".
        higher_is_better: True for accuracy-like metrics, False for losses and errors.

    Returns:
        The table as written.

    Raises:
        UsageError: no "ok" row carries `primary_metric` (most likely a misspelt name).
    """
    rows = [{**row, "status": _status(row)} for row in rows]
    fixed = set(LEADING_COLUMNS + TRAILING_COLUMNS)
    metric_columns = list(dict.fromkeys(key for row in rows for key in row if key not in fixed))
    frame = pd.DataFrame(rows, columns=LEADING_COLUMNS + metric_columns + TRAILING_COLUMNS)
    for column in INTEGER_COLUMNS:
        if column in frame:
            # Nullable integers: a failed row's empty cell must not turn 12 into 12.0.
            frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
    frame = _ranked(frame, primary_metric, higher_is_better)
    write_csv_atomic(path, frame, index=False)
    return frame


def _status(row: dict) -> str:
    if row.get("status"):
        return str(row["status"])
    return "failed" if row.get("error") else "ok"


def _ranked(frame: pd.DataFrame, primary_metric: str, higher_is_better: bool) -> pd.DataFrame:
    is_ok = (frame["status"] == "ok").to_numpy()
    if primary_metric in frame.columns:
        score = pd.to_numeric(frame[primary_metric], errors="coerce").to_numpy(dtype=np.float64)
    else:
        score = np.full(len(frame), np.nan)
    is_scored = is_ok & ~np.isnan(score)
    if is_ok.any() and not is_scored.any():
        fixed = LEADING_COLUMNS + TRAILING_COLUMNS
        known = [column for column in frame.columns if column not in fixed]
        raise UsageError(
            f"primary metric {primary_metric!r} is in no successful row; "
            f"known: {', '.join(known) or 'none'}"
        )
    group = np.where(is_scored, 0, np.where(is_ok, 1, 2))
    sort_key = np.nan_to_num(-score if higher_is_better else score, nan=0.0)
    # np.lexsort sorts by its last key first; the position key keeps ties in the order given.
    order = np.lexsort((np.arange(len(frame)), sort_key, group))
    return frame.iloc[order].reset_index(drop=True)
