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
INTEGER_COLUMNS = ("epoch", "step", "params", "n")


def write_metrics_json(out_dir, metrics: dict) -> Path:
    """Writes `metrics` (JSON-able, possibly nested) to `out_dir`/metrics.json atomically, NaN and
    infinities as null (strict JSON readers such as browsers and jq reject a bare NaN)."""
    path = Path(out_dir) / "metrics.json"
    write_json_atomic(path, _strict_json(metrics))
    return path


def _strict_json(value):
    if isinstance(value, dict):
        return {str(key): _strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and not math.isfinite(value) else value


def summary_row(evaluation: dict) -> dict:
    """One summary.csv row from one evaluation (its metrics.json, and report_dir). A new column
    is a key of the evaluation (`harness.evaluate.single.evaluate_checkpoint`) named here."""
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


def write_batch_summary(path, rows: list, *, primary_metric: str, higher_is_better: bool):
    """Writes one CSV row per evaluated run and checkpoint, atomically, and returns the table.

    Columns: LEADING_COLUMNS, the rows' other keys as first seen, TRAILING_COLUMNS. A row with no
    "status" is "ok", or "failed" with an "error". Order: the "ok" rows with `primary_metric`,
    best first; the other "ok" rows (of another task); the rest; ties in the order given. A
    UsageError if no "ok" row has `primary_metric` (most likely a misspelt name).
    """
    rows = [{**row, "status": str(row.get("status") or ("failed" if row.get("error") else "ok"))}
            for row in rows]  # fmt: skip
    fixed = LEADING_COLUMNS + TRAILING_COLUMNS
    metric_columns = list(dict.fromkeys(key for row in rows for key in row if key not in fixed))
    frame = pd.DataFrame(rows, columns=LEADING_COLUMNS + metric_columns + TRAILING_COLUMNS)
    for column in INTEGER_COLUMNS:
        if column in frame:
            # Nullable integers: a failed row's empty cell must not turn 12 into 12.0.
            frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
    is_ok = (frame["status"] == "ok").to_numpy()
    present = primary_metric in frame
    score = pd.to_numeric(frame[primary_metric], errors="coerce") if present else np.nan
    score = pd.Series(score, frame.index, dtype=np.float64).to_numpy()
    if is_ok.any() and not (is_ok & ~np.isnan(score)).any():
        known = ", ".join(metric_columns) or "none"
        raise UsageError(
            f"primary metric {primary_metric!r} is in no successful row; known: {known}"
        )
    group = np.where(is_ok & ~np.isnan(score), 0, np.where(is_ok, 1, 2))
    key = np.nan_to_num(-score if higher_is_better else score, nan=0.0)
    order = np.lexsort((np.arange(len(frame)), key, group))  # last key first; ties as given
    frame = frame.iloc[order].reset_index(drop=True)
    write_csv_atomic(path, frame, index=False)
    return frame
