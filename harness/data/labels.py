"""Class labels as the user's files write them: the sorted class names, and class indices."""

import numpy as np

from harness.errors import UsageError


def class_names_of(labels: np.ndarray, where: str, examples: str = "examples") -> list:
    """The distinct labels as written, sorted by value when all are numbers ("2" before "10").

    Raises:
        UsageError: one class only; `where` names the file, `examples` what it holds.
    """
    names = sorted(set(labels.tolist()))
    try:
        names.sort(key=float)
    except ValueError:
        pass
    if len(names) < 2:
        raise UsageError(
            f"{where} holds one class only ({names[0]!r}); classification needs "
            f"{examples} of two or more classes"
        )
    return names


def encode_labels(labels: np.ndarray, class_names: list, where: str) -> np.ndarray:
    """Class indices (int64) of labels as written; a label unseen in training is refused."""
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(labels.tolist()) - set(index))
    if unknown:
        raise UsageError(
            f"{where} has labels the training file lacks: {', '.join(unknown[:5])}; "
            f"known: {', '.join(class_names)}"
        )
    return np.array([index[label] for label in labels], dtype=np.int64)
