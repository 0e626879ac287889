"""The train.py command line: flags and their parsing into a `TrainConfig`.

Every flag's default is the `TrainConfig` field of the same name (argparse's default is None,
meaning "not given"). Importing this module must not import TensorFlow or NumPy: `train.py --help`
and `--list-models` answer at once.
"""

import argparse
import dataclasses

from harness.cli import OneLineParser, positive_number, split_pairs, whole_number
from harness.config import (
    DEVICES_HELP,
    OPTIMIZERS,
    SCHEDULES,
    STRATEGIES,
    TrainConfig,
    parse_save_every,
)
from harness.errors import UsageError

# Flags whose parsed value is not yet the field's: KEY=VALUE pairs, split into a dict.
_PAIR_FLAGS = {"data_options": "--data-opt", "hparams": "--set"}


class TrainParser(OneLineParser):
    """train.py's parser. The data registry imports NumPy, so its names are read into the help of
    --dataset only when help is shown; any other use of the parser stays quick."""

    def format_help(self):
        from harness.data import dataset_specs

        for action in self._actions:
            if action.dest == "dataset":
                action.help = f"{', '.join(dataset_specs())} (default: the model's own)"
        return super().format_help()


RECIPE = "default: the model's recipe, see --show-config"


def build_parser() -> TrainParser:
    """Returns the parser for train.py. Every flag says what it does and what it defaults to."""
    parser = TrainParser(
        prog="train.py",
        description="Train a zoo model. Recipe flags left out take the model's tuned recipe: "
        "train.py --model NAME --show-config prints it, with every hyperparameter.",
    )
    _add_what_flags(parser.add_argument_group("what to train"))
    recipe = parser.add_argument_group("recipe")
    recipe.add_argument("--epochs", type=whole_number, help=f"epochs to train ({RECIPE})")
    recipe.add_argument(
        "--batch-size", type=whole_number, help=f"global batch size, over every replica ({RECIPE})"
    )
    recipe.add_argument("--lr", type=positive_number, help=f"peak learning rate ({RECIPE})")
    recipe.add_argument("--optimizer", help=f"{', '.join(OPTIMIZERS)} ({RECIPE})")
    recipe.add_argument(
        "--schedule", help=f"learning-rate schedule: {', '.join(SCHEDULES)} ({RECIPE})"
    )
    recipe.add_argument(
        "--warmup-epochs",
        type=whole_number,
        help=f"epochs of linear warm-up to the peak rate; warmup-cosine uses 5%% ({RECIPE})",
    )
    recipe.add_argument(
        "--early-stopping",
        type=whole_number,
        metavar="PATIENCE",
        help=f"stop after PATIENCE epochs without a better --monitor and keep the best weights; "
        f"0 is off ({RECIPE})",
    )
    recipe.add_argument(
        "--clip-norm",
        type=positive_number,
        help=f"clip the gradients to this global norm ({RECIPE})",
    )
    recipe.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="random shifts, turns, zooms and contrast of images, and mirror images where the "
        "data set allows it (cifar10, fashion_mnist, your own with --data-opt flip=yes); noise "
        f"on signals; a run prints and records which ({RECIPE})",
    )
    recipe.add_argument(
        "--weight-decay",
        type=positive_number,
        help=f"decoupled weight decay, adamw only ({RECIPE})",
    )
    recipe.add_argument(
        "--label-smoothing",
        type=positive_number,
        help=f"share of each label spread over the other classes ({RECIPE})",
    )
    recipe.add_argument(
        "--seed",
        type=whole_number,
        help=f"seeds weights, batch order and the validation split (default {TrainConfig.seed})",
    )
    _add_device_flags(parser.add_argument_group("devices"))
    _add_run_flags(parser.add_argument_group("run folder and checkpoints"))
    _add_cv_flags(parser.add_argument_group("cross-validation"))
    return parser


def _add_cv_flags(group) -> None:
    group.add_argument(
        "--folds",
        type=whole_number,
        metavar="K",
        help="train K runs, each validating on one of K stratified folds of the training data, "
        "under one parent folder with cv_summary.csv; the test split is untouched (default: none)",
    )
    group.add_argument(
        "--refit",
        action="store_true",
        help="after the folds, train on all the training data for the folds' mean best epoch "
        "and test it (default off)",
    )


def _add_what_flags(group) -> None:
    group.add_argument(
        "--model",
        help="a registered model name, see --list-models (no default: needed unless --resume)",
    )
    group.add_argument("--dataset", help="see --list-datasets (default: the model's own)")
    group.add_argument(
        "--target",
        help="the column to predict, for csv:PATH data; the label column of a series:PATH .csv "
        "(default: none; for series, label)",
    )
    group.add_argument(
        "--test-data",
        metavar="PATH",
        help="a separate test file in the training file's format, for csv:PATH and series:PATH "
        "data, e.g. GunPoint_TEST.tsv (default: a fixed 20%% of the training file)",
    )
    group.add_argument(
        "--val-fraction",
        type=positive_number,
        metavar="F",
        help="the training file's share held out for validation, for csv:PATH and series:PATH "
        "data (default: 0.1 for csv, 0.2 for series)",
    )
    group.add_argument(
        "--data-opt",
        action="append",
        metavar="KEY=VALUE",
        dest="data_options",
        help="a data set option, e.g. noise=0.05; repeatable (default: the data set's own)",
    )
    group.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        dest="hparams",
        help="a model hyperparameter, e.g. widths=64,32; repeatable (default: the builder's, "
        "see --show-config)",
    )
    group.add_argument(
        "--list-models", action="store_true", help="list the models and their recipes, and exit"
    )
    group.add_argument("--list-datasets", action="store_true", help="list the data sets, and exit")
    group.add_argument(
        "--show-config",
        action="store_true",
        help="print the resolved recipe, every hyperparameter with its meaning and the "
        "checkpoint settings, and exit without training",
    )


