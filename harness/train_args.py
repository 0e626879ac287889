"""The train.py command line: flags, their parsing into a `TrainConfig`, and the list commands.

Importing this module must not import TensorFlow: `train.py --help` and `--list-models` answer
in well under a second.
"""

import argparse

from harness.config import DEVICES_HELP, OPTIMIZERS, SCHEDULES, STRATEGIES, TrainConfig
from harness.errors import UsageError
from harness.hparams import split_pairs


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are `UsageError`s: one line, exit 2, no usage dump."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")


def positive_number(text: str) -> float:
    """argparse type for a float; range checks happen in `check_config`."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.001, got {text!r}") from None


def whole_number(text: str) -> int:
    """argparse type for an int with a readable error."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def build_parser() -> OneLineParser:
    """Returns the parser for train.py."""
    parser = OneLineParser(
        prog="train.py",
        description="Train a zoo model. Recipe flags left out take the model's tuned defaults.",
    )
    what = parser.add_argument_group("what to train")
    what.add_argument("--model", help="a registered model name (see --list-models)")
    what.add_argument(
        "--dataset", help="digits, sine, waveforms, mnist, fashion_mnist, cifar10 or csv:PATH"
    )
    what.add_argument("--target", help="target column of a csv:PATH data set")
    what.add_argument(
        "--data-opt", action="append", metavar="KEY=VALUE", help="data set option, e.g. noise=0.05"
    )
    what.add_argument(
        "--set", action="append", metavar="KEY=VALUE", dest="hparams", help="model hyperparameter"
    )
    what.add_argument("--list-models", action="store_true", help="list the models and exit")
    what.add_argument("--list-datasets", action="store_true", help="list the data sets and exit")
    recipe = parser.add_argument_group("recipe (defaults: the model's own)")
    recipe.add_argument("--epochs", type=whole_number)
    recipe.add_argument("--batch-size", type=whole_number, help="global batch size")
    recipe.add_argument("--lr", type=positive_number, help="peak learning rate")
    recipe.add_argument("--optimizer", help=", ".join(OPTIMIZERS))
    recipe.add_argument("--schedule", help=", ".join(SCHEDULES))
    recipe.add_argument("--warmup-epochs", type=whole_number)
    recipe.add_argument(
        "--early-stopping",
        type=whole_number,
        metavar="PATIENCE",
        help="0 is off; restores the best weights",
    )
    recipe.add_argument(
        "--clip-norm", type=positive_number, help="clip each gradient to this global norm"
    )
    recipe.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None)
    recipe.add_argument("--weight-decay", type=positive_number, help="adamw only")
    recipe.add_argument("--label-smoothing", type=positive_number)
    recipe.add_argument("--seed", type=whole_number, default=0)
    _add_device_flags(parser.add_argument_group("devices"))
    _add_run_flags(parser.add_argument_group("run folder and checkpoints"))
    return parser


def _add_device_flags(group) -> None:
    group.add_argument("--device", default="auto", help=DEVICES_HELP)
    group.add_argument("--mixed-precision", action="store_true")
    group.add_argument(
        "--xla", action="store_true", help="compile with XLA (changes numerics slightly)"
    )
    group.add_argument("--strategy", default="auto", help=", ".join(STRATEGIES))
    group.add_argument(
        "--steps-per-execution",
        type=whole_number,
        help="training steps per compiled call (default: one epoch)",
    )
    group.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up log")


def _add_run_flags(group) -> None:
    group.add_argument("--run-dir", help="default: checkpoints/<model>/<run-id>/")
    group.add_argument("--resume", action="store_true", help="continue the run in --run-dir")
    group.add_argument(
        "--overwrite", action="store_true", help="start afresh in a run folder that holds a run"
    )
    group.add_argument("--monitor", help="val_loss, val_accuracy, ... (default by task)")
    group.add_argument("--keep-last", type=whole_number, default=3)
    group.add_argument("--keep-best", type=whole_number, default=1)
    group.add_argument(
        "--keep-every", type=whole_number, metavar="E", help="also keep every E-th epoch"
    )
    group.add_argument("--save-every-steps", type=whole_number, metavar="N")
    group.add_argument(
        "--async-save", action="store_true", help="write checkpoints in the background"
    )


def config_from_args(args) -> TrainConfig:
    """Builds the (unresolved) `TrainConfig` from parsed flags."""
    if not args.model and not args.resume:
        raise UsageError("train.py needs --model NAME (see --list-models)")
    if args.keep_best < 0 or (args.keep_every is not None and args.keep_every < 1):
        raise UsageError("--keep-best must be >= 0 and --keep-every >= 1")
    if args.save_every_steps is not None and args.save_every_steps < 1:
        raise UsageError(f"--save-every-steps must be >= 1, got {args.save_every_steps}")
    if args.steps_per_execution is not None and args.steps_per_execution < 1:
        raise UsageError(f"--steps-per-execution must be >= 1, got {args.steps_per_execution}")
    return TrainConfig(
        model=args.model or "",
        dataset=args.dataset,
        target=args.target,
        data_options=split_pairs(args.data_opt, "--data-opt"),
        hparams=split_pairs(args.hparams, "--set"),
        optimizer=args.optimizer,
        lr=args.lr,
        schedule=args.schedule,
        warmup_epochs=args.warmup_epochs,
        epochs=args.epochs,
        batch_size=args.batch_size,
        early_stopping=args.early_stopping,
        clip_norm=args.clip_norm,
        augment=args.augment,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
        seed=args.seed,
        device=args.device,
        mixed_precision=args.mixed_precision,
        xla=args.xla,
        strategy=args.strategy,
        monitor=args.monitor,
        keep_last=args.keep_last,
        keep_best=args.keep_best,
        keep_every=args.keep_every,
        save_every_steps=args.save_every_steps,
        async_save=args.async_save,
        steps_per_execution=args.steps_per_execution,
        run_dir=args.run_dir,
    )
