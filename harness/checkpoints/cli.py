"""`python -m harness.checkpoints`: list, show, verify, prune and export a run's checkpoints.

Each subcommand is one `_add_<name>(subparsers)` function that declares its arguments and sets
`run` to the function doing the work; list it in SUBCOMMANDS to add a command. Commands check
their input before importing TensorFlow (only `show` and `prune` need it), so `--help` and bad
input answer at once, and a UsageError is one line on stderr.
"""

import argparse
import json

from harness.checkpoints.integrity import checkpoint_prefix, damage
from harness.checkpoints.lock import RunLock
from harness.checkpoints.manifest import (
    NAMES_HELP,
    Manifest,
    check_run_folder,
    load_run,
    resolve_one,
)
from harness.checkpoints.manifest_schema import entry_label
from harness.checkpoints.pruning import apply_retention
from harness.checkpoints.retention import RetentionPolicy, chosen_by_policy, select_kept
from harness.checkpoints.table import print_run
from harness.cli import command_main
from harness.errors import EXIT_DAMAGED, RunDamaged, UsageError
from harness.runs import DEFAULT_ROOT, find_runs
from harness.runtime.tf_import import import_tensorflow


def _add_list(subparsers) -> None:
    parser = subparsers.add_parser("list", help="table of each run's checkpoints")
    parser.add_argument(
        "paths",
        nargs="*",
        default=[str(DEFAULT_ROOT)],
        metavar="PATH",
        help=f"run folders or folders of runs, any depth (default: {DEFAULT_ROOT}/)",
    )
    parser.set_defaults(run=_run_list)


def _run_list(args) -> int:
    runs = find_runs(*args.paths)
    if not runs:
        print(f"no run folders under {', '.join(args.paths)}")
    damaged = 0
    for run_dir in runs:
        try:
            print_run(run_dir)
        except RunDamaged as error:  # one run's manifest; the others are still listed
            print(f"{run_dir}: DAMAGED: {error}")
            damaged += 1
    return EXIT_DAMAGED if damaged else 0


def _add_show(subparsers) -> None:
    parser = subparsers.add_parser("show", help="one checkpoint's manifest entry and variables")
    parser.add_argument("run_dir", metavar="RUN")
    parser.add_argument(
        "which", nargs="?", default="latest", metavar="CKPT", help=f"{NAMES_HELP} (default: latest)"
    )
    parser.set_defaults(run=_run_show)


def _run_show(args) -> int:
    manifest, entry = resolve_one(args.run_dir, args.which)
    print(json.dumps(entry, indent=2))
    problem = damage(manifest.run_dir, entry)  # nothing unverified reaches TensorFlow's reader
    if problem is not None:
        raise RunDamaged(f"{entry['name']} of {manifest.run_dir} is damaged: {problem}")
    tf = import_tensorflow()

    try:
        variables = tf.train.list_variables(str(checkpoint_prefix(manifest.run_dir, entry)))
    except tf.errors.OpError as error:
        raise UsageError(
            f"cannot read {entry['name']} ({error.message.splitlines()[0]}); "
            f"check it with: python -m harness.checkpoints verify {manifest.run_dir}"
        ) from None
    print(f"variables ({len(variables)}):")
    for key, shape in variables:
        print(f"  {key}  {list(shape)}")
    return 0


def _add_verify(subparsers) -> None:
    parser = subparsers.add_parser(
        "verify", help="check every file against its SHA-256 (exit 1 if damaged)"
    )
    parser.add_argument("run_dirs", nargs="+", metavar="RUN")
    parser.set_defaults(run=_run_verify)


def _run_verify(args) -> int:
    for run_dir in args.run_dirs:  # every bad name before any work
        check_run_folder(run_dir)
    damaged = 0
    for run_dir in args.run_dirs:
        try:
            manifest = load_run(run_dir)
        except RunDamaged as error:  # this run's manifest; the others are still verified
            print(f"{run_dir}: DAMAGED: {error}")
            damaged += 1
            continue
        for position, raw, problem in manifest.malformed:
            print(f"{manifest.run_dir} {entry_label(position, raw)}: DAMAGED: {problem}")
        damaged += len(manifest.malformed)
        if not manifest.checkpoints and not manifest.malformed:
            print(f"{manifest.run_dir}: no checkpoints")
        for entry in manifest.checkpoints:
            status = _status_now(manifest, entry)
            damaged += status.startswith("DAMAGED")
            print(f"{manifest.run_dir} {entry['name']}: {status}")
    return EXIT_DAMAGED if damaged else 0


