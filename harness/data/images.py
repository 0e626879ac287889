"""The user's own image folder for classification: `images:DIR` (layout in `image_folder`).

Splits. Split folders (train/, val/ or validation/, test/) are used as they are; without val/,
validation is a stratified `--val-fraction` (default 0.1) of train/ that moves with the seed.
Without split folders, a stratified fifth is the test split, drawn with `transform.FIXED_SEED`
so that it does not move with --seed, and validation comes out of the rest as above.
`--test-data DIR2` names a separate test folder with the same class folders.

Images are decoded by TensorFlow (`image_decode`), resized to `size=` (default: the most common
size) and converted to `channels=` (default: grey if every file is grey); the defaults come from
the files' headers (`image_folder.survey`, which also refuses files above 4096x4096 pixels), read
only when an option is left out, as Keras's own loader reads none. If the decoded float32
images of every split fit in `memory_mb=`, they are decoded once and kept; above it every split
streams from the files, decoded batch by batch in the same graph. Either way every file is
decoded once before training (a file that does not decode is named then, never mid-epoch) and
the pixel statistics come from the training split only, in the pixels format of `transform`.
"""

import os

import numpy as np

from harness.data import image_decode, image_folder, image_options, transform
from harness.errors import UsageError

PREFIX = "images:"
TASK = "classification"
LAYOUTS = ("image", "flat", "sequence")
TEST_FRACTION = 0.2
VAL_FRACTION = 0.1
RAW_MAX = 255.0


def load(path, *, layout, seed=0, normalization=None, options=None, test_data=None,
         val_fraction=None):  # fmt: skip
    """Lists, splits, checks and decodes an image folder.

    Args:
        path: the folder.
        layout: "image" (H, W, C), "flat" or "sequence" (rows as steps).
        seed: picks the validation images; the test split does not move with it.
        normalization: pixel statistics (and shape) from an earlier load to reuse.
        options: {"size": "28x28", "channels": "1", "memory_mb": "512"} as typed.
        test_data: a separate test folder with the same class folders, or None.
        val_fraction: the share of the training images for validation (default 0.1).

    Returns:
        DataSplits with int64 class indices and the folder names as class names.
    """
    transform.check_layout(PREFIX + path, layout, LAYOUTS)
    chosen = image_options.folder_choices(options, normalization)
    fraction = VAL_FRACTION if val_fraction is None else transform.check_fraction(val_fraction)
    listing = image_folder.list_folder(path)
    classes = listing["classes"]
    if test_data is not None:
        listing["splits"]["test"] = _test_folder(test_data, classes)
    parts = _split(listing["splits"], fraction, seed, path)
    size, channels, sizes_found = chosen["size"], chosen["channels"], None
    if size is None or channels is None:
        # Only the defaults need the headers; given both, TensorFlow's decoding is the check.
        surveyed = image_folder.survey([file for files, _ in parts.values() for file in files])
        size = size or surveyed["size"]
        channels = channels or (1 if surveyed["grey"] else 3)
        sizes_found = surveyed["sizes"]
    examples = sum(len(files) for files, _ in parts.values())
    needed_mb = examples * size[0] * size[1] * channels * 4 / 2**20
    streaming = needed_mb > chosen["memory_mb"]
    load_splits = _streamed if streaming else _in_memory
    splits, stats = load_splits(parts, size, channels, normalization, layout)
    info = {
        "source": os.path.abspath(path),
        "split_folders": sorted(listing["splits"]) if "test" in listing["splits"] else None,
        "test_data": os.path.abspath(test_data) if test_data is not None else None,
        "files": int(examples),
        "image_size": list(size),
        "channels": int(channels),
        "sizes_found": sizes_found,
        "storage": "streaming" if streaming else "memory",
        "decoded_mb": round(needed_mb, 1),
        "memory_mb": chosen["memory_mb"],
        "val_fraction": fraction,
        "seed": int(seed),
    }
    return transform.make_splits(
        PREFIX + path, TASK, layout, splits, class_names=classes, normalization=stats, info=info
    )


