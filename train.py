"""Train a zoo model: `python train.py --model lstm`. See --help and the README."""

import os
import sys


def main(argv=None) -> int:
    """Parses flags and trains; bad input is one line on stderr and exit code 2."""
    from harness.cli import command_main

    return command_main(_train, argv)


def _train(argv) -> int:
    from harness.train.args import build_parser, config_from_args, typed_fields

    args = build_parser().parse_args(argv)
    if args.list_models or args.list_datasets:
        from harness.train.catalog import print_datasets, print_models

        print_models() if args.list_models else print_datasets()
        return 0
    from harness.runtime.tf_import import import_tensorflow
    from harness.train.prepare import prepare

    # Every input is checked and loaded before TensorFlow's slow import, so bad input answers
    # at once; TensorFlow is imported quietly before anything else can import it.
    config = config_from_args(args)
    if config.folds or (args.resume and _is_cv_parent(args.run_dir)):
        from harness.train.folds import cross_validate

        typed = typed_fields(args)
        cross_validate(
            config, resume=args.resume, overwrite=args.overwrite, typed=typed, refit=args.refit
        )
        return 0
    prepared = prepare(
        config, resume=args.resume, overwrite=args.overwrite, typed=typed_fields(args)
    )
    if args.show_config:
        from harness.train.catalog import print_config

        print_config(prepared)
        return 0
    import_tensorflow(verbose=args.verbose)
    from harness.train.run import run

    run(prepared, command=["train.py", *argv])
    return 0


def _is_cv_parent(run_dir) -> bool:
    from harness.reports.cross_validation import is_cv_parent

    return bool(run_dir) and is_cv_parent(run_dir)


if __name__ == "__main__":
    code = main()
    if code in (130, 143):
        # Interrupted: the checkpoint is saved and fsynced and the lock released; skip the
        # interpreter's teardown of TensorFlow (seconds), which a scheduler's grace period pays.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