def _status_now(manifest: Manifest, entry: dict) -> str:
    """OK, DAMAGED: <problem>, or, if a training run pruned the entry while it was being
    checked, a line saying so: that checkpoint is gone, not damaged."""
    problem = damage(manifest.run_dir, entry)
    if problem is None:
        return "OK"
    if Manifest.load(manifest.run_dir).find(entry["name"]) != entry:
        return "removed by the run's retention while it was being checked"
    return f"DAMAGED: {problem}"


def _add_prune(subparsers) -> None:
    parser = subparsers.add_parser(
        "prune", help="apply a retention policy now (monitor and mode from the manifest)"
    )
    parser.add_argument("run_dir", metavar="RUN")
    parser.add_argument(
        "--keep-last",
        type=int,
        required=True,
        metavar="N",
        help="newest epoch-end checkpoints to keep",
    )
    parser.add_argument(
        "--keep-best",
        type=int,
        required=True,
        metavar="K",
        help="best checkpoints by the monitor to keep",
    )
    parser.add_argument("--keep-every", type=int, metavar="E", help="also keep every E-th epoch")
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be removed and remove nothing"
    )
    parser.set_defaults(run=_run_prune)


def _run_prune(args) -> int:
    policy = RetentionPolicy.from_json(
        load_run(args.run_dir).policy or {},
        keep_last=args.keep_last,
        keep_best=args.keep_best,
        keep_every=args.keep_every,
    )
    if args.dry_run:
        manifest = load_run(args.run_dir)
        kept = select_kept(manifest.checkpoints, policy)
        _print_pruned(
            manifest, policy, [n for n in manifest.names() if n not in kept], "would remove"
        )
        return 0
    import_tensorflow()
    with RunLock(args.run_dir):
        # Read again under the lock: a trainer that just finished may have changed it.
        manifest = load_run(args.run_dir)
        before = Manifest(manifest.run_dir, list(manifest.checkpoints))
        dropped = apply_retention(manifest, policy) if manifest.checkpoints else []
    _print_pruned(before, policy, [entry["name"] for entry in dropped], "removed")
    return 0


def _print_pruned(manifest: Manifest, policy, dropped: list[str], verb: str) -> None:
    """ "RUN: removed a, b; kept c", and why the newest is kept if the policy alone would not."""
    if not manifest.checkpoints:
        print(f"{manifest.run_dir}: no checkpoints")
        return
    kept = [name for name in manifest.names() if name not in dropped]
    line = f"{manifest.run_dir}: {verb} {', '.join(dropped) or 'nothing'}; kept {', '.join(kept)}"
    newest = manifest.latest()["name"]
    if newest not in chosen_by_policy(manifest.checkpoints, policy):
        line += (
            f" ({newest} is kept although the policy does not choose it: the newest checkpoint "
            "always stays, so that the run can be resumed)"
        )
    print(line)


def _add_export(subparsers) -> None:
    parser = subparsers.add_parser("export", help="write a checkpoint as .keras (and a SavedModel)")
    parser.add_argument("run_dir", metavar="RUN")
    parser.add_argument(
        "--checkpoint", default="result", metavar="CKPT", help=f"{NAMES_HELP} (default: result)"
    )
    parser.add_argument(
        "--out", metavar="FILE.keras", help="default: RUN/export/<checkpoint>.keras"
    )
    parser.add_argument(
        "--saved-model", metavar="DIR", help="also export a TensorFlow SavedModel here"
    )
    parser.set_defaults(run=_run_export)


def _run_export(args) -> int:
    from harness.checkpoints.export import export_checkpoint

    load_run(args.run_dir)  # a missing or foreign folder is refused before TensorFlow loads
    result = export_checkpoint(
        args.run_dir, args.checkpoint, keras_path=args.out, saved_model_dir=args.saved_model
    )
    print(f"exported {result['checkpoint']} (epoch {result['epoch']}) to {result['keras']}")
    if result["saved_model"]:
        print(f"SavedModel for serving: {result['saved_model']}")
    return 0


SUBCOMMANDS = (_add_list, _add_show, _add_verify, _add_prune, _add_export)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of SUBCOMMANDS."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.checkpoints",
        description="Inspect and manage the checkpoints of run folders. "
        f"Checkpoint names: {NAMES_HELP}.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_subcommand in SUBCOMMANDS:
        add_subcommand(subparsers)
    return parser


def main(argv=None) -> int:
    """Runs one subcommand; a UsageError becomes one line on stderr and exit code 2."""
    return command_main(_run_subcommand, argv)


def _run_subcommand(argv) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
