"""The harness's history.csv callback; checkpoints are saved by `harness.train.saver`.

Everything else (early stopping, the plateau schedule, the progress bar) is Keras's own.
"""

import csv
import os
import time
from pathlib import Path

import keras
import pandas as pd

from harness.atomic import write_text_atomic
from harness.model.optimizers import learning_rate_reader
from harness.runtime.timing import HISTORY_ROW, stage


class HistoryWriter(keras.callbacks.Callback):
    """Keeps one row per epoch for history.csv and writes the rows held when a checkpoint is due.

    `flush` (called by the checkpoint saver just before each save) appends the rows held and
    fsyncs them, so the rows on disk always cover every checkpoint: a crash can leave rows past
    the newest checkpoint, which a resume cuts (`truncate_history`), but never a checkpoint whose
    rows were lost. Rows of epochs after the newest checkpoint are lost with those epochs, and
    trained again on resume. One write per checkpoint, not one per epoch (BENCHMARKS.md,
    section 3).

    Hand-written rather than Keras's CSVLogger: that numbers epochs from 0, has no learning-rate
    column, and cannot drop the rows of epochs a crash lost, which then return as duplicates
    after a resume (`truncate_history` does that here).
    """

    def __init__(self, path, learning_rate=None):
        """`learning_rate`: a function of no arguments returning the rate at the current step
        (`BoundedExecutions.learning_rate`); by default a traced reader of the optimizer's."""
        super().__init__()
        self.path = Path(path)
        self._started = None
        self._fields = None  # history.csv's columns, once known
        self._learning_rate = learning_rate  # see learning_rate_reader
        self._rows = []  # rows not yet on disk

    def on_train_begin(self, logs=None):
        if self._learning_rate is None:
            with stage(HISTORY_ROW):  # traced on its first call: now, not in the first epoch
                self._learning_rate = learning_rate_reader(self.model.optimizer)
                self._learning_rate()

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        with stage(HISTORY_ROW):
            row = {"epoch": epoch + 1}
            row.update(
                {
                    key: float(value)
                    for key, value in sorted((logs or {}).items())
                    if key != "learning_rate"
                }
            )
            row["learning_rate"] = self._learning_rate()
            row["epoch_seconds"] = round(time.perf_counter() - self._started, 4)
            self._rows.append(row)

    def flush(self) -> None:
        """Appends the rows held to history.csv and fsyncs it."""
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        # The header is read (or written) by the first write of this training only.
        new_file = self._fields is None and not (
            self.path.exists() and self.path.stat().st_size > 0
        )
        if self._fields is None:
            if new_file:
                self._fields = list(rows[0])
            else:
                with open(self.path, newline="") as handle:
                    self._fields = next(csv.reader(handle))
        with open(self.path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self._fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())


def truncate_history(path, last_epoch: int) -> None:
    """Keeps only the rows of epochs 1..last_epoch (the ones the restored checkpoint has seen)."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return
    history = pd.read_csv(path)
    kept = history[history["epoch"] <= last_epoch].drop_duplicates("epoch", keep="last")
    if len(kept) != len(history):
        write_text_atomic(path, kept.to_csv(index=False))
