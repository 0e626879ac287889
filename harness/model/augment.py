"""Data augmentation with Keras preprocessing layers, placed inside the model.

Inside the model, the layers run only in training (Keras skips them at inference), their random
state lives in seed-generator variables that the checkpoint tracks (so resume stays exact), and
the exported model needs no separate preprocessing step.

Which augmentations a run uses is decided once, when it starts (`chosen_augmentations`), and
recorded by name in run.json's "model" section, so that resume and evaluation rebuild the same
layers, and so the same checkpoint variables, whatever this code chooses for new runs. A run.json
from before the names were recorded gets the set of that time (`recorded_augmentations`).
"""

# Digits are 8x8: one pixel of translation is 12.5%. Rotations stay small so a 6 stays a 6.
IMAGE_TRANSLATION = 0.125
IMAGE_ROTATION = 0.03  # fraction of a full turn (about 11 degrees)
IMAGE_ZOOM = 0.1
# Contrast scaled by a factor drawn from 0.8..1.2 around each image's mean: a fainter or bolder
# scan of the same digit or photo.
IMAGE_CONTRAST = 0.2
# Pixels are standardised, so a constant fill of 0 is the mean intensity: on digits it painted a
# grey stripe of false ink wherever a shift uncovered the border (the background is about -0.8).
# Repeating the nearest edge pixel extends the background, whatever the normalisation.
IMAGE_FILL_MODE = "nearest"
# Inputs are standardised, so this is noise at 5% of one standard deviation.
SEQUENCE_NOISE = 0.05
# In the order the layers run; a mirror image comes first, as in Keras's examples.
IMAGE_AUGMENTATIONS = ("flip", "translation", "rotation", "zoom", "contrast")
# What a run.json without "augmentations" was trained with (runs before 2026-12-01 evening):
# shifts, turns and zooms, and the flip for the one data set then marked flippable.
_FLIPPED_BEFORE = ("cifar10",)
_SEEDS = {name: offset for offset, name in enumerate(IMAGE_AUGMENTATIONS)}
# Image data sets keep their image augmentations when a model reads them flat or as rows of
# steps: a shifted digit is a better new example than a noisy one. Which data sets are images, of
# what shape, and which may be mirrored, the data registry says (`harness.data.image_traits`); the
# user's own images are mirrored only when they say so (--data-opt flip=yes).


def chosen_augmentations(*, augment: bool, layout: str, dataset: str, data_options=None) -> list:
    """The names of the augmentations a new run uses, in order ([] with augmentation off).

    Image inputs (and image data sets read flat or as rows) get the image augmentations, the flip
    only if the data set allows it; other inputs get "noise".
    """
    from harness.data import image_traits
    from harness.data.image_options import wants_flip

    if not augment:
        return []
    traits = image_traits(dataset)
    if traits is None and layout != "image":
        return ["noise"]
    flip = traits[1] if traits is not None else wants_flip(data_options)
    return [name for name in IMAGE_AUGMENTATIONS if flip or name != "flip"]


def run_augmentations(config, layout: str, *, resume: bool):
    """A training run's names for run.json: a new run's choice, or on --resume run.json's own
    (None for a run.json from before they were recorded: `recorded_augmentations` knows its set).
    """
    from harness.runs import read_run_json

    if resume:
        return read_run_json(config.run_dir)["model"].get("augmentations")
    return chosen_augmentations(
        augment=config.augment, layout=layout, dataset=config.dataset,
        data_options=config.data_options,
    )  # fmt: skip


def recorded_augmentations(model_info: dict, *, augment: bool, dataset: str) -> list:
    """The augmentations a run was trained with: run.json's names, or for a run.json from before
    they were recorded, the set of that time (no contrast; the flip on cifar10 only)."""
    if not augment:
        return []
    names = model_info.get("augmentations")
    if names is not None:
        return list(names)
    from harness.data import image_traits

    if image_traits(dataset) is None and model_info["layout"] != "image":
        return ["noise"]
    legacy = ["translation", "rotation", "zoom"]
    return (["flip"] if dataset in _FLIPPED_BEFORE else []) + legacy


def describe(model_info: dict, config) -> str:
    """ "flip, translation, rotation, zoom, contrast" or "off": the run's augmentations, printed
    when it starts."""
    names = recorded_augmentations(model_info, augment=config.augment, dataset=config.dataset)
    return ", ".join(names) if names else "off"


def augmentation_layers(names: list, *, layout: str, dataset: str, seed: int) -> list:
    """The Keras layers of the named augmentations, in order, for inputs of `layout`."""
    import keras

    from harness.data import image_traits

    layers = keras.layers
    if names == ["noise"]:
        return [layers.GaussianNoise(SEQUENCE_NOISE, seed=seed)]
    traits = image_traits(dataset)
    if layout != "image" and traits is not None:
        # Back to (height, width, channels) for the image layers, then to the model's layout.
        image_shape = traits[0]
        unshaped = (-1,) if layout == "flat" else (image_shape[0], -1)
        return [
            layers.Reshape(image_shape),
            *augmentation_layers(names, layout="image", dataset=dataset, seed=seed),
            layers.Reshape(unshaped),
        ]
    return [_image_layer(name, seed + _SEEDS[name]) for name in names]


def _image_layer(name: str, seed: int):
    import keras

    layers = keras.layers
    if name == "flip":
        return layers.RandomFlip("horizontal", seed=seed)
    if name == "translation":
        return layers.RandomTranslation(
            IMAGE_TRANSLATION, IMAGE_TRANSLATION, fill_mode=IMAGE_FILL_MODE, seed=seed
        )
    if name == "rotation":
        return layers.RandomRotation(IMAGE_ROTATION, fill_mode=IMAGE_FILL_MODE, seed=seed)
    if name == "zoom":
        return layers.RandomZoom(IMAGE_ZOOM, fill_mode=IMAGE_FILL_MODE, seed=seed)
    # Standardised pixels run below 0 and above 1: Keras's default clipping to 0..255 would cut
    # the background off, so nothing is clipped.
    return layers.RandomContrast(IMAGE_CONTRAST, value_range=(-1e9, 1e9), seed=seed)


def with_augmentation(model, names: list, *, layout: str, dataset: str, seed: int):
    """Wraps `model` so that the named augmentations run first; the wrapper keeps the model's
    name. With no names the model is returned as it is."""
    import keras

    if not names:
        return model
    inputs = keras.Input(model.input_shape[1:], name="inputs")
    x = inputs
    for layer in augmentation_layers(names, layout=layout, dataset=dataset, seed=seed):
        x = layer(x)
    return keras.Model(inputs, model(x), name=model.name)
