"""A run's Keras model: built from the zoo registry, wrapped with augmentation, compiled with its
recipe's optimizer and schedule, and the training state a checkpoint holds.

Modules: factory (build, compile, the inference model), optimizers (optimizers, learning-rate
schedules, the plateau callback), augment (preprocessing layers inside the model), state
(`TrainingState`: what a checkpoint restores), hparams (typing `--set` values). A library: train/,
evaluate/ and checkpoints/ use it, and it imports none of them.
"""
