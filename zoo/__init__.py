"""The model zoo: one builder module per family, looked up by name through the registry."""

from zoo.registry import (  # noqa: F401
    ModelSpec,
    Recipe,
    builder_hparams,
    check_hparams,
    create_model,
    get_model_spec,
    hparam_meanings,
    list_models,
    recorded_hparams,
    register_model,
)
