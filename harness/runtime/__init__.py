"""The process's TensorFlow runtime: the quiet import, devices, tf.distribute and the cluster.

Modules: tf_import (import TensorFlow without its native start-up log), devices (`tf.config`:
visible devices, memory growth, precision policy, XLA), distribute (the `--strategy` choice and who
writes), cluster (the `TF_CONFIG` cluster definition and the collective timeout), timing (the stage
hook the bench listens to, and a test-only stop inside a save). A library: it imports nothing
from train/ or evaluate/.
"""
