"""The run's record of its kept checkpoints, `<run>/manifest.json`, and checkpoint name lookup.

The manifest, not a directory listing, says which checkpoints exist: a checkpoint enters it only
once its files are complete and hashed, and retention deletes only files it lists. Format:

    {"format": 1,
     "policy": {"keep_last": 3, "keep_best": 1, "monitor": "val_loss", "mode": "min",
                "keep_every": null},
     "best": {"name": "ckpt-40", "monitor": "val_loss", "mode": "min", "value": 0.31} or null,
     "checkpoints": [  # oldest first; the last one is the newest
        {"name": "ckpt-40", "prefix": "ckpt/ckpt-40", "epoch": 4, "step": 40, "kind": "epoch",
         "metrics": {"loss": 0.5, "val_loss": 0.31}, "time": "2025-01-01T12:00:00.000000+00:00",
         "bytes": 12345,
         "files": {"ckpt/ckpt-40.index": {"bytes": 345, "sha256": "..."}, ...}}]}

Paths are relative to the run folder. A metric that was not finite is recorded as null.

The file is checked on load (`manifest_schema`): a malformed top level is damage to the run (one
line naming the file and the key); a malformed entry is damage to that entry alone, kept in the
file as it was and never restored, pruned or opened.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.atomic import write_json_atomic
from harness.checkpoints.manifest_schema import FORMAT_VERSION, check_manifest, entry_label
from harness.checkpoints.retention import RetentionPolicy, rank_best
from harness.errors import RunDamaged, UsageError
from harness.runs import read_json_file, read_run_json, result_checkpoint
from harness.runtime.timing import MANIFEST, stage

MANIFEST_NAME = "manifest.json"
CKPT_DIR = "ckpt"
CKPT_NAME = "ckpt"
# Thousands of entries take a few MB; anything far larger is not a manifest this harness wrote.
MAX_MANIFEST_BYTES = 64 << 20
# How a user names a checkpoint, everywhere: a tag, a name, or the prefix path of one.
_NAME_PATTERN = re.compile(r"ckpt-\d+")
# "result" is the checkpoint whose weights model.keras and summary.json hold (runs.py says which).
TAGS = ("result", "best", "latest")
NAMES_HELP = (
    "result (the run's final weights, or its best under --early-stopping), best, latest, ckpt-N "
    "or a checkpoint prefix path such as RUN/ckpt/ckpt-40"
)


def is_checkpoint_name(which: str) -> bool:
    """True for "ckpt-N"."""
    return _NAME_PATTERN.fullmatch(which) is not None


def is_checkpoint_path(which: str) -> bool:
    """True if `which` is a prefix path such as RUN/ckpt/ckpt-40 rather than a tag or a name."""
    return which not in TAGS and not is_checkpoint_name(which)


def check_checkpoint_name(which: str) -> str:
    """Returns `which` if some run could have a checkpoint of that name, tag or prefix path.

    Raises:
        UsageError: it is none of them.
    """
    if which in TAGS or is_checkpoint_name(which):
        return which
    prefix = Path(which.removesuffix(".index"))
    if prefix.parent.name == CKPT_DIR and is_checkpoint_name(prefix.name):
        return which
    raise UsageError(f"unknown checkpoint {which!r}; use {NAMES_HELP}")


@dataclass
class Manifest:
    """The parsed `manifest.json` of one run folder (empty if the file does not exist yet)."""

    run_dir: Path
    checkpoints: list = field(default_factory=list)  # the well-formed entries, oldest first
    policy: dict | None = None
    best: dict | None = None
    # Entries that do not fit the format: (position in the file, the entry as found, problem).
    malformed: list = field(default_factory=list)

    @classmethod
    def load(cls, run_dir) -> "Manifest":
        """Reads and checks `<run_dir>/manifest.json`; a missing file gives an empty manifest.

        Raises:
            RunDamaged: The file is not a regular file, or its top level is not a manifest's;
                the message names the file and the key.
        """
        run_dir = Path(run_dir)
        path = run_dir / MANIFEST_NAME
        try:
            data = read_json_file(path, max_bytes=MAX_MANIFEST_BYTES)
        except FileNotFoundError:
            return cls(run_dir)
        checkpoints, malformed = check_manifest(data, path)
        return cls(run_dir, checkpoints, data.get("policy"), data.get("best"), malformed)

    def save(self) -> None:
        """Writes the manifest atomically, so a reader sees the old one or the new one, and
        fsyncs it: the checkpoint files it records are fsynced before it
        (`integrity.record_files`), so after a power cut too it names only files on disk. Saves
        are rare under the default policy (`--save-every`), so the fsync costs little.
        """
        content = {
            "format": FORMAT_VERSION,
            "policy": self.policy,
            "best": self.best,
            # Malformed entries stay as they were found, for a person to look at.
            "checkpoints": [raw for _, raw, _ in self.malformed] + self.checkpoints,
        }
        with stage(MANIFEST):
            write_json_atomic(self.run_dir / MANIFEST_NAME, content)

    def names(self) -> list[str]:
        """Names of the recorded checkpoints, oldest first."""
        return [entry["name"] for entry in self.checkpoints]

    def find(self, name: str) -> dict | None:
        """The entry called `name`, or None."""
        return next((entry for entry in self.checkpoints if entry["name"] == name), None)

    def latest(self) -> dict | None:
        """The newest entry, or None if there is none."""
        return self.checkpoints[-1] if self.checkpoints else None

    def retention_policy(self) -> RetentionPolicy:
        """The recorded policy, or the default one if none is recorded."""
        return RetentionPolicy.from_json(self.policy or {})

    def describe(self) -> str:
        """ "run folder X (checkpoints: a, b)" for error messages."""
        names = ", ".join(self.names()) or "none"
        return f"run folder {self.run_dir} (checkpoints: {names})"

    def malformed_lines(self) -> list[str]:
        """One line per malformed entry: "manifest entry 3 (ckpt-40) is malformed: ..."."""
        return [
            f"{entry_label(position, raw)} is malformed: {problem}"
            for position, raw, problem in self.malformed
        ]


def candidates(
    manifest: Manifest,
    which: str,
    policy: RetentionPolicy | None = None,
) -> tuple[Manifest, list[dict]]:
    """The entries `which` may stand for, in the order to try them.

    Args:
        manifest: The manifest of the run being asked about.
        which: "latest", "best", "ckpt-N" or a checkpoint prefix path (of this run or another).
        policy: Ranks "best" (monitor and mode); default: the policy the manifest records.

    Returns:
        (manifest of the run holding them, entries). "latest" and "best" give every candidate,
        newest or best first, so a damaged one can be passed over; "latest" gives none when the
        run has no checkpoints. A name or path the user typed gives exactly that one entry.

    Raises:
        UsageError: `which` is not a known name, or "best" has nothing to rank.
    """
    if which == "result":
        which = result_checkpoint(read_run_json(manifest.run_dir))
    if which == "latest":
        return manifest, manifest.checkpoints[::-1]
    if which == "best":
        policy = policy or manifest.retention_policy()
        ranked = rank_best(manifest.checkpoints, policy)
        if not ranked:
            raise UsageError(
                f"no checkpoint of {manifest.describe()} has a {policy.monitor} value to rank by; "
                "use latest or a ckpt-N name"
            )
        return manifest, ranked
    if is_checkpoint_name(which):
        return manifest, [_find_or_fail(manifest, which)]
    return _by_path(manifest, which)


def _by_path(manifest: Manifest, which: str) -> tuple[Manifest, list[dict]]:
    prefix = Path(which)
    if prefix.suffix == ".index":
        prefix = prefix.with_suffix("")
    if prefix.parent.name != CKPT_DIR or not is_checkpoint_name(prefix.name):
        raise UsageError(f"unknown checkpoint {which!r} in {manifest.describe()}; use {NAMES_HELP}")
    run_dir = prefix.parent.parent
    if run_dir.resolve() != manifest.run_dir.resolve():
        if not (run_dir / MANIFEST_NAME).exists():
            raise UsageError(
                f"{which} is not recorded in a manifest ({run_dir / MANIFEST_NAME} is missing)"
            )
        manifest = Manifest.load(run_dir)
    return manifest, [_find_or_fail(manifest, prefix.name)]


def _find_or_fail(manifest: Manifest, name: str) -> dict:
    entry = manifest.find(name)
    if entry is not None:
        return entry
    for position, raw, problem in manifest.malformed:
        if isinstance(raw, dict) and raw.get("name") == name:
            raise RunDamaged(
                f"checkpoint {name} of {manifest.run_dir} cannot be used: "
                f"{entry_label(position, raw)} in {MANIFEST_NAME} is malformed: {problem}"
            )
    raise UsageError(f"unknown checkpoint {name!r} in {manifest.describe()}; use {NAMES_HELP}")


def resolve_one(run_dir, which: str = "latest") -> tuple[Manifest, dict]:
    """The one entry `which` names in the run folder `run_dir` (for commands that show it).

    Raises:
        UsageError: Not a run folder, no checkpoints, or an unknown name.
    """
    manifest = load_run(run_dir)
    manifest, entries = candidates(manifest, which)
    if not entries:
        raise UsageError(f"{manifest.describe()} has no checkpoints yet")
    return manifest, entries[0]


def load_run(run_dir) -> Manifest:
    """The manifest of an existing run folder.

    Raises:
        UsageError: The folder does not exist or has no manifest.json.
        RunDamaged: The manifest is not one (`Manifest.load`).
    """
    return Manifest.load(check_run_folder(run_dir))


def check_run_folder(run_dir) -> Path:
    """Returns `run_dir` as a Path if it is a folder with a manifest.json.

    Raises:
        UsageError: The folder does not exist or has no manifest.json.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UsageError(f"run folder {run_dir} does not exist")
    if not (run_dir / MANIFEST_NAME).exists():
        raise UsageError(f"{run_dir} is not a run folder with checkpoints (no {MANIFEST_NAME})")
    return run_dir
