"""Flag parsing, recipe resolution and --set coercion (no TensorFlow needed)."""

import pytest

from harness.cli import split_pairs
from harness.config import TrainConfig, resolve_config
from harness.errors import UsageError
from harness.model.hparams import coerce_hparams
from harness.train.args import build_parser, config_from_args
from zoo import Recipe


def parse(*argv):
    return config_from_args(build_parser().parse_args(list(argv)))


def test_command_line_recipe_overrides_model_recipe():
    recipe = Recipe(optimizer="adam", lr=0.01, epochs=30, batch_size=32)
    config = resolve_config(
        parse("--model", "mlp", "--lr", "0.5", "--epochs", "2"), recipe, task="classification"
    )
    assert (config.lr, config.epochs, config.batch_size, config.optimizer) == (0.5, 2, 32, "adam")
    assert config.monitor == "val_accuracy"
    assert resolve_config(parse("--model", "lstm"), recipe, task="regression").monitor == "val_loss"


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--model", "mlp", "--lr", "abc"], "expected a number such as 0.001, got 'abc'"),
        (["--model", "mlp", "--epochs", "1.5"], "expected a whole number"),
        (["--model", "mlp", "--set", "units"], "--set takes KEY=VALUE"),
        (["--epochs", "3"], "needs --model"),
    ],
)
def test_malformed_flags_raise_one_line_usage_errors(argv, fragment):
    with pytest.raises(UsageError, match=fragment) as info:
        parse(*argv)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--optimizer", "adamx"], "unknown --optimizer 'adamx'; known: sgd, momentum"),
        (["--schedule", "linear"], "unknown --schedule 'linear'"),
        (["--epochs", "0"], "--epochs must be a positive whole number, got 0"),
        (["--batch-size", "-4"], "--batch-size must be a positive whole number"),
        (["--lr", "0"], "--lr must be a positive number, got 0.0"),
        (["--lr", "-0.001"], "--lr must be a positive number"),
        (["--schedule", "plateau", "--warmup-epochs", "2"], "plateau adapts the rate itself"),
        (["--warmup-epochs", "30", "--epochs", "5"], "fewer than --epochs"),
        (["--monitor", "val_f1"], "unknown --monitor 'val_f1'"),
    ],
)
def test_impossible_recipes_are_refused(flags, fragment):
    with pytest.raises(UsageError, match=fragment):
        resolve_config(parse("--model", "mlp", *flags), Recipe(), task="classification")


def test_set_values_take_the_type_of_the_default():
    defaults = {"units": 64, "dropout_rate": 0.2, "widths": (256, 128), "batch_norm": False}
    raw = split_pairs(["units=8", "dropout_rate=0", "widths=32,16", "batch_norm=true"], "--set")
    assert coerce_hparams(raw, defaults, "mlp") == {
        "units": 8,
        "dropout_rate": 0.0,
        "widths": (32, 16),
        "batch_norm": True,
    }
    with pytest.raises(
        UsageError, match="--set units='many' is not a valid int; the default is 64"
    ):
        coerce_hparams({"units": "many"}, defaults, "mlp")
    with pytest.raises(UsageError, match="has no hyperparameter colour; known: batch_norm"):
        coerce_hparams({"colour": "red"}, defaults, "mlp")


def test_config_round_trips_through_json_form():
    config = TrainConfig(model="gru", hparams={"units": 8}, epochs=3, seed=7)
    assert TrainConfig.from_dict(config.to_dict()) == config
