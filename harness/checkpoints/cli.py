"""`python -m harness.checkpoints`: list, show, verify, prune and export a run's checkpoints.

Each subcommand is one `_add_<name>(subparsers)` function that declares its arguments and sets
`run` to the function doing the work; list it in SUBCOMMANDS to add a command. Commands check
their input before importing TensorFlow (only `show` and `prune` need it), so `--help` and bad
input answer at once, and a UsageError is one line on stderr.
"""

import argparse
import json

from harness.checkpoints.integrity import damage
from harness.checkpoints.lock import RunLock
from harness.checkpoints.manifest import NAMES_HELP, load_run, resolve_one
from harness.checkpoints.pruning import apply_retention
from harness.checkpoints.retention import RetentionPolicy
from harness.checkpoints.table import print_run
from harness.cli import command_main
from harness.errors import UsageError
from harness.runs import DEFAULT_ROOT, find_runs
from harness.runtime.tf_import import import_tensorflow

EXIT_DAMAGED = 1


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
    for run_dir in runs:
        print_run(run_dir)
    return 0


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
    tf = import_tensorflow()

    try:
        variables = tf.train.list_variables(str(manifest.run_dir / entry["prefix"]))
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
    manifests = [load_run(run_dir) for run_dir in args.run_dirs]  # all bad names before any work
    damaged = 0
    for manifest in manifests:
        if not manifest.checkpoints:
            print(f"{manifest.run_dir}: no checkpoints")
        for entry in manifest.checkpoints:
            problem = damage(manifest.run_dir, entry)
            damaged += problem is not None
            status = "OK" if problem is None else f"DAMAGED: {problem}"
            print(f"{manifest.run_dir} {entry['name']}: {status}")
    return EXIT_DAMAGED if damaged else 0


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
    parser.set_defaults(run=_run_prune)


def _run_prune(args) -> int:
    policy = RetentionPolicy.from_json(
        load_run(args.run_dir).policy or {},
        keep_last=args.keep_last,
        keep_best=args.keep_best,
        keep_every=args.keep_every,
    )
    import_tensorflow()
    with RunLock(args.run_dir):
        # Read again under the lock: a trainer that just finished may have changed it.
        manifest = load_run(args.run_dir)
        if not manifest.checkpoints:
            print(f"{manifest.run_dir}: no checkpoints")
            return 0
        dropped = apply_retention(manifest, policy)
    removed = ", ".join(entry["name"] for entry in dropped) or "nothing"
    print(f"{manifest.run_dir}: removed {removed}; kept {', '.join(manifest.names())}")
    return 0


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
