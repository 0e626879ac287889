"""evaluate.py on cross-validations: a parent folder stands for its folds and its refit.

`evaluate.py --run-dir PARENT` evaluates every fold and the refit like any batch of runs, then
writes PARENT/cv_evaluation.csv: one row per fold, their mean and standard deviation, and the
refit's row. In `--all`, each row of a fold or refit names its parent in the column
`cross_validation`, so that the folds of one parent group together in summary.csv.
"""

from pathlib import Path

import pandas as pd

from harness.reports.cross_validation import (
    EVALUATION_CSV,
    REFIT_DIR,
    fold_dirs,
    is_cv_parent,
    with_mean_std,
)
from harness.reports.csv_cells import write_csv_atomic

# Numbers of a summary row that describe the run or the evaluation, not the model's quality.
_NOT_METRICS = ("epoch", "params", "n", "eval_samples_per_s", "eval_seconds")
# The metrics the printed line shows, where present (the table has every one).
_SHOWN = ("accuracy", "macro_f1", "log_loss", "macro_roc_auc", "ece", "mse", "mae", "r2")


def expand_parents(runs: list) -> tuple[list, list]:
    """`runs` with each cross-validation parent replaced by its fold and refit folders, and the
    parents found."""
    expanded, parents = [], []
    for run in map(Path, runs):
        if is_cv_parent(run):
            parents.append(run)
            expanded.extend(fold_dirs(run))
        else:
            expanded.append(run)
    return expanded, parents


def tag_cross_validation(rows: list[dict]) -> list[dict]:
    """If any row is of a fold or refit run, each row gets its parent in "cross_validation" (""
    for a run of its own); otherwise the rows stay as they are."""
    parents = [Path(row["run"]).parent for row in rows]
    if any(map(is_cv_parent, parents)):
        for row, parent in zip(rows, parents):
            row["cross_validation"] = str(parent) if is_cv_parent(parent) else ""
    return rows


def write_cv_evaluations(parents: list, rows: list[dict]) -> None:
    """Writes each parent's cv_evaluation.csv from the batch's rows and prints its mean ± std."""
    for parent in parents:
        table = cv_table(parent, rows)
        write_csv_atomic(parent / EVALUATION_CSV, table)
        folds = [name for name in table.index if name.startswith("fold-")]
        metrics = [c for c in _SHOWN if c in table.columns]
        line = ", ".join(
            f"{c} {table.loc['mean', c]:.4g} ± {table.loc['std', c]:.2g}" for c in metrics
        )
        print(f"{parent}: {len(folds)} folds on the test split: {line}")
        if REFIT_DIR in table.index:
            refit = ", ".join(f"{c} {table.loc[REFIT_DIR, c]:.4g}" for c in metrics)
            print(f"{parent}: refit on all the training data: {refit}")
        print(f"cross-validation table: {parent / EVALUATION_CSV}")


def cv_table(parent: Path, rows: list[dict]) -> pd.DataFrame:
    """The ok rows of `parent`'s folds (then their mean and std) and of its refit, by metric."""
    mine = {
        Path(row["run"]).name: row
        for row in rows
        if Path(row["run"]).parent == parent and row.get("status") == "ok"
    }
    frame = pd.DataFrame.from_dict(mine, orient="index").select_dtypes("number")
    frame = frame.drop(columns=[c for c in _NOT_METRICS if c in frame.columns])
    folds = with_mean_std(frame.loc[[name for name in frame.index if name.startswith("fold-")]])
    return pd.concat([folds, frame.loc[[name for name in frame.index if name == REFIT_DIR]]])
