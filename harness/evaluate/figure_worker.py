"""A batch's report figures, drawn in worker processes while this process evaluates the next run.

In `evaluate.py --all` the figures cost about as much CPU as everything else an evaluation does,
and they need nothing of TensorFlow: the arrays they are drawn from are small and picklable. So
the batch hands each figure (`harness.reports.style.draw_png`'s arguments) to a pool of spawned
processes, one fewer than the usable cores (at least one), and writes an evaluation's report.html
only once its figures are on disk, so that no page links to a missing image. Once the main
process has evaluated every run it draws the figures no worker has started yet, newest first,
while the workers go on with the oldest: every core draws until the last figure is written.

The workers are spawned, never forked: a fork of a process that holds TensorFlow's threads can
deadlock. They import Matplotlib and scikit-learn (`FIGURE_MODULES`, which import no TensorFlow)
as soon as they start, which the plan does before TensorFlow's import so that the two overlap.
Ctrl-C reaches the whole process group; the workers ignore it, and the main process's interrupt
shuts the pool down: figures not yet started are cancelled, those being drawn are written whole
(atomically), and the workers exit. A worker whose main process died exits on its own.
"""

import atexit
import collections
import concurrent.futures
import importlib
import multiprocessing
import os
import pickle
import signal
import threading
import time

# What the figures are drawn with, imported by each worker as it starts.
FIGURE_MODULES = (
    "harness.reports.classification_figures",
    "harness.reports.curves",
    "harness.reports.regression",
    "harness.reports.forecast",
)
PARENT_POLL_SECONDS = 1.0


def usable_workers() -> int:
    """One process per usable core beside the main process's, and at least one."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


class FigureWorkers:
    """Figures drawn in `workers` spawned processes (0: here, at once), and what waits on them.

    `draw` takes `harness.reports.style.draw_png`'s arguments. `then(finish)` says what to do
    once the figures drawn since the previous `then` are written: `finished` calls
    `finish(error)`, error None or the exception a figure raised, in the order of the `then`s.
    While `finished(wait=True)` waits, this process draws too: it takes the newest figures no
    worker has started. Use it as a context manager: leaving it shuts the workers down.
    """

    def __init__(self, workers: int):
        self._pool = None
        if workers > 0:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            self._pool.submit(int)  # starts the workers now (the pool waits for a first task)
        self._drawn, self._waiting, self._ahead = [], collections.deque(), {}

    def draw(self, builder, path, *args, **kwargs) -> None:
        """Draws `builder(*args, **kwargs)` into the PNG `path`, in a worker if there are any."""
        from harness.reports.style import draw_png

        ahead = self._ahead.pop(path, None)
        if ahead is not None and ahead[0] == _call_key(builder, args, kwargs):
            self._drawn.append(_Figure(ahead[1], (builder, path, *args), kwargs, rendered=True))
        elif self._pool is None:
            draw_png(builder, path, *args, **kwargs)
        else:
            future = self._pool.submit(draw_png, builder, path, *args, **kwargs)
            self._drawn.append(_Figure(future, (builder, path, *args), kwargs))

    def draw_ahead(self, builder, path, *args, **kwargs) -> None:
        """Renders in a worker, now, a figure that `draw` will be asked for later: `draw` with
        the same arguments then writes these bytes to `path` instead of drawing it again (other
        arguments, or none of that figure, and they are dropped). Nothing without workers."""
        from harness.reports.style import png_bytes

        if self._pool is not None:
            future = self._pool.submit(png_bytes, builder, *args, **kwargs)
            self._ahead[path] = (_call_key(builder, args, kwargs), future)

    def then(self, finish) -> None:
        """Queues `finish(error)` after the figures drawn since the previous `then`."""
        self._waiting.append((self._drawn, finish))
        self._drawn = []

    def finished(self, *, wait: bool = False):
        """Yields what each queued `finish` returns, in order, for as long as the figures it
        waits on are written (with `wait`, until the queue is empty)."""
        while self._waiting:
            figures, finish = self._waiting[0]
            if not all(figure.done() for figure in figures):
                if not wait:
                    return
                if self._draw_one_here():
                    continue
            self._waiting.popleft()
            yield finish(_first_error(figures))

    def _draw_one_here(self) -> bool:
        # The newest figure no worker has started, drawn here; False if there is none.
        for figures, _ in reversed(self._waiting):
            for figure in reversed(figures):
                if figure.take():
                    return True
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _first_error(figures):
    # Waits for each figure; the first one's exception, or None.
    errors = [figure.error() for figure in figures]
    return next((error for error in errors if error is not None), None)


def _call_key(builder, args, kwargs) -> bytes:
    # Equal for calls that draw the same figure (a builder is pickled by its name).
    return pickle.dumps((builder, args, kwargs))


class _Figure:
    """One figure handed to the pool: its future, or its outcome if this process drew it. The
    future of a `rendered` figure holds its PNG's bytes, which `error` writes to the file."""

    def __init__(self, future, args, kwargs, *, rendered=False):
        self.future, self.args, self.kwargs, self.rendered = future, args, kwargs, rendered
        self.settled, self._error = False, None  # settled: its outcome is this process's

    def done(self) -> bool:
        return self.settled or self.future.done()

    def error(self):
        """The exception the figure raised, or None; waits for a worker's figure."""
        if self.settled:
            return self._error
        error = self.future.exception()
        if error is None and self.rendered:
            from harness.atomic import write_bytes_atomic

            self.settled = True
            try:
                write_bytes_atomic(self.args[1], self.future.result())
            except Exception as failure:
                self._error = error = failure
        return error

    def take(self) -> bool:
        """Draws the figure here if no worker has started it (its future is cancelled)."""
        if self.settled or not self.future.cancel():
            return False
        from harness.reports.style import draw_png

        self.settled = True
        try:
            draw_png(*self.args, **self.kwargs)
        except Exception as error:
            self._error = error
        return True


def _start_worker(parent: int) -> None:
    # The main process answers Ctrl-C and then shuts this worker down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_without, args=(parent,), daemon=True).start()
    for name in FIGURE_MODULES:
        importlib.import_module(name)
    # A worker ends when its pool is shut down, its figures written whole: it exits at once
    # rather than tearing down Matplotlib, scikit-learn and pandas module by module, which
    # the main process would wait for.
    atexit.register(os._exit, 0)


def _exit_without(parent: int) -> None:
    # A main process killed outright cannot shut the pool down; its worker would wait forever.
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)
