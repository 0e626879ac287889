"""--overwrite removes what the earlier run wrote and nothing else: foreign files planted in every
folder of a real run (and in a report folder) survive, the old run's checkpoints, reports and
files are gone. The rules themselves on a hand-made folder: what the manifest and TensorFlow's
state file list, TensorFlow's temporary save folders, report folders, atomic temporaries."""

import json
import os
import socket
import subprocess
import sys

import pandas as pd

import evaluate
import train
from harness.runs import clear_run
from tests.process_tools import manifest_entries

TINY = ["--model", "mlp", "--set", "widths=8", "--seed", "1"]
FOREIGN = {
    "notes.txt": "mine",
    "ckpt/ckpt-999.index": "not a checkpoint of this run",
    "ckpt/ckpt-notes.txt": "my notes on the checkpoints",
    "reports/my-analysis.txt": "my analysis",
    "reports/mine/predictions.csv": "a folder of my own, with a name the harness also writes",
}


def fit(run_dir, *flags) -> None:
    assert train.main([*TINY, *flags, "--run-dir", str(run_dir)]) == 0


def plant(run_dir, files: dict) -> None:
    for name, text in files.items():
        (run_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (run_dir / name).write_text(text)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_overwrite_removes_the_old_run_and_keeps_every_foreign_file(tmp_path):
    run_dir = tmp_path / "run"
    fit(run_dir, "--epochs", "2", "--batch-size", "32")
    assert evaluate.main(["--run-dir", str(run_dir), "--every-checkpoint"]) == 0
    old = [entry["name"] for entry in manifest_entries(run_dir)]
    old_report = run_dir / "reports" / old[-1]
    assert (old_report / "metrics.json").is_file()
    assert (run_dir / "reports" / "summary.csv").is_file()
    plant(run_dir, {**FOREIGN, f"reports/{old[-1]}/my-notes.txt": "beside the report"})

    # Batch 64 names the new run's checkpoints differently, so none can pass for an old one.
    fit(run_dir, "--epochs", "1", "--batch-size", "64", "--overwrite")

    for name, text in FOREIGN.items():
        assert (run_dir / name).read_text() == text, name
    assert [path.name for path in old_report.iterdir()] == ["my-notes.txt"]
    # The other report folder and summary.csv are gone.
    reports = sorted(path.name for path in (run_dir / "reports").iterdir())
    assert reports == sorted(["mine", "my-analysis.txt", old[-1]])
    assert [entry["name"] for entry in manifest_entries(run_dir)] == ["ckpt-20"]
    for name in old:
        assert not list((run_dir / "ckpt").glob(f"{name}.*")), name
    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == [1]
    run = json.loads((run_dir / "run.json").read_text())
    assert run["config"]["epochs"] == 1 and run["config"]["batch_size"] == 64


def test_clear_run_follows_the_records_not_a_listing(tmp_path):
    run_dir = tmp_path / "run"
    ckpt = run_dir / "ckpt"
    pid, host = dead_pid(), socket.gethostname()
    manifest = {"checkpoints": [{"name": "ckpt-5", "files": {"ckpt/ckpt-5.index": {}}}]}
    state = f'model_checkpoint_path: "ckpt-5"\nall_model_checkpoint_paths: "{ckpt / "ckpt-3"}"\n'
    written = {  # by the run, so --overwrite removes them
        "run.json": "{}",
        "history.csv": "epoch\n1\n",
        "manifest.json": json.dumps(manifest),
        f".manifest.json.{pid}@{host}.0a1b2c3d.tmp": "a killed write's temporary",
        f".model.keras.{pid}@{host}.0a1b2c3d.tmp.keras": "a killed save's temporary",
        "ckpt/checkpoint": state,
        "ckpt/ckpt-5.index": "",
        "ckpt/ckpt-5.data-00000-of-00001": "",  # of a listed checkpoint, whether listed or not
        "ckpt/ckpt-3.index": "",  # listed by the state file alone (absolute path)
        "ckpt/ckpt-3.data-00001-of-00002": "",
        "ckpt/ckpt-4_temp/part-00000-of-00001.index": "",  # TensorFlow's save in flight
        "reports/summary.csv": "run\n",
        "reports/ckpt-5/metrics.json": json.dumps({"run": str(run_dir), "checkpoint": "ckpt-5"}),
        "reports/ckpt-5/predictions.csv": "index\n",
        "reports/ckpt-5/confusion_matrix.png": "",
    }
    foreign = {
        ".lock": "the lock the caller holds",
        "ckpt/ckpt-9.index": "no record lists ckpt-9",
        "ckpt/ckpt-50.index": "ckpt-5's name is a prefix of mine",
        "ckpt/ckpt-5.notes": "not a file TensorFlow writes",
        "ckpt/ckpt-6_temp/mine.txt": "not TensorFlow's",
        "reports/other/metrics.json": json.dumps({"accuracy": 1.0}),
        "reports/other/predictions.csv": "mine",
    }
    plant(run_dir, {**written, **foreign})
    clear_run(run_dir)
    left = sorted(str(path.relative_to(run_dir)) for path in run_dir.rglob("*") if path.is_file())
    assert left == sorted(foreign)
    assert not (run_dir / "reports" / "ckpt-5").exists()


def test_clear_run_with_a_damaged_manifest_still_follows_the_state_file(tmp_path):
    run_dir = tmp_path / "run"
    plant(
        run_dir,
        {
            "manifest.json": "{not json",
            "ckpt/checkpoint": 'model_checkpoint_path: "ckpt-2"\n',
            "ckpt/ckpt-2.index": "",
            "ckpt/ckpt-2.data-00000-of-00001": "",
            "ckpt/ckpt-1.index": "listed nowhere",
        },
    )
    clear_run(run_dir)
    assert sorted(os.listdir(run_dir / "ckpt")) == ["ckpt-1.index"]
    assert sorted(os.listdir(run_dir)) == ["ckpt"]
