"""The examples an evaluation runs on: the training run's own split, or another data set.

Everything comes from run.json: the data set, its seed, target and options reproduce the
training splits, and the saved normalisation statistics are applied instead of fitting new ones,
so a model sees its inputs exactly as in training, also on a data set it never saw.
"""

import dataclasses
import json
import os

import numpy as np

from harness.data import CSV_PREFIX, FORECAST_PREFIX, IMAGES_PREFIX, SERIES_PREFIX
from harness.errors import UsageError


@dataclasses.dataclass
class EvalData:
    """Examples to evaluate on, with their true targets."""

    dataset: str  # the data set spec evaluated
    split: str  # test, val, train or all
    task: str
    x: np.ndarray
    y: np.ndarray  # class ids (n,) or regression targets (n, k)
    index: np.ndarray  # position in the split (or row number in a csv file, for split "all")
    class_names: list | None


class EvalDataCache:
    """Keeps the last data loaded, so the checkpoints and runs of one data set load it once.

    One slot only: a batch visits the runs of one data set one after the other, and a large
    data set (MNIST: 200 MB as float32) should not stay in memory after its last run.
    """

    def __init__(self):
        self._key = None
        self._data = None

    def get(self, run: dict, *, split: str, dataset=None, options=None) -> tuple[EvalData, bool]:
        """Returns (the data, whether it was loaded now rather than taken from the cache)."""
        key = json.dumps(
            [
                run["data"],
                run["model"]["layout"],
                run["model"]["input_shape"],
                split,
                dataset,
                options,
            ],
            sort_keys=True,
            default=str,
        )
        if key == self._key:
            return self._data, False
        self._key, self._data = None, None  # free the old arrays before loading new ones
        self._data = load_eval_data(run, split=split, dataset=dataset, options=options)
        self._key = key
        return self._data, True


def load_eval_data(run: dict, *, split: str, dataset=None, options=None) -> EvalData:
    """Loads the examples of `split` for a run, normalised with its training statistics.

    Args:
        run: the run's run.json.
        split: "test", "val", "train" or "all" (every example; for a csv or series file in file
            order).
        dataset: another data set spec of the same shape, or None for the run's own.
        options: data-set options as typed ({"noise": "0.1"}); for the run's own data set they
            override the run's options.

    Raises:
        UsageError: the data cannot be loaded, or does not fit the model (task, shape, classes).
    """
    data_info, layout = run["data"], run["model"]["layout"]
    spec = dataset or _own_spec(data_info)
    own = dataset is None or dataset == data_info["spec"]
    if own:
        options = {**(data_info.get("options") or {}), **(options or {})}
    try:
        if spec.startswith(CSV_PREFIX) and split == "all" and _is_table(data_info["normalization"]):
            data = _csv_rows(spec, layout, data_info["normalization"])
        elif spec.startswith(SERIES_PREFIX) and split == "all" and dataset is not None:
            data = _series_rows(spec, layout, data_info["normalization"])
        else:
            data = _split_of(spec, run, split, options or None, own=own)
        _check_fits(data, run)
    except UsageError as error:
        raise UsageError(f"--dataset {dataset}: {error}" if dataset else str(error)) from None
    return data


def _is_table(normalization: dict) -> bool:
    return normalization.get("method") == "table"


def _own_spec(data_info: dict) -> str:
    # A file path is stored as typed; from another working folder, the absolute path still works.
    spec = data_info["spec"]
    source = (data_info.get("info") or {}).get("source")
    for prefix in (CSV_PREFIX, SERIES_PREFIX, IMAGES_PREFIX, FORECAST_PREFIX):
        if spec.startswith(prefix) and not os.path.exists(spec[len(prefix) :]) and source:
            return prefix + source
    return spec


def _split_of(spec: str, run: dict, split: str, options, *, own: bool) -> EvalData:
    from harness.data import load_dataset

    data_info = run["data"]
    # Only a file has a target to name; the run's own is the one its statistics fit.
    from_file = spec.startswith((CSV_PREFIX, SERIES_PREFIX, IMAGES_PREFIX))
    target = data_info.get("target") if from_file else None
    # The run's own file is split as in training: its separate test file, its validation share.
    info = (data_info.get("info") or {}) if from_file and own else {}
    splits = load_dataset(
        spec,
        layout=run["model"]["layout"],
        seed=data_info["seed"],
        target=target,
        normalization=data_info["normalization"],
        options=options,
        test_data=info.get("test_data"),
        val_fraction=info.get("val_fraction"),
    )
    # A split that streams from image files is decoded here: reports need the arrays.
    if split == "all":
        parts = [splits.split(which) for which in ("train", "val", "test")]
        x = np.concatenate([np.asarray(p[0]) for p in parts])
        y = np.concatenate([p[1] for p in parts])
    else:
        x, y = splits.split(split)
        x = np.asarray(x)
    return EvalData(spec, split, splits.task, x, y, np.arange(len(x)), splits.class_names)


def _csv_rows(spec: str, layout: str, normalization: dict) -> EvalData:
    from harness.data import csv_table, prepare_inputs

    path = spec[len(CSV_PREFIX) :]
    table = csv_table.read_table(path)
    target = normalization["target"]
    if target not in table.columns or table[target].isna().any():
        raise UsageError(
            f"csv file {path} needs the target column {target!r} filled in every row "
            "to be evaluated; to predict without labels use predict.py"
        )
    x = prepare_inputs(
        table.drop(columns=[target]), spec_name=spec, layout=layout, normalization=normalization
    )
    y = csv_table.encode_target(table[target], normalization, path)
    return EvalData(
        spec, "all", normalization["task"], x, y, np.arange(len(x)), normalization["class_names"]
    )


def _series_rows(spec: str, layout: str, normalization: dict) -> EvalData:
    from harness.data import series

    x, y = series.read_labelled(spec[len(SERIES_PREFIX) :], normalization, layout)
    return EvalData(spec, "all", series.TASK, x, y, np.arange(len(x)), normalization["class_names"])


def _check_fits(data: EvalData, run: dict) -> None:
    model = run["model"]
    if data.task != model["task"]:
        raise UsageError(
            f"data set {data.dataset} is a {data.task} data set; the model of this run "
            f"does {model['task']}"
        )
    expected = tuple(model["input_shape"])
    if tuple(data.x.shape[1:]) != expected:
        raise UsageError(
            f"data set {data.dataset} gives examples of shape {tuple(data.x.shape[1:])}; "
            f"the model takes {expected}"
        )
    trained = run["data"].get("class_names")
    if data.task == "classification" and list(data.class_names) != list(trained):
        raise UsageError(
            f"data set {data.dataset} has classes {data.class_names}; the model was "
            f"trained on {trained}"
        )
    if len(data.x) == 0:
        raise UsageError(f"split {data.split!r} of {data.dataset} holds no examples")