def _test_folder(test_data: str, classes: list) -> list:
    other = image_folder.list_folder(test_data)
    if other["classes"] != classes or set(other["splits"]) != {"train"}:
        raise UsageError(
            f"test folder {test_data} has classes {', '.join(other['classes'])}; it needs the "
            f"training folder's class folders ({', '.join(classes)}) and no split folders"
        )
    return other["splits"]["train"]


def _split(files: dict, fraction: float, seed: int, path: str) -> dict:
    """{split: (paths, labels)}: the split folders, else a fixed stratified test part."""
    as_arrays = {
        split: (np.asarray([file for file, _ in pairs], dtype=object),
                np.asarray([label for _, label in pairs], dtype=np.int64))
        for split, pairs in files.items()
    }  # fmt: skip
    paths, labels = as_arrays["train"]
    if "test" not in as_arrays:
        kept, test = _stratified(labels, TEST_FRACTION, transform.FIXED_SEED, path)
        as_arrays["test"] = (paths[test], labels[test])
        paths, labels = paths[kept], labels[kept]
    if "val" not in as_arrays:
        kept, val = _stratified(labels, fraction, seed, path)
        as_arrays["val"] = (paths[val], labels[val])
        paths, labels = paths[kept], labels[kept]
    as_arrays["train"] = (paths, labels)
    return {split: as_arrays[split] for split in transform.SPLIT_NAMES}


def _stratified(labels: np.ndarray, fraction: float, seed: int, path: str) -> tuple:
    classes = int(labels.max()) + 1
    if len(labels) < 2 * classes:
        raise UsageError(
            f"image folder {path} has {len(labels)} images for {classes} classes; it needs at "
            "least two per class to split off validation and test images"
        )
    count = min(max(1, round(fraction * len(labels))), len(labels) - 1)
    return transform.split_off(len(labels), count, seed, labels)


def _in_memory(parts: dict, size, channels, normalization, layout) -> tuple:
    # One decoding pass over every split (the graph traced once), written in place into one
    # array whose splits are views, the training statistics measured block by block meanwhile.
    files = [file for split_files, _ in parts.values() for file in split_files]
    decoded = np.empty((len(files), *size, channels), np.float32)
    measured = _decode_and_measure(files, len(parts["train"][0]), size, channels, into=decoded)
    stats = normalization or measured
    image_decode.normalize(decoded, stats)
    splits, start = {}, 0
    for split, (split_files, labels) in parts.items():
        raw, start = decoded[start : start + len(split_files)], start + len(split_files)
        splits[split] = (transform.shape_images(raw, layout), labels)
    return splits, stats


def _streamed(parts: dict, size, channels, normalization, layout) -> tuple:
    # One pass decodes every file (each checked before training), measuring the training part.
    files = [file for split_files, _ in parts.values() for file in split_files]
    measured = _decode_and_measure(files, len(parts["train"][0]), size, channels)
    stats = normalization or measured
    splits = {
        split: (image_decode.StreamedImages(files, size, channels, stats, layout), labels)
        for split, (files, labels) in parts.items()
    }
    return splits, stats


def _decode_and_measure(files: list, train_count: int, size, channels, into=None) -> dict:
    """Decodes every file once, a block at a time (into `into`, if given), and returns the pixels
    statistics of the first `train_count`: both storage modes measure the same way, so their
    statistics agree to the last bit."""
    total = total_sq = border = 0.0
    start = 0
    for block in image_decode.decode_batches(files, size, channels):
        if into is not None:
            into[start : start + len(block)] = block
        train, start = block[: max(train_count - start, 0)], start + len(block)
        if len(train):
            flat = train.reshape(-1).astype(np.float64)  # one block, never the whole split
            # Not `flat @ flat`: BLAS wakes its threads for every block, which then spin on the
            # cores that decode the next ones.
            total, total_sq = total + float(flat.sum()), total_sq + float(np.square(flat).sum())
            border += transform.border_sum(train)
    count = train_count * size[0] * size[1] * channels
    mean = total / count / RAW_MAX
    std = max(total_sq / count / RAW_MAX**2 - mean * mean, 0.0) ** 0.5 or 1.0
    shape = (train_count, *size, channels)
    background = border / transform.border_count(shape) / RAW_MAX
    return transform.pixel_stats(mean, std, RAW_MAX, (*size, channels), background)
