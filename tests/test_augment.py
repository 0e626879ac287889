"""Which augmentations a run uses, as run.json records them, and the runs recorded before the
names were: they rebuild the layers (and so the checkpoint variables) they were trained with."""

import keras
import numpy as np
import pytest

from harness.checkpoints.compat import check_fits
from harness.errors import UsageError
from harness.model.augment import chosen_augmentations, recorded_augmentations
from harness.model.factory import build_model
from harness.model.state import TrainingState

pytestmark = pytest.mark.timeout(120)
EVERY = ["flip", "translation", "rotation", "zoom", "contrast"]
UNFLIPPED = EVERY[1:]


@pytest.mark.parametrize(
    ("dataset", "layout", "options", "expected"),
    [
        ("digits", "image", None, UNFLIPPED),  # a mirrored 2 is no 2
        ("mnist", "image", None, UNFLIPPED),
        ("digits", "flat", None, UNFLIPPED),  # the mlp's digits are shifted as images too
        ("fashion_mnist", "image", None, EVERY),  # a mirrored shoe is a shoe
        ("cifar10", "image", None, EVERY),
        ("images:/photos", "image", None, UNFLIPPED),  # the user's own: only when they say so
        ("images:/photos", "image", {"flip": "yes"}, EVERY),
        ("images:/photos", "image", {"flip": "no"}, UNFLIPPED),
        ("waveforms", "sequence", None, ["noise"]),
    ],
)
def test_each_data_set_gets_the_augmentations_it_allows(dataset, layout, options, expected):
    chosen = chosen_augmentations(
        augment=True, layout=layout, dataset=dataset, data_options=options
    )
    assert chosen == expected
    assert chosen_augmentations(augment=False, layout=layout, dataset=dataset) == []


def test_a_flip_option_that_is_neither_yes_nor_no_is_refused():
    with pytest.raises(UsageError, match=r"flip='maybe'.*flip=yes.*flip=no"):
        chosen_augmentations(
            augment=True, layout="image", dataset="images:/p", data_options={"flip": "maybe"}
        )


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        ("digits", ["translation", "rotation", "zoom"]),
        ("fashion_mnist", ["translation", "rotation", "zoom"]),  # mirrored only since the names
        ("cifar10", ["flip", "translation", "rotation", "zoom"]),
    ],
)
def test_a_run_json_without_the_names_gets_the_set_of_its_time(dataset, expected):
    old = {"layout": "image"}
    assert recorded_augmentations(old, augment=True, dataset=dataset) == expected
    assert recorded_augmentations(old, augment=False, dataset=dataset) == []
    new = {"layout": "image", "augmentations": EVERY}
    assert recorded_augmentations(new, augment=True, dataset=dataset) == EVERY


def _model_info(**recorded):
    return {"name": "cnn", "task": "classification", "layout": "image",
            "input_shape": [8, 8, 1], "num_outputs": 10,
            "hparams": {"filters": [4, 8], "dense_units": 8}, **recorded}  # fmt: skip


def _augmentation_classes(model):
    return [type(layer).__name__ for layer in model.layers[1:-1]]


def _state(model):
    """The checkpoint root a training run saves (model, optimizer, seed-generator states...)."""
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    return TrainingState(model, optimizer)


def test_an_old_run_restores_its_checkpoint_into_the_layers_it_was_trained_with(tmp_path):
    keras.utils.set_random_seed(0)
    old = build_model(_model_info(), augment=True, dataset="digits", seed=4)
    assert _augmentation_classes(old) == ["RandomTranslation", "RandomRotation", "RandomZoom"]
    images = np.random.default_rng(0).normal(size=(4, 8, 8, 1)).astype("float32")
    old(images, training=True)  # moves the seed generators' states on
    prefix = _state(old).checkpoint.save(str(tmp_path / "old"))

    rebuilt = build_model(_model_info(), augment=True, dataset="digits", seed=4)
    restored = _state(rebuilt)
    check_fits(restored.checkpoint, prefix, "ckpt-1")
    restored.checkpoint.restore(prefix).assert_existing_objects_matched()
    for saved, loaded in zip(old.variables, rebuilt.variables):
        np.testing.assert_array_equal(saved.numpy(), loaded.numpy())
    np.testing.assert_array_equal(old(images, training=True), rebuilt(images, training=True))

    # A new run's recorded names add the contrast layer, whose state that checkpoint lacks.
    current = build_model(_model_info(augmentations=UNFLIPPED), augment=True, dataset="digits",
                          seed=4)  # fmt: skip
    assert _augmentation_classes(current)[-1] == "RandomContrast"
    with pytest.raises(UsageError, match="is in the model, not in the checkpoint"):
        check_fits(_state(current).checkpoint, prefix, "ckpt-1")


def test_the_contrast_layer_keeps_standardised_pixels_unclipped():
    keras.utils.set_random_seed(0)
    model = build_model(_model_info(augmentations=["contrast"]), augment=True, dataset="digits",
                        seed=0)  # fmt: skip
    contrast = model.layers[1]
    images = np.linspace(-2.0, 2.0, 2 * 64, dtype="float32").reshape(2, 8, 8, 1)
    changed = np.asarray(contrast(images, training=True))
    assert changed.min() < -1.5 and changed.max() > 1.5  # Keras's 0..255 clip would cut at 0
    # Each image keeps its mean: contrast scales around it.
    np.testing.assert_allclose(changed.mean(axis=(1, 2, 3)), images.mean(axis=(1, 2, 3)), atol=1e-5)
