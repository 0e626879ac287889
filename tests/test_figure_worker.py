"""The batch's figure workers: real spawned processes, the same PNGs as drawn in-process, a
figure's error back in the main process, and evaluate.py --all interrupted by real signals."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from harness.atomic import TEMPORARY_SUFFIX
from harness.evaluate.figure_worker import FIGURE_MODULES, FigureWorkers, usable_workers
from harness.reports.classification_figures import confusion_matrix_figure
from harness.reports.style import draw_png
from tests.conftest import REPO_ROOT
from tests.eval_tools import train_digits_mlp

pytestmark = pytest.mark.timeout(240)

COUNTS = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
NAMES = ["cat", "dog", "a rather long class name"]


def _matrix_arguments():
    return COUNTS, COUNTS / COUNTS.sum(axis=1, keepdims=True), NAMES, "true"


def test_the_workers_modules_import_no_tensorflow():
    script = (
        "import importlib, sys\n"
        f"for name in {FIGURE_MODULES!r} + ('harness.evaluate.figure_worker',):\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_one_worker_per_core_beside_the_main_process():
    assert usable_workers() == max(1, len(os.sched_getaffinity(0)) - 1)


def test_a_worker_draws_the_same_png_as_this_process(tmp_path):
    draw_png(confusion_matrix_figure, tmp_path / "here.png", *_matrix_arguments())
    with FigureWorkers(1) as figures:
        figures.draw(confusion_matrix_figure, tmp_path / "worker.png", *_matrix_arguments())
        figures.then(lambda error: error)
        assert list(figures.finished(wait=True)) == [None]
    assert (tmp_path / "worker.png").read_bytes() == (tmp_path / "here.png").read_bytes()


def test_finishes_run_in_order_once_their_figures_are_written(tmp_path):
    with FigureWorkers(1) as figures:
        for name in ("a", "b"):
            figures.draw(confusion_matrix_figure, tmp_path / f"{name}.png", *_matrix_arguments())
            figures.then(lambda error, name=name: (name, (tmp_path / f"{name}.png").is_file()))
        figures.then(lambda error: ("nothing drawn", error))
        assert list(figures.finished(wait=True)) == [
            ("a", True),
            ("b", True),
            ("nothing drawn", None),
        ]


def test_a_figure_that_fails_in_a_worker_hands_its_error_to_the_finish(tmp_path):
    counts, normalized, _, normalize = _matrix_arguments()
    with FigureWorkers(1) as figures:
        # Two names for three classes: scikit-learn's display refuses them, in the worker.
        figures.draw(confusion_matrix_figure, tmp_path / "bad.png", counts, normalized,
                     NAMES[:2], normalize)  # fmt: skip
        figures.then(lambda error: error)
        (error,) = figures.finished(wait=True)
    assert isinstance(error, ValueError)
    assert not (tmp_path / "bad.png").exists()
    assert not list(tmp_path.iterdir())  # no temporary file either


def test_a_figure_drawn_ahead_is_written_when_asked_for_with_the_same_arguments(tmp_path):
    draw_png(confusion_matrix_figure, tmp_path / "here.png", *_matrix_arguments())
    counts, normalized, names, _ = _matrix_arguments()
    with FigureWorkers(1) as figures:
        figures.draw_ahead(confusion_matrix_figure, tmp_path / "a.png", *_matrix_arguments())
        figures.draw_ahead(confusion_matrix_figure, tmp_path / "b.png", *_matrix_arguments())
        figures.draw(confusion_matrix_figure, tmp_path / "a.png", *_matrix_arguments())
        # Other arguments: drawn again, as asked, and the bytes drawn ahead are dropped.
        figures.draw(confusion_matrix_figure, tmp_path / "b.png", counts, normalized, names, "all")
        figures.then(lambda error: error)
        assert list(figures.finished(wait=True)) == [None]
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "here.png").read_bytes()
    draw_png(confusion_matrix_figure, tmp_path / "all.png", counts, normalized, names, "all")
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "all.png").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "a.png",
        "all.png",
        "b.png",
        "here.png",
    ]


def test_without_workers_figures_are_drawn_at_once(tmp_path):
    with FigureWorkers(0) as figures:
        figures.draw(confusion_matrix_figure, tmp_path / "here.png", *_matrix_arguments())
        assert (tmp_path / "here.png").is_file()
        figures.then(lambda error: "done")
        assert list(figures.finished()) == ["done"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Ten copies of a tiny digits mlp run: enough for an interrupt to land mid-batch, even when
    the suite's other workers slow the figures down."""
    root = tmp_path_factory.mktemp("interrupted")
    train_digits_mlp(root / "source", epochs=1, widths=8)
    for index in range(10):
        shutil.copytree(root / "source", root / "runs" / f"run-{index}")
    return root / "runs"


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _is_worker(pid: int) -> bool:
    # A pool's worker, not the resource tracker multiprocessing also starts.
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _stopped(pid: int, timeout: float = 10.0) -> bool:
    """Waits until the process is stopped (SIGSTOP); False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state in "TtZ":
            return state != "Z"
        time.sleep(0.001)
    return False


def _signal_masks(pid: int) -> list[str]:
    # For the failure message: a blocked or ignored signal is the usual reason one does nothing.
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return [line for line in lines if line.startswith(("SigBlk", "SigIgn", "SigCgt"))]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("signal_number", "to_group", "exit_code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c-to-the-group", "sigterm-to-the-main-process"],
)
def test_an_interrupted_batch_leaves_whole_files_and_no_worker(
    runs, signal_number, to_group, exit_code
):
    for reports in runs.glob("*/reports"):
        shutil.rmtree(reports)
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "evaluate.py"), "--all", str(runs)],
        cwd=REPO_ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
        # Ctrl-C's disposition as a terminal gives it: a suite started in the background by a
        # shell without job control ignores SIGINT, and Python keeps an inherited SIG_IGN.
        preexec_fn=_default_sigint,
    )
    workers = []
    deadline = time.monotonic() + 180
    # The signal lands once a worker has drawn a first figure: the main process is then
    # evaluating the next runs while figures are being drawn.
    while not list(runs.glob("*/reports/*/*.png")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        workers = workers or [pid for pid in _children(process.pid) if _is_worker(pid)]
        time.sleep(0.01)
    # Frozen, the batch is where the test sees it when the signal arrives: still running, with
    # pages left to write. The signal is delivered as the group continues.
    os.killpg(process.pid, signal.SIGSTOP)
    frozen = _stopped(process.pid), _signal_masks(process.pid)
    pages_then = len(list(runs.glob("*/reports/*/report.html")))
    if to_group:
        os.killpg(process.pid, signal_number)
    else:
        process.send_signal(signal_number)
    os.killpg(process.pid, signal.SIGCONT)
    out, err = process.communicate(timeout=120)
    pages = list(runs.glob("*/reports/*/report.html"))
    assert frozen[0] and pages_then < 10, ("the batch was not mid-way", frozen, pages_then, out)
    assert process.returncode == exit_code, (frozen, pages_then, len(pages), out, err)
    assert "interrupted; nothing is left half-written" in err
    assert "Traceback" not in err
    assert workers, "no worker process was seen"
    assert not [pid for pid in workers if _alive(pid)]
    assert len(pages) < 10, "the signal came after the batch"
    for page in pages:
        for image in re.findall(r'src="([^"]+\.png)"', page.read_text()):
            assert (page.parent / image).is_file(), f"{page} shows a missing {image}"
    for folder in runs.glob("*/reports/*"):
        assert not [path for path in folder.iterdir() if path.name.endswith(TEMPORARY_SUFFIX)]
        if not (folder / "report.html").exists():
            assert not (folder / "metrics.json").exists()
