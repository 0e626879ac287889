"""K-fold cross-validation splits of a data set's training examples.

A fold run trains on every training example outside its fold and validates on the fold; the test
split is never touched. The training and validation parts of the loaded data set are pooled in
that order, and scikit-learn's `StratifiedKFold` (classification) or `KFold` (regression), shuffled
with the run's seed, assigns each pooled example to exactly one fold. The assignment is a pure
function of (pooled examples, folds, seed), so a resumed fold trains on the very same examples.
"""

import dataclasses

import numpy as np

from harness.data.splits import DataSplits
from harness.errors import UsageError

# `fold` of the refit run: every training example trains, none is held out by the folds.
REFIT = 0


def check_folds(data: DataSplits, folds: int) -> None:
    """Refuses a fold count the data cannot give.

    Raises:
        UsageError: fewer than 2 folds, more folds than examples, or (classification) more folds
            than the smallest class has examples, so a stratified fold would miss that class.
    """
    if folds < 2:
        raise UsageError(f"--folds {folds}: cross-validation needs at least 2 folds; try --folds 5")
    y = _pooled_y(data)
    if folds > len(y):
        raise UsageError(
            f"--folds {folds}: the data set has only {len(y)} training examples; use fewer folds"
        )
    if data.task == "classification":
        counts = np.bincount(y, minlength=len(data.class_names))
        smallest = int(np.argmin(counts))
        if counts[smallest] < folds:
            raise UsageError(
                f"--folds {folds}: class {data.class_names[smallest]!r} has only "
                f"{counts[smallest]} training examples, so a stratified fold would miss it; "
                f"use --folds {max(int(counts[smallest]), 2)} or fewer"
            )


def fold_indices(data: DataSplits, folds: int, seed: int) -> list:
    """The pooled training examples' indices of each fold: a list of `folds` sorted arrays."""
    from sklearn.model_selection import KFold, StratifiedKFold

    y = _pooled_y(data)
    if data.task == "classification":
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    return [np.sort(held) for _, held in splitter.split(np.zeros(len(y)), y)]


def select_fold(data: DataSplits, *, folds: int, fold: int, seed: int) -> DataSplits:
    """The data set as fold `fold` of `folds` sees it.

    Args:
        data: the loaded data set.
        folds: K, the number of folds.
        fold: 1..K: train on the other folds and validate on this one; `REFIT` (0): train on
            every training example, validating on the data set's own validation part (which the
            refit trains on too, so only its test figures are unbiased).
        seed: the run's seed, which shuffles the assignment.
    """
    check_folds(data, folds)
    x, y = _pooled(data)
    if fold == REFIT:
        x_train, y_train, x_val, y_val = x, y, data.x_val, data.y_val
    else:
        held = fold_indices(data, folds, seed)[fold - 1]
        kept = np.setdiff1d(np.arange(len(y)), held)
        x_train, y_train, x_val, y_val = _take(x, kept), y[kept], _take(x, held), y[held]
    info = dict(data.info, folds=folds, fold=fold, train_size=len(y_train), val_size=len(y_val))
    return dataclasses.replace(
        data, x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, info=info
    )


def _pooled_y(data: DataSplits):
    return np.concatenate([data.y_train, data.y_val])


def _pooled(data: DataSplits):
    return _pool(data.x_train, data.x_val), np.concatenate([data.y_train, data.y_val])


# A split may be an array or a split streamed from image files (harness.data.image_decode.
# StreamedImages), which folds select by their file paths, so the folds stream as well.
def _pool(first, second):
    if isinstance(first, np.ndarray):
        return np.concatenate([first, second])
    return _streamed(first, first.paths + second.paths)


def _take(x, indices):
    if isinstance(x, np.ndarray):
        return x[indices]
    return _streamed(x, [x.paths[index] for index in indices])


def _streamed(split, paths):
    return type(split)(paths, split.size, split.channels, split.stats, split.layout)
