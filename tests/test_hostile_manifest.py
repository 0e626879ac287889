"""Hostile and malformed manifest.json files: every path is confined to the run's ckpt/ folder,
nothing else is ever opened, and a malformed entry is damage to that entry, not a crash.

The runs are real tf.train.Checkpoint files (tests/test_checkpoint_store.py); the commands run
as real processes with a timeout, so a hang fails the test instead of stalling the suite.
"""

import json
import os
import shutil

import pytest

from harness.checkpoints import CheckpointStore, RetentionPolicy
from harness.checkpoints.manifest import Manifest
from harness.errors import RunDamaged
from tests.checkpoint_tools import data_file
from tests.test_checkpoint_cli import cli
from tests.test_checkpoint_store import holds, make_root, names_on_disk, save_epochs

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A run folder with ckpt-10, ckpt-20 and ckpt-30 (epochs 1-3, weights 1.0, 2.0, 3.0)."""
    run_dir = tmp_path_factory.mktemp("pristine") / "run"
    root = make_root()
    save_epochs(
        CheckpointStore(run_dir, root, RetentionPolicy(keep_last=3, keep_best=0)), root, [1, 2, 3]
    )
    return run_dir


@pytest.fixture
def run_dir(pristine, tmp_path):
    return shutil.copytree(pristine, tmp_path / "run")


def edit_manifest(run_dir, change) -> dict:
    """Applies `change(manifest_dict)` to the run's manifest.json on disk."""
    path = run_dir / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return data


def entry_of(data: dict, name: str) -> dict:
    return next(entry for entry in data["checkpoints"] if entry.get("name") == name)


def restore_latest(run_dir):
    fresh = make_root()
    store = CheckpointStore(run_dir, fresh)
    return store.restore(warn=False), store.skipped, fresh


def test_a_manifest_path_to_dev_zero_is_damage_and_is_never_read(run_dir):
    edit_manifest(
        run_dir,
        lambda data: entry_of(data, "ckpt-30")["files"].update(
            {"/dev/zero": {"bytes": 0, "sha256": "0" * 64}}
        ),
    )
    code, out, err = cli("verify", run_dir)  # hung until killed before
    assert code == 1, err
    assert "manifest entry 3 (ckpt-30): DAMAGED: files must be ckpt/ckpt-30.index" in out
    assert out.count(": OK") == 2
    entry, skipped, fresh = restore_latest(run_dir)
    assert entry["name"] == "ckpt-20" and holds(fresh, 2.0)
    assert len(skipped) == 1 and "ckpt-30" in skipped[0]


@pytest.mark.parametrize("replacement", ["fifo", "symlink-out", "symlink-dev-zero"])
def test_a_checkpoint_file_replaced_by_a_fifo_or_a_link_out_is_damage(
    run_dir, tmp_path, replacement
):
    target = data_file(run_dir, "ckpt-30")
    target.unlink()
    if replacement == "fifo":
        os.mkfifo(target)
    elif replacement == "symlink-out":
        outside = tmp_path / "elsewhere.data"
        shutil.copy(data_file(run_dir, "ckpt-20"), outside)
        target.symlink_to(outside)
    else:
        target.symlink_to("/dev/zero")
    code, out, _ = cli("verify", run_dir)
    assert code == 1
    line = next(line for line in out.splitlines() if "ckpt-30" in line)
    assert f"ckpt-30: DAMAGED: ckpt/{target.name} " in line
    assert ("is not a regular file" if replacement == "fifo" else "leads out of") in line
    entry, skipped, fresh = restore_latest(run_dir)
    assert entry["name"] == "ckpt-20" and holds(fresh, 2.0) and len(skipped) == 1


