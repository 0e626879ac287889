"""`CheckpointSaver`: when checkpoints are written (`--save-every`), the best epochs held until
then, and the save that answers Ctrl-C or SIGTERM.

Best-K stays exact whatever the policy: an epoch that ranks among the best by `--monitor` but
is not due to be saved is copied in memory (`TrainingState.snapshot`) and written, as its own
checkpoint ckpt-<its step> with the values it had then, just before the next save. So the
best checkpoints hold, bit for bit, what a run saving every epoch would have written.
"""

import signal
import time

import keras

from harness.checkpoints.retention import monitor_value, rank_best
from harness.config import parse_save_every
from harness.runtime.interrupts import Interrupted
from harness.runtime.timing import CHECKPOINT_CALLBACK, stage

# A duration policy saves mid-epoch only when its epoch's end is further away than this share of
# the interval; nearer, the epoch's end (with its metrics) is worth the wait.
NEAR_END_SHARE = 0.25


class CheckpointSaver(keras.callbacks.Callback):
    """Saves through the `CheckpointStore` as `save_every` says, after the last epoch, when early
    stopping ends the run, and when a signal asks to stop (then raises `Interrupted`).

    It must come after EarlyStopping, ReduceLROnPlateau and the HistoryWriter in the callback
    list: their `on_epoch_end` has then run, so the counters it captures include this epoch and
    the history row is held; and their `on_train_begin` has reset the counters before its own
    puts back the restored (or, between two fit calls of one launch, the live) values.

    Args:
        store, state: the run's `CheckpointStore` and `TrainingState`.
        history: the `HistoryWriter`, flushed before every save.
        save_every: the --save-every text.
        steps_per_epoch: training steps in an epoch.
        last_epoch: the run's planned epochs (saved whatever the policy).
        stop: a `harness.runtime.interrupts.StopRequest`, or None.
        resume_hint: the command line that resumes the run, for the interrupt's line.
        step_clock: the `StepClock`, whose step time tells a duration policy how near the
            epoch's end is.
        agree: under several workers, `Distribution.agreed_sum`: every worker asks at every
            step boundary, so all stop and save at the same step.
    """

    def __init__(
        self,
        store,
        state,
        *,
        history,
        save_every: str,
        steps_per_epoch: int,
        last_epoch: int,
        early_stopping=None,
        plateau=None,
        stop=None,
        resume_hint: str = "",
        step_clock=None,
        agree=None,
    ):
        super().__init__()
        self.store, self.state, self.history = store, state, history
        self.policy = parse_save_every(save_every)
        self.steps_per_epoch, self.last_epoch = steps_per_epoch, last_epoch
        self.early_stopping, self.plateau = early_stopping, plateau
        self.stop, self.resume_hint, self.step_clock = stop, resume_hint, step_clock
        self.agree = agree  # Distribution.agreed_sum under several workers, else None
        self.held_best = []  # (entry, snapshot) of best epochs not yet written, oldest first
        self._carried = None  # the counters between two fit calls of one launch
        self.saved = None  # the entry of the newest save
        self._last_save = time.monotonic()

    def on_train_begin(self, logs=None):
        self._name_newest_for_a_second_signal()
        self._metrics_restored = bool(len(self.state.epoch_metrics.numpy()))
        if self._carried is None:
            self.state.apply(early_stopping=self.early_stopping, plateau=self.plateau)
        else:
            for callback, attribute, value in self._carried:
                setattr(callback, attribute, value)

    def on_train_end(self, logs=None):
        self._carried = [
            (callback, attribute, getattr(callback, attribute))
            for callback, attribute, _ in self.state.counters(self.early_stopping, self.plateau)
        ]

    def on_train_batch_end(self, batch, logs=None):
        if self._metrics_restored:
            # After a mid-epoch restore; the resumed epoch's first call runs one step.
            self.state.add_metrics(self.model)
            self._metrics_restored = False
        step = int(self.model.optimizer.iterations.numpy())
        in_epoch = step % self.steps_per_epoch
        if not in_epoch:
            return  # the epoch's end follows: saved there, with its history row
        stopping, due = self._agreed(self._due_mid_epoch(step, in_epoch))
        if stopping or due:
            with stage(CHECKPOINT_CALLBACK):
                self._save(step // self.steps_per_epoch, step, {}, "step")
        if stopping:
            self._interrupted(step)

    def on_epoch_end(self, epoch, logs=None):
        with stage(CHECKPOINT_CALLBACK):
            step = int(self.model.optimizer.iterations.numpy())
            metrics = {key: float(value) for key, value in (logs or {}).items()}
            stopping, due = self._agreed(self._due_at_epoch_end(epoch + 1))
            if due or stopping or self.model.stop_training:
                self._save(epoch + 1, step, metrics, "epoch")
            else:
                self._hold_if_best(epoch + 1, step, metrics)
        if stopping:
            self._interrupted(step)

    def _agreed(self, due: bool) -> tuple[bool, bool]:
        """(stop, save) here: this process's view, or under several workers what any of them
        sees (a signal to one, or a clock past the interval), so that all save together."""
        signal_number = (self.stop.signal_number if self.stop else None) or 0
        if self.agree is None:
            return bool(signal_number), due
        terms, interrupts, dues = self.agree(
            [signal_number == signal.SIGTERM, signal_number == signal.SIGINT, due]
        )
        if (terms or interrupts) and not self.stop.requested:  # a peer's signal: stop too
            self.stop.signal_number = signal.SIGTERM if terms else signal.SIGINT
        return bool(terms or interrupts), bool(dues)

    def _due_at_epoch_end(self, epochs_done: int) -> bool:
        policy = self.policy
        if epochs_done >= self.last_epoch or policy.steps:
            return True
        if policy.epochs:
            return epochs_done % policy.epochs == 0
        return time.monotonic() - self._last_save >= policy.seconds

    def _due_mid_epoch(self, step: int, in_epoch: int) -> bool:
        policy = self.policy
        if policy.steps:
            return step % policy.steps == 0
        if not policy.seconds or time.monotonic() - self._last_save < policy.seconds:
            return False
        step_seconds = self.step_clock.step_seconds if self.step_clock else None
        left = (self.steps_per_epoch - in_epoch) * (step_seconds or 0.0)
        return left > NEAR_END_SHARE * policy.seconds

    def _hold_if_best(self, epoch: int, step: int, metrics: dict) -> None:
        """Keeps a copy of this epoch's state in memory if it ranks among the best K."""
        policy = self.store.policy
        if not policy.keep_best or monitor_value({"metrics": metrics}, policy.monitor) is None:
            return
        entry = {"name": f"ckpt-{step}", "epoch": epoch, "step": step, "kind": "epoch"}
        entry["metrics"] = metrics
        held = [held for held, _ in self.held_best]
        recorded = self.store.ranked_best()[: policy.keep_best]  # older than any held one
        ranked = rank_best([*recorded, *held, entry], policy)[: policy.keep_best]
        names = {kept["name"] for kept in ranked}
        if entry["name"] not in names:
            return
        self.held_best = [item for item in self.held_best if item[0]["name"] in names]
        snapshot = self.state.snapshot(
            early_stopping=self.early_stopping, plateau=self.plateau, epoch=epoch, step=step
        )
        self.held_best.append((entry, snapshot))

    def _capture(self, epoch: int, step: int, *, mid_epoch: bool) -> None:
        self.state.capture(
            early_stopping=self.early_stopping, plateau=self.plateau, epoch=epoch, step=step
        )
        self.state.capture_metrics(self.model, mid_epoch=mid_epoch)

    def _save(self, epoch: int, step: int, metrics: dict, kind: str) -> None:
        self.history.flush()  # the rows first: see HistoryWriter
        held, self.held_best = self.held_best, []
        for entry, snapshot in held:
            with self.state.swapped_in(snapshot):
                self.store.save(
                    epoch=entry["epoch"], step=entry["step"], metrics=entry["metrics"], kind="epoch"
                )
        self._capture(epoch, step, mid_epoch=kind == "step")
        self.saved = self.store.save(epoch=epoch, step=step, metrics=metrics, kind=kind)
        self.state.epoch_metrics.assign([])  # only a restore puts accumulators back
        self._last_save = time.monotonic()
        self._name_newest_for_a_second_signal()

    def _name_newest_for_a_second_signal(self) -> None:
        """The line a second signal prints (prepared here: the watcher thread only writes it)."""
        if self.stop is None:
            return
        newest = self.store.latest()
        self.stop.on_second_signal = (
            "second signal: stopped at once; the newest intact checkpoint "
            f"({newest['name'] if newest else 'none yet'}) is the one --resume takes\n"
        )

    def _interrupted(self, step: int) -> None:
        self.store.close()  # a background write in flight is waited for and recorded
        epoch, in_epoch = divmod(step - 1, self.steps_per_epoch)
        raise Interrupted(
            self.stop.signal_number,
            f"interrupted at epoch {epoch + 1}, step {in_epoch + 1} of {self.steps_per_epoch}; "
            f"saved {self.saved['name']}; resume: {self.resume_hint}",
        )
