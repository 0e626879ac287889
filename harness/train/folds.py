"""N-fold cross-validation: `train.py --folds K` trains K ordinary runs under one parent folder.

The parent holds:
- cv.json: the configuration and the fold count, what `--resume` on the parent continues;
- fold-1 ... fold-K: each a normal run folder (its own checkpoints, lock and exact resume),
  validating on its fold (`harness.data.folds`), the test split untouched;
- cv_summary.csv and cv_summary.json: one row per fold, then the mean and the standard deviation;
- refit/ with `--refit`: a run on every training example for the folds' mean best epoch, whose
  test figures are the estimate to quote.

`--resume` on the parent skips finished folds (those with summary.json), resumes the one that
was interrupted, and runs the rest.
"""

import dataclasses
import json
import sys
from pathlib import Path

from harness.atomic import write_json_atomic
from harness.config import TrainConfig
from harness.data.folds import REFIT
from harness.errors import UsageError
from harness.reports.cross_validation import (
    CV_FILE,
    CV_FORMAT,
    REFIT_DIR,
    SUMMARY_CSV,
    SUMMARY_JSON,
    describe,
    fold_rows,
    is_cv_parent,
    read_cv_json,
    write_summary,
)
from harness.runs import default_run_dir, holds_run


def cross_validate(config: TrainConfig, *, resume, overwrite, typed, refit, command=None) -> dict:
    """Trains every fold (and the refit), writes the summary and returns it.

    Args:
        config: the configuration from the command line, with `folds` set.
        resume: continue the cross-validation in `config.run_dir`.
        overwrite: start afresh in a parent that holds one.
        typed: the fields the user typed; on resume each must agree with cv.json.
        refit: after the folds, train on every training example and test.
        command: the command line, recorded in each run.json.

    Raises:
        UsageError: bad input, found before anything is written.
    """
    from harness.train.prepare import prepare, resume_config

    if config.strategy == "multiworker":
        raise UsageError(
            "--folds trains the folds one after another in this process; "
            "leave out --strategy multiworker (or train each fold as a run of its own)"
        )
    if resume:
        record = read_cv_json(_parent_of(config, resume=True))
        saved = TrainConfig.from_dict(record["config"])
        config = resume_config(config, typed, saved)
        refit = record["refit"]
    parent = _parent_of(config, resume=resume)
    _check_parent(parent, resume=resume, overwrite=overwrite)
    base = dataclasses.replace(config, run_dir=str(parent), fold=None)
    # Fold 1 is prepared first, so that bad input (too many folds, a data set that cannot be
    # read) answers before the parent folder is made.
    first = _prepare_fold(prepare, base, 1, overwrite=overwrite)
    parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        parent / CV_FILE,
        {"format": CV_FORMAT, "folds": config.folds, "refit": refit, "config": base.to_dict()},
    )
    from harness.runtime.tf_import import import_tensorflow

    import_tensorflow()
    from harness.train.run import run

    command = command or sys.argv
    for fold in range(1, config.folds + 1):
        fold_dir = parent / f"fold-{fold}"
        if (fold_dir / "summary.json").is_file() and not first:
            print(f"fold {fold} of {config.folds}: finished before, kept as it is", flush=True)
            continue
        prepared = first or _prepare_fold(prepare, base, fold, overwrite=overwrite)
        first = None
        print(f"\nfold {fold} of {config.folds}: {prepared.run_dir}", flush=True)
        run(prepared, command=command)
    folds = fold_rows(parent / f"fold-{k}" for k in range(1, config.folds + 1))
    monitor = json.loads((parent / "fold-1" / "summary.json").read_text())["monitor"]
    extra = {"monitor": monitor, "refit": None}
    summary = write_summary(parent, folds, extra)
    print(f"\n{config.folds}-fold cross-validation: {describe(summary)}", flush=True)
    if refit:
        epochs = max(1, round(summary["mean"]["best_epoch"]))
        refit_config = dataclasses.replace(base, epochs=epochs, early_stopping=0)
        prepared = _prepare_fold(prepare, refit_config, REFIT, overwrite=overwrite)
        if prepared is not None:
            print(f"\nrefit on every training example for {epochs} epochs: {prepared.run_dir}")
            run(prepared, command=command)
        refit_summary = json.loads((parent / REFIT_DIR / "summary.json").read_text())
        extra["refit"] = {"epochs": epochs, "test": refit_summary["test"]}
        summary = write_summary(parent, folds, extra)
    print(f"summary: {parent / SUMMARY_CSV} and {SUMMARY_JSON}", flush=True)
    return summary


def _prepare_fold(prepare, base: TrainConfig, fold: int, *, overwrite: bool):
    """The prepared run of one fold, resumed if its folder holds one; None if it is finished."""
    run_dir = Path(base.run_dir) / (REFIT_DIR if fold == REFIT else f"fold-{fold}")
    if (run_dir / "summary.json").is_file() and not overwrite:
        return None
    config = dataclasses.replace(base, fold=fold, run_dir=str(run_dir))
    if holds_run(run_dir) and not overwrite:
        return prepare(config, resume=True, typed=set())
    return prepare(config, overwrite=overwrite and holds_run(run_dir))


def _parent_of(config: TrainConfig, *, resume: bool) -> Path:
    if config.run_dir:
        return Path(config.run_dir)
    if resume:
        raise UsageError("--resume needs --run-dir DIR: the cross-validation to continue")
    from zoo import get_model_spec

    dataset = config.dataset or get_model_spec(config.model).default_dataset
    base = default_run_dir(config.model, dataset, config.seed)
    return base.with_name(f"{base.name}-cv{config.folds}")


def _check_parent(parent: Path, *, resume: bool, overwrite: bool) -> None:
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"--run-dir {parent} is a file; give a folder path")
    if holds_run(parent):
        raise UsageError(
            f"{parent} holds a single run, not a cross-validation; give --folds a new --run-dir"
        )
    if not resume and is_cv_parent(parent) and not overwrite:
        raise UsageError(
            f"{parent} already holds a cross-validation; "
            "use --resume to continue it or --overwrite to start afresh"
        )
