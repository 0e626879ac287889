"""Train a zoo model: `python train.py --model lstm`. See --help and the README."""

import sys

from harness.errors import EXIT_USAGE, EXIT_WORKER_LOST, UsageError, WorkerLost


def main(argv=None) -> int:
    """Parses flags, trains, and maps bad input to one line on stderr with exit code 2."""
    from harness.train_args import build_parser, config_from_args

    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        if args.list_models or args.list_datasets:
            from harness.listing import print_datasets, print_models

            print_models() if args.list_models else print_datasets()
            return 0
        from harness.tf_runtime import import_tensorflow
        from harness.training import prepare, run

        import_tensorflow(verbose=args.verbose)

        config = config_from_args(args)
        prepared = prepare(config, resume=args.resume, overwrite=args.overwrite)
        run(prepared, command=["train.py", *argv])
        return 0
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except WorkerLost as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_WORKER_LOST


if __name__ == "__main__":
    sys.exit(main())
