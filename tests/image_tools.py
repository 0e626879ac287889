"""Small image folders written by the tests with Pillow: a light block on a dark background
whose place tells the class, so that a tiny network learns it in a few epochs."""

from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ("circle", "square", "triangle")


def pattern(label: int, *, size=(12, 12), channels=1, seed=0, invert=False) -> np.ndarray:
    """(H, W, C) uint8: a light block whose place names the class, on a dark noisy background
    that fills the border (so the images have a clear polarity: light on dark)."""
    rng = np.random.default_rng(seed)
    height, width = size
    image = rng.integers(0, 40, (height, width, channels)).astype(np.int64)
    top = 1 + (label % 2) * (height // 2)
    left = 1 + (label // 2) * (width // 2)
    image[top : top + height // 3, left : left + width // 3] += 200
    if channels == 3:
        image[..., label % 3] = np.minimum(image[..., label % 3] + 15, 255)
    image = np.clip(image, 0, 255).astype(np.uint8)
    return 255 - image if invert else image


def save(path, pixels: np.ndarray) -> Path:
    """Writes (H, W, 1 or 3) pixels to `path` in the format its suffix names."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "L" if pixels.shape[-1] == 1 else "RGB"
    Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode).save(path)
    return path


def write_folder(root, *, per_class=8, classes=CLASSES, size=(12, 12), channels=1,
                 suffix=".png", seed=0, start=0) -> Path:  # fmt: skip
    """root/<class>/<n><suffix> for every class: `per_class` images each."""
    root = Path(root)
    for label, name in enumerate(classes):
        for index in range(start, start + per_class):
            pixels = pattern(label, size=size, channels=channels, seed=seed * 1000 + index)
            save(root / name / f"{index:03d}{suffix}", pixels)
    return root


def write_split_folders(root, *, train=8, test=4, val=0, **options) -> Path:
    """root/train/<class>/..., root/test/<class>/... (and root/val/ when val > 0)."""
    root = Path(root)
    write_folder(root / "train", per_class=train, **options)
    write_folder(root / "test", per_class=test, start=train, **options)
    if val:
        write_folder(root / "val", per_class=val, start=train + test, **options)
    return root
