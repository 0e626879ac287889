"""--strategy: TF_CONFIG checks, and real 2-worker clusters of train.py on free localhost ports.

TensorFlow fixes the multi-worker set-up once per process, so every worker is a subprocess; the
single-process runs they are compared with run in this process.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import train
from harness.errors import UsageError
from harness.runtime.cluster import Cluster, collective_timeout, read_tf_config
from harness.runtime.distribute import choose_strategy, lost_worker_message
from tests.checkpoint_tools import checkpoint_tensors
from tests.conftest import REPO_ROOT

# Short, so a stuck test fails fast; TensorFlow's heartbeat usually notices a dead worker sooner.
TIMEOUT_SECONDS = 60
# Dropout off: each replica draws its own masks, which no single process can reproduce.
# Randomness that differs per replica by design (dropout masks, augmentation draws, BatchNorm
# batch statistics) is switched off, so two workers can match one process closely; plain
# sparse labels (no label smoothing) let the test evaluate with the integer labels.
ARGV = [
    "--model",
    "mlp",
    "--set",
    "widths=16",
    "--set",
    "dropout_rate=0",
    "--set",
    "batch_norm=false",
    "--no-augment",
    "--label-smoothing",
    "0",
    "--batch-size",
    "64",
    "--seed",
    "5",
]
RUN_FILES = (
    "run.json",
    "history.csv",
    "manifest.json",
    "model.keras",
    "summary.json",
    "training_curves.png",
)
# Measured: weights within 5e-5, losses within 2e-5 relative, accuracies equal. The gap is float
# rounding plus the last partial batch (1257 = 19 * 64 + 41): its 21 + 20 examples are averaged
# per replica and then across replicas, a slightly different weighting from one mean over 41.
WEIGHT_ATOL, LOSS_RTOL = 1e-3, 1e-3


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def launch(argv, run_dir, logs, count=2):
    """Starts `count` workers of train.py; each gets its own TMPDIR and log files under `logs`."""
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(count)]}
    workers = []
    for index in range(count):
        temp = logs / f"tmp-{index}"
        temp.mkdir(parents=True, exist_ok=True)
        env = dict(
            os.environ,
            TMPDIR=str(temp),
            ZOO_COLLECTIVE_TIMEOUT=str(TIMEOUT_SECONDS),
            TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
        )
        out, err = open(logs / f"out-{index}.txt", "w"), open(logs / f"err-{index}.txt", "w")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(REPO_ROOT / "train.py"),
                    *argv,
                    "--strategy",
                    "multiworker",
                    "--run-dir",
                    str(run_dir),
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
        )
    return workers, cluster["worker"]


def wait_all(workers, timeout=240) -> list[int]:
    return [worker.wait(timeout=timeout) for worker in workers]


def read(logs, name: str) -> str:
    return (logs / name).read_text()


def history_epochs(run_dir) -> list[int]:
    return pd.read_csv(run_dir / "history.csv")["epoch"].tolist()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    root = tmp_path_factory.mktemp("two-workers")
    workers, _ = launch([*ARGV, "--epochs", "2"], root / "run", root)
    return root, wait_all(workers)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("one-process") / "run"
    assert (
        train.main([*ARGV, "--epochs", "2", "--strategy", "none", "--run-dir", str(run_dir)]) == 0
    )
    return run_dir


def test_two_workers_train_and_only_the_chief_writes(two_workers):
    root, codes = two_workers
    assert codes == [0, 0], read(root, "err-0.txt")[-2000:] + read(root, "err-1.txt")[-2000:]
    startup = read(root, "out-0.txt").splitlines()[0]
    assert (
        "strategy: multiworker" in startup
        and "2 replicas, 2 workers" in startup
        and "the chief" in startup
    )
    run_dir = root / "run"
    assert sorted(path.name for path in run_dir.iterdir()) == sorted((*RUN_FILES, "ckpt"))
    assert history_epochs(run_dir) == [1, 2]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [entry["epoch"] for entry in manifest["checkpoints"]] == [1, 2]
    for index in (0, 1):  # worker 1's temporary save folder is gone; the chief never made one
        assert not [
            path.name for path in (root / f"tmp-{index}").iterdir() if path.name.startswith("zoo-")
        ]


def test_the_chiefs_checkpoint_evaluates_in_one_process(two_workers, tmp_path):
    import evaluate
    from harness.checkpoints.restore import restore_run_model
    from harness.data import load_dataset

    run_dir = two_workers[0] / "run"
    restored = restore_run_model(run_dir, "latest")
    data = load_dataset("digits", layout="flat", seed=5)
    metrics = restored.model.evaluate(
        data.x_test, data.y_test, batch_size=256, verbose=0, return_dict=True
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert restored.checkpoint["epoch"] == 2
    assert metrics["accuracy"] == pytest.approx(summary["test"]["accuracy"], abs=1e-6)
    assert metrics["loss"] == pytest.approx(summary["test"]["loss"], rel=1e-5)
    assert (
        evaluate.main(["--run-dir", str(run_dir), "--checkpoint", "latest", "--out", str(tmp_path)])
        == 0
    )


def test_two_workers_match_one_process_with_the_same_global_batch(two_workers, one_process):
    two = pd.read_csv(two_workers[0] / "run" / "history.csv")
    one = pd.read_csv(one_process / "history.csv")
    for column in ("loss", "val_loss"):
        np.testing.assert_allclose(two[column], one[column], rtol=LOSS_RTOL, err_msg=column)
    for column in ("accuracy", "val_accuracy"):
        np.testing.assert_allclose(two[column], one[column], atol=2 / 1257, err_msg=column)
    two_state, one_state = (
        checkpoint_tensors(two_workers[0] / "run"),
        checkpoint_tensors(one_process),
    )
    assert sorted(two_state) == sorted(
        one_state
    )  # the same checkpoint layout: it moves between them
    for key in two_state:
        if key.startswith("optimizer/_trainable_variables/"):
            np.testing.assert_allclose(
                two_state[key], one_state[key], atol=WEIGHT_ATOL, err_msg=key
            )


def test_a_two_worker_checkpoint_resumes_in_one_process(two_workers, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(two_workers[0] / "run", run_dir)
    assert (
        train.main(["--run-dir", str(run_dir), "--resume", "--epochs", "3", "--strategy", "none"])
        == 0
    )
    assert history_epochs(run_dir) == [1, 2, 3]


def test_one_process_checkpoint_resumes_on_two_workers_and_survives_a_lost_worker(
    one_process, tmp_path
):
    run_dir = tmp_path / "run"
    shutil.copytree(one_process, run_dir)
    resume = ["--resume", "--epochs", "5", "--save-every", "epoch"]
    workers, addresses = launch(resume, run_dir, tmp_path / "first")
    manifest = run_dir / "manifest.json"
    deadline = time.monotonic() + 180
    # Epoch 3 saved means the one-process checkpoint was restored and trained on by both workers.
    while max(entry["epoch"] for entry in json.loads(manifest.read_text())["checkpoints"]) < 3:
        assert time.monotonic() < deadline and workers[0].poll() is None, read(
            tmp_path / "first", "err-0.txt"
        )
        time.sleep(0.02)
    workers[1].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    code = workers[0].wait(timeout=TIMEOUT_SECONDS + 30)
    waited = time.monotonic() - killed
    workers[1].wait()
    error = read(tmp_path / "first", "err-0.txt")
    assert code != 0 and waited < TIMEOUT_SECONDS + 10, (code, waited)
    assert f"lost contact with worker 1 ({addresses[1]})" in error, error[-2000:]
    assert code == 1 and "Traceback" not in error, error[-2000:]
    print(f"survivor exited {waited:.1f} s after its peer was killed")

    workers, _ = launch(resume, run_dir, tmp_path / "second")
    assert wait_all(workers) == [0, 0], read(tmp_path / "second", "err-0.txt")[-2000:]
    assert "resumed from ckpt-" in read(tmp_path / "second", "out-0.txt")
    assert history_epochs(run_dir) == [1, 2, 3, 4, 5]
    assert json.loads((run_dir / "summary.json").read_text())["epochs_run"] == 5


def test_mirrored_on_a_cpu_only_machine_says_so(tmp_path, capsys):
    assert (
        train.main(
            [*ARGV, "--epochs", "1", "--strategy", "mirrored", "--run-dir", str(tmp_path / "run")]
        )
        == 0
    )
    assert (
        "strategy: mirrored on the one CPU device (no GPU visible): 1 replica, 1 worker"
        in capsys.readouterr().out
    )
    # A checkpoint written under mirrored restores in one process, to the weights it saved.
    import keras
    import numpy as np

    from harness.checkpoints.restore import restore_run_model

    restored = restore_run_model(tmp_path / "run", "latest")
    saved = keras.saving.load_model(tmp_path / "run" / "model.keras")
    for got, want in zip(restored.model.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "tf_config, fragment",
    [
        (None, "needs the TF_CONFIG environment variable"),
        ("{not json", "TF_CONFIG is not JSON"),
        (
            '{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 1}}',
            "is not in its cluster",
        ),
        (
            '{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}',
            '"host:port"',
        ),
        ('{"cluster": {"ps": ["localhost:1"]}, "task": {"type": "ps", "index": 0}}', "job 'ps'"),
    ],
)
def test_bad_tf_config_exits_2_with_one_line(tf_config, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    code = train.main([*ARGV, "--strategy", "multiworker", "--run-dir", "run"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and fragment in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_chief_job_comes_first_and_is_the_chief():
    tf_config = {
        "cluster": {"worker": ["b:2", "c:3"], "chief": ["a:1"]},
        "task": {"type": "worker", "index": 0},
    }
    cluster = read_tf_config({"TF_CONFIG": json.dumps(tf_config)})
    assert [address for _, _, address in cluster.tasks] == ["a:1", "b:2", "c:3"]
    assert cluster.rank == 1 and cluster.label("chief", 0) == "chief 0 (a:1)"


def test_the_lost_worker_is_named_from_tensorflows_error():
    cluster = Cluster(
        (("worker", 0, "h:1"), ("worker", 1, "h:2"), ("worker", 2, "h:3")), "worker", 0
    )
    error = RuntimeError(
        "aborted by /job:worker/replica:0/task:0: tasks unhealthy: /job:worker/replica:0/task:2"
    )
    assert "lost contact with worker 2 (h:3)" in lost_worker_message(cluster, error)
    assert "lost contact with one of worker 1 (h:2), worker 2 (h:3)" in lost_worker_message(
        cluster, RuntimeError("timed out")
    )
    pair = Cluster((("worker", 0, "h:1"), ("worker", 1, "h:2")), "worker", 1)
    assert "lost contact with worker 0 (h:1)" in lost_worker_message(
        pair, RuntimeError("timed out")
    )


def test_strategy_choice_and_timeout():
    from harness.runtime.devices import DevicePlan

    assert choose_strategy("auto", DevicePlan("cpu")) == "none"
    assert choose_strategy("auto", DevicePlan("gpu", (0,))) == "none"
    assert choose_strategy("auto", DevicePlan("gpu", (0, 1))) == "mirrored"
    assert choose_strategy("multiworker", DevicePlan("cpu")) == "multiworker"
    assert (
        collective_timeout({}) == 300
        and collective_timeout({"ZOO_COLLECTIVE_TIMEOUT": "12.5"}) == 12.5
    )
    with pytest.raises(UsageError, match="ZOO_COLLECTIVE_TIMEOUT"):
        collective_timeout({"ZOO_COLLECTIVE_TIMEOUT": "soon"})
    for value in ("inf", "1e400", "nan", "-1", "86401"):
        with pytest.raises(UsageError, match="above 0 and at most 86400"):
            collective_timeout({"ZOO_COLLECTIVE_TIMEOUT": value})
    assert collective_timeout({"ZOO_COLLECTIVE_TIMEOUT": "86400"}) == 86400


WATCHED = """
import sys, time
from harness.runtime.cluster import killed_unless_done
if sys.argv[1] == "no-python":
    sys.executable = "/bin/false"  # the watchdog process starts and exits at once