def test_the_prefix_is_built_from_the_name_never_taken_from_the_file(run_dir, tmp_path):
    """A prefix pointing at another run's checkpoint once restored those unverified weights
    as this run's; now the entry is malformed and its own files are what counts."""
    other = tmp_path / "other"
    root = make_root()
    save_epochs(CheckpointStore(other, root, RetentionPolicy(keep_last=1, keep_best=0)), root, [9])
    edit_manifest(
        run_dir,
        lambda data: entry_of(data, "ckpt-30").update(prefix=str(other / "ckpt" / "ckpt-90")),
    )
    manifest = Manifest.load(run_dir)
    assert manifest.names() == ["ckpt-10", "ckpt-20"]
    assert "prefix must be 'ckpt/ckpt-30'" in manifest.malformed_lines()[0]
    entry, skipped, fresh = restore_latest(run_dir)
    assert entry["name"] == "ckpt-20" and holds(fresh, 2.0) and not holds(fresh, 9.0)
    assert skipped[0].startswith("skipping manifest entry 3 (ckpt-30), which is malformed (prefix")
    with pytest.raises(RunDamaged, match=r"checkpoint ckpt-30 of .* cannot be used: .*prefix"):
        CheckpointStore(run_dir, make_root()).restore("ckpt-30")


@pytest.mark.parametrize(
    "change, key",
    [
        (lambda entry: entry.pop("name"), "name is missing"),
        (lambda entry: entry.update(files=["ckpt/ckpt-30.index"]), "files must be an object"),
        (lambda entry: entry.update(time="yesterday"), "time must be an ISO time"),
        (lambda entry: entry.update(epoch="three"), "epoch must be a whole number"),
        (lambda entry: entry.update(metrics={"val_loss": "low"}), "metrics.val_loss must be"),
        (lambda entry: entry.update(name="../../etc/passwd"), "name must be text like"),
        (lambda entry: entry.update(kind="weekly"), "kind must be one of epoch, step"),
    ],
)
def test_a_malformed_entry_is_damage_to_that_entry_in_every_command(run_dir, change, key):
    """KeyError, AttributeError and ValueError tracebacks before, the last after prune had
    rewritten the manifest."""
    edit_manifest(run_dir, lambda data: change(data["checkpoints"][2]))
    before = (run_dir / "manifest.json").read_text()
    code, out, err = cli("verify", run_dir)
    assert code == 1 and not err, err
    assert "manifest entry 3" in out and key in out and out.count(": OK") == 2
    code, out, err = cli("list", run_dir)
    assert code == 0 and not err and "manifest entry 3" in out and "ckpt-20" in out
    code, out, err = cli("prune", run_dir, "--keep-last", 1, "--keep-best", 0)
    assert code == 0 and not err, err
    assert "removed ckpt-10; kept ckpt-20" in out
    kept = json.loads((run_dir / "manifest.json").read_text())["checkpoints"]
    assert json.loads(before)["checkpoints"][2] in kept  # left for a person to look at
    assert "ckpt-30" in names_on_disk(run_dir)  # its files are not the policy's to delete


@pytest.mark.parametrize(
    "content, key",
    [
        ("[]", "the file must be a JSON object"),
        ('{"format": 1, "policy": null, "best": null}', "checkpoints is missing"),
        ('{"format": 1, "checkpoints": {}}', "checkpoints must be a list"),
        ('{"format": 7, "checkpoints": []}', "format must be 1"),
        ('{"format": 1, "policy": {"keep_last": -2}, "checkpoints": []}', "policy: keep_last"),
        ('{"format": 1, "checkpoints": [', "is damaged (Expecting value"),
        ("[" * 100000 + "]" * 100000, "is damaged (RecursionError"),
    ],
)
def test_a_malformed_manifest_is_one_line_naming_the_file_and_key(run_dir, content, key):
    (run_dir / "manifest.json").write_text(content)
    for args in (("show", run_dir), ("prune", run_dir, "--keep-last", 1, "--keep-best", 0)):
        code, out, err = cli(*args)
        assert code == 1 and out == "", (args, err)
        assert len(err) == 1 and err[0].startswith("error: ") and key in err[0]
        assert str(run_dir / "manifest.json") in err[0]
    code, out, err = cli("verify", run_dir)
    assert code == 1 and "manifest.json" in out and key in out
    assert (run_dir / "manifest.json").read_text() == content  # nothing rewritten


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_manifest_that_is_a_fifo_or_a_device_is_refused_without_reading(run_dir, kind):
    path = run_dir / "manifest.json"
    path.unlink()
    os.mkfifo(path) if kind == "fifo" else path.symlink_to("/dev/zero")
    code, out, err = cli("show", run_dir)
    assert code == 1 and len(err) == 1 and "is not a regular file" in err[0]
