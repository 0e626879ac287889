"""The value every data set returns: train/val/test arrays plus what a model needs to know."""

import dataclasses

import numpy as np


@dataclasses.dataclass
class DataSplits:
    """Train, validation and test arrays of one data set, and its metadata.

    Attributes:
        name: the data set spec as the user gave it ("digits", "csv:path.csv", ...).
        task: "classification" (y holds int class indices, shape (n,)) or "regression"
            (y holds float32 targets, shape (n, k)).
        layout: "image", "flat" or "sequence": the layout x was shaped for.
        class_names: class names in index order (classification), else None.
        normalization: JSON-able statistics computed on the training split only. Passing them
            back to `load_dataset(..., normalization=...)` normalises new data the same way.
        info: JSON-able facts for run.json (sizes, seed, generator parameters, source file).
    """

    name: str
    task: str
    layout: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list | None = None
    normalization: dict = dataclasses.field(default_factory=dict)
    info: dict = dataclasses.field(default_factory=dict)

    @property
    def input_shape(self) -> tuple:
        """The shape of one example, without the batch axis."""
        return tuple(int(d) for d in self.x_train.shape[1:])

    @property
    def num_outputs(self) -> int:
        """Classes for classification, target values for regression."""
        if self.task == "classification":
            return len(self.class_names)
        return int(self.y_train.shape[1]) if self.y_train.ndim > 1 else 1

    def split(self, which: str):
        """Returns (x, y) of "train", "val" or "test"."""
        return getattr(self, f"x_{which}"), getattr(self, f"y_{which}")
