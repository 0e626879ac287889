"""Small series files in every format the series loader reads, written by the tests themselves:
GunPoint-like two-class signals (a bump early or late in the series)."""

import numpy as np
import pandas as pd


def bumps(count: int, *, steps: int = 20, channels: int = 1, seed: int = 0, labels=("1", "2")):
    """(x (count, steps, channels) float64, labels as written): classes alternate, each series
    a bump at a place that tells its class, on an offset and a scale of its own, plus noise."""
    rng = np.random.default_rng(seed)
    names = np.asarray(labels, dtype=object)[np.arange(count) % len(labels)]
    centre = np.where(np.arange(count) % len(labels) == 0, 0.3, 0.7) * steps
    t = np.arange(steps)[None, :, None]
    bump = np.exp(-(((t - centre[:, None, None]) / (0.1 * steps)) ** 2))
    scale = rng.uniform(0.5, 3.0, (count, 1, channels))
    offset = rng.uniform(-5.0, 5.0, (count, 1, channels))
    noise = rng.normal(0.0, 0.05, (count, steps, channels))
    return offset + scale * (bump + noise), names


def write_tsv(path, x, labels) -> str:
    """The UCR archive's format: label first, tab-separated, no header."""
    table = pd.DataFrame(x[:, :, 0])
    table.insert(0, "label", labels)
    table.to_csv(path, sep="\t", header=False, index=False)
    return str(path)


def write_csv(path, x, labels, *, target="label") -> str:
    """A header row, a label column (here in the middle) and one column per step."""
    table = pd.DataFrame(x[:, :, 0], columns=[f"t{step}" for step in range(x.shape[1])])
    table.insert(table.shape[1] // 2, target, labels)
    table.to_csv(path, index=False)
    return str(path)


def write_npz(path, x, labels=None, **arrays) -> str:
    """x (series, steps, channels) and y, or the arrays given."""
    content = {} if x is None else {"x": x}
    if labels is not None:
        content["y"] = np.asarray(labels, dtype=str)
    np.savez(path, **{**content, **arrays})
    return str(path)


def write_lines(path, lines) -> str:
    """A hand-written text file, one string per line."""
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)
