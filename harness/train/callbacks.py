"""The harness's Keras callbacks: the epoch history file and checkpoint saving.

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
from harness.runtime.timing import CHECKPOINT_CALLBACK, HISTORY_ROW, stage


class HistoryWriter(keras.callbacks.Callback):
    """Appends one row per epoch to history.csv and syncs it to disk.

    The fsync puts the row on disk before its epoch's checkpoint is written, so a
    power cut cannot leave a checkpoint whose epoch is missing from history.csv: a resume cuts
    rows after the restored epoch (`truncate_history`) but cannot bring back a lost one.

    Hand-written rather than Keras's CSVLogger: that numbers epochs from 0, has no learning-rate
    column, and cannot drop the rows of epochs a crash lost, which then return as duplicates
    after a resume (`truncate_history` does that here).
    """

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self._started = None
        self._fields = None  # history.csv's columns, once known
        self._learning_rate = None  # traced on the first row: see learning_rate_reader

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
            if self._learning_rate is None:
                self._learning_rate = learning_rate_reader(self.model.optimizer)
            row["learning_rate"] = self._learning_rate()
            row["epoch_seconds"] = round(time.perf_counter() - self._started, 4)
            self._append(row)

    def _append(self, row: dict) -> None:
        # The header is read (or written) by the first row of this training only, not every epoch.
        new_file = self._fields is None and not (
            self.path.exists() and self.path.stat().st_size > 0
        )
        if self._fields is None:
            if new_file:
                self._fields = list(row)
            else:
                with open(self.path, newline="") as handle:
                    self._fields = next(csv.reader(handle))
        with open(self.path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self._fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow(row)
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


class CheckpointSaver(keras.callbacks.Callback):
    """Saves a checkpoint after every epoch (and every N steps) through the CheckpointStore.

    It must come after EarlyStopping and ReduceLROnPlateau in the callback list: their
    `on_epoch_end` has then run, so the counters it captures include this epoch, and their
    `on_train_begin` has reset them before `on_train_begin` here restores the saved values.
    """

    def __init__(
        self,
        store,
        state,
        *,
        early_stopping=None,
        plateau=None,
        steps_per_epoch,
        save_every_steps=None,
    ):
        super().__init__()
        self.store = store
        self.state = state
        self.early_stopping = early_stopping
        self.plateau = plateau
        self.steps_per_epoch = steps_per_epoch
        self.save_every_steps = save_every_steps

    def on_train_begin(self, logs=None):
        self.state.apply(early_stopping=self.early_stopping, plateau=self.plateau)

    def on_train_batch_end(self, batch, logs=None):
        if not self.save_every_steps:
            return
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.save_every_steps or step % self.steps_per_epoch == 0:
            return  # not due, or an epoch-end save follows anyway
        epochs_done = step // self.steps_per_epoch
        self._save(epoch=epochs_done, step=step, metrics={}, kind="step")

    def on_epoch_end(self, epoch, logs=None):
        with stage(CHECKPOINT_CALLBACK):
            step = int(self.model.optimizer.iterations.numpy())
            metrics = {key: float(value) for key, value in (logs or {}).items()}
            self._save(epoch=epoch + 1, step=step, metrics=metrics, kind="epoch")

    def _save(self, *, epoch, step, metrics, kind):
        self.state.capture(
            early_stopping=self.early_stopping, plateau=self.plateau, epoch=epoch, step=step
        )
        self.store.save(epoch=epoch, step=step, metrics=metrics, kind=kind)
