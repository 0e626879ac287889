"""Data augmentation with Keras preprocessing layers, placed inside the model.

Inside the model, the layers run only in training (Keras skips them at inference), their random
state lives in seed-generator variables that the checkpoint tracks (so resume stays exact), and
the exported model needs no separate preprocessing step.
"""

# Digits are 8x8: one pixel of translation is 12.5%. Rotations stay small so a 6 stays a 6.
IMAGE_TRANSLATION = 0.125
IMAGE_ROTATION = 0.03  # fraction of a full turn (about 11 degrees)
IMAGE_ZOOM = 0.1
# Pixels are standardised, so a constant fill of 0 is the mean intensity: on digits it painted a
# grey stripe of false ink wherever a shift uncovered the border (the background is about -0.8).
# Repeating the nearest edge pixel extends the background, whatever the normalisation.
IMAGE_FILL_MODE = "nearest"
# Inputs are standardised, so this is noise at 5% of one standard deviation.
SEQUENCE_NOISE = 0.05
# Image data sets keep their image augmentations when a model reads them flat or as rows of
# steps: a shifted digit is a better new example than a noisy one. Which data sets are images, of
# what shape, and which may be mirrored, the data registry says (`harness.data.image_traits`).


def augmentation_layers(layout: str, dataset: str, seed: int) -> list:
    """Returns the augmentation layers that fit this data, in order."""
    import keras

    from harness.data import image_traits

    layers = keras.layers
    traits = image_traits(dataset)
    if layout != "image" and traits is not None:
        # Back to (height, width, channels) for the image layers, then to the model's layout.
        image_shape = traits[0]
        unshaped = (-1,) if layout == "flat" else (image_shape[0], -1)
        return [
            layers.Reshape(image_shape),
            *augmentation_layers("image", dataset, seed),
            layers.Reshape(unshaped),
        ]
    if layout == "image":
        chosen = []
        if traits is not None and traits[1]:
            chosen.append(layers.RandomFlip("horizontal", seed=seed))
        chosen += [
            layers.RandomTranslation(
                IMAGE_TRANSLATION, IMAGE_TRANSLATION, fill_mode=IMAGE_FILL_MODE, seed=seed + 1
            ),
            layers.RandomRotation(IMAGE_ROTATION, fill_mode=IMAGE_FILL_MODE, seed=seed + 2),
            layers.RandomZoom(IMAGE_ZOOM, fill_mode=IMAGE_FILL_MODE, seed=seed + 3),
        ]
        return chosen
    return [layers.GaussianNoise(SEQUENCE_NOISE, seed=seed)]


def with_augmentation(model, layout: str, dataset: str, seed: int):
    """Wraps `model` so that augmentation runs first; the wrapper keeps the model's name."""
    import keras

    inputs = keras.Input(model.input_shape[1:], name="inputs")
    x = inputs
    for layer in augmentation_layers(layout, dataset, seed):
        x = layer(x)
    return keras.Model(inputs, model(x), name=model.name)
