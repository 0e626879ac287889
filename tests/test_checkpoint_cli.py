"""`python -m harness.checkpoints` run as a real process on real run folders."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from harness.checkpoints import CheckpointStore, RetentionPolicy
from tests.checkpoint_tools import data_file
from tests.conftest import REPO_ROOT
from tests.test_checkpoint_lock import start_holder
from tests.test_checkpoint_store import corrupt, make_root, names_on_disk, save_epochs


def cli(*args):
    """Runs the CLI; returns (exit code, stdout, stderr lines)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "harness.checkpoints", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return done.returncode, done.stdout, done.stderr.strip().splitlines()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """runs/mlp/r1 with checkpoints of epochs 1..5 (keep 3 + best), and an empty runs/mlp/r2."""
    root_dir = tmp_path_factory.mktemp("runs")
    run_dir = root_dir / "mlp" / "r1"
    root = make_root()
    store = CheckpointStore(run_dir, root, RetentionPolicy(keep_last=3, keep_best=1))
    save_epochs(store, root, range(1, 6), losses=[5.0, 1.0, 4.0, 3.0, 6.0])
    (root_dir / "mlp" / "r2").mkdir()
    (root_dir / "mlp" / "r2" / "run.json").write_text("{}")
    return root_dir


def copy_run(runs, tmp_path):
    return shutil.copytree(runs / "mlp" / "r1", tmp_path / "r1")


def test_list_finds_runs_at_any_depth(runs):
    code, out, err = cli("list", runs)
    assert code == 0, err
    assert "no checkpoints" in out and "r2" in out
    rows = {line.split()[1]: line for line in out.splitlines() if "ckpt-" in line}
    assert sorted(rows) == ["ckpt-20", "ckpt-30", "ckpt-40", "ckpt-50"]
    assert "best" in rows["ckpt-20"] and "latest" in rows["ckpt-50"]
    assert "val_loss=1 " in rows["ckpt-20"]  # the monitor comes first


def test_show_prints_entry_and_variables(runs):
    code, out, err = cli("show", runs / "mlp" / "r1", "best")
    assert code == 0, err
    entry = json.loads(out[: out.index("variables (")])
    assert entry["name"] == "ckpt-20" and entry["epoch"] == 2
    assert "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE  [4, 8]" in out


def test_verify_reports_damage_and_exits_1(runs, tmp_path):
    code, out, _ = cli("verify", runs / "mlp" / "r1")
    assert code == 0 and out.count(": OK") == 4
    run_dir = copy_run(runs, tmp_path)
    damaged = data_file(run_dir, "ckpt-40")
    corrupt(damaged, "flip")
    code, out, _ = cli("verify", run_dir)
    assert code == 1
    assert f"ckpt-40: DAMAGED: ckpt/{damaged.name} does not match its SHA-256" in out
    assert out.count(": OK") == 3


def test_prune_applies_a_policy_now(runs, tmp_path):
    run_dir = copy_run(runs, tmp_path)
    code, out, err = cli("prune", run_dir, "--keep-last", 1, "--keep-best", 0)
    assert code == 0, err
    assert "removed ckpt-20, ckpt-30, ckpt-40; kept ckpt-50" in out
    assert names_on_disk(run_dir) == ["ckpt-50"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["policy"]["monitor"] == "val_loss" and manifest["policy"]["keep_last"] == 1
    assert (run_dir / "ckpt" / "checkpoint").read_text().count("all_model_checkpoint_paths") == 1


@pytest.mark.parametrize(
    "args, expected",
    [
        (("show", "{runs}/nowhere"), "run folder {runs}/nowhere does not exist"),
        (("verify", "{runs}/mlp/r1", "{runs}/nowhere"), "run folder {runs}/nowhere does not exist"),
        (("list", "{runs}/nowhere"), "{runs}/nowhere does not exist"),
        (("show", "{runs}/mlp/r1", "ckpt-7"), "unknown checkpoint 'ckpt-7'"),
        (("show", "{runs}/mlp/r1", "bestest"), "unknown checkpoint 'bestest'"),
        (
            ("prune", "{runs}/mlp/r2", "--keep-last", "1", "--keep-best", "1"),
            "is not a run folder with checkpoints",
        ),
        (("prune", "{runs}/mlp/r1", "--keep-last", "-1", "--keep-best", "1"), "keep_last must be"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runs, args, expected):
    code, out, err = cli(*(arg.format(runs=runs) for arg in args))
    assert code == 2 and out == ""
    assert len(err) == 1 and err[0].startswith("error: ") and expected.format(runs=runs) in err[0]


def test_prune_refuses_a_run_in_use(runs, tmp_path):
    run_dir = copy_run(runs, tmp_path)
    holder = start_holder(run_dir)
    try:
        code, _, err = cli("prune", run_dir, "--keep-last", 1, "--keep-best", 0)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert code == 2 and len(err) == 1 and f"in use by process {holder.pid}" in err[0]
    assert len(names_on_disk(run_dir)) == 4


def test_prune_says_when_the_newest_checkpoint_is_kept_beyond_the_policy(runs, tmp_path):
    """--keep-last 0 --keep-best 0 kept ckpt-50 and said nothing about it."""
    run_dir = copy_run(runs, tmp_path)
    code, out, err = cli("prune", run_dir, "--keep-last", 0, "--keep-best", 0)
    assert code == 0, err
    assert "removed ckpt-20, ckpt-30, ckpt-40; kept ckpt-50 (ckpt-50 is kept although" in out
    assert "the newest checkpoint always stays, so that the run can be resumed" in out
    assert names_on_disk(run_dir) == ["ckpt-50"]
    code, out, _ = cli("prune", run_dir, "--keep-last", 1, "--keep-best", 0)
    assert code == 0 and "although" not in out  # the policy chose it this time


def test_prune_dry_run_shows_what_would_go_and_deletes_nothing(runs, tmp_path):
    run_dir = copy_run(runs, tmp_path)
    before = {path.name: path.read_bytes() for path in run_dir.rglob("*") if path.is_file()}
    code, out, err = cli("prune", run_dir, "--keep-last", 1, "--keep-best", 1, "--dry-run")
    assert code == 0, err
    assert out.strip() == f"{run_dir}: would remove ckpt-30, ckpt-40; kept ckpt-20, ckpt-50"
    assert {path.name: path.read_bytes() for path in run_dir.rglob("*") if path.is_file()} == before
    code, out, _ = cli("prune", run_dir, "--keep-last", 1, "--keep-best", 1)
    assert code == 0 and "removed ckpt-30, ckpt-40; kept ckpt-20, ckpt-50" in out
    assert names_on_disk(run_dir) == ["ckpt-20", "ckpt-50"]