with killed_unless_done(float(sys.argv[2]), "watchdog: time is up"):
    print("body", flush=True)
    time.sleep(float(sys.argv[3]))
print("done", flush=True)
"""


def watched(mode, seconds, sleep):
    return subprocess.run(
        [sys.executable, "-c", WATCHED, mode, str(seconds), str(sleep)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.timeout(90)
def test_the_watchdog_kills_a_hung_join_and_its_failure_stops_training():
    """With ZOO_COLLECTIVE_TIMEOUT=inf the watchdog died of OverflowError and a hung join then
    waited forever; a watchdog that cannot run now stops the process before the join."""
    hung = watched("normal", 1.0, 50)
    assert hung.returncode == -signal.SIGKILL and hung.stdout == "body\n"
    assert "watchdog: time is up" in hung.stderr
    joined = watched("normal", 86400, 0)  # a day's timeout, and the body ends at once
    assert joined.returncode == 0 and joined.stdout == "body\ndone\n"
    broken = watched("no-python", 86400, 0)
    assert broken.returncode == 1 and broken.stdout == ""
    assert "RuntimeError: the watchdog that enforces ZOO_COLLECTIVE_TIMEOUT did not start" in (
        broken.stderr
    )


@pytest.mark.timeout(240)
def test_a_taken_port_is_one_line_naming_it(tmp_path):
    """A 'Could not start gRPC server' traceback before."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        tf_config = {
            "cluster": {"worker": [f"localhost:{port}", f"localhost:{free_ports(1)[0]}"]},
            "task": {"type": "worker", "index": 0},
        }
        done = subprocess.run(
            [sys.executable, str(REPO_ROOT / "train.py"), *ARGV, "--epochs", "1"]
            + ["--strategy", "multiworker", "--run-dir", str(tmp_path / "run")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=200,
            env={**os.environ, "TF_CONFIG": json.dumps(tf_config), "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    err = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(err) == 1, done.stderr
    assert not (tmp_path / "run").exists()
    assert err[0] == (
        f"error: port {port} of worker 0 (localhost:{port}) in TF_CONFIG is in use by another "
        "program on this machine; stop that program or give this worker a free port"
    )
