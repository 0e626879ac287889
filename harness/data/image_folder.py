"""Finding the images of a folder: one subfolder per class, split folders, and what the files are.

Layout (the one `keras.utils.image_dataset_from_directory` reads): DIR/<class>/... with the
images anywhere below each class folder. If DIR holds `train/` and `test/` (and optionally
`val/` or `validation/`), those are the splits, each with the same class folders. Files are
listed in sorted order, so the same folder gives the same list on every file system; hidden
files and files that are not images by their suffix are passed over, as Keras's loader does.

The survey reads each file's header with Pillow (no pixels decoded): its size and whether it is
grey, for the defaults of `size=` and `channels=`, refusing a file that is not an image or is too
large to decode before TensorFlow decodes anything. predict.py surveys its inputs always.
"""

import collections
import os
import warnings
from pathlib import Path

from harness.errors import UsageError

SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
SPLIT_FOLDERS = {"train": ("train",), "val": ("val", "validation"), "test": ("test",)}
# 4096 x 4096: a larger (or hostile) file would take hundreds of megabytes to decode.
MAX_IMAGE_PIXELS = 4096 * 4096
_GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F")
_SHOWN = 5


def list_folder(folder: str) -> dict:
    """The labelled files of an image folder, by split.

    Returns:
        {"classes": sorted class names, "splits": {"train": [(path, class index)], ...}} with
        "val" and "test" present only when the folder has them.

    Raises:
        UsageError: a missing or empty folder, one class only, an empty class folder, or split
            folders whose class sets differ.
    """
    root = Path(folder)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "not found"
        raise UsageError(
            f"image folder {folder!r} {what}; give images:DIR, a folder with one subfolder of "
            "images per class"
        )
    subfolders = _subfolders(root)
    named = {
        split: _split_folder(root, subfolders, names) for split, names in SPLIT_FOLDERS.items()
    }
    if (named["train"] is None) != (named["test"] is None):
        have, lack = ("train", "test") if named["test"] is None else ("test", "train")
        raise UsageError(
            f"image folder {folder} has {have}/ but no {lack}/; give both (and optionally val/) "
            "or put the class folders directly in it for a stratified split"
        )
    if named["train"] is None:
        files = {"train": _class_files(root, folder)}
    else:
        extra = sorted(set(subfolders) - {path.name for path in named.values() if path})
        if extra:
            raise UsageError(
                f"image folder {folder} has train/ and test/ and also {', '.join(extra)}; "
                "keep only train/, val/ (or validation/) and test/, or no split folders"
            )
        files = {split: _class_files(path, str(path)) for split, path in named.items() if path}
    classes = sorted(files["train"])
    for split, by_class in files.items():
        if split != "train" and sorted(by_class) != classes:
            _refuse_class_sets(folder, split, classes, sorted(by_class))
    return {
        "classes": classes,
        "splits": {
            split: [(path, classes.index(name)) for name in classes for path in by_class[name]]
            for split, by_class in files.items()
        },
    }


def _subfolders(root: Path) -> list:
    return sorted(entry.name for entry in os.scandir(root) if _visible_dir(entry))


def _visible_dir(entry) -> bool:
    return entry.is_dir() and not entry.name.startswith(".")


def _split_folder(root: Path, subfolders: list, names: tuple):
    found = [name for name in names if name in subfolders]
    return root / found[0] if found else None


def _class_files(folder: Path, shown: str) -> dict:
    """{class name: sorted image paths under its folder}, every class with at least one."""
    classes = _subfolders(folder)
    if not classes:
        loose = sum(1 for path in folder.iterdir() if path.suffix.lower() in SUFFIXES)
        hint = f" (its {loose} images must go in one subfolder per class)" if loose else ""
        raise UsageError(
            f"image folder {shown} has no class subfolders{hint}; put each class's images in "
            "a subfolder named after the class"
        )
    if len(classes) == 1:
        raise UsageError(
            f"image folder {shown} has one class only ({classes[0]!r}); classification needs "
            "two or more class subfolders"
        )
    files = {name: _images_under(folder / name) for name in classes}
    empty = [name for name, paths in files.items() if not paths]
    if empty:
        raise UsageError(
            f"image folder {shown}: class folder(s) {', '.join(empty[:_SHOWN])} hold no images "
            f"({', '.join(SUFFIXES)}); add images or remove the folder"
        )
    return files


def _images_under(folder: Path) -> list:
    # Plain strings, not Path objects: a folder of 50,000 files is listed in a fraction of the time.
    found = []
    for parent, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        found += [
            os.path.join(parent, name)
            for name in names
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in SUFFIXES
        ]
    return sorted(found)


def _refuse_class_sets(folder: str, split: str, classes: list, others: list) -> None:
    missing, extra = sorted(set(classes) - set(others)), sorted(set(others) - set(classes))
    parts = [f"lacks {', '.join(missing[:_SHOWN])}" if missing else ""]
    parts.append(f"has {', '.join(extra[:_SHOWN])} that train/ lacks" if extra else "")
    raise UsageError(
        f"image folder {folder}: {split}/ {' and '.join(part for part in parts if part)}; every "
        "split folder needs the same class subfolders as train/"
    )


def survey(paths: list) -> dict:
    """Reads every file's header: the most common (height, width) and whether all are grey.

    Raises:
        UsageError: files that are not images or exceed MAX_IMAGE_PIXELS, named.
    """
    from PIL import Image, UnidentifiedImageError

    sizes, grey, bad, large = collections.Counter(), True, [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        for path in paths:
            try:
                with Image.open(path) as image:
                    width, height = image.size
                    grey = grey and _is_grey(image)
            except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
                bad.append(path)
                continue
            if width * height > MAX_IMAGE_PIXELS:
                large.append(f"{path} ({width}x{height})")
            sizes[(height, width)] += 1
    if bad:
        _refuse(bad, "are not images Pillow or TensorFlow can read (PNG, JPEG, BMP, GIF)")
    if large:
        _refuse(large, "are larger than 4096x4096 pixels; shrink them first")
    # The most common size; ties go to the largest, so that no image is needlessly shrunk.
    (height, width), _ = max(sizes.items(), key=lambda item: (item[1], item[0]))
    return {"size": (height, width), "grey": grey, "sizes": len(sizes)}


def _is_grey(image) -> bool:
    if image.mode in _GREY_MODES:
        return True
    if image.mode in ("P", "PA"):
        palette = image.getpalette() or []
        return all(
            palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette), 3)
        )
    return False


def _refuse(files: list, problem: str) -> None:
    shown = ", ".join(map(str, files[:_SHOWN]))
    more = f" and {len(files) - _SHOWN} more" if len(files) > _SHOWN else ""
    raise UsageError(f"{len(files)} file(s) {problem}: {shown}{more}")
