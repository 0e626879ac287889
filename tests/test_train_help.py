"""Help that helps: every flag of train.py says what it does and its default, --show-config prints
the resolved recipe and every hyperparameter without training, --list-models what recipes turn on.
"""

import argparse

import pytest

import train
import zoo
from harness.train.args import build_parser


def test_every_flag_has_a_description_and_its_default():
    for action in build_parser()._actions:
        if action.dest == "help" or action.help == argparse.SUPPRESS:
            continue  # a hidden old spelling (--save-every-steps) is documented by its new one
        assert action.help, action.option_strings
        # A flag that only prints and exits has no default to tell.
        assert "default" in action.help or "exit" in action.help, action.option_strings


def test_help_lists_the_data_sets_of_the_registry(capsys):
    with pytest.raises(SystemExit):
        train.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    from harness.data import dataset_specs

    assert ", ".join(dataset_specs()) in out


@pytest.mark.parametrize("name", zoo.list_models())
def test_show_config_prints_the_resolved_recipe_and_every_hyperparameter(
    name, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert train.main(["--model", name, "--lr", "0.25", "--show-config"]) == 0
    out = capsys.readouterr().out
    spec = zoo.get_model_spec(name)
    assert out.startswith(f"{name} on {spec.default_dataset}: {spec.task}")
    assert "  --lr               0.25\n" in out  # the typed value, not the recipe's
    assert f"  --epochs           {spec.recipe.epochs}\n" in out
    meanings = zoo.hparam_meanings(name)
    for key in zoo.builder_hparams(name):
        line = next(line for line in out.splitlines() if line.startswith(f"  {key}="))
        assert meanings[key] and line.endswith(meanings[key])
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


def test_show_config_records_the_warmup_a_schedule_applies(capsys):
    assert train.main(["--model", "mlp", "--epochs", "40", "--show-config"]) == 0
    assert "  --warmup-epochs    2\n" in capsys.readouterr().out  # 5% of 40


def test_list_models_says_what_each_recipe_turns_on(capsys):
    assert train.main(["--list-models"]) == 0
    out = capsys.readouterr().out
    mlp = next(line for line in out.splitlines() if line.startswith("mlp "))
    assert "warmup-cosine" in mlp and "augmentation" in mlp and "label smoothing 0.1" in mlp
    lstm = next(line for line in out.splitlines() if line.startswith("lstm "))
    assert "augmentation" not in lstm and "label smoothing" not in lstm
    vgg = next(line for line in out.splitlines() if line.startswith("vgg "))
    assert "800 updates (at most 40 epochs)" in vgg  # the epochs adapt to the training size


@pytest.mark.parametrize(
    "argv",
    [
        ["--model", "mlp", "--schedule", "step", "--warmup-epochs", "2"],
        ["--model", "cnn", "--dataset", "sine"],
        ["--model", "mlp", "--dataset", "csv:missing.csv", "--target", "y"],
        ["--model", "mlp", "--set", "colour=red"],
    ],
)
def test_bad_input_is_answered_before_tensorflow_is_imported(argv, tmp_path):
    from tests.eval_tools import train_in_a_fresh_process

    outcome, stderr = train_in_a_fresh_process(argv, tmp_path)
    assert outcome == ["2", "False", "False"], stderr
    assert list(tmp_path.iterdir()) == []
