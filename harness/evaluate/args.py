"""The evaluate.py and predict.py command lines, and which run folders a command means.

Importing this module must not import TensorFlow: `--help` and every bad-input error answer in
well under a second, before the slow import.
"""

from pathlib import Path

from harness.checkpoints.manifest import NAMES_HELP, check_checkpoint_name, is_checkpoint_path
from harness.cli import OneLineParser, whole_number
from harness.errors import UsageError
from harness.evaluate.predict_images import INVERT_CHOICES
from harness.reports import NORMALIZE_CHOICES
from harness.runs import DEFAULT_ROOT, find_runs, newest_run

SPLITS = ("test", "val", "train", "all")
# One forward pass over this many examples is cheap on a CPU for every zoo model and keeps
# Python's per-batch overhead out of the throughput figure.
DEFAULT_BATCH_SIZE = 1024


def build_evaluate_parser() -> OneLineParser:
    """Returns the parser for evaluate.py."""
    parser = OneLineParser(
        prog="evaluate.py",
        description="Evaluate trained runs: report files per run and checkpoint, and a summary.csv "
        "for several runs. Exit code 0: all ok; 1: a run failed or was damaged; "
        "2: bad input.",
    )
    which = parser.add_argument_group("which runs (one of)")
    which.add_argument(
        "--run-dir", action="append", metavar="DIR", help="a run folder (repeatable)"
    )
    which.add_argument("--model", help=f"the newest run of this model under {DEFAULT_ROOT}/")
    which.add_argument(
        "--all",
        nargs="?",
        const=str(DEFAULT_ROOT),
        metavar="ROOT",
        help=f"every run folder under ROOT (default {DEFAULT_ROOT}/)",
    )
    what = parser.add_argument_group("what to evaluate")
    add_checkpoint_flag(what)
    what.add_argument(
        "--every-checkpoint",
        action="store_true",
        help="evaluate every retained checkpoint of each run",
    )
    what.add_argument(
        "--split",
        choices=SPLITS,
        help="default: test; with --dataset: all (every example of that data set)",
    )
    what.add_argument(
        "--dataset",
        help="evaluate on another data set of the same shape, e.g. csv:new.csv or "
        "series:GunPoint_TEST.tsv (normalised with the training statistics)",
    )
    what.add_argument(
        "--data-opt",
        action="append",
        metavar="KEY=VALUE",
        help="data set option, e.g. noise=0.1 (default: the run's own options)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--out",
        metavar="DIR",
        help="one run: the report folder (default RUN/reports/CHECKPOINT/); several runs: "
        "where summary.csv goes (default ROOT/ for --all, else "
        "./evaluation_summary.csv)",
    )
    out.add_argument(
        "--normalize",
        choices=NORMALIZE_CHOICES,
        default="true",
        help="normalised confusion matrix over true classes (rows), predictions or all",
    )
    out.add_argument(
        "--no-plots",
        dest="plots",
        action="store_false",
        help="write no figures (CSVs, metrics.json and report.html only): "
        "a quicker batch (BENCHMARKS.md, section 4)",
    )
    add_runtime_flags(out)
    return parser


def build_predict_parser() -> OneLineParser:
    """Returns the parser for predict.py."""
    parser = OneLineParser(
        prog="predict.py",
        description="Predict with a trained run. Inputs: .png/.jpg/.bmp/.gif images or folders "
        "of them, converted to the training images' channels and size, and inverted when their "
        "polarity is the opposite of training's (see --invert); .csv rows (a table run's "
        "feature columns, or the raw values of one example per row); .npy arrays of raw "
        "examples; for a series run, .tsv, .csv or .npz files in the training file's format "
        "(labels optional), one series per row. Raw values are in the data set's own range, e.g. "
        "0..16 for digits.",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="image files or folders, .csv, .npy, .tsv or .npz files",
    )
    parser.add_argument("--run-dir", required=True, metavar="DIR", help="the trained run folder")
    add_checkpoint_flag(parser)
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="the CSV file the predictions go to (default: RUN/predictions/<first input>.csv; "
        "a forecast's: RUN/forecasts/<first input>.csv)",
    )
    parser.add_argument(
        "--top-k",
        type=whole_number,
        default=1,
        metavar="K",
        help="also show the next K-1 likeliest classes (default 1)",
    )
    parser.add_argument(
        "--invert",
        choices=INVERT_CHOICES,
        default="auto",
        help="images: invert light/dark when their background is the opposite of the training "
        "images' (auto, the default), always (yes) or never (no)",
    )
    add_runtime_flags(parser)
    return parser


def add_checkpoint_flag(group) -> None:
    """Adds --checkpoint, shared by evaluate.py and predict.py."""
    group.add_argument(
        "--checkpoint", default=None, metavar="NAME", help=f"{NAMES_HELP} (default result)"
    )


def add_runtime_flags(group) -> None:
    """Adds --batch-size and --verbose."""
    group.add_argument(
        "--batch-size",
        type=whole_number,
        default=DEFAULT_BATCH_SIZE,
        help=f"examples per forward pass (default {DEFAULT_BATCH_SIZE})",
    )
    group.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up log")


def check_common(args) -> str:
    """Checks --checkpoint and --batch-size; returns the checkpoint name to restore.

    Raises:
        UsageError: a checkpoint name that no run could have, or a batch size below 1.
    """
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be >= 1, got {args.batch_size}")
    return check_checkpoint_name(args.checkpoint or "result")


def selected_runs(args) -> tuple[list[Path], Path | None]:
    """The run folders that evaluate.py's arguments name, and the --all root (else None).

    A --checkpoint path alone names its own run. Folders are checked to exist here; whether they
    hold an intact run is found out when each is evaluated.

    Raises:
        UsageError: no or several of --run-dir/--model/--all, a folder that does not exist or is
            a file, an --all root without runs, or a model with no run.
    """
    chosen = [
        flag
        for flag, value in (
            ("--run-dir", args.run_dir),
            ("--model", args.model),
            ("--all", args.all),
        )
        if value
    ]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} contradict each other; give one of them")
    if args.all:
        root = _existing_folder(args.all, "--all root")
        runs = find_runs(root)
        if not runs:
            raise UsageError(
                f"no run folders under {root} (a run folder holds run.json); "
                "train one with train.py or give another root"
            )
        return runs, root
    if args.model:
        return [newest_run(args.model)], None
    if args.run_dir:
        return [_existing_folder(path, "run folder") for path in dict.fromkeys(args.run_dir)], None
    if args.checkpoint and is_checkpoint_path(args.checkpoint):
        return [Path(args.checkpoint).parent.parent], None
    raise UsageError("evaluate.py needs --run-dir DIR, --model NAME or --all [ROOT] (see --help)")


def _existing_folder(path, what: str) -> Path:
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{what} {path} does not exist")
    if not path.is_dir():
        raise UsageError(f"{what} {path} is a file, not a folder")
    return path
