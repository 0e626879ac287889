"""The image options of the user's own data, as typed after --data-opt, checked before loading.

- `size=HxW`: the height and width every image is resized to (images:DIR).
- `channels=1|3`: grey or colour (images:DIR).
- `memory_mb=N`: the budget for keeping decoded images in memory (images:DIR).
- `flip=yes|no`: whether --augment may mirror the images left to right (every image source;
  default no: a mirrored digit or letter is no longer its class, a mirrored cat still is).
- `image=HxW`, `HxWx1` or `HxWx3`: how the pixel columns of a csv:PATH table or the values of a
  .npz array make an image.
"""

import math

from harness.errors import UsageError

# Decoded float32 images up to this many megabytes stay in memory; above it they stream from the
# files. 1 GB holds 300,000 28x28 grey images, or 80,000 32x32 colour ones.
DEFAULT_MEMORY_MB = 1024
MAX_SIDE = 4096
FLIP_OPTION = {"flip": (str, "no", "yes: --augment also mirrors images left to right")}
FOLDER_OPTIONS = {
    "size": (str, None, "HxW every image is resized to (default: the most common size)"),
    "channels": (int, None, "1 (grey) or 3 (colour); default grey if every file is grey"),
    "memory_mb": (float, DEFAULT_MEMORY_MB, "above this, images stream from the files"),
    **FLIP_OPTION,
}
TABLE_OPTIONS = {
    "image": (str, None, "HxW, HxWx1 or HxWx3: pixel columns as an image"),
    **FLIP_OPTION,
}
_YES, _NO = ("yes", "true", "1", "on"), ("no", "false", "0", "off")


def check_names(options: dict, known: dict, what: str) -> dict:
    """Returns the options if every name is one of `known`."""
    options = dict(options or {})
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise UsageError(
            f"{what} has no option {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
        )
    return options


def parse_size(text: str, option: str = "size") -> tuple:
    """(height, width) from "HxW", each side a whole number from 1 to MAX_SIDE."""
    parts = str(text).lower().split("x")
    sides = _sides(parts) if len(parts) == 2 else None
    if sides is None:
        raise UsageError(
            f"option {option}={text!r} is not HxW; give the height and width in pixels, "
            f"e.g. {option}=28x28 (each side 1 to {MAX_SIDE})"
        )
    return sides


def parse_channels(text) -> int:
    """1 or 3."""
    if str(text).strip() not in ("1", "3"):
        raise UsageError(f"option channels={text!r}: give channels=1 (grey) or channels=3 (colour)")
    return int(text)


def parse_memory(text) -> float:
    """A budget in megabytes above 0."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"option memory_mb={text!r} must be a number of megabytes above 0")
    return value


def wants_flip(options) -> bool:
    """Whether the user's own images may be mirrored: `flip=yes` (or true, 1, on).

    Raises:
        UsageError: a value that is neither yes nor no.
    """
    text = str((options or {}).get("flip", "no")).strip().lower()
    if text not in _YES + _NO:
        raise UsageError(
            f"option flip={text!r}: give flip=yes if a mirror image is still of its class "
            "(photos of objects), flip=no if not (digits, letters)"
        )
    return text in _YES


def parse_image_shape(text: str) -> tuple:
    """(height, width, channels) from "HxW" (grey), "HxWx1" or "HxWx3"."""
    parts = str(text).lower().split("x")
    sides = _sides(parts[:2]) if len(parts) in (2, 3) else None
    channels = parts[2].strip() if len(parts) == 3 else "1"
    if sides is None or channels not in ("1", "3"):
        raise UsageError(
            f"option image={text!r} is not HxW, HxWx1 or HxWx3; e.g. image=28x28 for Kaggle's "
            "digit-recognizer table, image=32x32x3 for colour (channels last: r, g, b per pixel)"
        )
    return (*sides, int(channels))


def _sides(parts: list):
    try:
        sides = tuple(int(part.strip()) for part in parts)
    except ValueError:
        return None
    return sides if all(1 <= side <= MAX_SIDE for side in sides) else None


def folder_choices(options: dict, normalization) -> dict:
    """{"size": (h, w) or None, "channels": 1, 3 or None, "memory_mb": budget} for images:DIR,
    with a run's recorded shape where it has one; a typed shape must agree with it."""
    options = check_names(options, FOLDER_OPTIONS, "image folder data")
    size = parse_size(options["size"]) if "size" in options else None
    channels = parse_channels(options["channels"]) if "channels" in options else None
    memory = parse_memory(options.get("memory_mb", DEFAULT_MEMORY_MB))
    wants_flip(options)
    if normalization:
        height, width, recorded = normalization["image_shape"]
        if size not in (None, (height, width)) or channels not in (None, recorded):
            raise UsageError(
                f"the run was trained on {height}x{width} images with {recorded} channel(s); "
                "leave size= and channels= out to use the run's"
            )
        size, channels = (height, width), recorded
    return {"size": size, "channels": channels, "memory_mb": memory}
