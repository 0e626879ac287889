"""Bounded executions: how many training steps one call into TensorFlow runs, chosen from the
measured step time so that a call takes about half a second at most.

Keras reads `steps_per_execution` when it traces its train function, so changing it means
tracing again (seconds for a recurrent model). Here the train and test functions are Keras's own
`train_step` and `test_step`, traced once each into a tf.function, called in a graph loop whose
length is a tf.Variable read at run time: the count changes between `model.fit` calls without a
new trace. Keras's epoch iterator hands out the same count (`model.steps_per_execution`), so
callbacks still see each call's last step. The first epoch of a launch runs one step per call,
which measures the step; the later epochs run the largest divisor of the epoch's steps that fits
the budget (a divisor, so that no call runs across an epoch's end).

A signal is answered at the end of a call, and the progress bar moves once a call, so the budget
bounds both (BENCHMARKS.md, section 3, measures it; section 1 the speed against whole epochs).

Each train call also copies the optimizer's current learning rate into a variable, inside the
traced loop: history.csv reads it after every epoch as one variable read, where evaluating a
schedule on its own took a traced function of its own and a call into it per epoch.
"""

import collections
import math
import statistics
import time

import keras

CALL_BUDGET_SECONDS = 0.5  # at most this long per call, by the measured step time


def steps_for_budget(
    step_seconds: float, steps: int, *, align: int | None = None, budget=CALL_BUDGET_SECONDS
) -> int:
    """The largest divisor of `steps` (and of `align`, the step interval of `--save-every
    Nsteps`, so that every due step ends a call) that runs within `budget`."""
    unit = math.gcd(steps, align) if align else steps
    fitting = [d for d in range(1, unit + 1) if unit % d == 0 and d * step_seconds <= budget]
    return max(fitting, default=1)


class BoundedExecutions:
    """Puts train and test functions with a run-time step count into `model` (after compile).

    Use `set_steps(n)` before a `model.fit` call; `StepClock` (a callback) measures the step.
    """

    def __init__(self, model):
        import tensorflow as tf

        self.model = model
        self.count = tf.Variable(1, dtype=tf.int32, trainable=False, name="steps_per_call")
        self.rate = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="rate_after_call")
        model.train_function = self._looped(model.train_step, rate=self.rate)
        model.test_function = self._looped(model.test_step)
        model.steps_per_execution = 1

    def set_steps(self, steps: int) -> None:
        self.count.assign(steps)
        self.model.steps_per_execution = steps

    def learning_rate(self) -> float:
        """The rate the optimizer applies at its current step, as of the last train call's end
        (what `harness.model.optimizers.learning_rate_reader` returns then)."""
        return float(self.rate.numpy())

    def _looped(self, step_function, rate=None):
        import tensorflow as tf

        one_step = tf.function(
            step_function, reduce_retracing=True, jit_compile=self.model.jit_compile
        )
        count, optimizer = self.count, self.model.optimizer

        @tf.function
        def run_steps(iterator):
            logs = one_step(iterator.get_next())  # end of data: Keras ends the loop
            for _ in tf.range(count - 1):
                batch = iterator.get_next_as_optional()
                if not batch.has_value():
                    break  # validation's last call may hold fewer batches than the count
                logs = one_step(batch.get_value())
            if rate is not None:
                rate.assign(tf.cast(optimizer.learning_rate, tf.float32))
            return logs

        return run_steps


class StepClock(keras.callbacks.Callback):
    """Measures the seconds of one training step: the median over the recent calls, leaving out
    each fit's first call (it traces)."""

    def __init__(self):
        super().__init__()
        self._recent = collections.deque(maxlen=32)
        self._begun = None
        self._first_call = True

    @property
    def step_seconds(self) -> float | None:
        return statistics.median(self._recent) if self._recent else None

    def on_train_begin(self, logs=None):
        self._first_call = True

    def on_train_batch_begin(self, batch, logs=None):
        self._begun = (batch, time.perf_counter())

    def on_train_batch_end(self, batch, logs=None):
        first_batch, started = self._begun
        if not self._first_call:
            self._recent.append((time.perf_counter() - started) / (batch - first_batch + 1))
        self._first_call = False
