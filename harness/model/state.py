"""What a training checkpoint holds beyond the model and optimizer.

Keras callbacks keep their counters in Python attributes that `on_train_begin` resets, and
Dropout's seed-generator state is not among `model.weights`; neither reaches a checkpoint on its
own. Nor do the accumulators of Keras's training metrics, which a checkpoint taken mid-epoch needs
so that the resumed epoch's loss and accuracy average the whole epoch. `TrainingState` mirrors
them into tf.Variables tracked by one `tf.train.Checkpoint` whose root names the model `model`
and the optimizer `optimizer`.
"""

import contextlib
import math

from harness.runtime.timing import COUNTERS, stage

# (callback attribute, variable name) pairs carried across a resume.
EARLY_STOPPING_FIELDS = (
    ("wait", "early_stopping_wait"),
    ("best", "early_stopping_best"),
    ("best_epoch", "early_stopping_best_epoch"),
)
PLATEAU_FIELDS = (
    ("wait", "plateau_wait"),
    ("best", "plateau_best"),
    ("cooldown_counter", "plateau_cooldown"),
)


def random_state_variables(model) -> list:
    """The model's variables that are neither weights nor metrics: seed-generator states."""
    weight_ids = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weight_ids]


class TrainingState:
    """The root checkpoint object of a training run and the counters it carries."""

    def __init__(self, model, optimizer):
        import tensorflow as tf

        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        names = [name for _, name in EARLY_STOPPING_FIELDS + PLATEAU_FIELDS]
        # NaN stands for Python's None ("no best value yet").
        self.callback_values = {
            name: tf.Variable(math.nan, dtype=tf.float64, trainable=False, name=name)
            for name in names
        }
        # The training metrics' accumulators, flattened, mid-epoch; empty at an epoch's end
        # (Keras resets them as the next epoch begins). Its length depends on the metrics.
        self.epoch_metrics = tf.Variable(
            tf.zeros([0], tf.float32),  # the metrics' own dtype: copies are exact
            shape=tf.TensorShape([None]),
            trainable=False,
            name="epoch_metrics",
        )
        self.model, self.optimizer = model, optimizer
        self.checkpoint = tf.train.Checkpoint(
            model=model,
            optimizer=optimizer,
            epoch=self.epoch,
            step=self.step,
            callbacks=tf.train.Checkpoint(**self.callback_values),
            rng=random_state_variables(model),
            epoch_metrics=self.epoch_metrics,
        )

    def snapshot(self, *, early_stopping=None, plateau=None, epoch: int, step: int) -> tuple:
        """A copy in memory of every checkpointed value at the end of epoch `epoch` (the
        callbacks' counters as they stand), to be written later by `swapped_in`.

        Each model and optimizer value is TensorFlow's own read of the variable, which shares
        the variable's buffer until the next update writes it: TensorFlow copies a buffer that a
        tensor still holds before updating it (copy on write), so the tensor keeps the values of
        now. That is a read per variable, where converting every value to NumPy copied them
        all. The counters are held as Python numbers and assigned only when written.
        """
        values = [variable.value() for variable in self._trained_variables()]
        counters = self._counter_values(early_stopping, plateau, epoch, step)
        return values, [*counters, (self.epoch_metrics, [])]  # an epoch's end: no accumulators

    @contextlib.contextmanager
    def swapped_in(self, snapshot: tuple):
        """Holds the values of `snapshot` in the variables for the block, then the live ones."""
        values, counters = snapshot
        held = [*zip(self._trained_variables(), values), *counters]
        live = [(variable, variable.value()) for variable, _ in held]  # shared buffers
        for variable, value in held:
            variable.assign(value, read_value=False)
        try:
            yield
        finally:
            for variable, value in live:
                variable.assign(value, read_value=False)

    def _trained_variables(self) -> list:
        """The model's and optimizer's variables, as TensorFlow variables (a Keras variable
        wraps one, `.value`)."""
        import keras

        variables = [*self.model.variables, *self.optimizer.variables]
        return [v.value if isinstance(v, keras.Variable) else v for v in variables]

    def capture_metrics(self, model, *, mid_epoch: bool) -> None:
        """Copies the training metrics' accumulators in (mid-epoch) or empties the copy."""
        import numpy as np

        if not mid_epoch:  # an epoch's end: Keras resets the accumulators as the next begins
            self.epoch_metrics.assign([])
            return
        values = [np.ravel(v.numpy()).astype(np.float32) for v in model.metrics_variables]
        self.epoch_metrics.assign(np.concatenate(values) if values else [])

    def add_metrics(self, model) -> bool:
        """Adds restored accumulators into the training metrics after the resumed epoch's first
        step, and forgets them. Returns whether there were any.

        Keras builds its compiled metrics in that first step, so they cannot be set before it;
        added after one step, each total is saved + step, the same float sum as step + saved
        that an uninterrupted run computes. (Keras's loss and accuracy are sums and counts.)
        """
        saved = self.epoch_metrics.numpy()
        variables = model.metrics_variables
        if not len(saved) or sum(int(v.numpy().size) for v in variables) != len(saved):
            return False
        offset = 0
        for variable in variables:
            size = int(variable.numpy().size)
            value = saved[offset : offset + size].reshape(variable.shape)
            variable.assign_add(value.astype(variable.dtype))
            offset += size
        self.epoch_metrics.assign([])
        return True

    def capture(self, *, early_stopping=None, plateau=None, epoch=None, step=None) -> None:
        """Copies callback counters and progress into the tracked variables before a save."""
        with stage(COUNTERS):
            for variable, value in self._counter_values(early_stopping, plateau, epoch, step):
                variable.assign(value)

    def _counter_values(self, early_stopping, plateau, epoch, step) -> list:
        """(variable, value) of each counter the callbacks given carry, and of epoch and step."""
        values = []
        for callback, attribute, name in _counters(early_stopping, plateau):
            value = getattr(callback, attribute, None)
            values.append((self.callback_values[name], math.nan if value is None else float(value)))
        for variable, value in ((self.epoch, epoch), (self.step, step)):
            if value is not None:
                values.append((variable, value))
        return values

    def counters(self, early_stopping=None, plateau=None):
        """(callback, attribute, variable name) of each counter the callbacks given carry."""
        return list(_counters(early_stopping, plateau))

    def apply(self, *, early_stopping=None, plateau=None) -> None:
        """Writes restored counters back into the callbacks (after their on_train_begin)."""
        for callback, attribute, name in _counters(early_stopping, plateau):
            value = float(self.callback_values[name].numpy())
            if math.isnan(value):
                continue
            integral = attribute in ("wait", "best_epoch", "cooldown_counter")
            setattr(callback, attribute, int(value) if integral else value)


def _counters(early_stopping, plateau):
    """(callback, attribute, variable name) of each counter the callbacks given carry."""
    for callback, fields in ((early_stopping, EARLY_STOPPING_FIELDS), (plateau, PLATEAU_FIELDS)):
        if callback is not None:
            for attribute, name in fields:
                yield callback, attribute, name
