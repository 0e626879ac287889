"""Decoding image files with TensorFlow, the way `keras.utils.image_dataset_from_directory` does,
once into memory or batch by batch from the files (streaming).

Every file goes through the same graph: `tf.io.decode_image` (PNG, JPEG, BMP, GIF: the first
frame), the alpha channel dropped, grey turned to RGB or RGB to grey (`tf.image` conversions), and
a bilinear `tf.image.resize` to the training size (antialiased, so a large photo shrinks without
aliasing; a file already at that size keeps its pixels). The result is float32 in 0..255. Both
modes run this graph, so a streamed example equals the in-memory one bit for bit.
"""

import os

import numpy as np

from harness.errors import UsageError

# Files named in a message, at most.
SHOWN = 5
# Files decoded in one tf.data element, looped over inside one call: tf.data's own cost per
# element is about that of reading and decoding a small PNG, so a bundle pays it once for 64
# files. Two bundles in flight per core keep every core decoding; AUTOTUNE starts at one and
# ramps up too slowly for a few hundred large elements (BENCHMARKS.md, section 9).
_BUNDLE = 64
_IN_FLIGHT = 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def decode_graph(size: tuple, channels: int):
    """A TensorFlow function from a file path to its (H, W, C) float32 image in 0..255."""
    import tensorflow as tf

    height, width = size

    def converted(image):
        colour = tf.shape(image)[-1] >= 3
        image = tf.cond(colour, lambda: image[..., :3], lambda: image[..., :1])  # no alpha
        image.set_shape([None, None, None])
        if channels == 1:
            image = tf.cond(colour, lambda: tf.image.rgb_to_grayscale(image), lambda: image)
        else:
            image = tf.cond(colour, lambda: image, lambda: tf.image.grayscale_to_rgb(image))
        image.set_shape([None, None, channels])
        same = tf.reduce_all(tf.shape(image)[:2] == [height, width])
        return tf.cond(
            same,
            lambda: tf.cast(image, tf.float32),
            lambda: tf.image.resize(image, (height, width), antialias=True),
        )

    # Plain TensorFlow ops (tf.cond, no Python branches on tensors): AutoGraph's conversion of
    # this function would only cost time, most of a small folder's load.
    @tf.autograph.experimental.do_not_convert
    def decode(path):
        image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
        image.set_shape([None, None, None])
        shape = tf.shape(image)
        # Most files have the training size and channels already (with an alpha channel, at
        # most): they are only cast, the same values `converted` gives, at a fraction of its
        # per-file operations.
        ready = tf.logical_and(
            tf.logical_or(shape[2] == channels, shape[2] == channels + 1),
            tf.reduce_all(shape[:2] == [height, width]),
        )
        image = tf.cond(
            ready, lambda: tf.cast(image[..., :channels], tf.float32), lambda: converted(image)
        )
        image.set_shape([height, width, channels])
        return image

    return decode


def decode_files(paths: list, size: tuple, channels: int) -> np.ndarray:
    """Decodes every file into memory: float32 (n, H, W, C) images in 0..255.

    Raises:
        UsageError: files that TensorFlow cannot decode, the first few and the count named.
    """
    images = np.empty((len(paths), *size, channels), np.float32)
    start = 0
    for block in decode_batches(paths, size, channels):
        images[start : start + len(block)] = block  # filled in place: no second copy
        start += len(block)
    return images


