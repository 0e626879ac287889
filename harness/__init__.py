"""Everything that trains and judges the zoo's models: data, devices, schedules, callbacks,
checkpoints, runs and reports. Each concern is one module; nothing here imports TensorFlow at
import time unless it must, so the command-line entry points start fast."""
