"""What a training checkpoint holds beyond the model and optimizer.

Keras callbacks keep their counters in Python attributes that `on_train_begin` resets, and
Dropout's seed-generator state is not among `model.weights`; neither reaches a checkpoint on its
own. `TrainingState` mirrors them into tf.Variables tracked by one `tf.train.Checkpoint` whose
root names the model `model` and the optimizer `optimizer`.
"""

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
        self.checkpoint = tf.train.Checkpoint(
            model=model,
            optimizer=optimizer,
            epoch=self.epoch,
            step=self.step,
            callbacks=tf.train.Checkpoint(**self.callback_values),
            rng=random_state_variables(model),
        )

    def capture(self, *, early_stopping=None, plateau=None, epoch=None, step=None) -> None:
        """Copies callback counters and progress into the tracked variables before a save."""
        with stage(COUNTERS):
            for callback, attribute, name in _counters(early_stopping, plateau):
                value = getattr(callback, attribute, None)
                self.callback_values[name].assign(math.nan if value is None else float(value))
            if epoch is not None:
                self.epoch.assign(epoch)
            if step is not None:
                self.step.assign(step)

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
