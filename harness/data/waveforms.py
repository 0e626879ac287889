"""Four-class waveform recognition: is a noisy window a sine, square, sawtooth or triangle wave?

Each example has 1 to 5 cycles in its window, a random phase, an amplitude from 0.5 to 1.5 and
Gaussian noise. Every split is its own draw from its own random stream, so no example is shared
and the splits are deterministic; the test stream does not move with the seed.
"""

import numpy as np

from harness.data import transform
from harness.errors import UsageError

TASK = "classification"
LAYOUTS = ("sequence", "flat")
DESCRIPTION = "noisy sine/square/sawtooth/triangle windows of 64 steps, 4 classes (synthetic)"
OPTIONS = {
    "n_train": (int, 4000, "training examples"),
    "n_val": (int, 500, "validation examples"),
    "n_test": (int, 1000, "test examples"),
    "steps": (int, 64, "values in one window"),
    "noise": (float, 0.1, "sigma of the Gaussian noise"),
}
CLASS_NAMES = ["sine", "square", "sawtooth", "triangle"]
CYCLES = (1.0, 5.0)
AMPLITUDE = (0.5, 1.5)


def load(*, layout, seed, normalization, n_train, n_val, n_test, steps, noise):
    """Generates the three splits and standardises them with training statistics.

    Args:
        layout: "sequence" (steps, 1) or "flat" (steps,).
        seed: seeds the train and validation draws.
        normalization: signal statistics to reuse; computed from the training split if None.
        n_train: training examples.
        n_val: validation examples.
        n_test: test examples.
        steps: values in one window.
        noise: sigma of the Gaussian noise.

    Returns:
        Classification splits with class names sine, square, sawtooth, triangle.
    """
    counts = {"train": n_train, "val": n_val, "test": n_test}
    for option, count in [("n_train", n_train), ("n_val", n_val), ("n_test", n_test)]:
        if count < 1:
            raise UsageError(f"waveforms option {option}={count} must be >= 1")
    if steps < 2:
        raise UsageError(f"waveforms option steps={steps} must be >= 2 (e.g. steps=64)")
    raw = {
        which: generate(transform.split_rng(seed, which), count, steps=steps, noise=noise)
        for which, count in counts.items()
    }
    stats = normalization or transform.fit_signal(raw["train"][0], standardize=True)
    splits = {
        which: (transform.shape_signal(transform.apply_signal(x, stats), layout), y)
        for which, (x, y) in raw.items()
    }
    params = {"steps": steps, "noise": noise, "cycles": list(CYCLES), "amplitude": list(AMPLITUDE)}
    return transform.make_splits(
        "waveforms",
        TASK,
        layout,
        splits,
        class_names=list(CLASS_NAMES),
        normalization=stats,
        info={"source": "generated", "seed": int(seed), "generator": params},
    )


def generate(rng: np.random.Generator, count: int, *, steps: int, noise: float) -> tuple:
    """Draws `count` labelled windows.

    Returns:
        (x, y): float32 windows of shape (count, steps) and int64 class indices.
    """
    labels = rng.integers(0, len(CLASS_NAMES), size=count)
    cycles = rng.uniform(*CYCLES, size=(count, 1))
    phase = rng.uniform(0.0, 1.0, size=(count, 1))
    amplitude = rng.uniform(*AMPLITUDE, size=(count, 1))
    # Position inside the current cycle, 0..1, for every step of every window.
    position = (cycles * np.arange(steps) / steps + phase) % 1.0
    shapes = np.stack(
        [
            np.sin(2 * np.pi * position),
            np.where(position < 0.5, 1.0, -1.0),
            2.0 * position - 1.0,
            1.0 - 4.0 * np.abs(position - 0.5),
        ]
    )
    clean = shapes[labels, np.arange(count)] * amplitude
    x = clean + rng.normal(0.0, noise, size=clean.shape)
    return x.astype(np.float32), labels.astype(np.int64)
