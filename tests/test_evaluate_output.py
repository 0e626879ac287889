"""evaluate.py's output is the progress and the table: TensorFlow's retracing warnings, which a
batch of runs would trigger (one traced forward function per restored model), are not shown."""

import logging

import keras
import numpy as np

from harness.evaluate.predict import predict_timed


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_predicting_with_many_models_logs_no_retracing_warning():
    import tensorflow as tf

    collected = Collect()
    tf.get_logger().addHandler(collected)
    try:
        x = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
        for units in range(1, 9):  # more models than TensorFlow's threshold of 5
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units)])
            outputs = predict_timed(model, x, batch_size=8).outputs
            np.testing.assert_allclose(outputs, model.predict(x, verbose=0), atol=1e-6)
    finally:
        tf.get_logger().removeHandler(collected)
    assert not [message for message in collected.messages if "retracing" in message]
