"""The registry looks models up by name, refuses bad names and duplicates, and stays Keras-free."""

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import zoo
from harness.errors import UsageError
from zoo import registry

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPECTED_MODELS = {"attention", "cnn", "fcn", "gru", "lstm", "mlp", "resnet", "resnet1d", "rnn"}
OPTIMIZERS = {"sgd", "momentum", "rmsprop", "adam", "adamw"}
SCHEDULES = {"constant", "step", "exponential", "cosine", "warmup-cosine", "plateau"}
DATASETS = {"digits", "waveforms", "sine", "mnist", "cifar10"}


def test_every_family_is_registered():
    assert set(zoo.list_models()) >= EXPECTED_MODELS
    assert zoo.list_models() == sorted(zoo.list_models())


def test_unknown_model_lists_every_known_name():
    with pytest.raises(UsageError) as error:
        zoo.create_model("lstn", input_shape=(50, 1), num_outputs=1)

    assert str(error.value) == f"unknown model 'lstn'; known: {', '.join(zoo.list_models())}"
    for name in EXPECTED_MODELS:
        assert name in str(error.value)


def test_unknown_hyperparameter_names_it_and_the_known_ones():
    with pytest.raises(UsageError) as error:
        zoo.create_model("mlp", input_shape=(64,), num_outputs=10, widht=(8,))

    message = str(error.value)
    assert "widht" in message
    assert "known: batch_norm, dropout_rate, widths" in message


def test_unknown_task_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown task 'ranking'"):
        zoo.create_model("mlp", input_shape=(64,), num_outputs=10, task="ranking")


def test_registering_a_name_twice_raises():
    def throwaway_model(*, input_shape, num_outputs, task="classification"):
        """A builder that is never built."""

    register = registry.register_model(
        task="classification", default_dataset="digits", layout="flat"
    )
    try:
        register(throwaway_model)
        assert zoo.get_model_spec("throwaway_model").builder is throwaway_model
        with pytest.raises(ValueError, match="'throwaway_model' is registered already"):
            register(throwaway_model)
    finally:
        registry._REGISTRY.pop("throwaway_model", None)
    assert "throwaway_model" not in zoo.list_models()


def test_a_duplicate_leaves_the_original_in_place():
    original = zoo.get_model_spec("mlp")

    def mlp(*, input_shape, num_outputs, task="classification"):
        """An impostor."""

    with pytest.raises(ValueError, match="'mlp' is registered already"):
        registry.register_model(task="classification", default_dataset="digits", layout="flat")(mlp)
    assert zoo.get_model_spec("mlp") is original


def test_register_model_rejects_unknown_task_and_layout():
    with pytest.raises(ValueError, match="task 'ranking'"):
        registry.register_model(task="ranking", default_dataset="digits", layout="flat")
    with pytest.raises(ValueError, match="layout 'graph'"):
        registry.register_model(task="classification", default_dataset="digits", layout="graph")


@pytest.mark.timeout(60)
def test_listing_models_imports_neither_tensorflow_nor_keras():
    child = (
        "import json, sys\n"
        "import zoo\n"
        "names = zoo.list_models()\n"
        "for name in names:\n"
        "    zoo.get_model_spec(name)\n"
        "    zoo.builder_hparams(name)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(json.dumps({'names': names, 'heavy': heavy}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )

    report = json.loads(result.stdout)
    assert set(report["names"]) >= EXPECTED_MODELS
    assert report["heavy"] == []


@pytest.mark.parametrize("name", sorted(EXPECTED_MODELS))
def test_spec_is_complete(name):
    spec = zoo.get_model_spec(name)
    recipe = spec.recipe

    assert spec.name == name
    assert spec.task in registry.TASKS
    assert spec.layout in registry.LAYOUTS
    assert spec.default_dataset in DATASETS
    assert spec.description
    assert recipe.optimizer in OPTIMIZERS
    assert recipe.schedule in SCHEDULES
    assert recipe.lr > 0 and recipe.epochs > 0 and recipe.batch_size > 0
    assert 0 <= recipe.warmup_epochs < recipe.epochs


@pytest.mark.parametrize("name", sorted(EXPECTED_MODELS))
def test_builder_signature_is_typeable(name):
    builder = zoo.get_model_spec(name).builder
    parameters = inspect.signature(builder).parameters

    # Every argument is keyword-only, so builder_hparams() sees all the hyperparameters.
    assert all(p.kind == p.KEYWORD_ONLY for p in parameters.values())
    assert parameters["task"].default == zoo.get_model_spec(name).task
    for key, default in zoo.builder_hparams(name).items():
        # `--set key=value` can only spell numbers, booleans, words and lists of ints.
        values = default if isinstance(default, tuple) else (default,)
        assert values, key
        assert all(isinstance(value, (int, float, bool, str)) for value in values), key
        assert not isinstance(default, tuple) or all(isinstance(v, int) for v in default), key
