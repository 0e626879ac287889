"""Data sets for the zoo: every loader returns a `DataSplits` shaped for the model's layout.

Specs: digits, sine, waveforms, mnist, fashion_mnist, cifar10, and csv:PATH (with a target).
Every data set is deterministic for a seed. The seed moves the validation split (and the draws
of generated training data); the test split never moves with it, so the test figures of runs
with different seeds compare. Normalisation statistics come from the training split only and
are returned as JSON-able `DataSplits.normalization`; passing them back (`normalization=`)
applies them to another load or to new raw examples (`prepare_inputs`).

Normalisation formats: "pixels" and "standardize"/"none" are described in
`harness.data.transform`, "table" (csv) in `harness.data.csv_table`.
"""

from harness.data import registry
from harness.data.splits import DataSplits


def load_dataset(
    spec: str,
    *,
    layout: str,
    seed: int = 0,
    target: str | None = None,
    normalization: dict | None = None,
    options: dict | None = None,
) -> DataSplits:
    """Loads a data set, split into train, validation and test, shaped for `layout`.

    Args:
        spec: a data set name from `list_datasets()`, or "csv:PATH".
        layout: the model's input layout: "image", "flat" or "sequence".
        seed: a whole number >= 0; picks the validation split and generated training draws.
        target: the column to predict, for csv data only.
        normalization: statistics from an earlier load (its `.normalization`) to use instead of
            fitting new ones on this training split.
        options: data-set options as typed on the command line, e.g. {"noise": "0.05"}.

    Returns:
        float32 x; int64 class indices (n,) for classification, float32 (n, k) for regression.

    Raises:
        UsageError: unknown spec or option, a layout the data set cannot provide, a csv file
            that cannot be used, or a keras.datasets file that is neither cached nor downloadable.
    """
    return registry.load_dataset(
        spec,
        layout=layout,
        seed=seed,
        target=target,
        normalization=normalization,
        options=options,
    )


def list_datasets() -> list[tuple[str, str, str]]:
    """Returns (name, task, one-line description) of every data set, "csv:PATH" included."""
    return registry.list_datasets()


def dataset_task(spec: str, target=None) -> str | None:
    """Returns the task of `spec` without loading it, or None for csv data (inferred on load).

    Raises:
        UsageError: unknown spec.
    """
    return registry.dataset_task(spec, target)


def prepare_inputs(x_raw, *, spec_name: str, layout: str, normalization: dict):
    """Turns raw examples of a data set into model inputs exactly as in training.

    Args:
        x_raw: images or signals with values in the data set's raw range (for digits 0..16, for
            keras.datasets 0..255; see normalization["raw_range"]), with or without a batch axis;
            for csv data a pandas DataFrame of feature columns (read with dtype=str).
        spec_name: the data set the model was trained on.
        layout: the model's input layout.
        normalization: the training run's `DataSplits.normalization`.

    Returns:
        A float32 array ready for `model.predict`.

    Raises:
        UsageError: the examples do not fit the data set (shape, columns, values).
    """
    return registry.prepare_inputs(
        x_raw, spec_name=spec_name, layout=layout, normalization=normalization
    )


__all__ = ["DataSplits", "dataset_task", "list_datasets", "load_dataset", "prepare_inputs"]
