"""Image inputs of predict.py: folders expanded to their images, files decoded as in training,
and the polarity check that inverts a dark-on-light photo for a light-on-dark model.

A run trained on an image folder (images:DIR) decoded its files with TensorFlow
(`harness.data.image_decode`); predict.py runs the same graph, so a training file predicted
here is the very example the model saw. Other pixel runs (digits, keras.datasets, pixel tables)
read images with Pillow (`predict_inputs.read_image`).

Polarity. The seeds' own exercise, a digit drawn black on white paper, is the opposite of MNIST's
white strokes on black. The training images' mean border brightness (`background` in run.json,
0..1) tells which way round they are; an input whose border is on the other side of mid-grey is
inverted (`--invert auto`, when the training background is clearly dark or light), always
(`yes`) or never (`no`). One line says what was done.
"""

from pathlib import Path

import numpy as np

from harness.data.image_folder import SUFFIXES as FOLDER_SUFFIXES
from harness.errors import UsageError

IMAGE_SUFFIXES = (*FOLDER_SUFFIXES, ".webp")
INVERT_CHOICES = ("auto", "yes", "no")
# A training background this far from mid-grey (0.5) has a polarity to match: MNIST's is 0.0.
_POLAR = 0.25


def expand_inputs(paths) -> list:
    """The input files in the order given, each folder replaced by its images (sorted, found
    anywhere below it).

    Raises:
        UsageError: a folder that holds no images.
    """
    files = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        found = [p for p in found if p.is_file() and not p.name.startswith(".")]
        if not found:
            raise UsageError(
                f"input folder {path} holds no images ({', '.join(IMAGE_SUFFIXES)}); "
                "give image files or a folder of them"
            )
        files += found
    return files


def is_image(path: Path) -> bool:
    """Whether predict.py reads `path` as an image (by its suffix)."""
    return path.suffix.lower() in IMAGE_SUFFIXES


def decode_like_training(paths: list, normalization: dict) -> np.ndarray:
    """Images of an images:DIR run, decoded by training's graph: (n, H, W, C) in 0..255.

    Raises:
        UsageError: a file that is not an image, too large, or does not decode, named.
    """
    from harness.data import image_decode, image_folder

    image_folder.survey([str(path) for path in paths])
    height, width, channels = normalization["image_shape"]
    return image_decode.decode_files([str(path) for path in paths], (height, width), channels)


def match_polarity(images: dict, normalization: dict, invert: str) -> tuple:
    """Inverts the images whose polarity differs from training's, as `invert` says.

    Args:
        images: {name: raw image (H, W, C) in the run's raw range}.
        normalization: the run's pixels statistics (raw_range, background).
        invert: "auto", "yes" or "no".

    Returns:
        (the images, one line saying what was done, or None when there is nothing to say).
    """
    if invert not in INVERT_CHOICES:
        raise UsageError(f"--invert {invert!r}: give auto, yes or no")
    if not images or invert == "no":
        return images, None
    raw_max = float(normalization["raw_range"][1])
    if invert == "yes":
        return {name: raw_max - image for name, image in images.items()}, (
            f"polarity: inverted all {len(images)} image(s) (--invert yes)"
        )
    background = normalization.get("background")
    if background is None or abs(background - 0.5) < _POLAR:
        reason = "records no background" if background is None else "has a mid-grey background"
        return images, f"polarity: not checked, the run {reason}; --invert yes inverts inputs"
    flipped = [name for name, image in images.items() if _opposite(image, raw_max, background)]
    kind = "light on dark" if background < 0.5 else "dark on light"
    line = f"polarity: training images are {kind} (border brightness {background:.2f}); "
    if not flipped:
        return images, line + "every input matches"
    shown = ", ".join(map(str, flipped[:3])) + (
        f" and {len(flipped) - 3} more" * (len(flipped) > 3)
    )
    inverted = {
        name: (raw_max - image if name in flipped else image) for name, image in images.items()
    }
    return (
        inverted,
        line + f"inverted {len(flipped)} that are not: {shown} (--invert no keeps them)",
    )


def _opposite(image: np.ndarray, raw_max: float, background: float) -> bool:
    from harness.data.transform import border_mean

    border = border_mean(np.asarray(image, dtype=np.float64)[np.newaxis]) / raw_max
    return (border - 0.5) * (background - 0.5) < 0
