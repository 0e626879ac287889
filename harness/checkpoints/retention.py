"""Which checkpoints a run keeps: a policy and a pure function that applies it to manifest entries.

Nothing here touches the disk; `pruning.apply_retention` turns the choice into deletions.
"""

import math
from dataclasses import asdict, dataclass

from harness.config import TrainConfig
from harness.errors import UsageError

MODES = ("min", "max")


@dataclass(frozen=True)
class RetentionPolicy:
    """What to keep of a run's checkpoints.

    Attributes:
        keep_last: How many of the newest epoch-end checkpoints to keep.
        keep_best: How many of the best epoch-end checkpoints by `monitor` to keep.
        monitor: The metric that ranks checkpoints, e.g. "val_loss".
        mode: "min" if a lower `monitor` is better, "max" if a higher one is.
        keep_every: If set, also keep every epoch-end checkpoint whose epoch is a multiple of it.
    """

    keep_last: int = TrainConfig.keep_last
    keep_best: int = TrainConfig.keep_best
    monitor: str = "val_loss"
    mode: str = "min"
    keep_every: int | None = None

    def __post_init__(self):
        # Policies come from command-line flags and old manifests, so bad values are user errors.
        for field in ("keep_last", "keep_best"):
            value = getattr(self, field)
            if not _is_whole(value) or value < 0:
                raise UsageError(f"{field} must be a whole number >= 0, got {value!r}")
        if self.keep_every is not None and (not _is_whole(self.keep_every) or self.keep_every < 1):
            raise UsageError(
                f"keep_every must be a whole number >= 1 or unset, got {self.keep_every!r}"
            )
        if self.mode not in MODES:
            raise UsageError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if not isinstance(self.monitor, str) or not self.monitor:
            raise UsageError(f"monitor must name a metric, e.g. val_loss, got {self.monitor!r}")

    def to_json(self) -> dict:
        """The policy as the JSON object the manifest records."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict, **overrides) -> "RetentionPolicy":
        """Reads a policy recorded by `to_json`, with some fields replaced by `overrides`."""
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**{**known, **overrides})


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def monitor_value(entry: dict, monitor: str) -> float | None:
    """The entry's finite value of `monitor`, or None if it has none (then it cannot be best)."""
    value = (entry.get("metrics") or {}).get(monitor)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def rank_best(entries: list[dict], policy: RetentionPolicy) -> list[dict]:
    """Epoch-end entries that have the monitor value, best first; a tie goes to the earlier one.

    Args:
        entries: Manifest entries, oldest first.
        policy: Supplies `monitor` and `mode`.
    """
    sign = 1.0 if policy.mode == "min" else -1.0
    ranked = [
        (sign * value, position, entry)
        for position, entry in enumerate(entries)
        if entry.get("kind") == "epoch"
        and (value := monitor_value(entry, policy.monitor)) is not None
    ]
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in ranked]


def select_kept(entries: list[dict], policy: RetentionPolicy) -> list[str]:
    """Names of the entries the policy keeps, in the order of `entries`.

    Kept are: the newest `keep_last` epoch-end entries, the best `keep_best` by the monitor,
    every `keep_every`-th epoch if set, and always the newest entry of any kind. A mid-epoch
    ("step") entry is kept only while it is the newest.

    Args:
        entries: Manifest entries, oldest first (the order they were saved in).
        policy: The retention policy.
    """
    if not entries:
        return []
    kept = chosen_by_policy(entries, policy) | {entries[-1]["name"]}
    return [entry["name"] for entry in entries if entry["name"] in kept]


def chosen_by_policy(entries: list[dict], policy: RetentionPolicy) -> set[str]:
    """Names the policy's own rules keep, without the newest entry that is always kept too."""
    epoch_entries = [entry for entry in entries if entry.get("kind") == "epoch"]
    kept = set()
    if policy.keep_last:
        kept.update(entry["name"] for entry in epoch_entries[-policy.keep_last :])
    kept.update(entry["name"] for entry in rank_best(entries, policy)[: policy.keep_best])
    if policy.keep_every:
        kept.update(
            entry["name"] for entry in epoch_entries if entry["epoch"] % policy.keep_every == 0
        )
    return kept