def decode_batches(paths: list, size: tuple, channels: int):
    """Yields the decoded images in file order, a bundle at a time, so that a split larger than
    memory can be checked and measured; the files that do not decode are named at the end,
    before anything trains.

    Raises:
        UsageError: files that TensorFlow cannot decode, the first few and the count named.
    """
    from harness.runtime.tf_import import import_tensorflow

    # predict.py decodes its images while it checks its inputs, before the command's own
    # import: quietly here too, or TensorFlow's native start-up lines reach the user.
    tf = import_tensorflow()
    decode = decode_graph(size, channels)
    spec = tf.TensorSpec((*size, channels), tf.float32)

    @tf.autograph.experimental.do_not_convert
    def decode_bundle(number, bundle):
        return number, tf.map_fn(decode, bundle, fn_output_signature=spec, parallel_iterations=1)

    # One UTF-8 bytes array converts to a tensor at once; a list of 50,000 strings takes seconds.
    names = np.char.encode(np.asarray([str(path) for path in paths], dtype=str), "utf-8")
    dataset = tf.data.Dataset.from_tensor_slices(names).batch(_BUNDLE).enumerate()
    dataset = dataset.map(decode_bundle, num_parallel_calls=_IN_FLIGHT, deterministic=True)
    # A bundle with a file that fails to decode is dropped here; its files are checked below.
    dataset = dataset.ignore_errors().prefetch(tf.data.AUTOTUNE)
    seen = []
    for number, block in dataset.as_numpy_iterator():
        seen.append(int(number))
        yield block
    failed = sorted(set(range(-(-len(paths) // _BUNDLE))) - set(seen))
    suspects = [path for number in failed for path in paths[number * _BUNDLE :][:_BUNDLE]]
    if suspects:
        _refuse_undecodable(suspects, decode)


def _refuse_undecodable(suspects: list, decode) -> None:
    """Decodes the files of the failed bundles one by one and names those that fail."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices(
        (np.arange(len(suspects)), np.char.encode(np.asarray(suspects, dtype=str), "utf-8"))
    )
    dataset = dataset.map(lambda index, path: (index, decode(path))).ignore_errors()
    decoded = {int(index) for index, _ in dataset.as_numpy_iterator()}
    bad = [path for index, path in enumerate(suspects) if index not in decoded]
    shown = ", ".join(str(path) for path in bad[:SHOWN])
    more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
    raise UsageError(
        f"{len(bad)} file(s) are not decodable images: {shown}{more}; "
        "replace or remove them (PNG, JPEG, BMP and GIF are read)"
    )


class StreamedImages:
    """A split that stays on disk: decoded, resized and normalised batch by batch.

    It stands where an array would in `DataSplits` (len, shape, dtype), and the training
    pipeline reads it through `gather(indices)`, so an epoch's order is the same pure function
    of (seed, epoch) as for arrays. `np.asarray` decodes the whole split (evaluation).
    """

    def __init__(self, paths: list, size: tuple, channels: int, stats: dict, layout: str):
        self.paths = [str(path) for path in paths]
        self.size, self.channels, self.stats, self.layout = tuple(size), channels, stats, layout
        image_shape = (*self.size, channels)
        flat = int(np.prod(image_shape))
        per_layout = {"image": image_shape, "flat": (flat,), "sequence": (size[0], flat // size[0])}
        self.shape = (len(self.paths), *per_layout[layout])
        self.dtype = np.dtype(np.float32)
        self.ndim = len(self.shape)

    def __len__(self) -> int:
        return len(self.paths)

    def gather(self, indices):
        """The normalised examples at `indices` (a 1-D int tensor), decoded from their files."""
        import tensorflow as tf

        decode = decode_graph(self.size, self.channels)
        paths = tf.gather(tf.constant(self.paths), indices)
        images = tf.map_fn(
            decode, paths, fn_output_signature=tf.TensorSpec((*self.size, self.channels))
        )
        images = normalize(images, self.stats)
        return tf.reshape(images, [-1, *self.shape[1:]])

    def __array__(self, dtype=None, copy=None):
        images = decode_files(self.paths, self.size, self.channels)
        examples = normalize(images, self.stats).reshape(self.shape)
        return examples if dtype is None else examples.astype(dtype)


def normalize(images, stats: dict):
    """(x / 255 - mean) / std in float32, the pixels format's formula; NumPy arrays stay NumPy
    (in place), tensors stay tensors, with the same float32 operations in the same order."""
    mean, std = np.float32(stats["mean"]), np.float32(stats["std"])
    if isinstance(images, np.ndarray):
        images /= np.float32(255.0)
        images -= mean
        images /= std
        return images
    return (images / np.float32(255.0) - mean) / std
