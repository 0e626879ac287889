"""Every command in the README's bash blocks runs, as written but with few epochs, so that the
README cannot drift from the program.

The commands run in README order in one working folder (a later command uses the runs an
earlier one trained), in-process through the entry points' `main`. Placeholders become real
things: RUN a run folder, iris.csv a table written here, digit.png an image, GunPoint_TRAIN.tsv
a small GunPoint-like file, and so on. Only the two-machine commands are left out
(tests/test_distribute.py runs them with two local workers).
"""

import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits, load_iris

import evaluate
import predict
import train
from harness.checkpoints import cli as checkpoints_cli
from tests.conftest import REPO_ROOT
from tests.forecast_tools import monthly_series, write_series
from tests.image_tools import pattern, save, write_folder
from tests.series_tools import bumps, write_lines, write_tsv

pytestmark = pytest.mark.timeout(600)
EPOCHS = "2"  # the fewest that leave two checkpoints and room for a one-epoch warm-up
ENTRY_POINTS = {
    "python train.py": train.main,
    "python evaluate.py": evaluate.main,
    "python predict.py": predict.main,
    "python -m harness.checkpoints": checkpoints_cli.main,
}
NOT_RUN = ("TF_CONFIG=",)  # needs a cluster of machines
NOT_COMMANDS = ("python -m pytest", "python3 -m venv")  # the set-up and the suite itself


