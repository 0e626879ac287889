"""A cross-validation's parent folder: its files, and the summary of its folds.

The parent of `train.py --folds K` holds cv.json, fold-1 ... fold-K (run folders), refit/ (with
--refit), cv_summary.csv and .json (a row per fold: the validation metrics of its result
checkpoint; then the mean and the sample standard deviation, the folds being a sample of the
splits the data could have had) and, after `evaluate.py --run-dir PARENT`, cv_evaluation.csv.
"""

import json
from pathlib import Path

import pandas as pd

from harness.atomic import write_json_atomic
from harness.errors import RunDamaged, UsageError
from harness.reports.csv_cells import write_csv_atomic
from harness.runs import read_json_file

SUMMARY_CSV = "cv_summary.csv"
SUMMARY_JSON = "cv_summary.json"
EVALUATION_CSV = "cv_evaluation.csv"
CV_FILE = "cv.json"
CV_FORMAT = 1
REFIT_DIR = "refit"
FOLD_SUMMARY_KEYS = ("epochs_run", "best_epoch", "result_epoch")  # from each fold's summary.json


def is_cv_parent(folder) -> bool:
    """True if `folder` holds a cross-validation (its cv.json)."""
    return (Path(folder) / CV_FILE).is_file()


def fold_dirs(parent) -> list[Path]:
    """The fold folders of a cross-validation parent, in fold order, then refit/ if it exists."""
    record = read_cv_json(parent)
    folders = [Path(parent) / f"fold-{k}" for k in range(1, record["folds"] + 1)]
    refit = Path(parent) / REFIT_DIR
    return folders + ([refit] if (refit / "run.json").is_file() else [])


def read_cv_json(parent) -> dict:
    """Reads and checks a parent's cv.json: UsageError without one, RunDamaged if damaged."""
    path = Path(parent) / CV_FILE
    if not path.is_file():
        raise UsageError(f"{parent} holds no cross-validation (no {CV_FILE}); train with --folds K")
    record = read_json_file(path, max_bytes=1 << 20)
    if not (isinstance(record, dict) and isinstance(record.get("folds"), int)):
        raise RunDamaged(f"{path}: 'folds' must be a whole number of folds")
    return record


def fold_rows(fold_dirs) -> pd.DataFrame:
    """One row per finished fold folder: epochs run, best epoch and the result's val_* metrics."""
    rows = []
    for folder in map(Path, fold_dirs):
        summary = json.loads((folder / "summary.json").read_text())
        history = pd.read_csv(folder / "history.csv").set_index("epoch")
        at_result = history.loc[summary["result_epoch"]]
        row = {"fold": folder.name, **{key: summary[key] for key in FOLD_SUMMARY_KEYS}}
        rows.append(row | {key: float(at_result[key]) for key in history if key.startswith("val_")})
    return pd.DataFrame(rows).set_index("fold")


def with_mean_std(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with two more rows, "mean" and "std", of every numeric column."""
    return pd.concat([frame, frame.select_dtypes("number").agg(["mean", "std"])])


def write_summary(parent, frame: pd.DataFrame, extra: dict) -> dict:
    """Writes cv_summary.csv (frame and its mean and std rows) and cv_summary.json; returns the
    JSON's content: "folds" (one object per fold), "mean", "std", and `extra`."""
    table = with_mean_std(frame)
    write_csv_atomic(Path(parent) / SUMMARY_CSV, table)
    summary = {
        "folds": [{"fold": name, **row} for name, row in frame.to_dict("index").items()],
        "mean": table.loc["mean"].dropna().to_dict(),
        "std": table.loc["std"].dropna().to_dict(),
        **extra,
    }
    write_json_atomic(Path(parent) / SUMMARY_JSON, summary)
    return summary


def describe(summary: dict) -> str:
    """ "val_accuracy 0.9712 ± 0.0081, val_loss ...": the mean ± std of every validation metric."""
    return ", ".join(
        f"{key} {value:.4g} ± {summary['std'].get(key, float('nan')):.2g}"
        for key, value in summary["mean"].items()
        if key.startswith("val_")
    )
