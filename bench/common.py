"""Shared bench helpers: summaries of repeated timings, child processes, the machine.

Every comparison in bench/ is a ratio taken inside one interleaved round (A B C, A B C, ...),
so slow drift in the load of a shared machine hits every path of a round alike. A figure is
then reported as the median over rounds with its min-max spread.
"""

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# The bench's scratch space; git ignores it and every section cleans up what it writes there.
WORK_DIR = REPO_ROOT / "bench" / "_work"


def summarize(values) -> dict:
    """Median, min, max and count of repeated measurements (None entries are dropped)."""
    kept = [float(value) for value in values if value is not None]
    if not kept:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(kept), "min": min(kept), "max": max(kept), "n": len(kept)}


def percentile(values, fraction: float) -> float:
    """The nearest-rank percentile (fraction in 0..1) of a non-empty list."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def child_env(**extra) -> dict:
    """The environment for a child Python: quiet TensorFlow, the repo importable."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update({key: str(value) for key, value in extra.items()})
    return env


def run_child(args, *, env=None, timeout=900, stream_stderr=False) -> dict:
    """Runs `python ARGS` from the repo root and measures it from the outside.

    Returns:
        {"wall_seconds", "cpu_seconds", "peak_rss_mb", "returncode", "stdout", "stderr"}, where
        cpu_seconds is the child's user and system time (what load from others does not
        inflate as it does the wall time). The peak RSS comes
        from wait4() on this one child, so earlier children do not mask it (which
        getrusage(RUSAGE_CHILDREN), a maximum over all children, would). With `stream_stderr`
        the child's stderr (its progress) goes straight to ours and "stderr" is empty.
    """
    # Output goes to files, not pipes: wait4() must be the call that reaps the child.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, *map(str, args)],
            cwd=REPO_ROOT,
            env=env or child_env(),
            stdout=out,
            stderr=None if stream_stderr else err,
            text=True,
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "wall_seconds": wall,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "returncode": process.returncode,
            "stdout": out.read(),
            "stderr": err.read(),
        }


def run_section_child(sections, *, quick: bool, timeout=1800) -> dict:
    """Runs TensorFlow sections in one fresh process (bench/worker.py); returns {section: JSON}."""
    out = WORK_DIR / f"{'-'.join(sections)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = ["bench/worker.py", *sections, "--out", out] + (["--quick"] if quick else [])
    result = run_child(args, timeout=timeout, stream_stderr=True)
    if result["returncode"] or not out.exists():
        error = {"error": f"bench/worker.py exited {result['returncode']} (its stderr is above)"}
        return {name: dict(error) for name in sections}
    data = json.loads(out.read_text())
    out.unlink()
    for name in sections:
        if "error" in data.get(name, {}):
            sys.stderr.write(f"section {name} failed: {data[name]['error']}\n")
    return data


def machine_info() -> dict:
    """CPU model, cores, load, and the versions that matter, without importing TensorFlow."""
    from importlib.metadata import version

    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "python": platform.python_version(),
        "tensorflow": version("tensorflow"),
        "keras": version("keras"),
        "numpy": version("numpy"),
        "platform": platform.platform(),
        "load_average": load_average(),
    }


def code_version() -> dict:
    """The commit measured, and the files of the measured code that differed from it."""

    def git(*args):
        result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "harness", "zoo", "train.py", "evaluate.py")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_in_measured_code": changed.splitlines() if changed else [],
    }


def load_average() -> list:
    """The 1, 5 and 15 minute load averages (other users' work on a shared machine)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def log(message: str) -> None:
    """Progress on stderr, so stdout stays the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