def readme_commands() -> list[str]:
    """The python commands of every bash block, continuation lines joined, comments dropped."""
    text = (REPO_ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                command = part.split(" #")[0].strip()
                if command.startswith(("python", "TF_CONFIG=")):
                    commands.append(command)
    return commands


def write_inputs(folder: Path) -> None:
    iris = load_iris(as_frame=True)
    table = iris.frame.rename(columns=lambda name: name.replace(" (cm)", "").replace(" ", "_"))
    table["species"] = np.asarray(iris.target_names)[iris.target]
    table = table.drop(columns="target")
    table.to_csv(folder / "iris.csv", index=False)
    table.sample(30, random_state=1).to_csv(folder / "new.csv", index=False)
    table.drop(columns="species").head(5).to_csv(folder / "rows.csv", index=False)
    digits = load_digits().data
    np.save(folder / "batch.npy", digits[:4])
    for name, index in (("digit.png", 0), ("another.jpg", 1)):
        pixels = np.round(digits[index].reshape(8, 8) * 255 / 16).astype(np.uint8)
        Image.fromarray(pixels).resize((32, 32)).save(folder / name)
    # The archive's GunPoint has 50 and 150 series of 150 steps; fewer keep the test quick.
    write_tsv(folder / "GunPoint_TRAIN.tsv", *bumps(30, steps=150, seed=1))
    write_tsv(folder / "GunPoint_TEST.tsv", *bumps(20, steps=150, seed=2))
    new_series = bumps(3, steps=150, seed=3)[0][:, :, 0]
    write_lines(folder / "new_series.tsv", ["\t".join(map(str, row)) for row in new_series])
    co2 = monthly_series(240).rename(columns={"sales": "co2"})[["date", "co2"]]
    write_series(folder / "co2.csv", co2)  # 20 years of months, as bench/data/co2_monthly.csv
    write_image_inputs(folder)


def write_image_inputs(folder: Path) -> None:
    """The README's image path: a folder of classes, new photos, a pixel table and an .npz."""
    write_folder(folder / "photos", per_class=10, size=(16, 16))
    save(folder / "photo.jpg", pattern(1, size=(40, 40), channels=3, seed=5, invert=True))
    write_folder(folder / "more_photos", per_class=1, size=(16, 16), seed=9)
    images = np.stack([pattern(i % 3, size=(28, 28), seed=i)[..., 0] for i in range(30)])
    table = pd.DataFrame(images.reshape(30, -1), columns=[f"pixel{i}" for i in range(784)])
    table.insert(0, "label", np.arange(30) % 3)
    table.to_csv(folder / "train.csv", index=False)
    np.savez(folder / "digits.npz", x=images, y=np.arange(30) % 3)


def runs_of(folder: Path) -> dict:
    """The newest run folder of each model under checkpoints/, and of the csv data set."""
    runs = {}
    for run_json in sorted((folder / "checkpoints").glob("*/*/run.json")):
        run_dir = run_json.parent
        runs[run_dir.parent.name] = run_dir
        if "iris" in run_dir.name:
            runs["csv"] = run_dir
    return runs


def as_run(command: str, folder: Path) -> tuple:
    """The entry point and the argv of a README command, placeholders made real."""
    prefix = next(prefix for prefix in ENTRY_POINTS if command.startswith(prefix + " "))
    argv = shlex.split(command[len(prefix) :])
    if prefix == "python train.py":
        if "--epochs" in argv:
            argv[argv.index("--epochs") + 1] = EPOCHS
        else:
            argv += ["--epochs", EPOCHS]
    runs = runs_of(folder)
    uses_csv = any(arg in ("rows.csv", "csv:new.csv") for arg in argv)
    run_dir = runs["csv"] if uses_csv else runs.get("cnn")
    argv = [str(run_dir) if arg in ("RUN", "DIR") else arg for arg in argv]
    if any(re.fullmatch(r"ckpt-\d+", arg) for arg in argv):
        latest = sorted((run_dir / "ckpt").glob("ckpt-*.index"))[-1].stem
        argv = [latest if re.fullmatch(r"ckpt-\d+", arg) else arg for arg in argv]
    return ENTRY_POINTS[prefix], argv


def test_the_readme_has_the_commands_this_test_knows():
    commands = [c for c in readme_commands() if not c.startswith(NOT_COMMANDS)]
    assert commands[0] == "python train.py --model lstm"  # the first command a user types
    assert all(c.startswith(tuple(ENTRY_POINTS)) or c.startswith(NOT_RUN) for c in commands)
    assert {prefix for prefix in ENTRY_POINTS if any(c.startswith(prefix) for c in commands)} == (
        set(ENTRY_POINTS)
    )


def test_every_readme_command_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_inputs(tmp_path)
    ran = []
    for command in readme_commands():
        if command.startswith(NOT_RUN) or command.startswith(NOT_COMMANDS):
            continue
        main, argv = as_run(command, tmp_path)
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 0, f"{command!r} as {argv} exited {code}: {err}"
        assert "Traceback" not in err, command
        ran.append(command)
    assert ran and all(main_of in " ".join(ran) for main_of in ENTRY_POINTS)
    assert pd.read_csv(tmp_path / "preds.csv")["predicted"].isin(load_iris().target_names).all()
    assert len(pd.read_csv(tmp_path / "series_predictions.csv")) == 3
    assert (tmp_path / "model.keras").is_file() and (tmp_path / "serving").is_dir()
    assert (tmp_path / "checkpoints" / "summary.csv").is_file()


def readme_block_after(summary: str) -> str:
    """The text of the first plain ``` block after `summary` in the README."""
    text = (REPO_ROOT / "README.md").read_text()
    after = text[text.index(summary) :]
    return re.search(r"```\n(.*?)```", after, flags=re.S).group(1)


def test_the_help_and_show_config_shown_in_the_readme_are_current(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps help to the terminal's width
    with pytest.raises(SystemExit):
        train.main(["--help"])
    assert capsys.readouterr().out == readme_block_after("<code>python train.py --help</code>")
    monkeypatch.chdir(tmp_path)
    assert train.main(["--model", "mlp", "--show-config"]) == 0
    shown = re.sub(r"\d{8}-\d{6}-digits", "<time>-digits", capsys.readouterr().out)
    assert shown == readme_block_after("`python train.py --model mlp --show-config`:")
