"""What train.py can show without training: `--list-models`, `--list-datasets` and
`--show-config`. Nothing here imports TensorFlow, so each answers at once."""

import dataclasses

from harness.config import RECIPE_FIELDS, TrainConfig


def print_models() -> None:
    """Prints each model with its task, default data set and what its recipe turns on."""
    from zoo import get_model_spec, list_models

    print(f"{'model':<10} {'task':<15} {'default data':<13} {'input':<9} recipe")
    for name in list_models():
        spec = get_model_spec(name)
        print(
            f"{name:<10} {spec.task:<15} {spec.default_dataset:<13} {spec.layout:<9} "
            f"{recipe_line(spec.recipe, spec.layout, spec.default_dataset)}"
        )
        if spec.description:
            print(f"{'':<10} {spec.description}")
    print("\nEach recipe in full, with every hyperparameter: train.py --model NAME --show-config")


def recipe_line(recipe, layout: str, dataset: str) -> str:
    """ "adam lr=0.003 warmup-cosine 100 epochs, batch 64, augmentation (translation, ...),
    label smoothing 0.1", the augmentations those of the model's default data set."""
    from harness.model.augment import chosen_augmentations

    batch = f"batch {recipe.batch_size}"
    if recipe.batch_share:  # zoo.Recipe.batch_share: the batch adapts to the training size
        batch = f"batch {recipe.batch_share:g} of the training set (at most {recipe.batch_size})"
    epochs = f"{recipe.epochs} epochs"
    if recipe.step_budget:  # zoo.Recipe.step_budget: fewer epochs of a larger training set
        epochs = f"{recipe.step_budget} updates (at most {recipe.epochs} epochs)"
    parts = [f"{recipe.optimizer} lr={recipe.lr:g} {recipe.schedule} {epochs}", batch]
    parts += [f"monitor {recipe.monitor}"] if recipe.monitor else []
    names = chosen_augmentations(augment=recipe.augment, layout=layout, dataset=dataset)
    parts += [f"augmentation ({', '.join(names)})"] if names else []
    parts += [f"label smoothing {recipe.label_smoothing:g}"] if recipe.label_smoothing else []
    parts += [f"early stopping {recipe.early_stopping}"] if recipe.early_stopping else []
    parts += [f"clip-norm {recipe.clip_norm:g}"] if recipe.clip_norm else []
    parts += [f"weight decay {recipe.weight_decay:g}"] if recipe.weight_decay else []
    return ", ".join(parts)


def print_datasets() -> None:
    """Prints each data set with its task and a description."""
    from harness.data import list_datasets

    print(f"{'data set':<15} {'task':<15} description")
    for name, task, description in list_datasets():
        print(f"{name:<15} {task:<15} {description}")


def print_config(prepared) -> None:
    """Prints the resolved configuration of a prepared run: the recipe as flags, every model
    hyperparameter with its value and meaning, and the checkpoint settings."""
    from harness.train.args import flag_of
    from zoo import hparam_meanings

    config, info = prepared.config, prepared.model_info
    print(
        f"{config.model} on {config.dataset}: {info['task']}, {info['layout']} inputs of shape "
        f"{tuple(info['input_shape'])}, {info['num_outputs']} outputs"
    )
    print("\nrecipe (any flag overrides it):")
    for name in RECIPE_FIELDS:
        print(f"  {flag_of(name):<18} {_value(getattr(config, name))}")
    print("\nmodel hyperparameters (--set KEY=VALUE):")
    meanings = hparam_meanings(config.model)
    for key, value in info["hparams"].items():
        print(f"  {key + '=' + _value(value):<24} {meanings.get(key, '')}")
    print("\ndata, devices and checkpoints:")
    for field in dataclasses.fields(TrainConfig):
        if field.name not in RECIPE_FIELDS and field.name not in _NOT_SHOWN:
            print(f"  {flag_of(field.name):<22} {_value(getattr(config, field.name))}")


# Shown above in other words, or not a setting of the run.
_NOT_SHOWN = ("model", "dataset", "hparams", "fold")


def _value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{key}={item}" for key, item in value.items()) or "none"
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
