"""Section 5: start-up. Wall seconds of `train.py --help`, `--list-models`, a bad-input error
(the median over a few kinds of bad input, each refused with exit code 2) and `import tensorflow`.

Each is a fresh process, timed from the outside; the commands alternate in every round.
"""

from bench.common import log, run_child, summarize

COMMANDS = {
    "help": ["train.py", "--help"],
    "list_models": ["train.py", "--list-models"],
    "import_tensorflow": ["-c", "import tensorflow"],
}
# Refused before TensorFlow is imported: a recipe that cannot work, a data set that cannot feed
# the model, a missing csv file. The bad-input figure is the median over all of them.
BAD_INPUT = {
    "bad_recipe": ["train.py", "--model", "mlp", "--schedule", "step", "--warmup-epochs", "2"],
    "bad_layout": ["train.py", "--model", "cnn", "--dataset", "sine"],
    "missing_csv": ["train.py", "--model", "mlp", "--dataset", "csv:missing.csv", "--target", "y"],
}
FULL_ROUNDS = 5
QUICK_ROUNDS = 3
# `import tensorflow` takes 5-15 s on a busy 2-core machine: fewer rounds of it.
IMPORT_ROUNDS = {False: 3, True: 1}


def run_startup(quick: bool) -> dict:
    """Returns results["startup"]: help_seconds etc. (medians) and their spreads."""
    rounds = QUICK_ROUNDS if quick else FULL_ROUNDS
    seconds = {label: [] for label in COMMANDS}
    for index in range(rounds):
        log(f"startup: round {index + 1} of {rounds}")
        for label, args in COMMANDS.items():
            if label == "import_tensorflow" and index >= IMPORT_ROUNDS[quick]:
                continue
            result = run_child(args, timeout=300)
            if result["returncode"]:
                raise RuntimeError(
                    f"{' '.join(args)} exited {result['returncode']}: {result['stderr'][-500:]}"
                )
            seconds[label].append(result["wall_seconds"])
        for args in BAD_INPUT.values():
            result = run_child(args, timeout=300)
            if result["returncode"] != 2:
                raise RuntimeError(f"{' '.join(args)} exited {result['returncode']}, not 2")
            seconds.setdefault("bad_input", []).append(result["wall_seconds"])
    results = {f"{label}_seconds": summarize(values)["median"] for label, values in seconds.items()}
    results["spread"] = {f"{label}_seconds": summarize(values) for label, values in seconds.items()}
    return results
