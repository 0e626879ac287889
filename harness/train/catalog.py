"""`train.py --list-models` and `--list-datasets`: quick tables that import no TensorFlow."""


def print_models() -> None:
    """Prints each model with its task, default data set and recipe."""
    from zoo import get_model_spec, list_models

    print(f"{'model':<10} {'task':<15} {'default data':<13} {'input':<9} recipe")
    for name in list_models():
        spec = get_model_spec(name)
        recipe = spec.recipe
        print(
            f"{name:<10} {spec.task:<15} {spec.default_dataset:<13} {spec.layout:<9} "
            f"{recipe.optimizer} lr={recipe.lr:g} {recipe.schedule} {recipe.epochs} epochs, "
            f"batch {recipe.batch_size}"
        )
        if spec.description:
            print(f"{'':<10} {spec.description}")


def print_datasets() -> None:
    """Prints each data set with its task and a description."""
    from harness.data import list_datasets

    print(f"{'data set':<15} {'task':<15} description")
    for name, task, description in list_datasets():
        print(f"{name:<15} {task:<15} {description}")
