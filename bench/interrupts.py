"""What an interruption costs: SIGTERM-to-exit latency, and the training a SIGKILL loses.

Each sample is a fresh `python train.py` process training the default mlp recipe for longer than
its default (so that a kill can land late), the default save policy. A signal is sent at a random
moment after the first epoch has ended (before, a signal that lands in the first call waits for
its trace, a few seconds):

- **SIGTERM**: the seconds from the signal to the process's exit (the step in flight, the save
  with its fsyncs, the exit), and that it exited 143 naming the checkpoint it wrote;
- **SIGKILL**: the training lost, in seconds: from the newest checkpoint's write (its manifest
  time) to the kill, or from the start of training if nothing was saved yet.

Run by bench/run.py as section `interrupts`, in child processes only (this one imports no
TensorFlow).
"""

import contextlib
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime

from bench.common import REPO_ROOT, WORK_DIR, child_env, percentile

FULL = {"signals": 10, "kills": 10, "sigterm_window_s": (0.5, 8.0), "kill_window_s": (5.0, 40.0)}
QUICK = {"signals": 3, "kills": 3, "sigterm_window_s": (0.5, 4.0), "kill_window_s": (5.0, 25.0)}
EPOCHS = 1000  # the mlp's 0.1 s epochs: longer than any kill window
INTERRUPTED = re.compile(r"interrupted at epoch \d+, step \d+ of \d+; saved (ckpt-\d+)")
EPOCH_ENDED = re.compile(r"(?m)^\d+/\d+ - ")  # Keras's line at the end of epoch 1


def run_interrupts(quick: bool) -> dict:
    """SIGTERM latency and SIGKILL lost work, p50 and max, with every sample."""
    plan = QUICK if quick else FULL
    rng = random.Random(14)
    latencies = [
        _sigterm_sample(rng.uniform(*plan["sigterm_window_s"])) for _ in range(plan["signals"])
    ]
    lost = [_sigkill_sample(rng.uniform(*plan["kill_window_s"])) for _ in range(plan["kills"])]
    seconds = [sample["exit_seconds"] for sample in latencies]
    lost_seconds = [sample["lost_seconds"] for sample in lost]
    return {
        "sigterm_to_exit_s": {"p50": percentile(seconds, 0.5), "max": max(seconds)},
        "sigterm_samples": latencies,
        "sigkill_lost_training_s": {"p50": percentile(lost_seconds, 0.5), "max": max(lost_seconds)},
        "sigkill_samples": lost,
    }


@contextlib.contextmanager
def _training(kind: str):
    """Yields (process, run folder, time.time() when epoch 1 ended) of a fresh default mlp
    run, and removes its files afterwards."""
    run_dir = WORK_DIR / f"{kind}-{uuid.uuid4().hex[:8]}"
    out_path = run_dir.parent / f"{run_dir.name}.out"
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w") as out:
        process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "train.py"), "--model", "mlp"]
            + ["--epochs", str(EPOCHS), "--run-dir", str(run_dir)],
            cwd=REPO_ROOT,
            env=child_env(),
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        while not EPOCH_ENDED.search(out_path.read_text()):
            if process.poll() is not None:
                raise RuntimeError(f"train.py exited {process.returncode}: {process.stderr.read()}")
            time.sleep(0.005)
        yield process, run_dir, time.time()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(run_dir, ignore_errors=True)
        out_path.unlink(missing_ok=True)


def _sigterm_sample(after: float) -> dict:
    with _training("sigterm") as (process, _, _):
        time.sleep(after)
        sent = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=120)
        seconds = time.perf_counter() - sent
        found = INTERRUPTED.search(process.stderr.read())
    return {
        "after_s": round(after, 2),
        "exit_seconds": seconds,
        "exit_code": code,
        "saved": found.group(1) if found else None,
    }


def _sigkill_sample(after: float) -> dict:
    with _training("sigkill") as (process, run_dir, trained_from):
        time.sleep(after)
        process.send_signal(signal.SIGKILL)
        killed = time.time()
        process.wait(timeout=60)
        manifest = run_dir / "manifest.json"
        entries = json.loads(manifest.read_text())["checkpoints"] if manifest.exists() else []
    saved = datetime.fromisoformat(entries[-1]["time"]).timestamp() if entries else None
    return {
        "after_s": round(after, 2),
        "newest": entries[-1]["name"] if entries else None,
        "lost_seconds": killed - (saved if saved else trained_from),
    }
