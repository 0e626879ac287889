"""The training configuration: one frozen dataclass, every default in one place.

Recipe fields (optimizer, lr, schedule, ...) default to None here, meaning "take the model's own
recipe from the registry"; `resolve_config` fills them in. Once resolved, the configuration is
written to run.json before training starts, and resume/evaluation rebuild from that file.
"""

import dataclasses

from harness.errors import UsageError

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
# A new schedule is named here and built in `harness.model.optimizers.build_learning_rate`.
SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup-cosine", "plateau")
# Schedules whose rate does not depend on the run's length: extending --epochs leaves them as
# they were, while the others are recomputed over the new length.
LENGTH_FREE_SCHEDULES = ("constant", "plateau")
# Schedules whose Keras class has a linear warm-up (CosineDecay's warmup_steps); plateau adapts
# the rate itself, and step and exponential decay have none.
WARMUP_SCHEDULES = ("constant", "cosine", "warmup-cosine")
WARMUP_SHARE = 0.05  # of the epochs, for warmup-cosine without --warmup-epochs
DEVICES_HELP = "auto, cpu, gpu, gpu:N"
STRATEGIES = ("auto", "none", "mirrored", "multiworker")
RECIPE_FIELDS = (
    "optimizer",
    "lr",
    "schedule",
    "warmup_epochs",
    "epochs",
    "batch_size",
    "early_stopping",
    "clip_norm",
    "augment",
    "weight_decay",
    "label_smoothing",
)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything one training run depends on."""

    model: str
    dataset: str | None = None  # None: the model's default data set
    target: str | None = None  # target column of a csv:PATH data set (series:PATH: its label)
    test_data: str | None = None  # a separate test file for csv:PATH or series:PATH data
    val_fraction: float | None = None  # None: the data set's own validation share
    data_options: dict = dataclasses.field(default_factory=dict)
    hparams: dict = dataclasses.field(default_factory=dict)  # --set KEY=VALUE
    # The recipe; None means the model's registered default.
    optimizer: str | None = None
    lr: float | None = None
    schedule: str | None = None
    warmup_epochs: int | None = None
    epochs: int | None = None
    batch_size: int | None = None
    early_stopping: int | None = None  # patience in epochs; 0 is off
    clip_norm: float | None = None
    augment: bool | None = None
    weight_decay: float | None = None
    label_smoothing: float | None = None
    seed: int = 0
    # Devices.
    device: str = "auto"
    mixed_precision: bool = False
    xla: bool = False
    strategy: str = "auto"
    # Checkpoints.
    monitor: str | None = None  # None: val_accuracy (classification) or val_loss (regression)
    keep_last: int = 3
    keep_best: int = 1
    keep_every: int | None = None
    save_every_steps: int | None = None
    async_save: bool = False
    steps_per_execution: int | None = None  # None: a whole epoch per call (see pipeline.py)
    run_dir: str | None = None

    def to_dict(self) -> dict:
        """Returns the configuration as JSON-able data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """Rebuilds a configuration written by `to_dict`, ignoring keys this version lacks."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def resolve_config(config: TrainConfig, recipe, *, task: str) -> TrainConfig:
    """Fills every recipe field left None from the model's recipe and checks the result.

    Args:
        config: the configuration from the command line.
        recipe: the model's registered `zoo.Recipe`.
        task: "classification" or "regression", to pick the monitored metric.

    Raises:
        UsageError: an out-of-range value or a combination that cannot work.
    """
    filled = {
        name: getattr(recipe, name) if getattr(config, name) is None else getattr(config, name)
        for name in RECIPE_FIELDS
    }
    if config.monitor is None:
        filled["monitor"] = "val_accuracy" if task == "classification" else "val_loss"
    resolved = dataclasses.replace(config, **filled)
    check_config(resolved, task=task)
    return dataclasses.replace(resolved, warmup_epochs=_warmup_epochs(resolved))


def _warmup_epochs(config: TrainConfig) -> int:
    # warmup-cosine without a warm-up of its own warms up for 5% of the run (at least one epoch,
    # and never the whole run); run.json records the epochs this resolves to.
    if config.schedule == "warmup-cosine" and not config.warmup_epochs and config.epochs > 1:
        return min(max(1, round(WARMUP_SHARE * config.epochs)), config.epochs - 1)
    return config.warmup_epochs


def check_config(config: TrainConfig, *, task: str) -> None:
    """Raises UsageError for values no training run can use."""
    _one_of("--optimizer", config.optimizer, OPTIMIZERS)
    _one_of("--schedule", config.schedule, SCHEDULES)
    _one_of("--strategy", config.strategy, STRATEGIES)
    for flag, value in (
        ("--epochs", config.epochs),
        ("--batch-size", config.batch_size),
        ("--keep-last", config.keep_last),
    ):
        if value < 1:
            raise UsageError(f"{flag} must be a positive whole number, got {value}")
    if not config.lr > 0:
        raise UsageError(f"--lr must be a positive number, got {config.lr}")
    if config.warmup_epochs < 0 or config.warmup_epochs >= config.epochs and config.warmup_epochs:
        raise UsageError(
            f"--warmup-epochs must be 0 or fewer than --epochs ({config.epochs}), "
            f"got {config.warmup_epochs}"
        )
    if config.schedule == "plateau" and config.warmup_epochs:
        raise UsageError("--schedule plateau adapts the rate itself; use --warmup-epochs 0 with it")
    if config.warmup_epochs and config.schedule not in WARMUP_SCHEDULES:
        raise UsageError(
            f"--warmup-epochs works with {', '.join(WARMUP_SCHEDULES[:-1])} and "
            f"{WARMUP_SCHEDULES[-1]}, not {config.schedule}; "
            "use --warmup-epochs 0 or one of those schedules"
        )
    if config.weight_decay and config.optimizer != "adamw":
        raise UsageError(
            f"--weight-decay is applied by adamw only, not {config.optimizer}; "
            "use --optimizer adamw or leave --weight-decay out"
        )
    if config.early_stopping and config.keep_best < 1:
        raise UsageError(
            "--early-stopping restores the best checkpoint at the end, so it needs --keep-best 1 "
            "or more"
        )
    if config.early_stopping < 0:
        raise UsageError(
            f"--early-stopping takes a patience >= 0 (0 is off), got {config.early_stopping}"
        )
    if config.clip_norm is not None and not config.clip_norm > 0:
        raise UsageError(f"--clip-norm must be a positive number, got {config.clip_norm}")
    if config.label_smoothing and task != "classification":
        raise UsageError("label smoothing applies to classification only")
    _check_monitor(config.monitor, task)


def _check_monitor(monitor: str, task: str) -> None:
    known = ["loss", "val_loss"] + (
        ["accuracy", "val_accuracy"] if task == "classification" else ["mae", "val_mae"]
    )
    if monitor not in known:
        raise UsageError(f"unknown --monitor {monitor!r} for {task}; known: {', '.join(known)}")


def monitor_mode(monitor: str) -> str:
    """Returns "max" for metrics where higher is better, "min" for losses and errors."""
    return "max" if monitor.endswith("accuracy") else "min"


def _one_of(flag: str, value: str, choices) -> None:
    if value not in choices:
        raise UsageError(f"unknown {flag} {value!r}; known: {', '.join(choices)}")
