"""Ctrl-C (SIGINT) and SIGTERM: a flag that training reads between steps, and a clean exit.

While `stop_on_signals()` is active the signal handlers only set a flag: the Python-level
handler, and a watcher thread woken by the wakeup pipe Python's C-level handler writes the
signal's number to (`signal.set_wakeup_fd`). The training loop looks at that flag at each step
boundary, saves, and raises `Interrupted`, which the command turns into one line and exit code
130 (SIGINT) or 143 (SIGTERM), the shell's 128 + signal number.

A second signal ends the process at once, from the watcher thread, even while the main thread
is inside TensorFlow's C++ write: a checkpoint is recorded in manifest.json only after its files
are complete, so the previous one stays the newest intact one and `--resume` takes it.

Outside training (evaluate.py, predict.py, `python -m harness.checkpoints`), `terminate_as_
interrupt()` makes SIGTERM raise like Ctrl-C does, so that every atomic write on the way out
removes its temporary file; the target files are whole, old or new, either way.
"""

import contextlib
import os
import signal
import threading

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interrupted(BaseException):
    """Raised after an interrupted run was saved (or when nothing was to save).

    A BaseException, like KeyboardInterrupt: no `except Exception` on the way out swallows it.

    Args:
        signal_number: the signal that asked for the stop.
        message: the one line the command prints.
    """

    def __init__(self, signal_number: int, message: str):
        super().__init__(message)
        self.signal_number = signal_number
        self.exit_code = EXIT_CODES.get(signal_number, 128 + int(signal_number))


class StopRequest:
    """The first signal seen; a second one ends the process.

    Each signal reaches two watchers: the Python-level handler, which runs in the main thread
    between two bytecodes, and the wakeup-pipe thread, which runs even while the main thread is
    inside C++. Each counts on its own, so whichever sees a second signal first ends the process.
    Neither saves anything.
    """

    def __init__(self):
        self.signal_number = None
        self.active = False  # False where signals could not be caught (not the main thread)
        self.on_second_signal = None  # a line to print before ending at once
        self._seen = {"handler": 0, "pipe": 0}

    @property
    def requested(self) -> bool:
        return self.signal_number is not None

    def received(self, signal_number: int, *, by: str) -> None:
        """Counts a signal seen by one of the two watchers ("handler" or "pipe")."""
        self._seen[by] += 1
        if self.signal_number is None:
            self.signal_number = signal_number
        if self._seen[by] >= 2:
            if self.on_second_signal:
                os.write(2, self.on_second_signal.encode("utf-8"))
            os._exit(EXIT_CODES.get(signal_number, 128 + signal_number))


@contextlib.contextmanager
def stop_on_signals(signals=(signal.SIGINT, signal.SIGTERM)):
    """Catches `signals` for the block and yields the `StopRequest` they set.

    Only the main thread can install signal handlers; from another thread (a test's or a
    bench's) the block runs with the handlers as they were and a request that stays unset.
    """
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)

    def handler(signal_number, frame):
        request.received(signal_number, by="handler")

    previous = {number: signal.signal(number, handler) for number in signals}
    previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    watcher = threading.Thread(
        target=_watch, args=(read_fd, request, set(signals)), name="signal-watcher", daemon=True
    )
    watcher.start()
    request.active = True
    try:
        yield request
    finally:
        request.active = False
        signal.set_wakeup_fd(previous_wakeup)
        for number, handler in previous.items():
            signal.signal(number, handler)
        os.close(write_fd)  # the watcher reads end-of-file and returns
        watcher.join()
        os.close(read_fd)


def _watch(read_fd: int, request: StopRequest, signals: set) -> None:
    while True:
        received = os.read(read_fd, 64)
        if not received:
            return
        for number in received:
            if number in signals:
                request.received(number, by="pipe")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, as Ctrl-C raises KeyboardInterrupt."""


# The signals `terminate_as_interrupt`'s handler has raised for, in the order received.
_raised: list[int] = []


def _raise_interrupt(signal_number, frame):
    _raised.append(signal_number)
    raise _Terminated() if signal_number == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM raises (a KeyboardInterrupt) for the block, so cleanup on the way out runs.

    Ctrl-C raises through the same handler, which also records the signal, unless SIGINT was
    ignored when the process started (a background job's): that stays ignored. The record is
    there because an interrupt raised inside a library's bare `except:` is lost. Keras has such
    clauses on the evaluation path (`keras.src.utils.python_utils.pythonify_logs` converts every
    evaluation's logs to floats inside one), and under load a SIGTERM or Ctrl-C sometimes let a
    whole `evaluate.py --all` run on to exit 0. `raise_if_interrupted()`, called between units
    of work and when the command ends, raises it again.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    del _raised[:]
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupt)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def raise_if_interrupted() -> None:
    """Raises the interrupt of a signal received in `terminate_as_interrupt`'s block, if any:
    the first raise was swallowed on its way out, or this would not be reached."""
    if _raised:
        raise _Terminated() if _raised[0] == signal.SIGTERM else KeyboardInterrupt()


def exit_code_of(interrupt: KeyboardInterrupt) -> int:
    """130 for Ctrl-C, 143 for a SIGTERM turned into an interrupt by `terminate_as_interrupt`."""
    return EXIT_CODES[signal.SIGTERM if isinstance(interrupt, _Terminated) else signal.SIGINT]