def _add_device_flags(group) -> None:
    group.add_argument("--device", help=f"{DEVICES_HELP} (default {TrainConfig.device})")
    group.add_argument(
        "--mixed-precision",
        action="store_true",
        default=None,
        help="mixed_float16 on a GPU, mixed_bfloat16 on a CPU (default off)",
    )
    group.add_argument(
        "--xla",
        action="store_true",
        default=None,
        help="compile with XLA; changes the numerics slightly (default off)",
    )
    group.add_argument(
        "--strategy",
        help=f"tf.distribute: {', '.join(STRATEGIES)} (default {TrainConfig.strategy})",
    )
    group.add_argument(
        "--steps-per-execution",
        type=whole_number,
        help="training steps per compiled call; must divide an epoch (default: one epoch)",
    )
    group.add_argument(
        "--verbose", action="store_true", help="show TensorFlow's start-up log (default off)"
    )


def _add_run_flags(group) -> None:
    group.add_argument("--run-dir", help="the run folder (default checkpoints/<model>/<run-id>/)")
    group.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --run-dir as its run.json records it (default off)",
    )
    group.add_argument(
        "--overwrite",
        action="store_true",
        help="start afresh in a run folder that holds a run (default off)",
    )
    group.add_argument(
        "--monitor",
        help="the metric for --keep-best and --early-stopping, e.g. val_loss "
        "(default val_accuracy for classification, val_loss for regression)",
    )
    group.add_argument(
        "--keep-last",
        type=whole_number,
        help=f"newest epoch checkpoints to keep (default {TrainConfig.keep_last})",
    )
    group.add_argument(
        "--keep-best",
        type=whole_number,
        help=f"best checkpoints by --monitor to keep (default {TrainConfig.keep_best})",
    )
    group.add_argument(
        "--keep-every",
        type=whole_number,
        metavar="E",
        help="also keep every E-th epoch's checkpoint (default: none)",
    )
    group.add_argument(
        "--save-every",
        metavar="WHEN",
        help="when to checkpoint: epoch, N epochs, a duration of training (30s, 5m) or Nsteps; "
        "the last epoch and an interrupted run are always saved (default "
        f"{TrainConfig.save_every}: at an epoch's end once that much training has passed)",
    )
    # The flag --save-every absorbed: N steps is --save-every Nsteps.
    group.add_argument("--save-every-steps", type=whole_number, metavar="N", help=argparse.SUPPRESS)
    group.add_argument(
        "--async-save",
        action="store_true",
        default=None,
        help="write checkpoints in the background (default off)",
    )
    group.add_argument(
        "--tensorboard",
        nargs="?",
        const=0,
        type=whole_number,
        metavar="N",
        help="log each epoch's metrics and learning rate for TensorBoard in RUN/tensorboard/; "
        "with N, also the weights' histograms every N epochs (default off)",
    )


def config_from_args(args) -> TrainConfig:
    """Builds the (unresolved) `TrainConfig` from parsed flags: each flag given sets its field."""
    if not args.model and not args.resume:
        raise UsageError("train.py needs --model NAME (see --list-models)")
    given = _given(args)
    if getattr(args, "save_every_steps", None) is not None:
        if args.save_every is not None:
            raise UsageError("--save-every-steps N is --save-every Nsteps; give one of them")
        given["save_every"] = f"{args.save_every_steps}steps"
    config = TrainConfig(**{"model": "", **given})
    _check_counts(config)
    if getattr(args, "refit", False) and not config.folds:
        raise UsageError("--refit trains after a cross-validation; give --folds K with it")
    return config


def typed_fields(args) -> set:
    """The `TrainConfig` fields whose flag was typed on the command line."""
    legacy = {"save_every"} if getattr(args, "save_every_steps", None) is not None else set()
    return set(_given(args)) | legacy


def flag_of(field: str) -> str:
    """The train.py flag that sets a `TrainConfig` field: "data_options" -> "--data-opt"."""
    return _PAIR_FLAGS.get(field, "--" + field.replace("_", "-"))


def _given(args) -> dict:
    given = {}
    for field in dataclasses.fields(TrainConfig):
        value = getattr(args, field.name, None)
        if field.name in _PAIR_FLAGS and value is not None:
            value = split_pairs(value, _PAIR_FLAGS[field.name])
        if value is not None:
            given[field.name] = value
    return given


def _check_counts(config: TrainConfig) -> None:
    if config.keep_best < 0 or (config.keep_every is not None and config.keep_every < 1):
        raise UsageError("--keep-best must be >= 0 and --keep-every >= 1")
    if config.tensorboard is not None and config.tensorboard < 0:
        raise UsageError(
            f"--tensorboard N takes N >= 0 (histograms every N epochs), got {config.tensorboard}"
        )
    parse_save_every(config.save_every)
    if config.steps_per_execution is not None and config.steps_per_execution < 1:
        raise UsageError(f"--steps-per-execution must be >= 1, got {config.steps_per_execution}")
