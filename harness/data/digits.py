"""scikit-learn's bundled 8x8 handwritten digits: 1797 images with values 0..16, 10 classes.

The test split is always `train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)`, so
figures compare with other tools that use the same split (a tuned SVC reaches 0.9917 on it).
Validation (about 10% of all data, stratified) comes out of the training part and moves with
the seed.
"""

import numpy as np

from harness.data import transform

TASK = "classification"
LAYOUTS = ("image", "flat", "sequence")
DESCRIPTION = "scikit-learn 8x8 handwritten digits, 1797 images, 10 classes (offline)"
OPTIONS = {}
CLASS_NAMES = [str(digit) for digit in range(10)]
RAW_MAX = 16.0
IMAGE_SHAPE = (8, 8, 1)
VAL_FRACTION_OF_ALL = 0.1


def load(*, layout: str, seed: int = 0, normalization: dict | None = None):
    """Loads the digits as images, flat vectors or 8 steps of 8 pixels.

    Args:
        layout: "image" (8, 8, 1), "flat" (64,) or "sequence" (8, 8).
        seed: picks the validation examples; the test split never moves.
        normalization: pixel statistics to reuse; computed from the training split if None.

    Returns:
        The splits, standardised with training statistics.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_all, y_all = digits.data, digits.target.astype(np.int64)
    x_rest, x_test, y_rest, y_test = train_test_split(
        x_all, y_all, test_size=0.2, random_state=0, stratify=y_all
    )
    splits, stats = transform.image_splits(
        (x_rest.reshape((-1,) + IMAGE_SHAPE), y_rest),
        (x_test.reshape((-1,) + IMAGE_SHAPE), y_test),
        val_size=int(round(VAL_FRACTION_OF_ALL * len(y_all))),
        seed=seed,
        raw_max=RAW_MAX,
        layout=layout,
        normalization=normalization,
    )
    return transform.make_splits(
        "digits",
        TASK,
        layout,
        splits,
        class_names=list(CLASS_NAMES),
        normalization=stats,
        info={
            "source": "sklearn.datasets.load_digits",
            "seed": int(seed),
            "test_split": "train_test_split(test_size=0.2, random_state=0, stratify=y)",
        },
    )
