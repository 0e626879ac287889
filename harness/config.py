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
# Sane limits of the numeric fields, for the flags and for run.json alike: a run of 10^15 epochs
# or a learning rate of infinity is a typing slip or a hostile file, never a plan.
MAX_EPOCHS = 100_000
MAX_STEPS = 1_000_000_000
# The default save policy (--save-every): a checkpoint once 30 s of training have passed since the
# last one, at an epoch's end (mid-epoch if the epoch is far from its end), and always after the
# last epoch. On the default zoo runs that keeps checkpoints and history.csv under 2% of the
# training time (BENCHMARKS.md, section 3), and a SIGKILL loses at most about 30 s of training.
DEFAULT_SAVE_EVERY = "30s"
SAVE_EVERY_FORMS = "epoch, a number of epochs (5), a duration (30s, 5m, 1h) or steps (500steps)"
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}


@dataclasses.dataclass(frozen=True)
class Bound:
    """The range a numeric field must lie in: low..high, each end closed unless said open."""

    low: float
    high: float
    whole: bool = True
    low_open: bool = False
    high_open: bool = False

    def holds(self, value) -> bool:
        """True if `value` is a number of the right kind inside the range (never for NaN)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.whole and not isinstance(value, int):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        """ "a positive whole number", "a number", ...: what kind of value the field takes."""
        kind = "whole number" if self.whole else "number"
        positive = (self.whole and self.low == 1) or (self.low == 0 and self.low_open)
        return f"a positive {kind}" if positive else f"a {kind}"

    def limits(self) -> str:
        """ "at most 100000", "0 to below 1", ...: the range, said as briefly as it can be."""
        top = f"below {_number(self.high)}" if self.high_open else _number(self.high)
        if (self.whole and self.low == 1) or (self.low == 0 and self.low_open):
            return f"at most {top}"
        return f"{_number(self.low)} to {top}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


FIELD_BOUNDS = {
    "epochs": Bound(1, MAX_EPOCHS),
    "batch_size": Bound(1, 1 << 20),
    "warmup_epochs": Bound(0, MAX_EPOCHS),
    "early_stopping": Bound(0, MAX_EPOCHS),
    "seed": Bound(0, 2**32 - 1),
    "keep_last": Bound(1, MAX_EPOCHS),
    "keep_best": Bound(0, MAX_EPOCHS),
    "keep_every": Bound(1, MAX_EPOCHS),
    "steps_per_execution": Bound(1, MAX_STEPS),
    "folds": Bound(2, 1000),
    "fold": Bound(0, 1000),
    "lr": Bound(0, 10.0, whole=False, low_open=True),
    "clip_norm": Bound(0, 1e6, whole=False, low_open=True),
    "weight_decay": Bound(0, 1.0, whole=False),
    "label_smoothing": Bound(0, 1.0, whole=False, high_open=True),
}
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
    save_every: str = DEFAULT_SAVE_EVERY  # see parse_save_every
    async_save: bool = False
    # Keras's TensorBoard logs in RUN/tensorboard/ (harness/train/tensorboard.py): None off, 0
    # the epoch scalars, N also the weights' histograms every N epochs.
    tensorboard: int | None = None
    steps_per_execution: int | None = None  # None: a whole epoch per call (see pipeline.py)
    run_dir: str | None = None
    # Cross-validation (harness/train/folds.py): K, and the fold this run validates on (1..K),
    # or 0 for the refit on every training example.
    folds: int | None = None
    fold: int | None = None

    def to_dict(self) -> dict:
        """Returns the configuration as JSON-able data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """Rebuilds a configuration written by `to_dict`, ignoring keys this version lacks."""
        names = {field.name for field in dataclasses.fields(cls)}
        known = {key: value for key, value in data.items() if key in names}
        if data.get("save_every_steps") and "save_every" not in data:
            known["save_every"] = f"{data['save_every_steps']}steps"  # run.json before --save-every
        return cls(**known)


@dataclasses.dataclass(frozen=True)
class SaveEvery:
    """When checkpoints are written: every `count` epochs, every `count` steps (and at every
    epoch's end), or once `seconds` of training have passed since the last save."""

    epochs: int | None = None
    steps: int | None = None
    seconds: float | None = None


def parse_save_every(text: str) -> SaveEvery:
    """ "epoch" -> every epoch, "5" -> every 5 epochs, "30s"/"5m"/"1h" -> a duration,
    "500steps" -> every 500 steps.

    Raises:
        UsageError: anything else, naming the forms that work.
    """
    word = str(text).strip().lower()
    try:
        if word == "epoch":
            return SaveEvery(epochs=1)
        if word.endswith("steps"):
            policy = SaveEvery(steps=int(word[: -len("steps")]))
        elif word[-1:] in _DURATION_UNITS:
            policy = SaveEvery(seconds=float(word[:-1]) * _DURATION_UNITS[word[-1]])
        else:
            policy = SaveEvery(epochs=int(word))
    except ValueError:
        policy = None
    count = next((v for v in dataclasses.astuple(policy) if v is not None), 0) if policy else 0
    if not 0 < count <= (MAX_STEPS if policy and policy.steps else MAX_EPOCHS * 86400):
        raise UsageError(f"--save-every takes {SAVE_EVERY_FORMS}, got {text!r}")
    return policy


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
    parse_save_every(config.save_every)
    check_bounds(config.to_dict(), name=_flag)
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


def check_bounds(values: dict, *, name) -> None:
    """Raises UsageError for the first field of FIELD_BOUNDS whose value is outside its bounds.

    Args:
        values: field name -> value; a missing or None value is not checked.
        name: field name -> how the message names it ("--epochs", "config.epochs").
    """
    for field, bound in FIELD_BOUNDS.items():
        value = values.get(field)
        if value is not None and not bound.holds(value):
            raise UsageError(
                f"{name(field)} must be {bound.describe()}, got {value!r} ({bound.limits()})"
            )


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")
